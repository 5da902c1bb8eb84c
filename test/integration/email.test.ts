/**
 * send_email on the local stack, end to end: a running moment sends a raw MIME email (through a
 * recording front of the local SES, test/support/fake-ses.ts, which keeps the headers the emulator
 * drops) carrying List-Unsubscribe and List-Unsubscribe-Post and a footer link; the link's page
 * changes nothing, its one-click POST unsubscribes, and the next email to that address is skipped.
 * Also: forged tokens, reply-to and cc, a suppressed cc dropped, SES bounce/complaint events fed
 * through the real ses-feedback handler into the local DynamoDB, a throttled send retried into one
 * delivery, and a rejected send recorded while the run carries on.
 */
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { lambdaContext } from "../../infra/local/lambda-context.js";
import { LOCAL_ACCOUNT, LOCAL_REGION, type LocalStack, startLocalStack } from "../../infra/local/stack.js";
import { documentClient } from "../../shared/adapters/clients.js";
import { keys } from "../../shared/contracts/table.js";
import type { StepOutcome } from "../../shared/contracts/workflow.js";
import { runIdFor } from "../../shared/domain/ids.js";
import { type FakeSes, headerOf, startFakeSes } from "../support/fake-ses.js";
import { apiClient, sentEmails } from "../support/local-api.js";
import { bounceEvent, complaintEvent } from "../support/ses-events.js";
import { waitFor } from "../support/wait-for.js";

let stack: LocalStack;
let ses: FakeSes;
let api: ReturnType<typeof apiClient>;
let writeKey = "";
let sourceId = "";
let templateId = "";

beforeAll(async () => {
  ses = await startFakeSes();
  // The action function's SES client is pointed at the recording front (a standard SDK variable,
  // set before any handler is imported); the front forwards to the stack's own local SES.
  const env: Record<string, string> = { AWS_ENDPOINT_URL_SES: ses.url };
  stack = await startLocalStack({ port: 0, timeScale: 0, logLevel: "CRITICAL", env });
  ses.forwardTo(stack.inboxUrl);
  api = apiClient(stack.apiUrl);
  const source = await api<{ id: string; writeKey: string }>("POST", "/v1/admin/sources", {
    key: stack.adminKey,
    body: { name: "Email tests" },
  });
  expect(source.status).toBe(201);
  writeKey = source.body.writeKey;
  sourceId = source.body.id;
  const template = await api<{ id: string }>("POST", "/v1/admin/email-templates", {
    key: stack.adminKey,
    body: {
      name: "Trial ending",
      from: '"Zoë at Acme" <zoe@mail.acme.com>',
      subject: "{first_name}, votre essai se termine bientôt",
      text: "Hi {first_name},\n\nYour trial ends in {event.days_left} days.\n\nZoë",
      html: "<html><body><p>Hi {first_name}, your trial ends in {event.days_left} days.</p></body></html>",
    },
  });
  expect(template.status, JSON.stringify(template.body)).toBe(201);
  templateId = template.body.id;
});

afterAll(async () => {
  await stack?.stop();
  await ses?.stop();
});

afterEach(async () => {
  await stack.idle();
});

