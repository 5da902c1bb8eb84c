/**
 * Lambda's own faults on the local stack, through the fault seam's `lambda` service: the local Step
 * Functions fails the action task as Step Functions reports Lambda's failures, here `Lambda.Unknown`
 * after the function delivered a webhook (its answer lost). The state machine retries the task; the
 * retry must not deliver again, and an end event racing it must not leave the step claimed. The time
 * scale makes the retry wait 4 s (retries wait 2 s times the scale), so an end event sent as soon as
 * the delivery arrives ends the run before the retry.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Faults } from "../../infra/local/faults.js";
import { webhookMessageId } from "../../shared/domain/webhook-signature.js";
import { type FakeWebhookReceiver, startReceiverWithIntegration } from "../support/fake-webhook-receiver.js";
import { type RunView, type Scenario, startScenario, unique } from "../support/scenario.js";
import { waitFor } from "../support/wait-for.js";

const faults = new Faults();
let s: Scenario;
let receiver: FakeWebhookReceiver;
let integrationId = "";

beforeAll(async () => {
  s = await startScenario("Lambda fault tests", { faults, timeScale: 2 });
  ({ receiver, integrationId } = await startReceiverWithIntegration(s.admin, "Receiver"));
});

afterAll(async () => {
  await s?.stop();
  await receiver?.stop();
});

beforeEach(() => {
  receiver.requests.length = 0;
});

afterEach(async () => {
  // The fault fired (a rule that never matched would make the case prove nothing).
  expect(faults.unusedRules()).toEqual([]);
  faults.clear();
  await s.stack.idle();
});

/** A running moment whose first step posts to the receiver; with `end`, it stays active until that event. */
async function webhookMoment(end?: string) {
  const event = unique("signup");
  const path = `/${unique("hook")}`;
  const momentId = await s.runningMoment({
    name: unique("Lambda faults"),
    goal: "activate",
    start: { event },
    ...(end ? { end: [{ outcome: "success", event: end }] } : {}),
    steps: [
      {
        id: "notify",
        delay: { amount: 0, unit: "hours" },
        action: {
          type: "send_webhook",
          integrationId,
          method: "POST",
          url: `${receiver.url}${path}`,
          body: "{}",
        },
      },
    ],
  });
  // The action function's answer to the run's first wake-up (it names the moment) is lost.
  faults.once({ service: "lambda", operation: "moments-action", bodyIncludes: momentId, fault: "drop" });
  const accountId = unique("acct");
  await s.track({ event, accountId });
  const runId = await s.runId(accountId, momentId);
  return { momentId, accountId, runId, path };
}

const runView = async (runId: string) =>
  (await s.admin<RunView>("GET", `/v1/admin/runs/${encodeURIComponent(runId)}`)).body;

/** The deliveries to `path`: one, or two with the same webhook-id (a deduping receiver acts once). */
function expectDeliveredOnce(path: string, runId: string) {
  const requests = receiver.requestsTo(path);
  const webhookId = webhookMessageId(`${runId}:notify`);
  expect(requests.length === 1 || requests.length === 2, `${requests.length} deliveries`).toBe(true);
  expect(requests.map((request) => request.headers["webhook-id"])).toEqual(requests.map(() => webhookId));
  expect(receiver.deliveries.filter((id) => id === webhookId)).toHaveLength(1);
}

describe("Lambda.Unknown after the action function delivered a webhook", () => {
  it("the end event wins the race with the state machine's retry: one delivery, the step executed, never left claimed", async () => {
    const end = unique("activated");
    const invokesBefore = faults.stats().lambda.requests;
    const { momentId, accountId, runId, path } = await webhookMoment(end);
    await waitFor(() => receiver.requestsTo(path).length > 0, {
      timeoutMs: 15_000,
      description: "the webhook delivered",
    });
    // Delivered by the attempt whose answer is lost (the function ran), not by a retry.
    expect(faults.stats().lambda.requests - invokesBefore).toBe(1);
    // Delivered, and the task failed with Lambda.Unknown: end the run before the retry (4 s away).
    await s.track({ event: end, accountId });
    const run = await waitFor(
      async () => {
        const view = await runView(runId);
        return view.status === "active" ? undefined : view;
      },
      { timeoutMs: 15_000, description: "the run ended by its end event" },
    );
    await s.stack.idle();

    expect(run.status).toBe("success");
    const step = (await runView(runId)).steps.find((record) => record.stepId === "notify");
    expect(step).toMatchObject({ status: "executed" });
    expectDeliveredOnce(path, runId);
    expect(
      (await s.stats<{ steps: Record<string, Record<string, number>> }>(momentId)).steps.notify,
    ).toMatchObject({ executed: 1 });
    expect(faults.stats().lambda.drop).toBeGreaterThan(0);
  });

  it("the retry comes first: it finds the step recorded, delivers nothing more, and the run completes", async () => {
    const { momentId, runId, path } = await webhookMoment();
    const run = await waitFor(
      async () => {
        const view = await runView(runId);
        return view.status === "active" ? undefined : view;
      },
      { timeoutMs: 20_000, description: "the run completed after the retry" },
    );
    await s.stack.idle();

    expect(run.status).toBe("completed");
    expect(run.steps.find((record) => record.stepId === "notify")).toMatchObject({ status: "executed" });
    expectDeliveredOnce(path, runId);
    expect(receiver.requestsTo(path)).toHaveLength(1);
    expect(
      (await s.stats<{ steps: Record<string, Record<string, number>> }>(momentId)).steps.notify,
    ).toMatchObject({ executed: 1 });
  });
});
