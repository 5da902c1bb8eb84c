import { beforeEach, describe, expect, it } from "vitest";
import { PermanentDeliveryError, TransientDeliveryError } from "../../../shared/domain/delivery-errors.js";
import { NotFoundError, ValidationError } from "../../../shared/domain/errors.js";
import type { Step } from "../../../shared/domain/moment.js";
import type { ActionContext, ActionPerformers } from "../../../shared/use-cases/actions/action.js";
import { inAppPerformers } from "../../../shared/use-cases/actions/in-app.js";
import { type TestStepDeps, testStep } from "../../../shared/use-cases/test-step.js";
import {
  aMoment,
  FakeConfigRepository,
  FakeProfiles,
  FakeRunRepository,
  fixedClock,
} from "../../support/fakes.js";

const NOW = "2026-11-21T10:00:00.000Z";

/** A webhook-like performer that renders its fields and records what it performed. */
function recordingPerformer(performed: unknown[], fail?: Error): ActionPerformers {
  return {
    send_webhook: async (ctx: ActionContext, action) => {
      const url = ctx.render(action.url, "url");
      const body = action.body === undefined ? undefined : ctx.render(action.body, "json");
      return {
        preview: { method: action.method, url, body },
        perform: async () => {
          if (fail) throw fail;
          performed.push({ url, body, test: ctx.test, runId: ctx.run.runId });
          return { status: "executed", detail: { status: "200" } };
        },
      };
    },
  };
}

const webhookStep = (overrides: Partial<Step> = {}): Step => ({
  id: "notify",
  phase: "entry",
  delay: { amount: 0, unit: "minutes" },
  action: {
    type: "send_webhook",
    method: "POST",
    url: "https://hooks.example.com/{account.slug}",
    body: '{"name": "{first_name}", "arr": "{account.arr}", "cart": "{event.cart_total}"}',
  },
  ...overrides,
});

let config: FakeConfigRepository;
let profiles: FakeProfiles;
let performed: unknown[];
let runs: FakeRunRepository;
let deps: TestStepDeps;

beforeEach(async () => {
  config = new FakeConfigRepository();
  profiles = new FakeProfiles();
  performed = [];
  runs = new FakeRunRepository();
  deps = {
    moments: config,
    profiles,
    runs,
    clock: fixedClock(NOW),
    actions: async () => recordingPerformer(performed),
  };
  await config.createMoment(aMoment({ id: "m_1", status: "draft", steps: [webhookStep()] }));
  await profiles.mergeTraits("ws_1", "acct_1", { slug: "acme", arr: 1200 }, NOW);
  await profiles.mergeUserTraits("ws_1", "u_1", { first_name: "Ada" }, NOW, "acct_1");
});

