import type { Clock } from "../ports/clock.js";

/** Answers a container remembers as found at most; past it, the oldest are forgotten (reads, not errors). */
const MAX_FOUND = 10_000;
/**
 * Answers remembered as "none", apart from the found ones: a flood of made-up keys (each one read
 * once: no memory absorbs keys never asked before) cannot push the real ones out.
 */
const MAX_MISSING = 1_000;

/**
 * A read kept in this container's memory for `ttlMs` from when it was sent (so an answer is never
 * older than the bound when used). Both answers are kept: a found value, and "none" (undefined), so
 * a client retrying with an unknown key costs one read per container per bound, not one per request.
 * A failed read is not kept. Concurrent misses of one key share their read.
 */
export class ExpiringLookup<V> {
  private readonly found = new Map<string, { value: V; until: number }>();
  private readonly missing = new Map<string, number>();
  private readonly reading = new Map<string, Promise<V | undefined>>();

  constructor(
    private readonly read: (key: string) => Promise<V | undefined>,
    private readonly clock: Clock,
    readonly ttlMs: number,
  ) {}

  get(key: string): Promise<V | undefined> {
    const now = this.clock.now().getTime();
    const found = this.found.get(key);
    if (found !== undefined) {
      if (found.until > now) return Promise.resolve(found.value);
      this.found.delete(key);
    }
    const missingUntil = this.missing.get(key);
    if (missingUntil !== undefined) {
      if (missingUntil > now) return Promise.resolve(undefined);
      this.missing.delete(key);
    }
    const pending = this.reading.get(key);
    if (pending) return pending;
    const until = now + this.ttlMs;
    const read = this.read(key)
      .then((value) => {
        if (value !== undefined) remember(this.found, key, { value, until }, MAX_FOUND);
        else remember(this.missing, key, until, MAX_MISSING);
        return value;
      })
      .finally(() => this.reading.delete(key));
    this.reading.set(key, read);
    return read;
  }
}

function remember<V>(map: Map<string, V>, key: string, value: V, max: number) {
  map.delete(key);
  if (map.size >= max) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
  map.set(key, value);
}
