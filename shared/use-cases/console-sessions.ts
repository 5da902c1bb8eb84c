import { hashApiKey } from "../domain/api-keys.js";
import {
  type ConsoleSession,
  firstEnd,
  issueSessionToken,
  renewedEnd,
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
    endsAt: firstEnd(now),
  };
  await deps.sessions.put(hash, session);
  return { token, session };
}

/** Ends the session server-side: its cookie stops working at once, even if a copy was kept. */
export async function signOut(deps: Pick<SessionDeps, "sessions">, token: string | undefined): Promise<void> {
  if (token) await deps.sessions.delete(hashApiKey(token));
}

/** The workspace of a live session whose admin key still works (renewing it); undefined otherwise. */
export async function findSession(
  deps: SessionDeps,
  token: string,
): Promise<{ workspaceId: string } | undefined> {
  const hash = hashApiKey(token);
  const now = deps.clock.now();
  const session = await deps.sessions.find(hash, now);
  if (!session) return undefined;
  const owner = await deps.keys.findAdminKey(session.adminKeyHash);
  if (!owner || owner.workspaceId !== session.workspaceId) return undefined;
  // Used now: it slides (a write at most every few minutes of use).
  const endsAt = renewedEnd(session, now);
  if (endsAt) await deps.sessions.extend(hash, endsAt);
  return owner;
}
