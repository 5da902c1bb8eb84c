/**
 * The ingestion routes: every call of the Segment HTTP Tracking API (and analytics.js's one-letter
 * paths), with the source's write key, from servers or allowed browser origins; plus the settings
 * analytics.js loads from its cdnURL, which point it here.
 */
import type { SuccessBody } from "../contracts/api-docs.js";
import { logMessages } from "../contracts/log-metrics.js";
import { PayloadTooLargeError, ValidationError } from "../domain/errors.js";
import type { MessageType } from "../domain/message.js";
import { assertOriginAllowed } from "../domain/origin.js";
import { USER_TOKEN_HEADER } from "../domain/user-token.js";
import type { Observability } from "../observability.js";
import type { KeyStore } from "../ports/keys.js";
import { authenticateWriteKey } from "../use-cases/authenticate.js";
import { type IngestDeps, ingestBatch, ingestCall } from "../use-cases/ingest.js";
import { browserRoutes } from "./browser-routes.js";
import { type HttpRequest, type HttpResponse, json, jsonishRoute, type TypedRoutes } from "./http-handler.js";

export function ingestRoutes(
  deps: IngestDeps,
  keys: Pick<KeyStore, "findWriteKey">,
  obs: Observability,
): TypedRoutes {
  const { browserRoute, preflightFor } = browserRoutes(keys, obs);
  const preflight = preflightFor("POST");
  // Accepted items are the ItemAccepted metric without a metric line: CloudWatch counts it from the
  // "Message accepted" and "Batch accepted" lines below (shared/contracts/log-metrics.ts).
  const count = (rejected: number) => {
    // Every rejected item is in the source's debugger; this metric is what an alarm watches.
    if (rejected > 0) obs.metrics.addMetric("ItemRejected", "Count", rejected);
  };
  const single = (type: MessageType) =>
    jsonishRoute(
      browserRoute(async (owner, request) => {
        try {
          const result = await ingestCall(
            deps,
            owner,
            request.body,
            type,
            request.headers.origin,
            request.headers[USER_TOKEN_HEADER],
          );
          obs.logger.info(logMessages.messageAccepted, {
            type,
            messageId: result.messageId,
            ...(result.error ? { rejected: result.error.code } : {}),
          });
          count(result.error ? 1 : 0);
          return json(202, result);
        } catch (error) {
          // A malformed or oversized item (also shown in the debugger); not a refused origin or a 503.
          if (error instanceof ValidationError || error instanceof PayloadTooLargeError) count(1);
          throw error;
        }
      }),
    );
  const batch = jsonishRoute(
    browserRoute(async (owner, request) => {
      const result = await ingestBatch(
        deps,
        owner,
        request.body,
        request.headers.origin,
        request.headers[USER_TOKEN_HEADER],
      );
      obs.logger.info(logMessages.batchAccepted, {
        accepted: result.accepted.length,
        rejected: result.rejected.map((r) => ({ index: r.index, code: r.error.code })),
      });
      count(result.rejected.length);
      return json(202, result);
    }),
  );
  const track = single("track");
  const identify = single("identify");
  const group = single("group");
  const page = single("page");
  const screen = single("screen");
  const alias = single("alias");
  return {
    "POST /v1/events": track,
    "POST /v1/track": track,
    "POST /v1/identify": identify,
    "POST /v1/group": group,
    "POST /v1/page": page,
    "POST /v1/screen": screen,
    "POST /v1/alias": alias,
    "POST /v1/batch": batch,
    "POST /v1/import": batch,
    "POST /v1/t": track,
    "POST /v1/i": identify,
    "POST /v1/g": group,
    "POST /v1/p": page,
    "POST /v1/s": screen,
    "POST /v1/a": alias,
    "POST /v1/b": batch,
    ...Object.fromEntries(
      ["events", "track", "identify", "group", "page", "screen", "alias", "batch", "import"]
        .concat(["t", "i", "g", "p", "s", "a", "b"])
        .map((path) => [`OPTIONS /v1/${path}`, preflight]),
    ),
    "GET /v1/projects/{writeKey}/settings": async (request) => analyticsJsSettings(keys, request),
  };
}

/**
 * What analytics.js reads from `<cdnURL>/v1/projects/<writeKey>/settings`: its Segment.io
 * destination pointed at this API, nothing else (no other destinations, no metrics). The key is
 * checked, so a wrong one fails loudly in the browser console instead of sending into the void; the
 * page's origin must be one the source allows, as for sending (403 origin_not_allowed otherwise).
 */
async function analyticsJsSettings(
  keys: Pick<KeyStore, "findWriteKey">,
  request: HttpRequest,
): Promise<HttpResponse<SuccessBody<"GET /v1/projects/{writeKey}/settings">>> {
  const writeKey = request.path.writeKey ?? "";
  const owner = await authenticateWriteKey(keys, `Bearer ${writeKey}`);
  const origin = request.headers.origin;
  assertOriginAllowed(owner, origin);
  const cors = origin !== undefined ? { "access-control-allow-origin": origin, vary: "origin" } : undefined;
  const host = request.headers.host ?? "localhost";
  // API Gateway is https only (and says so in X-Forwarded-Proto); the local stack is plain http.
  const protocol =
    request.headers["x-forwarded-proto"] === "http" || /^(127\.0\.0\.1|localhost)(:|$)/.test(host)
      ? "http"
      : "https";
  return json(
    200,
    {
      integrations: { "Segment.io": { apiKey: writeKey, apiHost: `${host}/v1`, protocol } },
      // No tracking plan: analytics.js would load its schema-filter chunk from the CDN for one.
      plan: {},
      metrics: { sampleRate: 0 },
    },
    { ...cors, "cache-control": "no-store" },
  );
}
