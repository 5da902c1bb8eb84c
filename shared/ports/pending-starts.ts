import type { EventReceivedDetail } from "../contracts/bus.js";

/**
 * A gate is trusted to wait on for a re-armed start only while its own due time is at least this far
 * ahead of the arming (it has not woken yet, allowing for the write's latency and clock skew): a
 * trigger that re-arms a start falling due sooner (its gate may be opening it right now, or retrying
 * through an outage) starts a gate of its own. Two gates open a start once: the run id derives from
 * the trigger, the entry and the take are conditional.
 */
export const GATE_MARGIN_MS = 1_000;

/** An armed abandonment start: the latest trigger, and the token of the gate that may open it. */
export interface PendingStart {
  momentId: string;
  runKey?: string;
  /** The messageId of the trigger that armed it last: only that trigger's gate may open it. */
  token: string;
  dueAt: string;
  trigger: EventReceivedDetail;
  /** The name of the gate execution that waits for it (kept across re-arms: one gate per start). */
  gate?: string;
}

/**
 * What arming did: `armed`, or re-armed a start whose earlier trigger's gate still waits (`rearmed`,
 * with that start as it was), or refused because a trigger that happened later already armed it
 * (`newer_trigger`), or because the `unless` event happened after this trigger (`unless_event`).
 * Events are not processed in order, so both refusals are ordinary.
 */
export type ArmResult = "armed" | "newer_trigger" | "unless_event" | { rearmed: PendingStart };

export interface PendingStartRepository {
  /**
   * Arms or re-arms (a repeat trigger resets the timer): the latest trigger replaces the previous one.
   * An older trigger, or one from before a kept cancellation, arms nothing and says why. One that
   * replaces a start armed by an earlier trigger whose gate is still waiting (due more than
   * GATE_MARGIN_MS ahead) answers that start: its gate wakes at its own due time, finds the start
   * re-armed and waits on, so this trigger needs no gate of its own.
   */
  arm(pending: PendingStart & { workspaceId: string; accountId: string }, at: string): Promise<ArmResult>;
  /** The start armed now (by its latest trigger), if any: its gate waits until its due time. */
  current(
    workspaceId: string,
    accountId: string,
    momentId: string,
    runKey: string | undefined,
  ): Promise<Pick<PendingStart, "token" | "dueAt"> | undefined>;
  /** The trigger of the start if it is still armed by `token`. */
  peek(
    workspaceId: string,
    accountId: string,
    momentId: string,
    runKey: string | undefined,
    token: string,
  ): Promise<EventReceivedDetail | undefined>;
  /**
   * The `unless` event happened at `at` (its timestamp): disarms a start armed by an earlier trigger,
   * and keeps the cancellation so a trigger from before `at` that is processed later does not arm
   * (events are not processed in order). True when an armed start was disarmed.
   */
  cancel(
    workspaceId: string,
    accountId: string,
    momentId: string,
    runKey: string | undefined,
    at: string,
  ): Promise<boolean>;
  /**
   * Takes the armed start if it is still armed by `token` (atomic: one gate opens it, once); the
   * trigger to start the run with, or undefined when it was re-armed or cancelled meanwhile.
   */
  take(
    workspaceId: string,
    accountId: string,
    momentId: string,
    runKey: string | undefined,
    token: string,
  ): Promise<EventReceivedDetail | undefined>;
}
