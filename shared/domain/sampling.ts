import { createHash } from "node:crypto";

/**
 * The bucket in [0, 100) an (moment, account[, key]) falls into: a hash, not a random draw, so a
 * retried or redelivered event decides the same way, and different moments sample independently.
 */
export function samplingBucket(momentId: string, accountId: string, key?: string): number {
  const identity = key === undefined ? [momentId, accountId] : [momentId, accountId, key];
  const digest = createHash("sha256").update(JSON.stringify(identity)).digest();
  // 48 bits are plenty of resolution for a percentage and stay exact in a double.
  return (digest.readUIntBE(0, 6) / 2 ** 48) * 100;
}

/**
 * Is this account (and run key, when given) in the moment's sample? Deterministic: the same inputs
 * always answer the same; 0 never, 100 always, fractions allowed (12.5). Raising the rate only adds
 * accounts: everyone sampled in at 30 is still in at 50.
 *
 * Pass `key` only to sample per run key; leave it out (the usual choice) to keep whole accounts in or
 * out, which is what a holdout comparison needs. A rate that is not a number samples nobody.
 */
export function isSampledIn(
  samplingRate: number,
  momentId: string,
  accountId: string,
  key?: string,
): boolean {
  if (!(samplingRate > 0)) return false;
  if (samplingRate >= 100) return true;
  return samplingBucket(momentId, accountId, key) < samplingRate;
}
