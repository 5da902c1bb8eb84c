import type { Moment, MomentStatus } from "../domain/moment.js";

export interface MomentRepository {
  createMoment(moment: Moment): Promise<void>;
  getMoment(workspaceId: string, momentId: string): Promise<Moment | undefined>;
  /**
   * Every moment of a workspace (all statuses). Moments are configuration (hundreds per workspace,
   * not millions), so callers may read them all and filter in memory.
   */
  listMoments(workspaceId: string): Promise<Moment[]>;
  /**
   * Replaces the stored moment with `next` if it is still at `expectedVersion` (optimistic locking:
   * no lost updates); undefined when someone else changed it (or it is gone).
   */
  updateMoment(next: Moment, expectedVersion: number): Promise<Moment | undefined>;
  /** Changes status if the moment is still at its version; undefined when someone else changed it. */
  setMomentStatus(moment: Moment, status: MomentStatus, updatedAt: string): Promise<Moment | undefined>;
  /** Deletes the moment if it is still at `expectedVersion`; false when it changed or is gone. */
  deleteMoment(workspaceId: string, momentId: string, expectedVersion: number): Promise<boolean>;
  /**
   * What an event means to a workspace's running moments, in one read (eventually consistent): the
   * moments whose start rule names it, and the abandonment moments whose `unless` event it is (with
   * the moment's run key property), so an unless event cancels even a start that is not armed yet.
   */
  findByEvent(workspaceId: string, eventName: string): Promise<MomentsByEvent>;
  /** Running moments of a workspace whose start rule names this event (eventually consistent). */
  findRunningMomentsStartingOn(workspaceId: string, eventName: string): Promise<Moment[]>;
}

export interface MomentsByEvent {
  starting: Moment[];
  unlessListeners: Array<{ momentId: string; key?: string }>;
}

/**
 * Event names a workspace's running moments neither start on nor cancel on, remembered for a bounded
 * time by one matcher container: such an event needs no index read. Only "nothing listens" is
 * remembered; what an event starts or cancels is always read from the index, so a stopped moment is
 * never started from memory. The price: a moment started (or whose start or `unless` event changed)
 * less than the remembered time ago may miss events in a container that remembered their name.
 */
export interface IdleEventNames {
  isIdle(workspaceId: string, eventName: string): boolean;
  remember(workspaceId: string, eventName: string): void;
  /** Reads the index again for this name from now on (until it is found idle again). */
  forget(workspaceId: string, eventName: string): void;
}
