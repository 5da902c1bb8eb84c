/**
 * send_email on the local stack, end to end: a running moment sends a raw MIME email (through a
 * recording front of the local SES, test/support/fake-ses.ts, which keeps the headers the emulator
 * drops) carrying List-Unsubscribe and List-Unsubscribe-Post and a footer link; the link's page
 * changes nothing, its one-click POST unsubscribes, and the next email to that address is skipped.
 * Also: forged tokens, reply-to and cc, a suppressed cc dropped, SES bounce/complaint events fed
 * through the real ses-feedback handler into the local DynamoDB, a throttled send retried into one
 * delivery, and a rejected send recorded while the run carries on.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { lambdaContext } from "../../infra/local/lambda-context.js";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "../../infra/local/stack.js";
import { type FakeSes, headerOf, startFakeSes } from "../support/fake-ses.js";
import { sentEmails } from "../support/local-api.js";
import { type Scenario, startScenario, unique } from "../support/scenario.js";
import { bounceEvent, complaintEvent } from "../support/ses-events.js";

let s: Scenario;
let ses: FakeSes;
let templateId = "";

beforeAll(async () => {
  ses = await startFakeSes();
  // The action function's SES client is pointed at the recording front (a standard SDK variable,
  // set before any handler is imported); the front forwards to the stack's own local SES.
  const env: Record<string, string> = { AWS_ENDPOINT_URL_SES: ses.url };
  s = await startScenario("Email tests", { env });
  ses.forwardTo(s.stack.inboxUrl);
  const template = await s.admin<{ id: string }>("POST", "/v1/admin/email-templates", {
    name: "Trial ending",
    from: '"Zoë at Acme" <zoe@mail.acme.com>',
    subject: "{first_name}, votre essai se termine bientôt",
    text: "Hi {first_name},\n\nYour trial ends in {event.days_left} days.\n\nZoë",
    html: "<html><body><p>Hi {first_name}, your trial ends in {event.days_left} days.</p></body></html>",
  });
  expect(template.status, JSON.stringify(template.body)).toBe(201);
  templateId = template.body.id;
});

afterAll(async () => {
  await s?.stop();
  await ses?.stop();
});

afterEach(async () => {
  await s.stack.idle();
});

/** A running moment: the email step (carrying on after a failure), then an attribute update. */
const emailMoment = (event: string, action: Record<string, unknown> = {}) =>
  s.runningMoment({
    name: "Trial ending email",
    goal: "convert",
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
  });

/** Sends the start event for an account whose user has `email`; answers the email step's outcome. */
async function emailOutcome(
  event: string,
  momentId: string,
  accountId: string,
  traits: Record<string, unknown>,
) {
  await s.track({
    event,
    accountId,
    properties: { days_left: 3 },
    traits: { first_name: "Ada", ...traits },
  });
  return s.stepOutcome(await s.runId(accountId, momentId), "email");
}

/** The address's entry in the workspace's suppression list, as an admin lists it. */
async function suppressionOf(address: string) {
  let cursor: string | undefined;
  do {
    const page = await s.admin<{ items: Array<Record<string, unknown>>; nextCursor?: string }>(
      "GET",
      `/v1/admin/suppressions?limit=100${cursor ? `&cursor=${cursor}` : ""}`,
    );
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    const found = page.body.items.find((item) => item.address === address);
    if (found) return found;
    cursor = page.body.nextCursor;
  } while (cursor);
  return undefined;
}

/** Whether the run went on to the step after the email step (it sets an account trait). */
const ranNextStep = (accountId: string) => s.traitSet(accountId, "email_step_passed", true);

const sentTo = (address: string) => ses.sent.filter((send) => send.destinations.includes(address));
const attemptsTo = (address: string) => ses.attempts.filter((send) => send.destinations.includes(address));

