import type { Moment, MomentStatus } from "../domain/moment.js";

export interface MomentRepository {
  createMoment(moment: Moment): Promise<void>;
  getMoment(workspaceId: string, momentId: string): Promise<Moment | undefined>;
  /** Changes status if the moment is still at its version; undefined when someone else changed it. */
  setMomentStatus(moment: Moment, status: MomentStatus, updatedAt: string): Promise<Moment | undefined>;
  /** Running moments of a workspace whose start rule names this event (eventually consistent). */
  findRunningMomentsStartingOn(workspaceId: string, eventName: string): Promise<Moment[]>;
}