describe("testStep", () => {
  it("dry run with sample traits, on a draft moment: returns the rendered request and the missing placeholders, performs nothing", async () => {
    const result = await testStep(deps, "ws_1", "m_1", "notify", {
      traits: { slug: "a/b" },
      userTraits: { first_name: 'Ada "A"' },
      event: { cart_total: 42 },
      dryRun: true,
    });

    expect(result).toEqual({
      stepId: "notify",
      action: "send_webhook",
      dryRun: true,
      missing: ["account.arr"],
      rendered: {
        method: "POST",
        url: "https://hooks.example.com/a%2Fb",
        body: '{"name": "Ada \\"A\\"", "arr": "", "cart": "42"}',
      },
    });
    expect(performed).toEqual([]);
    expect(runs.runs.size).toBe(0);
  });

  it("with a real account: renders its profile (and the user's) and performs the step, marked as a test", async () => {
    const result = await testStep(deps, "ws_1", "m_1", "notify", { accountId: "acct_1", userId: "u_1" });

    expect(result.outcome).toEqual({ status: "executed", detail: { status: "200" } });
    expect(result.missing).toEqual(["event.cart_total"]);
    expect(performed).toEqual([
      {
        url: "https://hooks.example.com/acme",
        body: '{"name": "Ada", "arr": "1200", "cart": ""}',
        test: true,
        runId: expect.stringMatching(/^test_/),
      },
    ]);
    // Kept as a test run of its own (no stats), where an admin reads runs.
    const runId = result.runId ?? "";
    expect(runId).toMatch(/^test_/);
    expect(await runs.getRun("ws_1", runId)).toMatchObject({
      test: true,
      momentId: "m_1",
      accountId: "acct_1",
    });
    expect(await runs.listRunSteps("ws_1", runId)).toEqual([
      { stepId: "notify", status: "executed", outcome: result.outcome, recordedAt: NOW },
    ]);
    expect(runs.statsOf("ws_1", "m_1")).toEqual({});
  });

  it("fails a step whose value would move the URL to another path (a dot segment)", async () => {
    const result = await testStep(deps, "ws_1", "m_1", "notify", { traits: { slug: ".." }, dryRun: true });

    expect(result.outcome).toEqual({
      status: "failed",
      reason: expect.stringMatching(/^unsafe_value: \{account\.slug\}/),
    });
    expect(performed).toEqual([]);
  });

  it("applies the step's onMissing policy: skip reports the outcome and performs nothing", async () => {
    await config.createMoment(aMoment({ id: "m_2", steps: [webhookStep({ onMissing: "skip" })] }));

    const result = await testStep(deps, "ws_1", "m_2", "notify", { traits: { slug: "acme" } });

    expect(result.outcome).toEqual({ status: "skipped", reason: expect.stringMatching(/^missing_value: /) });
    expect(result.rendered).toBeUndefined();
    expect(performed).toEqual([]);
  });

  it.each([
    ["a transient failure, not retried", new TransientDeliveryError("HTTP 503"), "transient: HTTP 503"],
    [
      "a permanent failure",
      new PermanentDeliveryError("webhook: HTTP 404: no such hook"),
      "webhook: HTTP 404: no such hook",
    ],
  ])("reports %s as a failed outcome", async (_case, error, reason) => {
    deps.actions = async () => recordingPerformer(performed, error);

    const result = await testStep(deps, "ws_1", "m_1", "notify", { traits: { slug: "acme" } });

    expect(result.outcome).toEqual({ status: "failed", reason });
  });

  it.each([
    ["neither accountId nor traits", {}],
    ["both accountId and traits", { accountId: "acct_1", traits: {} }],
  ])("refuses %s with a 400 naming accountId", async (_case, body) => {
    const error = await testStep(deps, "ws_1", "m_1", "notify", body).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details).toEqual([expect.objectContaining({ path: "accountId" })]);
  });

  it("refuses to perform an in-app step with sample traits (it would write to no real account)", async () => {
    const performers = inAppPerformers({
      inbox: { putItem: async () => "stored" as const },
      clock: fixedClock(NOW),
    });
    deps.actions = async () => performers;
    await config.createMoment(
      aMoment({
        id: "m_3",
        steps: [webhookStep({ action: { type: "send_notification", title: "Hi", body: "There" } })],
      }),
    );

    const error = await testStep(deps, "ws_1", "m_3", "notify", { traits: {} }).catch((e: unknown) => e);
    const dry = await testStep(deps, "ws_1", "m_3", "notify", { traits: {}, dryRun: true });

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details).toEqual([expect.objectContaining({ path: "accountId" })]);
    expect(dry.rendered).toEqual({ kind: "notification", title: "Hi", body: "There" });
  });

  it.each([
    ["an unknown moment", "m_404", "notify", { traits: {} }],
    ["another workspace's moment", "m_other", "notify", { traits: {} }],
    ["an unknown step", "m_1", "nope", { traits: {} }],
    ["an unknown account", "m_1", "notify", { accountId: "acct_404" }],
    ["an unknown user", "m_1", "notify", { accountId: "acct_1", userId: "u_404" }],
  ])("answers 404 for %s", async (_case, momentId, stepId, body) => {
    await config.createMoment(aMoment({ id: "m_other", workspaceId: "ws_2", steps: [webhookStep()] }));

    await expect(testStep(deps, "ws_1", momentId, stepId, body)).rejects.toBeInstanceOf(NotFoundError);
  });
});
