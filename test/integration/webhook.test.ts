/**
 * send_webhook on the local stack (loopback targets allowed, as in local development): a running
 * moment sends signed requests to a local receiver that verifies them exactly as a Standard
 * Webhooks consumer does; a transient failure is retried with the same webhook-id and delivered
 * once; a 4xx fails the step with the receiver's text and the run goes on; every method works;
 * and a redirect from the receiver to a blocked address is refused even with loopback allowed.
 */
import { DescribeExecutionCommand, SFNClient } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { webhookMessageId } from "../../shared/domain/webhook-signature.js";
import { type FakeWebhookReceiver, startReceiverWithIntegration } from "../support/fake-webhook-receiver.js";
import { type Scenario, startSharedScenario, unique } from "../support/scenario.js";

let s: Scenario;
let receiver: FakeWebhookReceiver;
let integrationId = "";

beforeAll(async () => {
  s = await startSharedScenario("Webhook tests");
  ({ receiver, integrationId } = await startReceiverWithIntegration(s.admin, "CRM receiver"));
});

afterAll(async () => {
  await s?.stop();
  await receiver?.stop();
});

beforeEach(() => {
  receiver.requests.length = 0;
});

function webhookStep(id: string, action: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    id,
    delay: { amount: 0, unit: "hours" },
    action: { type: "send_webhook", integrationId, ...action },
    ...extra,
  };
}

const runningMoment = (event: string, steps: unknown[]) =>
  s.runningMoment({ name: unique("Webhooks"), goal: "activate", start: { event }, steps });

/** Sends the trigger for a fresh account; answers the run's id, as the account view lists it. */
async function trigger(event: string, momentId: string) {
  const accountId = unique("acct");
  await s.track({ event, accountId, traits: { first_name: "Zoë", plan: "pro", company: 'Acme "Rockets"' } });
  return s.runId(accountId, momentId);
}

async function stepStats(momentId: string) {
  const stats = await s.stats<{
    steps: Record<string, { executed: number; skipped: number; failed: number }>;
  }>(momentId);
  return stats.steps;
}

