import { MAX_SAMPLE_PER_EVENT } from "../domain/insights.js";
import type { Clock } from "../ports/clock.js";
import type { InsightsRecorder } from "../ports/insights.js";

/** How long a matcher container may hold an event name's counts before writing them. */
export const OBSERVED_FLUSH_MS = 10_000;
/** Event names a container keeps counts for at most; past it, an event is written at once. */
const MAX_BUFFERED_NAMES = 10_000;

interface Held {
  workspaceId: string;
  eventName: string;
  /** When this container last wrote this name's counts (ms). */
  writtenAt: number;
  pending?: { count: number; firstAt: string; at: string; shard: number; names: Set<string> };
}

/**
 * An InsightsRecorder whose observed-event counters are written at most once per OBSERVED_FLUSH_MS
 * per event name by this container: the first event of a name (or the first after a quiet interval)
 * is written at once, so a new name shows in the console right away; the next ones are added up in
 * memory and written together by `flushDue`, which the match handler calls after every batch. A busy
 * name costs one write per container every 10 s instead of one per event. The price, on top of the
 * counts' approximation: a total may lag by 10 s (longer while no batch reaches the container), and
 * what a container holds when it is shut down is lost. Every other record is written through.
 */
export class ObservedEventBuffer implements InsightsRecorder {
  private readonly held = new Map<string, Held>();

  constructor(
    private readonly inner: InsightsRecorder,
    private readonly clock: Clock,
    private readonly flushMs = OBSERVED_FLUSH_MS,
  ) {}

  recordDecisions(...batches: Parameters<InsightsRecorder["recordDecisions"]>) {
    return this.inner.recordDecisions(...batches);
  }

  recordAccountEvent(...args: Parameters<InsightsRecorder["recordAccountEvent"]>) {
    return this.inner.recordAccountEvent(...args);
  }

  forgetAccountEvent(...args: Parameters<InsightsRecorder["forgetAccountEvent"]>) {
    return this.inner.forgetAccountEvent(...args);
  }

  async observeEvent(
    workspaceId: string,
    eventName: string,
    propertyNames: readonly string[],
    at: string,
    shard: number,
    seen: { count: number; firstAt: string } = { count: 1, firstAt: at },
  ): Promise<void> {
    const key = JSON.stringify([workspaceId, eventName]);
    const now = this.clock.now().getTime();
    const held = this.held.get(key);
    const quiet = held === undefined || (held.pending === undefined && now - held.writtenAt >= this.flushMs);
    if (quiet) {
      if (held || this.held.size < MAX_BUFFERED_NAMES)
        this.held.set(key, { workspaceId, eventName, writtenAt: now });
      await this.inner.observeEvent(workspaceId, eventName, propertyNames, at, shard, seen);
      return;
    }
    const pending = held.pending;
    if (!pending) {
      held.pending = {
        count: seen.count,
        firstAt: seen.firstAt,
        at,
        shard,
        names: new Set(propertyNames.slice(0, MAX_SAMPLE_PER_EVENT)),
      };
      return;
    }
    pending.count += seen.count;
    if (seen.firstAt < pending.firstAt) pending.firstAt = seen.firstAt;
    if (at > pending.at) pending.at = at;
    pending.shard = shard;
    for (const name of propertyNames) {
      if (pending.names.size >= MAX_SAMPLE_PER_EVENT) break;
      pending.names.add(name);
    }
  }

  /**
   * Writes the counts held for at least the flush interval, and forgets names quiet for as long.
   * A write that fails keeps its counts for the next call. Resolves to how many writes failed.
   */
  async flushDue(): Promise<number> {
    const now = this.clock.now().getTime();
    const due: Held[] = [];
    for (const [key, held] of this.held) {
      if (now - held.writtenAt < this.flushMs) continue;
      if (held.pending) due.push(held);
      else this.held.delete(key);
    }
    const results = await Promise.allSettled(
      due.map(async (held) => {
        const pending = held.pending;
        if (!pending) return;
        held.pending = undefined;
        held.writtenAt = now;
        try {
          await this.inner.observeEvent(
            held.workspaceId,
            held.eventName,
            [...pending.names],
            pending.at,
            pending.shard,
            { count: pending.count, firstAt: pending.firstAt },
          );
        } catch (error) {
          held.pending = mergePending(held.pending, pending);
          throw error;
        }
      }),
    );
    return results.filter((result) => result.status === "rejected").length;
  }
}

function mergePending(later: Held["pending"], failed: NonNullable<Held["pending"]>): Held["pending"] {
  if (!later) return failed;
  return {
    count: later.count + failed.count,
    firstAt: failed.firstAt < later.firstAt ? failed.firstAt : later.firstAt,
    at: later.at > failed.at ? later.at : failed.at,
    shard: later.shard,
    names: new Set([...failed.names, ...later.names].slice(0, MAX_SAMPLE_PER_EVENT)),
  };
}
