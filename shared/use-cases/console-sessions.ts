import { hashApiKey } from "../domain/api-keys.js";
import {
  type ConsoleSession,
  issueSessionToken,
  SESSION_TTL_SECONDS,
  signInSchema,
} from "../domain/console-session.js";
import { UnauthorizedError } from "../domain/errors.js";
import { parseOrThrow } from "../domain/validation.js";
import type { Clock } from "../ports/clock.js";
import type { KeyStore } from "../ports/keys.js";
import type { SessionStore } from "../ports/sessions.js";

export interface SessionDeps {
  keys: KeyStore;
  sessions: SessionStore;
  clock: Clock;
}

/** Exchanges an admin key for a session: the token goes into an HttpOnly cookie, never to page script. */
export async function signIn(
  deps: SessionDeps,
  body: unknown,
): Promise<{ token: string; session: ConsoleSession }> {
  const { adminKey } = parseOrThrow(signInSchema, body);
  const adminKeyHash = hashApiKey(adminKey.trim());
  const owner = await deps.keys.findAdminKey(adminKeyHash);
  if (!owner) throw new UnauthorizedError("Unknown or revoked admin key");
  const now = deps.clock.now();
  const { token, hash } = issueSessionToken();
  const session: ConsoleSession = {
    workspaceId: owner.workspaceId,
    adminKeyHash,
    createdAt: now.toISOString(),
    endsAt: new Date(now.getTime() + SESSION_TTL_SECONDS * 1000).toISOString(),
  };
  await deps.sessions.put(hash, session);
  return { token, session };
}

/** Ends the session server-side: its cookie stops working at once, even if a copy was kept. */
export async function signOut(deps: Pick<SessionDeps, "sessions">, token: string | undefined): Promise<void> {
  if (token) await deps.sessions.delete(hashApiKey(token));
}

/** The workspace of a live session whose admin key still works; undefined otherwise. */
export async function findSession(
  deps: SessionDeps,
  token: string,
): Promise<{ workspaceId: string } | undefined> {
  const session = await deps.sessions.find(hashApiKey(token), deps.clock.now());
  if (!session) return undefined;
  const owner = await deps.keys.findAdminKey(session.adminKeyHash);
  return owner && owner.workspaceId === session.workspaceId ? owner : undefined;
}