/** One email to a fresh address through a fresh moment; answers what was sent and the step's outcome. */
async function sendOne(action: Record<string, unknown> = {}) {
  const event = unique("trial_ending");
  const momentId = await emailMoment(event, action);
  const accountId = unique("acct");
  const address = `${accountId}@example.com`;
  const outcome = await emailOutcome(event, momentId, accountId, { email: address });
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
    expect(send?.tags).toMatchObject({ workspace: s.stack.workspaceId, run: expect.any(String) });
    const listUnsubscribe = headerOf(send?.raw ?? "", "List-Unsubscribe") ?? "";
    expect(listUnsubscribe).toMatch(
      new RegExp(`^<${s.stack.apiUrl}/v1/unsubscribe\\?token=[A-Za-z0-9_.-]+>$`),
    );
    expect(headerOf(send?.raw ?? "", "List-Unsubscribe-Post")).toBe("List-Unsubscribe=One-Click");
    const link = listUnsubscribe.slice(1, -1);

    // The local SES parsed the same message: decoded subject, bodies and their footers.
    const [captured] = (await sentEmails(s.stack.inboxUrl)).filter((e) => e.destination.to.includes(address));
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
    const [captured] = (await sentEmails(s.stack.inboxUrl)).filter((e) =>
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
    const outcome = await emailOutcome(first.event, first.momentId, unique("acct"), { email: first.address });
    expect(outcome).toEqual({ status: "skipped", reason: "suppressed: unsubscribed" });
    expect(attemptsTo(first.address)).toHaveLength(1);
    expect(
      (await sentEmails(s.stack.inboxUrl)).filter((e) => e.destination.to.includes(first.address)),
    ).toHaveLength(1);
  });

  it("shows a browser's form POST a confirmation page", async () => {
    const { address } = await sendOne();
    const link =
      (await sentEmails(s.stack.inboxUrl)).find((e) => e.destination.to.includes(address))?.unsubscribeLink ??
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
      (await sentEmails(s.stack.inboxUrl)).find((e) => e.destination.to.includes(address))?.unsubscribeLink ??
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
      const response = await s.api<{ error: { details: Array<{ path: string }> } }>(
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

    const outcome = await emailOutcome(event, momentId, unique("acct"), { email: address });
    expect(outcome.status).toBe("executed");
  });

  it("writes reply-to and cc into the headers, and sends each recipient a copy with its own unsubscribe link", async () => {
    const event = unique("trial_ending");
    const momentId = await emailMoment(event, {
      replyTo: "{csm_name} <{csm_email}>",
      cc: ["{csm_email}", "ops@acme.example"],
    });
    const accountId = unique("acct");
    const to = `${accountId}@example.com`;
    const outcome = await emailOutcome(event, momentId, accountId, {
      email: to,
      csm_email: "bo@acme.example",
      csm_name: "Bo",
    });
    expect(outcome).toMatchObject({ status: "executed" });
    const copies = [to, "bo@acme.example", "ops@acme.example"].map((address) => {
      const [copy, ...more] = ses.sent.filter(
        (send) => send.raw.includes(`To: ${to}`) && send.destinations.includes(address),
      );
      expect(more).toEqual([]);
      return copy;
    });
    for (const [i, copy] of copies.entries()) {
      expect(copy?.destinations).toEqual([[to, "bo@acme.example", "ops@acme.example"][i]]);
      expect(headerOf(copy?.raw ?? "", "Reply-To")).toBe('"Bo" <bo@acme.example>');
      expect(headerOf(copy?.raw ?? "", "Cc")).toBe("bo@acme.example, ops@acme.example");
    }
    const links = copies.map((copy) => headerOf(copy?.raw ?? "", "List-Unsubscribe") ?? "");
    expect(new Set(links).size).toBe(3);

    // Bo's one-click unsubscribes Bo, not the person the email was for.
    const oneClick = await fetch(links[1]?.slice(1, -1) ?? "", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(oneClick.status).toBe(200);
    expect(await suppressionOf("bo@acme.example")).toMatchObject({ reason: "unsubscribed" });
    expect(await suppressionOf(to)).toBeUndefined();
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

    await deliverSesEvent(bounceEvent([address], { workspaceId: s.stack.workspaceId }));
    await deliverSesEvent(bounceEvent([address], { workspaceId: s.stack.workspaceId }));

    expect(await suppressionOf(address)).toMatchObject({
      address,
      reason: "bounced",
      detail: "General",
      suppressedAt: "2026-11-21T10:00:04.000Z",
    });
    const event = unique("trial_ending");
    const momentId = await emailMoment(event);
    const outcome = await emailOutcome(event, momentId, unique("acct"), { email: address });
    expect(outcome).toEqual({ status: "skipped", reason: "suppressed: bounced" });
    expect(attemptsTo(address)).toEqual([]);
  });

  it("a transient bounce suppresses nobody", async () => {
    const address = `${unique("soft")}@example.com`;

    await deliverSesEvent(
      bounceEvent([address], { workspaceId: s.stack.workspaceId, bounceType: "Transient" }),
    );

    const event = unique("trial_ending");
    const momentId = await emailMoment(event);
    const outcome = await emailOutcome(event, momentId, unique("acct"), { email: address });
    expect(outcome.status).toBe("executed");
    expect(sentTo(address)).toHaveLength(1);
  });

  it("a complaint about a cc'd address drops it from the next email's cc, which still goes out", async () => {
    const cc = `${unique("complainer")}@example.com`;
    await deliverSesEvent(complaintEvent([cc], s.stack.workspaceId));

    const { outcome, sent, address } = await sendOne({ cc: [cc, "ops@acme.example"] });

    expect(outcome).toEqual({
      status: "executed",
      detail: { messageId: expect.any(String), ccSuppressed: "1" },
    });
    expect(sent.map((copy) => copy.destinations)).toEqual([[address]]);
    const copies = ses.sent.filter((send) => headerOf(send.raw, "To") === address);
    expect(copies.map((copy) => copy.destinations)).toEqual([[address], ["ops@acme.example"]]);
    for (const copy of copies) {
      expect(headerOf(copy.raw, "Cc")).toBe("ops@acme.example");
      expect(copy.raw).not.toContain(cc);
    }
  });

  it("a bounce in another workspace suppresses nobody here", async () => {
    const address = `${unique("elsewhere")}@example.com`;

    await deliverSesEvent(bounceEvent([address], { workspaceId: "some_other_workspace" }));

    expect(await suppressionOf(address)).toBeUndefined();
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
