/**
 * The unsubscribe endpoint every email links to, with no login: the signed token in the URL is the
 * whole authorisation.
 * - `GET /v1/unsubscribe?token=`: the footer link a person clicks. It changes nothing (mail
 *   scanners and link previews fetch links unasked) and shows a one-button page that POSTs back.
 * - `POST /v1/unsubscribe?token=`: unsubscribes. Mail providers call it directly for RFC 8058
 *   one-click (body `List-Unsubscribe=One-Click`); the page's button calls it too.
 * Browsers (Accept: text/html) get small self-contained HTML pages; anything else gets JSON.
 */
import { ValidationError } from "../domain/errors.js";
import { escapeHtml } from "../domain/render.js";
import type { Observability } from "../observability.js";
import {
  type UnsubscribeDeps,
  type UnsubscribeView,
  unsubscribe,
  viewUnsubscribe,
} from "../use-cases/unsubscribe.js";
import { formRoute, type HttpRequest, type HttpResponse, json, type TypedRoutes } from "./http-handler.js";

/**
 * The pages load nothing and run nothing; the only thing they may do is post their form back here.
 * No referrer: the URL holds the token.
 */
const HTML_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "content-security-policy":
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "x-robots-tag": "noindex",
};

function prefersHtml(request: HttpRequest): boolean {
  return /\btext\/html\b/i.test(request.headers.accept ?? "");
}

/** An HTML page: a raw body, no JSON one. */
function page(statusCode: number, title: string, body: string): HttpResponse<never> {
  const rawBody = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f9fafb;color:#111827;margin:0}
main{max-width:28rem;margin:12vh auto;padding:2rem;background:#fff;border:1px solid #e5e7eb;border-radius:12px}
h1{font-size:1.25rem;margin:0 0 1rem}
p{line-height:1.5}
button{font:inherit;padding:.6rem 1.2rem;border:0;border-radius:8px;background:#111827;color:#fff;cursor:pointer}
</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>
`;
  return { statusCode, rawBody, headers: HTML_HEADERS };
}

function confirmPage(view: UnsubscribeView): HttpResponse<never> {
  const address = `<strong>${escapeHtml(view.address)}</strong>`;
  if (view.unsubscribed) {
    return page(200, "You are unsubscribed", `<p>${address} will not receive these emails any more.</p>`);
  }
  // No action attribute: the form posts to this very URL, token included.
  return page(
    200,
    "Unsubscribe",
    `<p>Stop sending these emails to ${address}?</p>
<form method="post">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button>
</form>`,
  );
}

const invalidPage = () =>
  page(
    400,
    "This link does not work",
    "<p>This unsubscribe link is not valid. If you copied it from an email, check that it was copied whole.</p>",
  );

/** A bad token answers an HTML page to a browser, the API's error envelope (400 naming `token`) otherwise. */
async function forClient<B>(
  request: HttpRequest,
  answer: () => Promise<HttpResponse<B>>,
): Promise<HttpResponse<B>> {
  try {
    return await answer();
  } catch (error) {
    if (error instanceof ValidationError && prefersHtml(request)) return invalidPage();
    throw error;
  }
}

export function unsubscribeRoutes(deps: UnsubscribeDeps, obs: Observability): TypedRoutes {
  return {
    "GET /v1/unsubscribe": (request) =>
      forClient(request, async () => {
        const view = await viewUnsubscribe(deps, request.query.token);
        return prefersHtml(request)
          ? confirmPage(view)
          : json(200, { address: view.address, unsubscribed: view.unsubscribed });
      }),
    "POST /v1/unsubscribe": formRoute((request) =>
      forClient(request, async () => {
        const result = await unsubscribe(deps, request.query.token);
        // The workspace, never the address: logs are read by operators who need no one's email.
        obs.logger.info("Unsubscribed", { workspaceId: result.workspaceId, changed: result.changed });
        if (result.changed) obs.metrics.addMetric("Unsubscribed", "Count", 1);
        return prefersHtml(request)
          ? confirmPage({ ...result, unsubscribed: true })
          : json(200, { address: result.address, unsubscribed: true });
      }),
    ),
  };
}
