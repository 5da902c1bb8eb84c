/**
 * No secret ever leaves the vault: a Slack bot token, a Slack incoming-webhook URL, an Attio access
 * token and a webhook signing secret are used for real against local fakes — steps that succeed,
 * steps the provider refuses for good (Slack channel_not_found, a Slack webhook 404, Attio 401, a
 * receiver's 400 that echoes the request it got, signature included), a 503 echo retried into a
 * delivery, an Attio create whose answer was lost and whose task is then looked up, and test sends (dry run and real) of each — and none of those secrets, nor the
 * signature values sent, shows up in what the functions and the local runtime log (at DEBUG), in
 * the step records of the run view, in test-send responses, in integration responses (refusals
 * included) or in the OpenAPI document.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Env } from "../../shared/contracts/functions.js";
import { type FakeAttio, startFakeAttio } from "../support/fake-attio.js";
import { type FakeSlack, startFakeSlack } from "../support/fake-slack.js";
import { type FakeWebhookReceiver, startFakeWebhookReceiver } from "../support/fake-webhook-receiver.js";
import type { ApiResponse } from "../support/local-api.js";
import { type RunView, type Scenario, startScenario, unique } from "../support/scenario.js";

const token = (bytes: number) => randomBytes(bytes).toString("hex");

const BOT_TOKEN = `xoxb-${token(6)}-${token(6)}-${token(12)}`;
/** The part of an incoming-webhook URL that is the credential (Slack's are 24 characters). */
const HOOK_SECRET = token(12);
const HOOK_PATH = `/services/T0NOLEAK1/B0NOLEAK1/${HOOK_SECRET}`;
/** An incoming webhook Slack no longer knows: 404 no_service. */
const GONE_HOOK_SECRET = token(12);
const GONE_HOOK_PATH = `/services/T0NOLEAK1/B0NOLEAK2/${GONE_HOOK_SECRET}`;
const ACCESS_TOKEN = `attio_${token(20)}`;
/** A token Attio does not know (revoked): 401 invalid_api_key. */
const REVOKED_ACCESS_TOKEN = `attio_${token(20)}`;
const SIGNING_KEY = randomBytes(32);
const SIGNING_SECRET = `whsec_${SIGNING_KEY.toString("base64")}`;
/** Secrets an admin pastes that the API refuses: a user token and a key too short to sign with. */
const REFUSED_USER_TOKEN = `xoxp-${token(6)}-${token(12)}`;
const REFUSED_SIGNING_SECRET = `whsec_${randomBytes(12).toString("base64")}`;

/** Each secret under a name a failure message can show, in the forms it could be re-encoded in. */
const SECRETS: Array<[name: string, value: string]> = [
  ["Slack bot token", BOT_TOKEN],
  ["Slack webhook URL secret path", HOOK_SECRET],
  ["Slack webhook URL secret path (unknown hook)", GONE_HOOK_SECRET],
  ["Attio access token", ACCESS_TOKEN],
  ["Attio access token (revoked)", REVOKED_ACCESS_TOKEN],
  ["webhook signing secret", SIGNING_SECRET],
  ["signing key, base64url", SIGNING_KEY.toString("base64url")],
  ["signing key, hex", SIGNING_KEY.toString("hex")],
  ["refused Slack user token", REFUSED_USER_TOKEN],
  ["refused signing secret", REFUSED_SIGNING_SECRET],
];

/**
 * A leak is any 16 characters of a secret, not only the whole of it: error texts are cut at a
 * length, so a secret echoed near the cut shows up truncated. (Integration views show the last 4
 * characters on purpose; 16 random characters never appear by chance.)
 */
const WINDOW = 16;
function exposes(text: string, secret: string): boolean {
  if (secret.length <= WINDOW) return text.includes(secret);
  for (let start = 0; start + WINDOW <= secret.length; start++) {
    if (text.includes(secret.slice(start, start + WINDOW))) return true;
  }
  return false;
}

/** Where each secret shows up, by the label of the place: `{}` when nowhere. */
function leaks(places: Record<string, unknown>): Record<string, string[]> {
  const secrets = [...SECRETS, ...signaturesSent()];
  const found: Record<string, string[]> = {};
  for (const [place, value] of Object.entries(places)) {
    const text = typeof value === "string" ? value : JSON.stringify(value);
    const names = secrets.filter(([, secret]) => exposes(text, secret)).map(([name]) => name);
    if (names.length > 0) found[place] = names;
  }
  return found;
}

