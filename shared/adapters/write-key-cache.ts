import type { Clock } from "../ports/clock.js";
import type { KeyStore, WriteKeyOwner } from "../ports/keys.js";

/**
 * How long an ingest container trusts a write key lookup: a key it found (with the copy of its
 * source's policy the lookup item carries: allowed domains, user verification, identity secrets)
 * and a key it did not find. A revoked key, a deleted source's key, or a policy change therefore
 * takes effect within this bound, measured from when the change is stored (misses are read
 * strongly consistent, see the store). 5 s, like the matcher's memory of idle event names: long
 * enough that a busy source's requests after the first in a container skip the read (at 1 request
 * a second per container, 4 in 5 do), short enough that a key revoked because it leaked stops
 * working before anyone could notice the delay.
 */
export const WRITE_KEY_TRUST_MS = 5_000;
/** Keys a container remembers as found at most; past it, the oldest are forgotten (reads, not errors). */
const MAX_FOUND = 10_000;
/**
 * Keys remembered as unknown or revoked, apart from the found ones: a flood of made-up keys (each
 * one read once: no cache absorbs keys never sent before) cannot push the real keys out.
 */
const MAX_REFUSED = 1_000;

/**
 * A write key lookup kept in this container's memory for WRITE_KEY_TRUST_MS. Both answers are kept:
 * a found key, so a busy source costs no read per request; and an unknown or revoked one, so a
 * client retrying with a dead key (a web page still shipping it) costs one read per container every
 * 5 s, not one per request. A new key still works at once: its hash was never looked up before it was
 * issued (keys are 256 random bits, shown only when issued), so no container can hold it as unknown.
 * A failed lookup is not kept. Concurrent misses of one key share their read.
 */
export class WriteKeyCache implements Pick<KeyStore, "findWriteKey"> {
  private readonly found = new Map<string, { owner: WriteKeyOwner; until: number }>();
  private readonly refused = new Map<string, number>();
  private readonly reading = new Map<string, Promise<WriteKeyOwner | undefined>>();

  constructor(
    private readonly store: Pick<KeyStore, "findWriteKey">,
    private readonly clock: Clock,
    private readonly trustMs = WRITE_KEY_TRUST_MS,
  ) {}

  findWriteKey(keyHash: string): Promise<WriteKeyOwner | undefined> {
    const now = this.clock.now().getTime();
    const found = this.found.get(keyHash);
    if (found !== undefined) {
      if (found.until > now) return Promise.resolve(found.owner);
      this.found.delete(keyHash);
    }
    const refusedUntil = this.refused.get(keyHash);
    if (refusedUntil !== undefined) {
      if (refusedUntil > now) return Promise.resolve(undefined);
      this.refused.delete(keyHash);
    }
    const pending = this.reading.get(keyHash);
    if (pending) return pending;
    // Trusted from when the read was sent, not answered: the answer is never older than the bound.
    const until = now + this.trustMs;
    const read = this.store
      .findWriteKey(keyHash)
      .then((owner) => {
        if (owner) remember(this.found, keyHash, { owner, until }, MAX_FOUND);
        else remember(this.refused, keyHash, until, MAX_REFUSED);
        return owner;
      })
      .finally(() => this.reading.delete(keyHash));
    this.reading.set(keyHash, read);
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
