import { createHash, randomBytes } from "node:crypto";

/**
 * Time-sortable random ids (48-bit millisecond time + 80 random bits, Crockford base32, 26 chars),
 * so items created later sort later.
 */
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

export function newId(now: number = Date.now()): string {
  let time = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = (ALPHABET[t % 32] ?? "0") + time;
    t = Math.floor(t / 32);
  }
  const random = randomBytes(16);
  let rest = "";
  for (let i = 0; i < 16; i++) rest += ALPHABET[(random[i] ?? 0) % 32];
  return time + rest;
}

/**
 * The id of the run an event starts: deterministic in (workspace, moment, account, messageId), so a
 * redelivered or resent event maps to the same run and the same Step Functions execution name
 * (which must be 1-80 characters of [A-Za-z0-9-_]).
 */
export function runIdFor(
  workspaceId: string,
  momentId: string,
  accountId: string,
  messageId: string,
): string {
  return createHash("sha256")
    .update(JSON.stringify([workspaceId, momentId, accountId, messageId]))
    .digest("hex")
    .slice(0, 40);
}
