import type { Source } from "../domain/source.js";
import type { Clock } from "../ports/clock.js";
import type { KeyStore, WriteKeyOwner } from "../ports/keys.js";
import type { SourceRepository } from "../ports/sources.js";
import { ExpiringLookup } from "./expiring-lookup.js";

/**
 * How long an ingest container trusts a write key lookup: a key it found (with the copy of its
 * source's policy the lookup item carries: allowed domains, user verification, identity secrets)
 * and a key it did not find; and the source settings ingestion reads (its subject). A revoked key, a
 * deleted source's key, or a policy change therefore takes effect within this bound, measured from
 * when the change is stored (misses are read strongly consistent, see the store). 5 s, like the
 * matcher's memory of idle event names: long enough that a busy source's requests after the first
 * in a container skip the read (at 1 request a second per container, 4 in 5 do), short enough that
 * a key revoked because it leaked stops working before anyone could notice the delay.
 */
export const WRITE_KEY_TRUST_MS = 5_000;

/**
 * Write key lookups kept in this container's memory for WRITE_KEY_TRUST_MS (see ExpiringLookup):
 * a busy source costs no read per request, and a client retrying with a dead key (a web page still
 * shipping it) one read per container every 5 s. A new key still works at once: its hash was never
 * looked up before it was issued (keys are 256 random bits, shown only when issued), so no
 * container can hold it as unknown.
 */
export class WriteKeyCache implements Pick<KeyStore, "findWriteKey"> {
  private readonly lookup: ExpiringLookup<WriteKeyOwner>;

  constructor(store: Pick<KeyStore, "findWriteKey">, clock: Clock, trustMs = WRITE_KEY_TRUST_MS) {
    this.lookup = new ExpiringLookup((keyHash) => store.findWriteKey(keyHash), clock, trustMs);
  }

  findWriteKey(keyHash: string): Promise<WriteKeyOwner | undefined> {
    return this.lookup.get(keyHash);
  }
}

/**
 * A source's settings as ingestion reads them (its subject, for messages that name no account),
 * kept for WRITE_KEY_TRUST_MS like the key that names it: a consumer-mode source's messages do not
 * each read it, and a change of subject takes effect within the same bound as the key's policy.
 */
export class SourceCache implements Pick<SourceRepository, "getSource"> {
  private readonly lookup: ExpiringLookup<Source>;

  constructor(sources: Pick<SourceRepository, "getSource">, clock: Clock, trustMs = WRITE_KEY_TRUST_MS) {
    this.lookup = new ExpiringLookup(
      (key) => {
        const [workspaceId = "", sourceId = ""] = JSON.parse(key) as string[];
        return sources.getSource(workspaceId, sourceId);
      },
      clock,
      trustMs,
    );
  }

  getSource(workspaceId: string, sourceId: string): Promise<Source | undefined> {
    return this.lookup.get(JSON.stringify([workspaceId, sourceId]));
  }
}
