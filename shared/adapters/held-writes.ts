import type { Clock } from "../ports/clock.js";

/** Keys a container holds counts for at most; past it, a new key is written through every time. */
const MAX_HELD_KEYS = 10_000;

interface Held<P> {
  /** When this container last wrote the key (ms). */
  writtenAt: number;
  pending?: P;
}

/**
 * Counters a container adds up in memory and writes at most once per `flushMs` per key: what the
 * matcher's observed-event counts and the ingest debugger's accepted counts share. The owner decides
 * when a key is written through (its first use, a quiet key, a write it must make anyway) and takes
 * what is held into that write; otherwise it holds. `flushDue`, called by the owner at the end of
 * its work (Lambda runs nothing between invocations), writes what was held for `flushMs` and forgets
 * keys quiet for as long. A write that fails keeps its counts for the next flush. What a container
 * still holds when its traffic stops is written by `flushAll` when Lambda shuts it down (the owner's
 * function registers it with onShutdown, shutdown.ts), not lost.
 */
export class HeldWrites<P> {
  private readonly held = new Map<string, Held<P>>();

  constructor(
    private readonly clock: Clock,
    readonly flushMs: number,
    /** Adds up two pending values; `later` was held after `earlier`. */
    private readonly merge: (earlier: P, later: P) => P,
  ) {}

  /** Whether the key has nothing held and was not written for flushMs (or ever). */
  isQuiet(key: string): boolean {
    const held = this.held.get(key);
    return held === undefined || (held.pending === undefined && this.now() - held.writtenAt >= this.flushMs);
  }

  /**
   * The key is being written now: answers what was held for it (to add to that write) and counts
   * the key as written. Give it back with `restore` if the write fails.
   */
  take(key: string): P | undefined {
    const held = this.held.get(key);
    if (held) {
      const { pending } = held;
      this.held.set(key, { writtenAt: this.now() });
      return pending;
    }
    if (this.held.size < MAX_HELD_KEYS) this.held.set(key, { writtenAt: this.now() });
    return undefined;
  }

  /**
   * Holds `value` for the key, to be written with its next write. False when the container already
   * holds as many keys as it may and this is a new one: then the caller writes it through.
   */
  hold(key: string, value: P): boolean {
    const held = this.held.get(key);
    if (!held) {
      if (this.held.size >= MAX_HELD_KEYS) return false;
      this.held.set(key, { writtenAt: this.now(), pending: value });
      return true;
    }
    held.pending = held.pending === undefined ? value : this.merge(held.pending, value);
    return true;
  }

  /** A write of `value` failed: it is held again, before anything held since. */
  restore(key: string, value: P): void {
    const held = this.held.get(key);
    if (!held) this.held.set(key, { writtenAt: this.now(), pending: value });
    else held.pending = held.pending === undefined ? value : this.merge(value, held.pending);
  }

  /**
   * Writes what was held for at least flushMs since its key's last write, and forgets keys quiet for
   * as long. Failed writes are held again. Resolves to how many writes failed.
   */
  flushDue(write: (key: string, pending: P) => Promise<void>): Promise<number> {
    return this.flush(write, false);
  }

  /**
   * Writes everything held, due or not: the container is shutting down. Failed writes are held
   * again (for nobody, unless the container lives on). Resolves to how many writes failed.
   */
  flushAll(write: (key: string, pending: P) => Promise<void>): Promise<number> {
    return this.flush(write, true);
  }

  private async flush(write: (key: string, pending: P) => Promise<void>, all: boolean): Promise<number> {
    const now = this.now();
    const due: Array<[string, P]> = [];
    for (const [key, held] of this.held) {
      if (!all && now - held.writtenAt < this.flushMs) continue;
      if (held.pending === undefined) {
        if (!all) this.held.delete(key);
      } else due.push([key, held.pending]);
    }
    const results = await Promise.allSettled(
      due.map(async ([key, pending]) => {
        this.held.set(key, { writtenAt: now });
        try {
          await write(key, pending);
        } catch (error) {
          this.restore(key, pending);
          throw error;
        }
      }),
    );
    return results.filter((result) => result.status === "rejected").length;
  }

  private now() {
    return this.clock.now().getTime();
  }
}
