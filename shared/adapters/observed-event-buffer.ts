import { MAX_SAMPLE_PER_EVENT } from "../domain/insights.js";
import type { Clock } from "../ports/clock.js";
import type { InsightsRecorder } from "../ports/insights.js";
import { HeldWrites } from "./held-writes.js";

/** How long a matcher container may hold an event name's counts before writing them. */
export const OBSERVED_FLUSH_MS = 10_000;

interface Pending {
  workspaceId: string;
  eventName: string;
  count: number;
  firstAt: string;
  at: string;
  shard: number;
  names: Set<string>;
}

/**
 * An InsightsRecorder whose observed-event counters are written at most once per OBSERVED_FLUSH_MS
 * per event name by this container: the first event of a name (or the first after a quiet interval)
 * is written at once, so a new name shows in the console right away; the next ones are added up in
 * memory and written together by `flushDue`, which the match handler calls after every batch. A busy
 * name costs one write per container every 10 s instead of one per event. The price, on top of the
 * counts' approximation: a total may lag by 10 s while batches come, and what a container holds when
 * they stop waits for its next batch or its shutdown (`flushAll`, which the match handler registers
 * with onShutdown: shutdown.ts). Every other record is written through.
 */
export class ObservedEventBuffer implements InsightsRecorder {
  private readonly held: HeldWrites<Pending>;

  constructor(
    private readonly inner: InsightsRecorder,
    clock: Clock,
    flushMs = OBSERVED_FLUSH_MS,
  ) {
    this.held = new HeldWrites(clock, flushMs, merge);
  }

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
    const pending = {
      workspaceId,
      eventName,
      ...seen,
      at,
      shard,
      names: new Set(propertyNames.slice(0, MAX_SAMPLE_PER_EVENT)),
    };
    if (!this.held.isQuiet(key) && this.held.hold(key, pending)) return;
    this.held.take(key);
    await this.inner.observeEvent(workspaceId, eventName, propertyNames, at, shard, seen);
  }

  /**
   * Writes the counts held for at least the flush interval, and forgets names quiet for as long.
   * A write that fails keeps its counts for the next call. Resolves to how many writes failed.
   */
  flushDue(): Promise<number> {
    return this.held.flushDue(this.write);
  }

  /** Writes every count held, due or not (the container is shutting down). Resolves to how many writes failed. */
  flushAll(): Promise<number> {
    return this.held.flushAll(this.write);
  }

  private readonly write = (_: string, p: Pending) =>
    this.inner.observeEvent(p.workspaceId, p.eventName, [...p.names], p.at, p.shard, {
      count: p.count,
      firstAt: p.firstAt,
    });
}

function merge(earlier: Pending, later: Pending): Pending {
  return {
    workspaceId: later.workspaceId,
    eventName: later.eventName,
    count: earlier.count + later.count,
    firstAt: later.firstAt < earlier.firstAt ? later.firstAt : earlier.firstAt,
    at: later.at > earlier.at ? later.at : earlier.at,
    shard: later.shard,
    names: new Set([...earlier.names, ...later.names].slice(0, MAX_SAMPLE_PER_EVENT)),
  };
}
