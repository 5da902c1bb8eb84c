import type { Clock } from "../ports/clock.js";
import type { IdleEventNames } from "../ports/moments.js";

/**
 * How long a matcher container trusts "no running moment uses this event name". At most
 * OBSERVED_FLUSH_MS: an event on a remembered name then always finds its observed count held in
 * memory (see ObservedEventBuffer), so skipping the marker read never costs a round trip.
 */
export const IDLE_EVENT_NAME_TTL_MS = 5_000;
/** Names remembered per container at most; past it the oldest are forgotten (reads, not errors). */
const MAX_REMEMBERED = 10_000;

/** IdleEventNames in this container's memory, each name for `ttlMs` after the read that found it idle. */
export class MemoryIdleEventNames implements IdleEventNames {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = IDLE_EVENT_NAME_TTL_MS,
  ) {}

  isIdle(workspaceId: string, eventName: string): boolean {
    const key = JSON.stringify([workspaceId, eventName]);
    const until = this.until.get(key);
    if (until === undefined) return false;
    if (until > this.clock.now().getTime()) return true;
    this.until.delete(key);
    return false;
  }

  forget(workspaceId: string, eventName: string): void {
    this.until.delete(JSON.stringify([workspaceId, eventName]));
  }

  remember(workspaceId: string, eventName: string): void {
    const key = JSON.stringify([workspaceId, eventName]);
    this.until.delete(key);
    if (this.until.size >= MAX_REMEMBERED) {
      const oldest = this.until.keys().next().value;
      if (oldest !== undefined) this.until.delete(oldest);
    }
    this.until.set(key, this.clock.now().getTime() + this.ttlMs);
  }
}
