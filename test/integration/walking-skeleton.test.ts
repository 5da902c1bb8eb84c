/**
 * The walking skeleton end to end on the local stack, over HTTP only: an admin configures a source,
 * a template and a running moment; an app posts an event; the email arrives at the local SES with
 * the account's first name; the same event sent again changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.js";
import { apiClient, sentEmails } from "../support/local-api.js";
import { sharedLocalStack } from "../support/shared-stack.js";
import { waitFor } from "../support/wait-for.js";

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  stack = await sharedLocalStack();
  api = apiClient(stack.apiUrl);
});

afterAll(async () => {
  await stack?.stop();
});

async function configureTrialMoment() {
  const source = await api<{ id: string; writeKey: string }>("POST", "/v1/admin/sources", {
    key: stack.adminKey,
    body: { name: "Web app" },
  });
  expect(source.status).toBe(201);
  const template = await api<{ id: string }>("POST", "/v1/admin/email-templates", {
    key: stack.adminKey,
    body: {
      name: "Trial ending",
      from: '"Anna at Acme" <anna@mail.acme.com>',
      subject: "Your {event.plan} trial ends soon, {first_name|there}",
      text: "Hi {first_name},\n\nYour trial ends in {event.days_left} days.\n\nAnna",
    },
  });
  expect(template.status).toBe(201);
  const moment = await api<{ id: string; status: string }>("POST", "/v1/admin/moments", {
    key: stack.adminKey,
    body: {
      name: "Trial expiration follow-up",
      goal: "convert",
      sourceIds: [source.body.id],
      start: { event: "trial_ending_soon" },
      steps: [
        {
          id: "nudge",
          delay: { amount: 2, unit: "hours" },
          action: { type: "send_email", templateId: template.body.id },
        },
      ],
    },
  });
  expect(moment.status).toBe(201);
  expect(moment.body.status).toBe("draft");
  const running = await api("POST", `/v1/admin/moments/${moment.body.id}/status`, {
    key: stack.adminKey,
    body: { status: "running" },
  });
  expect(running.status).toBe(200);
  expect(running.body.status).toBe("running");
  return { writeKey: source.body.writeKey, momentId: moment.body.id };
}

describe("walking skeleton on the local stack", () => {
  it("answers GET /health without a key", async () => {
    const health = await api("GET", "/health");
    expect(health).toEqual({ status: 200, body: { ok: true } });
  });

  it("delivers one rendered email for an event, and still one when the same messageId is sent again", async () => {
    const { writeKey, momentId } = await configureTrialMoment();
    const address = "ada@example.com";
    const event = {
      event: "trial_ending_soon",
      accountId: "acct_ada",
      messageId: "msg-trial-ada-1",
      properties: { plan: "Pro", days_left: 3 },
      traits: { first_name: "Ada", email: address },
    };

    const servedBefore = await stack.servedByMessage();
    const accepted = await api("POST", "/v1/events", { key: writeKey, body: event });
    expect(accepted).toEqual({ status: 202, body: { messageId: "msg-trial-ada-1" } });

    const [email] = await waitFor(
      async () => {
        const emails = (await sentEmails(stack.inboxUrl)).filter((e) => e.destination.to.includes(address));
        return emails.length > 0 && emails;
      },
      { timeoutMs: 10_000, description: "the trial email at the local SES" },
    );
    expect(email?.subject).toBe("Your Pro trial ends soon, Ada");
    expect(email?.body.text).toBe("Hi Ada,\n\nYour trial ends in 3 days.\n\nAnna");
    expect(email?.from).toBe('"Anna at Acme" <anna@mail.acme.com>');

    const accounts = await waitFor(
      async () => {
        const list = await api<{ items: Array<{ accountId: string; status: string; endedAt?: string }> }>(
          "GET",
          `/v1/admin/moments/${momentId}/accounts?status=all`,
          { key: stack.adminKey },
        );
        return list.body.items[0]?.status === "completed" && list.body.items;
      },
      { description: "the run to complete" },
    );
    expect(accounts).toHaveLength(1);
    // The functions' SDK clients reached DynamoDB, the bus (ingest's PutEvents), Step Functions (the
    // matcher's StartExecution) and SES (the step's send) by message, not over a loopback socket
    // (message-transport.ts).
    const servedAfter = await stack.servedByMessage();
    expect(servedAfter.dynamodb).toBeGreaterThan(servedBefore.dynamodb);
    expect(servedAfter.eventBridge).toBeGreaterThan(servedBefore.eventBridge);
    expect(servedAfter.stepFunctions).toBeGreaterThan(servedBefore.stepFunctions);
    expect(servedAfter.ses).toBeGreaterThan(servedBefore.ses);
    expect(accounts[0]).toMatchObject({
      accountId: "acct_ada",
      status: "completed",
      endedAt: expect.any(String),
    });

    const resent = await api("POST", "/v1/events", { key: writeKey, body: event });
    expect(resent.status).toBe(202);
    await stack.idle();
    const emails = (await sentEmails(stack.inboxUrl)).filter((e) => e.destination.to.includes(address));
    expect(emails).toHaveLength(1);
  });

  it("rejects a malformed event with 400 naming the fields", async () => {
    const { writeKey } = await configureTrialMoment();
    const response = await api<{ error: { code: string; details: Array<{ path: string }> } }>(
      "POST",
      "/v1/events",
      {
        key: writeKey,
        body: { event: "trial_ending_soon", properties: "not an object" },
      },
    );
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("invalid_request");
    expect(response.body.error.details.map((d) => d.path).sort()).toEqual(["accountId", "properties"]);

    const notJson = await api("POST", "/v1/events", {
      key: writeKey,
      rawBody: "{not json",
      headers: { "content-type": "application/json" },
    });
    expect(notJson.status).toBe(400);
  });

  it("answers 401 for a missing or unknown key, on ingestion and admin routes alike", async () => {
    const event = { event: "trial_ending_soon", accountId: "a1" };
    expect((await api("POST", "/v1/events", { body: event })).status).toBe(401);
    expect((await api("POST", "/v1/events", { key: "mk_write_unknown", body: event })).status).toBe(401);
    // A write key is not an admin key.
    const { writeKey } = await configureTrialMoment();
    expect((await api("POST", "/v1/admin/sources", { key: writeKey, body: { name: "x" } })).status).toBe(401);
    const unauthorized = await api<{ error: { code: string } }>("GET", "/v1/admin/moments/anything");
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.body.error.code).toBe("unauthorized");
  });

  it("answers 404 for an unknown moment and 409 for a transition the lifecycle forbids", async () => {
    expect((await api("GET", "/v1/admin/moments/01unknown", { key: stack.adminKey })).status).toBe(404);
    const { momentId } = await configureTrialMoment();
    const conflict = await api<{ error: { message: string } }>(
      "POST",
      `/v1/admin/moments/${momentId}/status`,
      {
        key: stack.adminKey,
        body: { status: "draft" },
      },
    );
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.message).toContain("allowed: stopped, archived");
  });
});
