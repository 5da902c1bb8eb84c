/**
 * Console sessions: an admin key is exchanged once for a random session token that only an
 * `HttpOnly` cookie carries, so page script never holds a credential. Only the token's SHA-256 is
 * stored (like API keys), with the hash of the admin key it came from: revoking that key ends its
 * sessions too.
 */
import { randomBytes } from "node:crypto";
import * as z from "zod/mini";
import { hashApiKey } from "./api-keys.js";

/** `POST /console/session`: the admin key to exchange for a session. */
export const signInSchema = z.object({ adminKey: z.string().check(z.minLength(1), z.maxLength(256)) });
/** Its answer (the session token itself is only in the HttpOnly cookie). */
export const signInResponseSchema = z.strictObject({ workspaceId: z.string(), endsAt: z.iso.datetime() });

/** `POST /console/email-frame`: the email's HTML, as a form field (the console posts it into a frame). */
export const emailFrameSchema = z.object({ html: z.string() });

export const SESSION_COOKIE = "moments_session";
/**
 * A session slides: it ends this long (seconds) after its last use, so an admin at work is never
 * signed out mid-task, and one who walks away is after a working day.
 */
export const SESSION_IDLE_SECONDS = 12 * 3600;
/** However much it is used, a session ends this long after sign-in; then the admin signs in again. */
export const SESSION_MAX_SECONDS = 7 * 24 * 3600;
/** A used session is renewed (one write) at most this often, not on every request. */
export const SESSION_RENEW_AFTER_SECONDS = 15 * 60;
/**
 * Header every cookie-authenticated write must carry. A cross-site form cannot set it, and a
 * cross-site script cannot send it without a CORS preflight, which the admin API never grants.
 */
export const CSRF_HEADER = "x-moments-console";

export interface ConsoleSession {
  workspaceId: string;
  /** SHA-256 of the admin key it was opened with. */
  adminKeyHash: string;
  createdAt: string;
  /** When it ends (ISO 8601). */
  endsAt: string;
}

/** When a new session ends: its idle time from now, within its maximum life. */
export function firstEnd(createdAt: Date): string {
  return new Date(
    createdAt.getTime() + Math.min(SESSION_IDLE_SECONDS, SESSION_MAX_SECONDS) * 1000,
  ).toISOString();
}

/**
 * When a session used now should end instead, or undefined when renewing is not due yet (renewed
 * less than SESSION_RENEW_AFTER_SECONDS ago) or would not move its end (its maximum life is near).
 */
export function renewedEnd(
  session: Pick<ConsoleSession, "createdAt" | "endsAt">,
  now: Date,
): string | undefined {
  const next = Math.min(
    now.getTime() + SESSION_IDLE_SECONDS * 1000,
    Date.parse(session.createdAt) + SESSION_MAX_SECONDS * 1000,
  );
  return next - Date.parse(session.endsAt) >= SESSION_RENEW_AFTER_SECONDS * 1000
    ? new Date(next).toISOString()
    : undefined;
}

export function issueSessionToken(): { token: string; hash: string } {
  const token = randomBytes(24).toString("base64url");
  return { token, hash: hashApiKey(token) };
}

/** The session token in a Cookie header, if any. */
export function sessionTokenFrom(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === SESSION_COOKIE) {
      const token = value.join("=");
      return /^[A-Za-z0-9_-]{1,128}$/.test(token) ? token : undefined;
    }
  }
  return undefined;
}

/** Plain http on this machine: a `Secure` cookie would never come back from http://127.0.0.1. */
export function isLocalHost(host: string | undefined): boolean {
  const name = (host ?? "").replace(/:\d+$/, "").toLowerCase();
  return name === "localhost" || name === "127.0.0.1" || name === "[::1]";
}

/** `Set-Cookie` for a session (`token`) or for ending one (`undefined`: expires it now). */
export function sessionCookie(token: string | undefined, host: string | undefined): string {
  const attributes = [
    `${SESSION_COOKIE}=${token ?? ""}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Strict",
    // As long as the session could live: the server ends it earlier when it is not used.
    `Max-Age=${token === undefined ? 0 : SESSION_MAX_SECONDS}`,
  ];
  if (!isLocalHost(host)) attributes.push("Secure");
  return attributes.join("; ");
}