let counter = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${counter++}`;

/** A running moment: the email step (carrying on after a failure), then an attribute update. */
async function emailMoment(event: string, action: Record<string, unknown> = {}) {
  const created = await api<{ id: string }>("POST", "/v1/admin/moments", {
    key: stack.adminKey,
    body: {
      name: "Trial ending email",
      goal: "convert",
      sourceIds: [sourceId],
      start: { event },
      steps: [
        {
          id: "email",
          delay: { amount: 0, unit: "hours" },
          action: { type: "send_email", templateId, ...action },
          onFailure: "continue",
        },
        {
          id: "after",
          delay: { amount: 0, unit: "hours" },
          action: { type: "update_attribute", scope: "account", attribute: "email_step_passed", value: true },
        },
      ],
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const running = await api("POST", `/v1/admin/moments/${created.body.id}/status`, {
    key: stack.adminKey,
    body: { status: "running" },
  });
  expect(running.status).toBe(200);
  return created.body.id;
}

/** Sends the start event for an account whose user has `email`; answers the run's id. */
async function track(event: string, momentId: string, accountId: string, traits: Record<string, unknown>) {
  const messageId = unique("msg");
  const response = await api("POST", "/v1/events", {
    key: writeKey,
    body: {
      event,
      accountId,
      messageId,
      properties: { days_left: 3 },
      traits: { first_name: "Ada", ...traits },
    },
  });
  expect(response.status).toBe(202);
  return runIdFor(stack.workspaceId, momentId, accountId, messageId);
}

async function stepOutcome(runId: string, stepId: string): Promise<StepOutcome> {
  const db = documentClient();
  return waitFor(
    async () => {
      const { Item } = await db.send(
        new GetCommand({
          TableName: "moments",
          Key: keys.runStep(stack.workspaceId, runId, stepId),
          ConsistentRead: true,
        }),
      );
      return (Item?.outcome as StepOutcome | undefined) ?? false;
    },
    { timeoutMs: 15_000, description: `step ${stepId} recorded` },
  );
}

async function ranNextStep(accountId: string) {
  return waitFor(
    async () => {
      const view = await api<{ traits: Record<string, unknown> }>("GET", `/v1/admin/accounts/${accountId}`, {
        key: stack.adminKey,
      });
      return view.body.traits?.email_step_passed === true;
    },
    { timeoutMs: 15_000, description: "the step after the email step" },
  );
}

const sentTo = (address: string) => ses.sent.filter((s) => s.destinations.includes(address));
const attemptsTo = (address: string) => ses.attempts.filter((s) => s.destinations.includes(address));

/** One email to a fresh address through a fresh moment; answers what was sent and the step's outcome. */
async function sendOne(action: Record<string, unknown> = {}) {
  const event = unique("trial_ending");
  const momentId = await emailMoment(event, action);
  const accountId = unique("acct");
  const address = `${accountId}@example.com`;
  const runId = await track(event, momentId, accountId, { email: address });
  const outcome = await stepOutcome(runId, "email");
  return { event, momentId, accountId, address, outcome, sent: sentTo(address) };
}

const BROWSER = { accept: "text/html,application/xhtml+xml,*/*;q=0.8" };

describe("send_email on the local stack", () => {
  it("sends one raw email with List-Unsubscribe (one-click) and the same link in both bodies' footers", async () => {
    const { address, outcome, sent } = await sendOne();

    expect(outcome).toEqual({ status: "executed", detail: { messageId: expect.any(String) } });
    expect(sent).toHaveLength(1);
    const [send] = sent;
    expect(send?.destinations).toEqual([address]);
    expect(send?.tags).toMatchObject({ workspace: stack.workspaceId, run: expect.any(String) });
    const listUnsubscribe = headerOf(send?.raw ?? "", "List-Unsubscribe") ?? "";
    expect(listUnsubscribe).toMatch(new RegExp(`^<${stack.apiUrl}/v1/unsubscribe\\?token=[A-Za-z0-9_.-]+>$`));
    expect(headerOf(send?.raw ?? "", "List-Unsubscribe-Post")).toBe("List-Unsubscribe=One-Click");
    const link = listUnsubscribe.slice(1, -1);

    // The local SES parsed the same message: decoded subject, bodies and their footers.
    const [captured] = (await sentEmails(stack.inboxUrl)).filter((e) => e.destination.to.includes(address));
    expect(captured?.subject).toBe("Ada, votre essai se termine bientôt");
    expect(captured?.from).toMatch(/Zoë at Acme.*<zoe@mail\.acme\.com>/);
    expect(captured?.body.text).toBe("Hi Ada,\n\nYour trial ends in 3 days.\n\nZoë");
    expect(captured?.unsubscribeLink).toBe(link);
    expect(captured?.body.html).toContain(
      `<a href="${link.replace(/&/g, "&amp;")}" style="color:#6b7280">Unsubscribe</a>`,
    );
  });

  it("unsubscribes end to end: the footer page changes nothing, one-click does, the next email is skipped", async () => {
    const first = await sendOne();
    const [captured] = (await sentEmails(stack.inboxUrl)).filter((e) =>
      e.destination.to.includes(first.address),
    );
    const link = captured?.unsubscribeLink ?? "";
    expect(link).not.toBe("");

    // A person (or a mail scanner) opens the link: a page with one button, nothing unsubscribed yet.
    const page = await fetch(link, { headers: BROWSER });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(html).toContain(`${first.address.slice(0, 1)}***@example.com`);
    expect(html).toMatch(/<form method="post">/);
    const stillSubscribed = await fetch(link);
    expect(await stillSubscribed.json()).toEqual({
      address: expect.stringMatching(/\*\*\*@example\.com$/),
      unsubscribed: false,
    });

    // The mail provider's one-click POST (RFC 8058), then a repeat: both 200.
    for (let i = 0; i < 2; i++) {
      const oneClick = await fetch(link, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "List-Unsubscribe=One-Click",
      });
      expect(oneClick.status).toBe(200);
      expect(await oneClick.json()).toMatchObject({ unsubscribed: true });
    }

    // The same moment fires again for that address: skipped at send time, nothing new sent.
    const runId = await track(first.event, first.momentId, unique("acct"), { email: first.address });
    const outcome = await stepOutcome(runId, "email");
    expect(outcome).toEqual({ status: "skipped", reason: "suppressed: unsubscribed" });
    expect(attemptsTo(first.address)).toHaveLength(1);
    expect(
      (await sentEmails(stack.inboxUrl)).filter((e) => e.destination.to.includes(first.address)),
    ).toHaveLength(1);
  });

  it("shows a browser's form POST a confirmation page", async () => {
    const { address } = await sendOne();
    const link =
      (await sentEmails(stack.inboxUrl)).find((e) => e.destination.to.includes(address))?.unsubscribeLink ??
      "";

    const done = await fetch(link, {
      method: "POST",
      headers: { ...BROWSER, "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });

    expect(done.status).toBe(200);
    expect(await done.text()).toContain("You are unsubscribed");
  });

  it("answers a forged or mangled token with 400 naming token, and suppresses nobody", async () => {
    const { address, event, momentId } = await sendOne();
    const link =
      (await sentEmails(stack.inboxUrl)).find((e) => e.destination.to.includes(address))?.unsubscribeLink ??
      "";
    const token = new URL(link).searchParams.get("token") ?? "";
    const [payload] = token.split(".");
    const forged = `${payload}.${"A".repeat(43)}`;

    for (const [method, value] of [
      ["GET", forged],
      ["POST", forged],
      ["POST", token.slice(0, -3)],
      ["POST", "nonsense"],
    ] as const) {
      const response = await api<{ error: { details: Array<{ path: string }> } }>(
        method,
        `/v1/unsubscribe?token=${encodeURIComponent(value)}`,
        method === "POST"
          ? {
              rawBody: "List-Unsubscribe=One-Click",
              headers: { "content-type": "application/x-www-form-urlencoded" },
            }
          : {},
      );
      expect(response.status, `${method} ${value}`).toBe(400);
      expect(response.body.error.details).toEqual([
        { path: "token", message: "is not a valid unsubscribe link" },
      ]);
    }

    const runId = await track(event, momentId, unique("acct"), { email: address });
    expect((await stepOutcome(runId, "email")).status).toBe("executed");
  });

  it("writes reply-to and cc into the headers, and sends to the cc'd as well", async () => {
    const event = unique("trial_ending");
    const momentId = await emailMoment(event, {
      replyTo: "{csm_name} <{csm_email}>",
      cc: ["{csm_email}", "ops@acme.example"],
    });
    const accountId = unique("acct");
    const to = `${accountId}@example.com`;
    const runId = await track(event, momentId, accountId, {
      email: to,
      csm_email: "bo@acme.example",
      csm_name: "Bo",
    });
    expect(await stepOutcome(runId, "email")).toMatchObject({ status: "executed" });
    const [send] = sentTo(to);
    expect(send?.destinations).toEqual([to, "bo@acme.example", "ops@acme.example"]);
    expect(headerOf(send?.raw ?? "", "Reply-To")).toBe('"Bo" <bo@acme.example>');
    expect(headerOf(send?.raw ?? "", "Cc")).toBe("bo@acme.example, ops@acme.example");
    const [captured] = (await sentEmails(stack.inboxUrl)).filter((e) => e.destination.to.includes(to));
    expect(captured?.destination.cc).toEqual(["bo@acme.example, ops@acme.example"]);
    expect(captured?.replyTo).toEqual(['"Bo" <bo@acme.example>']);
  });

  it("fails the step naming the field when cc is not an address, and the run carries on", async () => {
    const { outcome, sent, accountId } = await sendOne({ cc: ["not-an-address"] });

    expect(outcome).toEqual({
      status: "failed",
      reason: 'invalid_address: cc.0 "not-an-address" did not render to an email address',
    });
    expect(sent).toEqual([]);
    await ranNextStep(accountId);
  });
});

describe("SES bounces and complaints on the local stack", () => {
  // The real ses-feedback handler, invoked as EventBridge would, against the local DynamoDB.
  async function deliverSesEvent(event: unknown) {
    const { handler } = (await import("../../functions/ses-feedback/handler.js")) as {
      handler: (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<void>;
    };
    await handler(event, lambdaContext("moments-ses-feedback", LOCAL_REGION, LOCAL_ACCOUNT));
  }

  it("a permanent bounce suppresses the address (reason bounced); a redelivery changes nothing", async () => {
    const address = `${unique("bounced")}@example.com`;

    await deliverSesEvent(bounceEvent([address], { workspaceId: stack.workspaceId }));
    await deliverSesEvent(bounceEvent([address], { workspaceId: stack.workspaceId }));

    const { Item } = await documentClient().send(
      new GetCommand({ TableName: "moments", Key: keys.suppression(stack.workspaceId, address) }),
    );
    expect(Item).toMatchObject({
      address,
      reason: "bounced",
      detail: "General",
      suppressedAt: "2026-11-21T10:00:04.000Z",
    });
    const event = unique("trial_ending");
    const momentId = await emailMoment(event);
    const runId = await track(event, momentId, unique("acct"), { email: address });
    expect(await stepOutcome(runId, "email")).toEqual({ status: "skipped", reason: "suppressed: bounced" });
    expect(attemptsTo(address)).toEqual([]);
  });

  it("a transient bounce suppresses nobody", async () => {
    const address = `${unique("soft")}@example.com`;

    await deliverSesEvent(
      bounceEvent([address], { workspaceId: stack.workspaceId, bounceType: "Transient" }),
    );

    const event = unique("trial_ending");
    const momentId = await emailMoment(event);
    const runId = await track(event, momentId, unique("acct"), { email: address });
    expect((await stepOutcome(runId, "email")).status).toBe("executed");
    expect(sentTo(address)).toHaveLength(1);
  });

  it("a complaint about a cc'd address drops it from the next email's cc, which still goes out", async () => {
    const cc = `${unique("complainer")}@example.com`;
    await deliverSesEvent(complaintEvent([cc], stack.workspaceId));

    const { outcome, sent, address } = await sendOne({ cc: [cc, "ops@acme.example"] });

    expect(outcome).toEqual({
      status: "executed",
      detail: { messageId: expect.any(String), ccSuppressed: "1" },
    });
    expect(sent[0]?.destinations).toEqual([address, "ops@acme.example"]);
    expect(headerOf(sent[0]?.raw ?? "", "Cc")).toBe("ops@acme.example");
    expect(sent[0]?.raw).not.toContain(cc);
  });

  it("a bounce in another workspace suppresses nobody here", async () => {
    const address = `${unique("elsewhere")}@example.com`;

    await deliverSesEvent(bounceEvent([address], { workspaceId: "some_other_workspace" }));

    const { Item } = await documentClient().send(
      new GetCommand({ TableName: "moments", Key: keys.suppression(stack.workspaceId, address) }),
    );
    expect(Item).toBeUndefined();
  });
});

describe("SES failures on the local stack", () => {
  it("a throttled send is retried by the workflow and delivered once, not twice", async () => {
    ses.failNext(1, "Throttling");

    const { address, outcome, sent } = await sendOne();

    expect(outcome).toEqual({ status: "executed", detail: { messageId: expect.any(String) } });
    expect(attemptsTo(address)).toHaveLength(2);
    expect(sent).toHaveLength(1);
  });

  it("a rejected send is recorded with SES's words, and the run carries on", async () => {
    ses.failNext(1, "MessageRejected");

    const { outcome, sent, accountId } = await sendOne();

    expect(outcome).toEqual({
      status: "failed",
      reason: expect.stringMatching(/^SES MessageRejected: Email address is not verified\./),
    });
    expect(sent).toEqual([]);
    await ranNextStep(accountId);
  });
});
