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
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../../infra/local/stack.js";
import { keys } from "../../shared/contracts/table.js";
import type { StepOutcome } from "../../shared/contracts/workflow.js";
import { runIdFor } from "../../shared/domain/ids.js";
import { type FakeWebhookReceiver, startFakeWebhookReceiver } from "../support/fake-webhook-receiver.js";
import { apiClient } from "../support/local-api.js";
import { waitFor } from "../support/wait-for.js";

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
let receiver: FakeWebhookReceiver;
let receiverV6: FakeWebhookReceiver;
let db: DynamoDBDocumentClient;
let writeKey = "";
let sourceId = "";

beforeAll(async () => {
  stack = await startLocalStack({
    port: 0,
    timeScale: 0,
    logLevel: "CRITICAL",
    env: { MOMENTS_WEBHOOK_ALLOW_LOOPBACK: "false" },
  });
  api = apiClient(stack.apiUrl);
  receiver = await startFakeWebhookReceiver();
  receiverV6 = await startFakeWebhookReceiver({ host: "::1" });
  db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB }));
  const source = await api<{ id: string; writeKey: string }>("POST", "/v1/admin/sources", {
    key: stack.adminKey,
    body: { name: "SSRF tests" },
  });
  expect(source.status).toBe(201);
  writeKey = source.body.writeKey;
  sourceId = source.body.id;
});

afterAll(async () => {
  await stack?.stop();
  await receiver?.stop();
  await receiverV6?.stop();
});

async function recordedStep(runId: string, stepId: string): Promise<StepOutcome> {
  return waitFor(
    async () => {
      const { Item } = await db.send(
        new GetCommand({ TableName: "moments", Key: keys.runStep(stack.workspaceId, runId, stepId) }),
      );
      return Item?.recordedAt ? (Item.outcome as StepOutcome) : undefined;
    },
    { timeoutMs: 15_000, description: `the outcome of step ${stepId}` },
  );
}

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
    const event = `provisioned-${Date.now().toString(36)}`;
    const created = await api<{ id: string }>("POST", "/v1/admin/moments", {
      key: stack.adminKey,
      body: {
        name: "Internal targets",
        goal: "activate",
        sourceIds: [sourceId],
        start: { event },
        steps: targets.map(([id, url]) => ({
          id,
          delay: { amount: 0, unit: "hours" },
          onFailure: "continue",
          action: { type: "send_webhook", method: "POST", url, body: '{"probe": true}' },
        })),
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const momentId = created.body.id;
    expect(
      (
        await api("POST", `/v1/admin/moments/${momentId}/status`, {
          key: stack.adminKey,
          body: { status: "running" },
        })
      ).status,
    ).toBe(200);
    const accountId = "acct-ssrf";
    const messageId = `msg-${Date.now().toString(36)}`;
    const sent = await api("POST", "/v1/events", { key: writeKey, body: { event, accountId, messageId } });
    expect(sent.status).toBe(202);
    const runId = runIdFor(stack.workspaceId, momentId, accountId, messageId);

    for (const [stepId, , reason] of targets) {
      const outcome = await recordedStep(runId, stepId);
      expect(outcome.status, stepId).toBe("failed");
      const recorded = outcome.status === "failed" ? outcome.reason : "";
      if (typeof reason === "string") expect(recorded, stepId).toBe(reason);
      else expect(recorded, stepId).toMatch(reason);
    }
    await stack.idle();
    expect(receiver.requests).toEqual([]);
    expect(receiverV6.requests).toEqual([]);
    const stats = await api<{ steps: Record<string, { failed: number }> }>(
      "GET",
      `/v1/admin/moments/${momentId}/stats`,
      { key: stack.adminKey },
    );
    expect(Object.values(stats.body.steps).map((step) => step.failed)).toEqual(targets.map(() => 1));
  });
});
