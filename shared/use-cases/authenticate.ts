import { bearerToken, hashApiKey } from "../domain/api-keys.js";
import { ServiceUnavailableError, UnauthorizedError } from "../domain/errors.js";
import type { KeyStore, WriteKeyOwner } from "../ports/keys.js";

export interface AdminPrincipal {
  workspaceId: string;
}

/**
 * Looks a key up. The key store failing (throttled, a 5xx, a timeout, after the SDK's own retries)
 * says nothing about the key and nothing was accepted: that is a 503, which clients retry (with the
 * same messageId), never a 500 or a 401.
 */
async function lookUp<T>(what: string, find: () => Promise<T>): Promise<T> {
  try {
    return await find();
  } catch (error) {
    throw new ServiceUnavailableError(
      `The ${what} could not be checked right now (${error instanceof Error ? error.name : "unknown error"}); nothing was accepted: retry the request${what === "write key" ? " with the same messageId" : ""}`,
      { cause: error },
    );
  }
}

export async function authenticateAdmin(
  keys: KeyStore,
  authorization: string | undefined,
): Promise<AdminPrincipal> {
  const token = bearerToken(authorization);
  if (!token) throw new UnauthorizedError("Send an admin key as Authorization: Bearer <key>");
  const owner = await lookUp("admin key", () => keys.findAdminKey(hashApiKey(token)));
  if (!owner) throw new UnauthorizedError("Unknown or revoked admin key");
  return owner;
}

export async function authenticateWriteKey(
  keys: KeyStore,
  authorization: string | undefined,
): Promise<WriteKeyOwner> {
  const token = bearerToken(authorization);
  if (!token) throw new UnauthorizedError("Send a source write key as Authorization: Bearer <key>");
  const owner = await lookUp("write key", () => keys.findWriteKey(hashApiKey(token)));
  if (!owner) throw new UnauthorizedError("Unknown or revoked write key");
  return owner;
}
