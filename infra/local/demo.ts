/**
 * The demo app behind `npm start`'s "Demo" URL: a page of a pretend product that loads the in-app
 * widget from the local stack, the way a customer's app would. This server plays the app's backend:
 * it holds the demo source's identity secret and computes the signed-in user's token for each page.
 * Everything it sets up goes through the admin API, like any client.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { computeUserToken } from "../../shared/domain/user-token.js";

export const DEMO_SOURCE_NAME = "Demo app";
export const DEMO_MOMENT_NAME = "Demo: feedback after an export";
export const DEMO_EVENT = "demo_report_exported";
const DEMO_USER = { accountId: "acct_demo", userId: "user_demo" };

export interface Demo {
  url: string;
  stop(): Promise<void>;
}

interface Listed<T> {
  items: T[];
}

async function adminApi<T>(apiUrl: string, adminKey: string, method: string, path: string, body?: unknown) {
  const response = await fetch(new URL(path, apiUrl), {
    method,
    headers: {
      authorization: `Bearer ${adminKey}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`Demo setup: ${method} ${path} answered ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/**
 * The demo source (this page's origin allowed), a fresh write key and identity secret (both are
 * shown only once, so a restart on kept data issues new ones), and a running moment that asks for
 * feedback and leaves a notification when the page tracks DEMO_EVENT.
 */
async function setUp(apiUrl: string, adminKey: string, origins: string[]) {
  const api = <T>(method: string, path: string, body?: unknown) =>
    adminApi<T>(apiUrl, adminKey, method, path, body);
  const sources = await api<Listed<{ id: string; name: string }>>("GET", "/v1/admin/sources?limit=200");
  let source = sources.items.find((s) => s.name === DEMO_SOURCE_NAME);
  let writeKey: string;
  let identitySecret: string;
  if (!source) {
    const created = await api<{ id: string; name: string; writeKey: string; identitySecret: string }>(
      "POST",
      "/v1/admin/sources",
      { name: DEMO_SOURCE_NAME, allowedDomains: origins },
    );
    source = created;
    ({ writeKey, identitySecret } = created);
  } else {
    await api("PATCH", `/v1/admin/sources/${source.id}`, { allowedDomains: origins });
    const keys = await api<Listed<{ id: string; revokedAt?: string }>>(
      "GET",
      `/v1/admin/sources/${source.id}/write-keys?limit=200`,
    );
    for (const key of keys.items.filter((k) => !k.revokedAt))
      await api("DELETE", `/v1/admin/sources/${source.id}/write-keys/${key.id}`);
    writeKey = (await api<{ writeKey: string }>("POST", `/v1/admin/sources/${source.id}/write-keys`))
      .writeKey;
    identitySecret = (
      await api<{ identitySecret: string }>("POST", `/v1/admin/sources/${source.id}/identity-secret`)
    ).identitySecret;
  }
  const moments = await api<Listed<{ id: string; name: string; status: string }>>(
    "GET",
    `/v1/admin/moments?limit=200&q=${encodeURIComponent(DEMO_MOMENT_NAME)}`,
  );
  let moment = moments.items.find((m) => m.name === DEMO_MOMENT_NAME);
  if (!moment) {
    moment = await api<{ id: string; name: string; status: string }>("POST", "/v1/admin/moments", {
      name: DEMO_MOMENT_NAME,
      goal: "activate",
      sourceIds: [source.id],
      start: { event: DEMO_EVENT },
      // Every export asks again, so the demo can be replayed.
      reentry: { policy: "after_exit" },
      steps: [
        {
          id: "ask",
          delay: { amount: 0, unit: "minutes" },
          action: {
            type: "feedback_prompt",
            question: "How did the {event.format} export go?",
            followUp: "What went wrong?",
          },
        },
        {
          id: "tip",
          delay: { amount: 0, unit: "minutes" },
          action: {
            type: "send_notification",
            title: "Tip: schedule your exports",
            body: "Get this report by email every Monday.",
          },
        },
      ],
    });
  }
  if (moment.status !== "running") {
    await api("POST", `/v1/admin/moments/${moment.id}/status`, { status: "running" });
  }
  return { writeKey, identitySecret, momentId: moment.id };
}

const escapeJson = (value: unknown) => JSON.stringify(value).replaceAll("<", "\\u003c");

function page(apiUrl: string, writeKey: string, userToken: string) {
  const config = { apiUrl, writeKey, ...DEMO_USER, userToken, event: DEMO_EVENT };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Acme Reports (Moments demo)</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #1f2328; background: #f6f8fa; }
  header { background: #24292f; color: #fff; padding: 12px 24px; display: flex; justify-content: space-between; }
  main { max-width: 640px; margin: 32px auto; background: #fff; padding: 24px; border-radius: 12px; border: 1px solid #d0d7de; }
  button.export { font: inherit; padding: 8px 16px; border-radius: 8px; border: 0; background: #1f883d; color: #fff; cursor: pointer; }
  code { background: #f6f8fa; padding: 2px 4px; border-radius: 4px; }
  moments-widget { --moments-accent: #1f883d; --moments-accent-soft: #dafbe1; }
</style></head>
<body>
<header><strong>Acme Reports</strong><span id="unread" aria-live="polite">0 unread</span></header>
<main>
  <h1>Quarterly revenue</h1>
  <p>Signed in as <code>${DEMO_USER.userId}</code> of <code>${DEMO_USER.accountId}</code>. This page loads the
  widget from <code>${apiUrl}/v1/widget.js</code>; its user token was computed by the demo server.</p>
  <p><button class="export" type="button" id="export">Export report (CSV)</button></p>
  <p>Exporting tracks <code>${DEMO_EVENT}</code>; the running moment "${DEMO_MOMENT_NAME}" then asks for
  feedback and leaves a notification.</p>
</main>
<script src="${apiUrl}/v1/widget.js"></script>
<script>
  const config = ${escapeJson(config)};
  Moments.init({ apiUrl: config.apiUrl, writeKey: config.writeKey });
  Moments.identify({ accountId: config.accountId, userId: config.userId, userToken: config.userToken,
    traits: { plan: "pro" }, userTraits: { first_name: "Ada" } });
  Moments.on("unread", (n) => { document.getElementById("unread").textContent = n + " unread"; });
  document.getElementById("export").addEventListener("click", () => Moments.track(config.event, { format: "CSV" }));
</script>
</body></html>`;
}

/** Starts the demo app on `port` (0: any free port) against the running local stack. */
export async function startDemo(options: {
  apiUrl: string;
  adminKey: string;
  host: string;
  port: number;
}): Promise<Demo> {
  let html = "";
  const server: Server = createServer((req, res) => {
    if (req.url !== "/" && req.url !== "/index.html") {
      res.writeHead(404, { "content-type": "text/plain" }).end("Not found");
      return;
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(html);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  try {
    const { writeKey, identitySecret } = await setUp(options.apiUrl, options.adminKey, [
      `localhost:${port}`,
      `127.0.0.1:${port}`,
    ]);
    // The app's backend signs the signed-in user's ids; the secret stays here.
    html = page(options.apiUrl, writeKey, computeUserToken(identitySecret, DEMO_USER));
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `http://${options.host}:${port}/`, stop };
}