describe("send_webhook on the local stack", () => {
  it("delivers a signed POST with rendered URL, headers and body that the receiver verifies", async () => {
    const event = unique("trial_started");
    const momentId = await runningMoment(event, [
      webhookStep("notify", {
        method: "POST",
        url: `${receiver.url}/hooks/{account.plan}?name={first_name}`,
        headers: { "X-Company": "{company}" },
        body: '{"event": "trial_started", "name": "{first_name}", "company": "{company}"}',
      }),
    ]);
    const runId = await trigger(event, momentId);

    const webhookId = webhookMessageId(`${runId}:notify`);
    expect(await s.stepOutcome(runId, "notify")).toEqual({
      status: "executed",
      detail: { status: "204", webhookId },
    });
    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(request).toMatchObject({
      method: "POST",
      path: "/hooks/pro",
      query: { name: "Zoë" },
      signature: "valid",
      headers: expect.objectContaining({
        "user-agent": "Moments-Webhooks/1",
        "content-type": "application/json",
        "x-company": 'Acme "Rockets"',
        "webhook-id": webhookId,
      }),
    });
    expect(JSON.parse(request?.body ?? "")).toEqual({
      event: "trial_started",
      name: "Zoë",
      company: 'Acme "Rockets"',
    });
    expect(receiver.deliveries).toContain(webhookId);

    // The run's execution input names the run and its steps: no URL, header or trigger property
    // (they would sit in the execution's history and logs, and count against its 256 KB).
    const sfn = new SFNClient({
      endpoint: process.env.AWS_ENDPOINT_URL_SFN,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    const execution = await sfn.send(
      new DescribeExecutionCommand({
        executionArn: `arn:aws:states:us-east-1:000000000000:execution:moments-run:${runId}`,
      }),
    );
    expect(execution.input).toContain(runId);
    expect(execution.input).toContain('"notify"');
    expect(execution.input).not.toMatch(/hooks|X-Company|x-company|Acme|Zo|send_webhook|trigger/);
  });

  it("retries a 503 with the same webhook-id, and the receiver acts once", async () => {
    const event = unique("upgraded");
    const momentId = await runningMoment(event, [
      webhookStep("flaky", { method: "POST", url: `${receiver.url}/flaky`, body: '{"n": 1}' }),
    ]);
    receiver.respondNext(1, { status: 503, body: "maintenance" }, "/flaky");
    const runId = await trigger(event, momentId);

    expect(await s.stepOutcome(runId, "flaky")).toMatchObject({ status: "executed" });
    const attempts = receiver.requestsTo("/flaky");
    expect(attempts).toHaveLength(2);
    const webhookId = webhookMessageId(`${runId}:flaky`);
    expect(attempts.map((attempt) => attempt.headers["webhook-id"])).toEqual([webhookId, webhookId]);
    expect(attempts.map((attempt) => attempt.signature)).toEqual(["valid", "valid"]);
    expect(receiver.deliveries.filter((id) => id === webhookId)).toHaveLength(1);
    await s.stack.idle();
    expect((await stepStats(momentId)).flaky).toEqual({ executed: 1, skipped: 0, failed: 0 });
  });

  it("fails the step on a 400 with the receiver's text, and the next step still runs", async () => {
    const event = unique("churn_risk");
    const momentId = await runningMoment(event, [
      webhookStep(
        "rejected",
        { method: "PUT", url: `${receiver.url}/rejected`, body: '{"name": "{first_name}"}' },
        { onFailure: "continue" },
      ),
      webhookStep("after", { method: "POST", url: `${receiver.url}/after`, body: "next" }),
    ]);
    receiver.respondOn("/rejected", { status: 400, body: "invalid payload: customer_id is required" });
    const runId = await trigger(event, momentId);

    expect(await s.stepOutcome(runId, "rejected")).toEqual({
      status: "failed",
      reason: "webhook: HTTP 400: invalid payload: customer_id is required",
    });
    expect(await s.stepOutcome(runId, "after")).toMatchObject({ status: "executed" });
    // A 4xx is not retried.
    expect(receiver.requestsTo("/rejected")).toHaveLength(1);
    expect(receiver.requestsTo("/after")).toHaveLength(1);
    await s.stack.idle();
    expect(await stepStats(momentId)).toMatchObject({
      rejected: { executed: 0, skipped: 0, failed: 1 },
      after: { executed: 1, skipped: 0, failed: 0 },
    });
    receiver.respondOn("/rejected", undefined);
  });

  it("sends GET, DELETE, HEAD, PATCH and OPTIONS, each signed over the body it carries", async () => {
    const event = unique("renewed");
    const methods = ["GET", "DELETE", "HEAD", "PATCH", "OPTIONS"] as const;
    const momentId = await runningMoment(
      event,
      methods.map((method) =>
        webhookStep(method.toLowerCase(), {
          method,
          url: `${receiver.url}/methods/${method.toLowerCase()}?plan={account.plan}`,
          ...(method === "PATCH" ? { body: '{"plan": "{account.plan}"}' } : {}),
        }),
      ),
    );
    const runId = await trigger(event, momentId);

    for (const method of methods) {
      expect(await s.stepOutcome(runId, method.toLowerCase())).toMatchObject({ status: "executed" });
    }
    expect(receiver.requests.map((r) => [r.method, r.path, r.query.plan, r.body, r.signature])).toEqual([
      ["GET", "/methods/get", "pro", "", "valid"],
      ["DELETE", "/methods/delete", "pro", "", "valid"],
      ["HEAD", "/methods/head", "pro", "", "valid"],
      ["PATCH", "/methods/patch", "pro", '{"plan": "pro"}', "valid"],
      ["OPTIONS", "/methods/options", "pro", "", "valid"],
    ]);
    expect(receiver.requests[0]?.headers["content-type"]).toBeUndefined();
  });

  it("follows a redirect on the receiver, and refuses one to a blocked address even with loopback allowed", async () => {
    const event = unique("moved");
    const momentId = await runningMoment(event, [
      webhookStep(
        "moved",
        { method: "POST", url: `${receiver.url}/old`, body: '{"a": 1}' },
        { onFailure: "continue" },
      ),
      webhookStep(
        "to-metadata",
        { method: "POST", url: `${receiver.url}/steal`, body: '{"a": 2}' },
        { onFailure: "continue" },
      ),
      webhookStep("to-private", { method: "POST", url: `${receiver.url}/pivot`, body: '{"a": 3}' }),
    ]);
    receiver.respondOn("/old", { status: 308, headers: { location: "/new" } });
    receiver.respondOn("/steal", {
      status: 302,
      headers: { location: "http://169.254.169.254/latest/meta-data/iam/security-credentials/" },
    });
    receiver.respondOn("/pivot", { status: 307, headers: { location: "http://10.0.0.1/admin" } });
    const runId = await trigger(event, momentId);

    expect(await s.stepOutcome(runId, "moved")).toMatchObject({ status: "executed" });
    expect(receiver.requestsTo("/new")).toMatchObject([
      { method: "POST", body: '{"a": 1}', signature: "valid" },
    ]);
    expect(await s.stepOutcome(runId, "to-metadata")).toEqual({
      status: "failed",
      reason: "blocked_address: 169.254.169.254 is a cloud metadata address (after 1 redirect)",
    });
    expect(await s.stepOutcome(runId, "to-private")).toEqual({
      status: "failed",
      reason: "blocked_address: 10.0.0.1 is a private address (after 1 redirect)",
    });
    // Refused, not retried: one request each to the redirecting paths.
    expect(receiver.requestsTo("/steal")).toHaveLength(1);
    expect(receiver.requestsTo("/pivot")).toHaveLength(1);
    for (const path of ["/old", "/steal", "/pivot"]) receiver.respondOn(path, undefined);
  });
});