/** Everything written to stdout/stderr or the console while the stack runs, restored by `stop()`. */
function captureOutput() {
  const chunks: string[] = [];
  const write = (stream: NodeJS.WriteStream) => {
    const original = stream.write;
    // Swallowed, not forwarded: DEBUG logs of every function would drown the test report.
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      const callback = rest.find((arg) => typeof arg === "function") as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof stream.write;
    return () => {
      stream.write = original;
    };
  };
  const methods = ["log", "info", "warn", "error", "debug", "trace"] as const;
  const consoleOriginals = methods.map((method) => [method, console[method]] as const);
  for (const [method, original] of consoleOriginals) {
    console[method] = (...args: unknown[]) => {
      chunks.push(
        `${args.map((arg) => (typeof arg === "string" ? arg : inspect(arg, { depth: 8 }))).join(" ")}\n`,
      );
      original.apply(console, args);
    };
  }
  const restores = [write(process.stdout), write(process.stderr)];
  return {
    text: () => chunks.join(""),
    stop() {
      for (const restore of restores) restore();
      for (const [method, original] of consoleOriginals) console[method] = original;
    },
  };
}

interface EchoRequest {
  path: string;
  headers: IncomingHttpHeaders;
}

/**
 * A careless receiver: it answers a refusal (400 on /reject, 503 on the first delivery of a message
 * to /flaky) with the request it got, the signature first, as debugging-minded servers do.
 */
