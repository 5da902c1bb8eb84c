/**
 * The console's routes: its page and hashed assets, and the sign-in exchange of an admin key for a
 * session cookie (see shared/domain/console-session.ts). The app itself talks to the admin API on
 * the same origin, with that cookie.
 */
import type { RouteKey } from "../contracts/routes.js";
import { CSRF_HEADER, emailFrameSchema, sessionCookie, sessionTokenFrom } from "../domain/console-session.js";
import { NotFoundError, UnauthorizedError } from "../domain/errors.js";
import { ForbiddenError } from "../domain/forbidden-error.js";
import { parseOrThrow } from "../domain/validation.js";
import { findSession, type SessionDeps, signIn, signOut } from "../use-cases/console-sessions.js";
import { formRoute, type HttpRequest, type HttpResponse, json, type RouteHandler } from "./http-handler.js";

export interface ConsoleAssets {
  index: string;
  /** By file name under `assets/` (hashed names: their content never changes). */
  files: Map<string, { body: string; contentType: string }>;
}

/**
 * Script, styles and data only from this origin; no inline script or style, no framing, no plugins.
 * Style attributes set through the CSSOM (element.style), which the UI and chart libraries use,
 * are not inline styles and stay allowed.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  // Only the email frame below, from this origin.
  "frame-src 'self'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * An email's HTML, as the console frames it: a sandbox (an opaque origin, no script, no form, no
 * popup), inline styles as an email has them, images only inline (no remote image: no tracking
 * pixel fires from the console), framed only by the console.
 */
export const EMAIL_FRAME_CSP = [
  "sandbox",
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "img-src data:",
  "font-src data:",
  "form-action 'none'",
  "base-uri 'none'",
  "frame-ancestors 'self'",
].join("; ");

const PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  // Always revalidated: a deploy changes which hashed assets the page names.
  "cache-control": "no-cache",
  "content-security-policy": CONSOLE_CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

const IMMUTABLE = "public, max-age=31536000, immutable";

type ConsoleRoutes = Partial<Record<RouteKey, RouteHandler>>;

/**
 * `deps` is asked for by the routes that need the key and session stores (sign-in, sign-out, the
 * email preview), so that the page and its assets are served without them.
 */
export function consoleRoutes(deps: () => Promise<SessionDeps>, assets: () => ConsoleAssets): ConsoleRoutes {
  const page = async (): Promise<HttpResponse> => ({
    statusCode: 200,
    rawBody: assets().index,
    headers: PAGE_HEADERS,
  });
  return {
    "GET /console": page,
    "GET /console/{proxy+}": async (request: HttpRequest) => {
      const rest = request.path.proxy ?? "";
      if (!rest.startsWith("assets/")) return page();
      const file = assets().files.get(rest.slice("assets/".length));
      if (!file) throw new NotFoundError(`No console asset ${rest}`);
      return {
        statusCode: 200,
        rawBody: file.body,
        headers: {
          "content-type": file.contentType,
          "cache-control": IMMUTABLE,
          "x-content-type-options": "nosniff",
        },
      };
    },
    "POST /console/session": async (request: HttpRequest) => {
      const { session, token } = await signIn(await deps(), request.body);
      return json(
        200,
        { workspaceId: session.workspaceId, endsAt: session.endsAt },
        { "set-cookie": sessionCookie(token, request.headers.host) },
      );
    },
    /**
     * Frames an email's HTML under EMAIL_FRAME_CSP: a `srcdoc` frame would inherit the console's
     * own CSP, where no inline style applies. The console posts it (a form aimed at the frame); only
     * a signed-in session from this origin may, so no other site can have content shown here.
     */
    "POST /console/email-frame": formRoute(async (request: HttpRequest) => {
      const origin = request.headers.origin;
      if (origin !== undefined && origin !== "null" && hostOf(origin) !== request.headers.host?.toLowerCase())
        throw new ForbiddenError(`Origin ${origin} is not the console's`, "csrf_check_failed");
      const token = sessionTokenFrom(request.headers.cookie);
      if (!token || !(await findSession(await deps(), token)))
        throw new UnauthorizedError("Sign in to the console to preview an email");
      const { html } = parseOrThrow(emailFrameSchema, request.body ?? {});
      return {
        statusCode: 200,
        rawBody: html,
        headers: {
          "content-type": "text/html; charset=utf-8",
          "content-security-policy": EMAIL_FRAME_CSP,
          "cache-control": "no-store",
          "x-content-type-options": "nosniff",
          "referrer-policy": "no-referrer",
        },
      };
    }),
    "DELETE /console/session": async (request: HttpRequest) => {
      if (request.headers[CSRF_HEADER] !== "1") {
        throw new ForbiddenError(`Signing out must carry ${CSRF_HEADER}: 1`, "csrf_check_failed");
      }
      await signOut(await deps(), sessionTokenFrom(request.headers.cookie));
      return { statusCode: 204, headers: { "set-cookie": sessionCookie(undefined, request.headers.host) } };
    },
  };
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return undefined;
  }
}
