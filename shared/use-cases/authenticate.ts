import { bearerToken, hashApiKey, writeKeyFrom } from "../domain/api-keys.js";
import { UnauthorizedError } from "../domain/errors.js";
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

/** A source's write key: Bearer, Basic (the key as user name) or, from a body, its `writeKey` field. */
export async function authenticateWriteKey(
  keys: KeyStore,
  authorization: string | undefined,
  body?: unknown,
): Promise<WriteKeyOwner> {
  const token = writeKeyFrom(authorization, body);
  if (!token)
    throw new UnauthorizedError(
      "Send a source write key as Authorization: Bearer <key> (or Basic, the key as user name)",
    );
  const owner = await keys.findWriteKey(hashApiKey(token));
  if (!owner) throw new UnauthorizedError("Unknown or revoked write key");
  return owner;
}