async function startEchoReceiver() {
  const requests: EchoRequest[] = [];
  const failedOnce = new Set<string>();
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
    });
    req.on("end", () => {
      const path = new URL(req.url ?? "/", "http://echo").pathname;
      requests.push({ path, headers: req.headers });
      const echo = JSON.stringify({
        error: "signature mismatch",
        "webhook-signature": req.headers["webhook-signature"],
        headers: req.headers,
        body,
      });
      const id = String(req.headers["webhook-id"]);
      const refuse = path === "/reject" ? 400 : path === "/flaky" && !failedOnce.has(id) ? 503 : undefined;
      if (refuse === 503) failedOnce.add(id);
      res.writeHead(refuse ?? 204, refuse ? { "content-type": "application/json" } : {});
      res.end(refuse ? echo : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let output: ReturnType<typeof captureOutput>;
const runtimeLog: string[] = [];
let s: Scenario;
let slack: FakeSlack;
let attio: FakeAttio;
let receiver: FakeWebhookReceiver;
let echo: Awaited<ReturnType<typeof startEchoReceiver>>;

/** The signature values sent (the base64 after `v1,`): each is as good as a secret until it expires. */
function signaturesSent(): Array<[string, string]> {
  const headers = [
    ...receiver.requests.map((request) => request.headers["webhook-signature"]),
    ...echo.requests.map((request) => request.headers["webhook-signature"]),
  ];
  const signatures = headers
    .flatMap((header) => String(header ?? "").split(" "))
    .map((entry) => entry.split(",", 2)[1] ?? "")
    .filter((signature) => signature !== "");
  return [...new Set(signatures)].map((signature) => [
    `webhook-signature ${signature.slice(0, 6)}…`,
    signature,
  ]);
}

const integrationResponses: Record<string, ApiResponse<unknown>> = {};
const testSends: Record<string, ApiResponse<Record<string, unknown>>> = {};
const runViews: Record<string, RunView> = {};
let run: RunView;
let openApi: ApiResponse<unknown>;

/** The steps of the moment: each integration succeeding and failing for good, and a retried echo. */
const STEP_IDS = [
  "slack-bot",
  "slack-bot-channel-gone",
  "slack-hook",
  "slack-hook-gone",
  "attio",
  "attio-revoked",
  "webhook",
  "webhook-rejected",
  "webhook-flaky",
] as const;

async function createIntegration(label: string, body: Record<string, unknown>) {
  const created = await s.admin<{ id: string }>("POST", "/v1/admin/integrations", body);
  integrationResponses[`POST ${label}`] = created;
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id;
}

beforeAll(async () => {
  output = captureOutput();
  slack = await startFakeSlack();
  slack.addWorkspace(BOT_TOKEN, [{ id: "C100", name: "cs-alerts", is_member: true }]);
  slack.addWebhook(HOOK_PATH, { id: "C300", name: "renewals", is_member: true });
  attio = await startFakeAttio();
  attio.addWorkspace(ACCESS_TOKEN);
  receiver = await startFakeWebhookReceiver({ secret: SIGNING_SECRET });
  echo = await startEchoReceiver();
  s = await startScenario("No secrets", {
    logLevel: "DEBUG",
    onLog: (entry) => {
      runtimeLog.push(
        JSON.stringify(entry, (_key, value) => (value instanceof Error ? inspect(value) : value)),
      );
    },
    env: {
      [Env.slackApiBaseUrl]: slack.baseUrl,
      [Env.slackWebhookBaseUrl]: slack.webhookBaseUrl,
      ATTIO_API_BASE_URL: attio.baseUrl,
    },
  });

  const ids = {
    bot: await createIntegration("slack bot token", { kind: "slack", name: "CS bot", botToken: BOT_TOKEN }),
    hook: await createIntegration("slack webhook URL", {
      kind: "slack",
      name: "Renewals",
      webhookUrl: `https://hooks.slack.com${HOOK_PATH}`,
    }),
    goneHook: await createIntegration("slack webhook URL, unknown", {
      kind: "slack",
      name: "Old channel",
      webhookUrl: `https://hooks.slack.com${GONE_HOOK_PATH}`,
    }),
    attio: await createIntegration("attio", { kind: "attio", name: "CRM", accessToken: ACCESS_TOKEN }),
    revoked: await createIntegration("attio, revoked", {
      kind: "attio",
      name: "Old CRM",
      accessToken: REVOKED_ACCESS_TOKEN,
    }),
    webhook: await createIntegration("webhook with its signing secret", {
      kind: "webhook",
      name: "Receiver",
      signingSecret: SIGNING_SECRET,
    }),
  };
  integrationResponses["POST slack user token (refused)"] = await s.admin("POST", "/v1/admin/integrations", {
    kind: "slack",
    name: "A person's token",
    botToken: REFUSED_USER_TOKEN,
  });
  integrationResponses["POST short signing secret (refused)"] = await s.admin(
    "POST",
    "/v1/admin/integrations",
    { kind: "webhook", name: "Weak", signingSecret: REFUSED_SIGNING_SECRET },
  );

  const step = (id: (typeof STEP_IDS)[number], action: Record<string, unknown>) => ({
    id,
    delay: { amount: 0, unit: "hours" },
    onFailure: "continue",
    action,
  });
  const slackStep = (integrationId: string, channel?: string) => ({
    type: "send_slack",
    integrationId,
    ...(channel ? { channel } : {}),
    text: "Renewal for {company}",
  });
  const attioStep = (integrationId: string) => ({
    type: "create_attio_task",
    integrationId,
    content: "Call {company} about the renewal",
    deadline: { amount: 2, unit: "days" },
  });
  const webhookStep = (url: string) => ({
    type: "send_webhook",
    integrationId: ids.webhook,
    method: "POST",
    url,
    body: '{"company": "{company}"}',
  });
  const event = unique("renewal_due");
  const momentId = await s.runningMoment({
    name: "Every integration",
    goal: "grow",
    start: { event },
    steps: [
      step("slack-bot", slackStep(ids.bot, "C100")),
      step("slack-bot-channel-gone", slackStep(ids.bot, "C-gone")),
      step("slack-hook", slackStep(ids.hook)),
      step("slack-hook-gone", slackStep(ids.goneHook)),
      step("attio", attioStep(ids.attio)),
      step("attio-revoked", attioStep(ids.revoked)),
      step("webhook", webhookStep(`${receiver.url}/ok`)),
      step("webhook-rejected", webhookStep(`${echo.url}/reject`)),
      step("webhook-flaky", webhookStep(`${echo.url}/flaky`)),
    ],
  });
  const accountId = unique("acct");
  // The Attio step's first create loses its answer: the step is in doubt and looks its task up.
  attio.actThenDropNext(1);
  await s.track({ event, accountId, traits: { company: "Acme" } });
  const runId = await s.runId(accountId, momentId);
  run = await s.recordedRun(runId, STEP_IDS);
  runViews[`run ${runId}`] = run;
  runViews[`account ${accountId}`] = (await s.admin<RunView>("GET", `/v1/admin/accounts/${accountId}`)).body;

  for (const stepId of STEP_IDS) {
    for (const dryRun of [true, false]) {
      const response = await s.admin<Record<string, unknown>>(
        "POST",
        `/v1/admin/moments/${momentId}/steps/${stepId}/test`,
        { traits: { company: "Acme" }, dryRun },
      );
      testSends[`${stepId}${dryRun ? " (dry run)" : ""}`] = response;
      // A real test send is kept where runs are read: that record must be as clean as a run's.
      const testRunId = response.body?.runId;
      if (typeof testRunId === "string") {
        runViews[`test send ${stepId}`] = (await s.admin<RunView>("GET", `/v1/admin/runs/${testRunId}`)).body;
      }
    }
  }

  integrationResponses["GET list"] = await s.admin("GET", "/v1/admin/integrations");
  for (const [name, id] of Object.entries(ids)) {
    integrationResponses[`GET ${name}`] = await s.admin("GET", `/v1/admin/integrations/${id}`);
  }
  integrationResponses["GET slack channels"] = await s.admin(
    "GET",
    `/v1/admin/integrations/${ids.bot}/slack/channels`,
  );
  integrationResponses["PATCH attio name"] = await s.admin("PATCH", `/v1/admin/integrations/${ids.attio}`, {
    name: "CRM (renamed)",
  });
  openApi = await s.api("GET", "/v1/openapi.json");
  await s.stack.idle();
});

afterAll(async () => {
  await s?.stop();
  await Promise.all([slack?.stop(), attio?.stop(), receiver?.stop(), echo?.stop()]);
  output?.stop();
});

const outcomeOf = (stepId: string) => run.steps.find((step) => step.stepId === stepId);

describe("secrets never leave the vault", () => {
  it("exercises every integration: delivered, refused for good, and a 503 retried into one delivery", () => {
    expect(outcomeOf("slack-bot")).toMatchObject({ status: "executed" });
    expect(outcomeOf("slack-bot-channel-gone")).toMatchObject({
      status: "failed",
      outcome: { reason: "slack: channel_not_found" },
    });
    expect(outcomeOf("slack-hook")).toMatchObject({ status: "executed" });
    expect(outcomeOf("slack-hook-gone")).toMatchObject({
      status: "failed",
      outcome: { reason: expect.stringContaining("no_service") },
    });
    expect(outcomeOf("attio")).toMatchObject({
      status: "executed",
      outcome: { detail: { reconciled: "task_list" } },
    });
    expect(outcomeOf("attio-revoked")).toMatchObject({
      status: "failed",
      outcome: { reason: expect.stringContaining("invalid_api_key") },
    });
    expect(outcomeOf("webhook")).toMatchObject({ status: "executed" });
    expect(outcomeOf("webhook-rejected")).toMatchObject({
      status: "failed",
      outcome: { reason: expect.stringMatching(/^webhook: HTTP 400/) },
    });
    expect(outcomeOf("webhook-flaky")).toMatchObject({ status: "executed" });
    // The real secrets were used: the providers accepted them, the receiver verified the signature.
    expect(slack.requests.some((request) => request.authorization === `Bearer ${BOT_TOKEN}`)).toBe(true);
    expect(slack.requests.some((request) => request.path === HOOK_PATH)).toBe(true);
    expect(attio.requests.some((request) => request.authorization === `Bearer ${ACCESS_TOKEN}`)).toBe(true);
    expect(
      attio.requests.some((r) => r.method === "GET" && r.authorization === `Bearer ${ACCESS_TOKEN}`),
    ).toBe(true);
    expect(receiver.requests.map((request) => request.signature)).toContain("valid");
    expect(echo.requests.filter((request) => request.path === "/flaky").length).toBeGreaterThanOrEqual(2);
    expect(signaturesSent().length).toBeGreaterThanOrEqual(4);
    // Both refused secrets were refused.
    expect(integrationResponses["POST slack user token (refused)"]?.status).toBe(400);
    expect(integrationResponses["POST short signing secret (refused)"]?.status).toBe(400);
  });

  it("keeps them out of the step records a run view shows", () => {
    expect(Object.keys(runViews).length).toBeGreaterThanOrEqual(2);
    expect(leaks(runViews)).toEqual({});
  });

  it("keeps them out of test-send responses, dry run and real", () => {
    expect(Object.keys(testSends)).toHaveLength(STEP_IDS.length * 2);
    for (const [label, response] of Object.entries(testSends)) expect(response.status, label).toBe(200);
    expect(
      leaks(Object.fromEntries(Object.entries(testSends).map(([label, { body }]) => [label, body]))),
    ).toEqual({});
  });

  it("keeps them out of integration responses, refusals included", () => {
    expect(leaks(integrationResponses)).toEqual({});
  });

  it("keeps them out of the OpenAPI document", () => {
    expect(openApi.status).toBe(200);
    expect(leaks({ "GET /v1/openapi.json": openApi.body })).toEqual({});
  });

  // Last: it reads what every test before it made the functions log.
  it("keeps them out of everything the functions and the local runtime log, at DEBUG", () => {
    const logged = output.text();
    // The capture works: the action function's outcome lines are in it, failures included.
    expect(logged).toContain("Step finished");
    expect(logged).toContain("channel_not_found");
    expect(runtimeLog.length).toBeGreaterThan(0);
    const lines = Object.fromEntries(
      [...logged.split("\n"), ...runtimeLog].map((line, index) => [
        `log line ${index}: ${line.slice(0, 160)}`,
        line,
      ]),
    );
    expect(leaks(lines)).toEqual({});
  });
});
