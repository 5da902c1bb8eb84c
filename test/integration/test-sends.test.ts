/**
 * Test sends and the onMissing policy on the local stack, over HTTP as an admin would use them:
 * a step rendered with sample traits (dry run), a step performed for a real account (the email is
 * captured by the local SES, the notification lands in the account's inbox) without moving the
 * moment's stats, and a live run whose step is skipped because a placeholder has no value, with
 * the reason visible in the run view.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sentEmails } from "../support/local-api.js";
import { type Scenario, startSharedScenario, unique } from "../support/scenario.js";
import { waitFor } from "../support/wait-for.js";

let s: Scenario;
let templateId = "";

beforeAll(async () => {
  s = await startSharedScenario("Test sends");
  const template = await s.admin<{ id: string }>("POST", "/v1/admin/email-templates", {
    name: "Renewal",
    from: '"Anna at Acme" <anna@acme.com>',
    subject: "Your {account.plan} plan renews soon, {first_name|there}",
    text: "Hi {first_name}, your {account.plan} plan renews on {event.renews_on}.",
  });
  expect(template.status, JSON.stringify(template.body)).toBe(201);
  templateId = template.body.id;
});

afterAll(async () => {
  await s?.stop();
});

async function draftMoment(steps: unknown[]) {
  const created = await s.admin<{ id: string }>("POST", "/v1/admin/moments", {
    name: unique("Renewal"),
    goal: "grow",
    sourceIds: [s.sourceId],
    start: { event: unique("renewal_due") },
    steps,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id;
}

async function identify(accountId: string, traits: Record<string, unknown>) {
  const response = await s.api("POST", "/v1/identify", { key: s.writeKey, body: { accountId, traits } });
  expect(response.status).toBe(202);
  await waitFor(async () => (await s.admin("GET", `/v1/admin/accounts/${accountId}`)).status === 200, {
    timeoutMs: 10_000,
    description: "the identified account",
  });
}

const testSend = (momentId: string, stepId: string, body: unknown) =>
  s.admin<Record<string, unknown>>("POST", `/v1/admin/moments/${momentId}/steps/${stepId}/test`, body);

const emailStep = () => ({ id: "renewal", action: { type: "send_email", templateId } });
const notificationStep = {
  id: "heads-up",
  action: {
    type: "send_notification",
    title: "Renewal for {account.plan}",
    body: "Renews {event.renews_on}",
  },
};

describe("test sends", () => {
  it("dry run with sample traits: shows the rendered email and the placeholders without a value, sends nothing", async () => {
    const momentId = await draftMoment([emailStep()]);
    const before = (await sentEmails(s.stack.inboxUrl)).length;

    const response = await testSend(momentId, "renewal", {
      traits: { plan: "Pro", email: "ops@example.com" },
      event: {},
      dryRun: true,
    });

    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({
      stepId: "renewal",
      action: "send_email",
      dryRun: true,
      missing: ["first_name", "event.renews_on"],
      rendered: {
        to: "ops@example.com",
        subject: "Your Pro plan renews soon, there",
        text: expect.stringContaining("Hi , your Pro plan renews on ."),
      },
    });
    expect(response.body).not.toHaveProperty("outcome");
    expect((await sentEmails(s.stack.inboxUrl)).length).toBe(before);
  });

  it("performs the email for a real account, and the moment's stats do not move", async () => {
    const accountId = unique("acct");
    const address = `${accountId}@example.com`;
    await identify(accountId, { plan: "Team", first_name: "Ada", email: address });
    const momentId = await draftMoment([emailStep()]);

    const response = await testSend(momentId, "renewal", { accountId, event: { renews_on: "1 Dec" } });

    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({ dryRun: false, missing: [], outcome: { status: "executed" } });
    const emails = await waitFor(
      async () => {
        const found = (await sentEmails(s.stack.inboxUrl)).filter((e) => e.destination.to.includes(address));
        return found.length === 1 ? found : undefined;
      },
      { timeoutMs: 10_000, description: "the test email" },
    );
    expect(emails[0]?.subject).toBe("Your Team plan renews soon, Ada");
    const stats = await s.stats<{ entered: number; steps: Record<string, unknown> }>(momentId);
    expect(stats).toMatchObject({
      entered: 0,
      steps: { renewal: { executed: 0, skipped: 0, failed: 0 } },
    });
    // The send is kept as a test run, where runs are read, and the account's runs do not list it.
    const runId = String(response.body.runId);
    const run = await s.api<Record<string, unknown>>("GET", `/v1/admin/runs/${runId}`, {
      key: s.stack.adminKey,
    });
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({
      runId,
      test: true,
      momentId,
      accountId,
      steps: [{ stepId: "renewal", status: "executed" }],
    });
    const account = await s.api<{ runs: unknown[] }>("GET", `/v1/admin/accounts/${accountId}`, {
      key: s.stack.adminKey,
    });
    expect(account.body.runs).toEqual([]);
  });

  it("performs an in-app notification into the real account's inbox", async () => {
    const accountId = unique("acct");
    await identify(accountId, { plan: "Team" });
    const momentId = await draftMoment([notificationStep]);

    const response = await testSend(momentId, "heads-up", { accountId, event: { renews_on: "1 Dec" } });

    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({ outcome: { status: "executed" } });
    const inbox = await s.api<{ items: Array<{ title: string; body: string }> }>(
      "GET",
      `/v1/inbox?accountId=${accountId}`,
      { key: s.writeKey, headers: s.userToken(accountId) },
    );
    expect(inbox.body.items).toEqual([
      expect.objectContaining({ title: "Renewal for Team", body: "Renews 1 Dec" }),
    ]);
  });

  it("refuses to perform an in-app step with sample traits, naming accountId", async () => {
    const momentId = await draftMoment([notificationStep]);

    const response = await testSend(momentId, "heads-up", { traits: { plan: "Pro" } });

    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body)).toContain("accountId");
  });

  it.each([
    ["an unknown step", "nope", { traits: {} }, 404],
    ["an unknown account", "renewal", { accountId: "acct_never_seen" }, 404],
    ["a body with neither accountId nor traits", "renewal", { dryRun: true }, 400],
    ["a body with an unknown field", "renewal", { traits: {}, send: true }, 400],
  ])("answers %s with its status", async (_case, stepId, body, status) => {
    const momentId = await draftMoment([emailStep()]);

    const response = await testSend(momentId, stepId, body);

    expect(response.status, JSON.stringify(response.body)).toBe(status);
  });
});

describe("onMissing in a live run", () => {
  it("skips a step whose placeholder has no value, records why, and runs the next step", async () => {
    const event = unique("renewal_due");
    const momentId = await s.runningMoment({
      name: unique("Strict renewal"),
      goal: "grow",
      start: { event },
      steps: [
        { ...notificationStep, id: "strict", onMissing: "skip" },
        {
          id: "lenient",
          action: { type: "send_notification", title: "Plan: {account.plan}", body: "Soon" },
        },
      ],
    });
    const accountId = unique("acct");

    await s.track({ event, accountId, properties: { renews_on: "1 Dec" } });

    const run = await s.recordedRun(await s.runId(accountId, momentId), ["strict", "lenient"]);
    // In the order they ran.
    expect(run.steps).toEqual([
      expect.objectContaining({
        stepId: "strict",
        status: "skipped",
        outcome: expect.objectContaining({ reason: "missing_value: {account.plan}" }),
      }),
      expect.objectContaining({ stepId: "lenient", status: "executed" }),
    ]);
  });
});
