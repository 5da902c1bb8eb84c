import { bearerToken, hashApiKey } from "../domain/api-keys.js";
import { UnauthorizedError } from "../domain/errors.js";
import { isUserTokenValid, type UserIds } from "../domain/user-token.js";
import type { KeyStore, WriteKeyOwner } from "../ports/keys.js";

export interface AdminPrincipal {
  workspaceId: string;
}

export async function authenticateAdmin(
  keys: KeyStore,
  authorization: string | undefined,
): Promise<AdminPrincipal> {
  const token = bearerToken(authorization);
  if (!token) throw new UnauthorizedError("Send an admin key as Authorization: Bearer <key>");
  const owner = await keys.findAdminKey(hashApiKey(token));
  if (!owner) throw new UnauthorizedError("Unknown or revoked admin key");
  return owner;
}

export async function authenticateWriteKey(
  keys: KeyStore,
  authorization: string | undefined,
): Promise<WriteKeyOwner> {
  const token = bearerToken(authorization);
  if (!token) throw new UnauthorizedError("Send a source write key as Authorization: Bearer <key>");
  const owner = await keys.findWriteKey(hashApiKey(token));
  if (!owner) throw new UnauthorizedError("Unknown or revoked write key");
  return owner;
}

/**
 * The user a browser speaks for must be proven with a user token (see domain/user-token.ts). One
 * answer for a missing, malformed or wrong token, and for a source without a secret: it reveals
 * nothing about which part failed.
 */
export function authenticateUser(
  owner: Pick<WriteKeyOwner, "identitySecrets">,
  userToken: string | undefined,
  ids: UserIds,
  now: Date,
): void {
  if (!isUserTokenValid(owner.identitySecrets ?? [], userToken, ids, now)) {
    throw new UnauthorizedError(
      "Send a valid user token for this accountId and userId as X-Moments-User-Token",
    );
  }
}

/** Who sent an ingestion request: a browser sends its Origin (and, when required, a user token). */
export interface Sender {
  origin?: string | undefined;
  userToken?: string | undefined;
}

/**
 * Browser track and identify calls of a source that requires it must prove their account and user,
 * so a public write key cannot change another account's traits. Servers (no Origin) need the write
 * key only.
 */
export function authenticateSender(
  owner: Pick<WriteKeyOwner, "identitySecrets" | "requireUserToken">,
  sender: Sender,
  ids: UserIds,
  now: Date,
): void {
  if (sender.origin === undefined || owner.requireUserToken !== true) return;
  authenticateUser(owner, sender.userToken, ids, now);
}

/** Whether a request must carry a user token at all (a batch without one fails as a whole). */
export function senderNeedsUserToken(owner: Pick<WriteKeyOwner, "requireUserToken">, sender: Sender) {
  return sender.origin !== undefined && owner.requireUserToken === true;
}
