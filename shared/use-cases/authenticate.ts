import { bearerToken, hashApiKey, writeKeyFrom } from "../domain/api-keys.js";
import { CSRF_HEADER, sessionTokenFrom } from "../domain/console-session.js";
import { ServiceUnavailableError, UnauthorizedError } from "../domain/errors.js";
import { ForbiddenError } from "../domain/forbidden-error.js";
import { isUserTokenValid, type UserIds } from "../domain/user-token.js";
import type { KeyStore, WriteKeyOwner } from "../ports/keys.js";
import { findSession, type SessionDeps } from "./console-sessions.js";

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

/** What the admin API reads of a request to authenticate it. */
export interface AdminRequest {
  method: string;
  /** Lower-cased names. */
  headers: Record<string, string>;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * An admin request authenticates with `Authorization: Bearer <admin key>` (scripts) or with the
 * console's session cookie. A cookie is sent by the browser on its own, so a write with one must
 * also prove it comes from the console's page: the custom CSRF header (which no cross-site page can
 * send without a preflight we never grant) and, when the browser sends one, an Origin equal to the
 * API's own. The cookie is also SameSite=Strict: both checks would have to fail at once.
 */
export async function authenticateAdminRequest(
  deps: SessionDeps,
  request: AdminRequest,
): Promise<AdminPrincipal> {
  if (request.headers.authorization !== undefined)
    return authenticateAdmin(deps.keys, request.headers.authorization);
  const token = sessionTokenFrom(request.headers.cookie);
  if (!token)
    throw new UnauthorizedError(
      "Send an admin key as Authorization: Bearer <key>, or sign in to the console",
    );
  if (!SAFE_METHODS.has(request.method.toUpperCase())) assertSameOrigin(request.headers);
  const owner = await lookUp("console session", () => findSession(deps, token));
  if (!owner) throw new UnauthorizedError("Your console session has ended: sign in again");
  return owner;
}

function assertSameOrigin(headers: Record<string, string>): void {
  if (headers[CSRF_HEADER] !== "1") {
    throw new ForbiddenError(
      `A write with the session cookie must carry ${CSRF_HEADER}: 1`,
      "csrf_check_failed",
    );
  }
  const origin = headers.origin;
  if (origin !== undefined && hostOf(origin) !== headers.host?.toLowerCase()) {
    throw new ForbiddenError(`Origin ${origin} is not this API's origin`, "csrf_check_failed");
  }
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return undefined;
  }
}

/** A source's write key: Bearer, Basic (the key as user name) or, from a body, its `writeKey` field. */
export async function authenticateWriteKey(
  keys: Pick<KeyStore, "findWriteKey">,
  authorization: string | undefined,
  body?: unknown,
): Promise<WriteKeyOwner> {
  const token = writeKeyFrom(authorization, body);
  if (!token)
    throw new UnauthorizedError(
      "Send a source write key as Authorization: Bearer <key> (or Basic, the key as user name)",
    );
  const owner = await lookUp("write key", () => keys.findWriteKey(hashApiKey(token)));
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
  if (!isUserTokenValid(owner.identitySecrets ?? [], userToken, ids, now)) throw unprovenUser();
}

/** The one answer for a user a request could not prove (see authenticateUser). */
export function unprovenUser(): UnauthorizedError {
  return new UnauthorizedError(
    "Send a valid user token for this accountId and userId as X-Moments-User-Token",
  );
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
