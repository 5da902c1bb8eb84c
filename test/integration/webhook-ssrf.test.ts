/**
 * The SSRF guard of send_webhook on the local stack with the loopback opt-in OFF, as on AWS:
 * loopback (IPv4, IPv6, IPv4-mapped, by name), the unspecified address, link-local metadata and
 * private targets are refused before any connection, each step fails with blocked_address (not
 * retried), and the receivers listening there get nothing.
 *
 * A redirect from an allowed target to a blocked one needs an allowed target, which this machine
 * cannot offer with loopback off (it has no public address): that case runs in webhook.test.ts
 * (loopback on, redirect to the metadata and a private address) and, with loopback itself as the
 * blocked destination, in the guarded client's unit tests.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeWebhookReceiver, startFakeWebhookReceiver } from "../support/fake-webhook-receiver.js";
import { type Scenario, startScenario, unique } from "../support/scenario.js";

let s: Scenario;
let receiver: FakeWebhookReceiver;
let receiverV6: FakeWebhookReceiver;

beforeAll(async () => {
  s = await startScenario("SSRF tests", { env: { MOMENTS_WEBHOOK_ALLOW_LOOPBACK: "false" } });
  receiver = await startFakeWebhookReceiver();
  receiverV6 = await startFakeWebhookReceiver({ host: "::1" });
});

afterAll(async () => {
  await s?.stop();
  await receiver?.stop();
  await receiverV6?.stop();
});

describe("send_webhook refuses internal addresses when loopback is not opted in", () => {
  it("fails every step with blocked_address, without retrying, and no receiver gets a request", async () => {
    const targets: Array<[stepId: string, url: string, reason: string | RegExp]> = [
      ["loopback-v4", `${receiver.url}/ssrf`, "blocked_address: 127.0.0.1 is a loopback address"],
      ["loopback-v6", `${receiverV6.url}/ssrf`, "blocked_address: ::1 is a loopback address"],
      [
        "loopback-mapped",
        `http://[::ffff:127.0.0.1]:${receiver.port}/ssrf`,
        "blocked_address: ::ffff:7f00:1 is a loopback address",
      ],
      [
        "loopback-by-name",
        `http://localhost:${receiver.port}/ssrf`,
        /^blocked_address: localhost resolves to a loopback address \((127\.0\.0\.1|::1)\)$/,
      ],
      // On Linux, 0.0.0.0 connects to the local host.
      [
        "unspecified",
        `http://0.0.0.0:${receiver.port}/ssrf`,
        "blocked_address: 0.0.0.0 is an unspecified address",
      ],
      [
        "metadata",
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "blocked_address: 169.254.169.254 is a cloud metadata address",
      ],
      ["private", "http://10.0.0.1/admin", "blocked_address: 10.0.0.1 is a private address"],
    ];
    const event = unique("provisioned");
    const momentId = await s.runningMoment({
      name: "Internal targets",
      goal: "activate",
      start: { event },
      steps: targets.map(([id, url]) => ({
        id,
        delay: { amount: 0, unit: "hours" },
        onFailure: "continue",
        action: { type: "send_webhook", method: "POST", url, body: '{"probe": true}' },
      })),
    });
    const accountId = unique("acct-ssrf");
    await s.track({ event, accountId });
    const runId = await s.runId(accountId, momentId);

    for (const [stepId, , reason] of targets) {
      const outcome = await s.stepOutcome(runId, stepId);
      expect(outcome.status, stepId).toBe("failed");
      const recorded = outcome.status === "failed" ? outcome.reason : "";
      if (typeof reason === "string") expect(recorded, stepId).toBe(reason);
      else expect(recorded, stepId).toMatch(reason);
    }
    await s.stack.idle();
    expect(receiver.requests).toEqual([]);
    expect(receiverV6.requests).toEqual([]);
    const stats = await s.stats<{ steps: Record<string, { failed: number }> }>(momentId);
    expect(Object.values(stats.steps).map((step) => step.failed)).toEqual(targets.map(() => 1));
  });
});
