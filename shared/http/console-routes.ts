/**
 * The console's routes: its page and hashed assets, and the sign-in exchange of an admin key for a
 * session cookie (see shared/domain/console-session.ts). The app itself talks to the admin API on
 * the same origin, with that cookie.
 */
import type { RouteKey } from "../contracts/routes.js";
import { CSRF_HEADER, sessionCookie, sessionTokenFrom } from "../domain/console-session.js";
import { NotFoundError } from "../domain/errors.js";
import { ForbiddenError } from "../domain/forbidden-error.js";
import { type SessionDeps, signIn, signOut } from "../use-cases/console-sessions.js";
import { type HttpRequest, type HttpResponse, json, type RouteHandler } from "./http-handler.js";

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
  "frame-ancestors 'none'",
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

export function consoleRoutes(deps: SessionDeps, assets: () => ConsoleAssets): ConsoleRoutes {
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
      const { session, token } = await signIn(deps, request.body);
      return json(
        200,
        { workspaceId: session.workspaceId, endsAt: session.endsAt },
        { "set-cookie": sessionCookie(token, request.headers.host) },
      );
    },
    "DELETE /console/session": async (request: HttpRequest) => {
      if (request.headers[CSRF_HEADER] !== "1") {
        throw new ForbiddenError(`Signing out must carry ${CSRF_HEADER}: 1`, "csrf_check_failed");
      }
      await signOut(deps, sessionTokenFrom(request.headers.cookie));
      return { statusCode: 204, headers: { "set-cookie": sessionCookie(undefined, request.headers.host) } };
    },
  };
}
