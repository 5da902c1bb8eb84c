/**
 * Routes a browser may call with a source's write key (ingestion, the in-app inbox): the key is
 * checked, then the origin: a browser on an origin the source does not allow is refused (403
 * origin_not_allowed) before the route does anything, whatever the route. CORS headers are answered
 * only to origins the source allows, on success and refusal alike, a body that could not be read
 * included (an allowed page must be able to read why it was refused). Refused origins get no CORS header: the page learns nothing beyond
 * "blocked".
 */
import { DomainError, errorBody, errorHeaders } from "../domain/errors.js";
import { assertOriginAllowed, parseOrigin } from "../domain/origin.js";
import { USER_TOKEN_HEADER } from "../domain/user-token.js";
import type { Observability } from "../observability.js";
import type { KeyStore, WriteKeyOwner } from "../ports/keys.js";
import { authenticateWriteKey } from "../use-cases/authenticate.js";
import {
  type ErrorEnvelope,
  type HttpRequest,
  type HttpResponse,
  json,
  type RouteHandler,
  takesBodyErrors,
} from "./http-handler.js";

/**
 * CORS: a browser reads the answer only if it names its origin; caches must key on the origin.
 * `Retry-After` is not a CORS-safelisted response header: without exposing it, a page (the widget)
 * could not read how long a 503 asks it to wait.
 */
const corsHeaders = (origin: string) => ({
  "access-control-allow-origin": origin,
  "access-control-expose-headers": "retry-after",
  vary: "origin",
});

export function browserRoutes(keys: Pick<KeyStore, "findWriteKey">, obs: Observability) {
  /** The API's error envelope (as the HTTP wrapper writes it), plus the CORS headers. */
  function errorWithCors(error: DomainError, headers: Record<string, string>): HttpResponse<ErrorEnvelope> {
    if (error.statusCode >= 500)
      obs.logger.warn("Request not accepted", { error: error.message, cause: error.cause });
    return json(error.statusCode, { error: errorBody(error) }, { ...errorHeaders(error), ...headers });
  }

  function browserRoute<B>(
    accept: (owner: WriteKeyOwner, request: HttpRequest) => Promise<HttpResponse<B>>,
  ): RouteHandler<B | ErrorEnvelope> {
    return takesBodyErrors<B | ErrorEnvelope>(async (request) => {
      // An unreadable body with no key in the headers names no source (analytics.js puts the key in
      // the body): its error is answered as is, with no CORS header, as nobody can say it is allowed.
      if (request.bodyError && request.headers.authorization === undefined) throw request.bodyError;
      const owner = await authenticateWriteKey(keys, request.headers.authorization, request.body);
      obs.logger.appendKeys({ workspaceId: owner.workspaceId, sourceId: owner.sourceId });
      const origin = request.headers.origin;
      // Before the route runs: the preflight admits any origin, so a refused page's POST reaches here.
      assertOriginAllowed(owner, origin);
      const cors = origin !== undefined ? corsHeaders(origin) : undefined;
      try {
        // After the key and the origin: an allowed page reads why its body was refused.
        if (request.bodyError) throw request.bodyError;
        const response = await accept(owner, request);
        return cors ? { ...response, headers: { ...response.headers, ...cors } } : response;
      } catch (error) {
        if (cors && error instanceof DomainError) return errorWithCors(error, cors);
        throw error;
      }
    });
  }

  /**
   * The browser's preflight carries no key, so it cannot know the source: it admits any web origin,
   * and the request itself enforces the source's allowedDomains. Each route has its OPTIONS route
   * (auth none) in the route table.
   */
  const preflightFor =
    (methods: string): RouteHandler<undefined> =>
    async (request) => {
      const origin = request.headers.origin;
      if (origin === undefined || !parseOrigin(origin)) return json(204, undefined);
      return json(204, undefined, {
        ...corsHeaders(origin),
        "access-control-allow-methods": methods,
        // analytics.js adds X-Retry-Count when it resends; the widget sends its user's token.
        "access-control-allow-headers": `authorization, content-type, content-encoding, x-retry-count, ${USER_TOKEN_HEADER}`,
        "access-control-max-age": "86400",
      });
    };

  return { browserRoute, preflightFor };
}
