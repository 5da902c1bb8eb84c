import { beforeEach, describe, expect, it } from "vitest";
import {
  type EndSteps,
  executionInputOf,
  type RunContext,
  type RunInput,
} from "../../../shared/contracts/workflow.js";
import { type EndRunDeps, endRun } from "../../../shared/use-cases/end-run.js";
import { recordSesFeedback } from "../../../shared/use-cases/ses-feedback.js";
import { FakeSuppressionList } from "../../support/fake-suppressions.js";
import { aRun, FakeRunRepository, FakeWorkflows, fixedClock, sesStepEvent } from "../../support/fakes.js";
import { CONFIGURATION_SET } from "../../support/ses-events.js";

const NOW = "2026-11-22T12:00:00.000Z";
const run: RunContext = aRun({
  runId: "run_1",
  momentVersion: 3,
  trigger: {
    event: "cart_abandoned",
    messageId: "msg_start",
    timestamp: "2026-11-21T09:59:00.000Z",
    properties: { cart: "c_9" },
  },
});
const ref = { workspaceId: "ws_1", momentId: "m_1", accountId: "acct_1", runId: "run_1" };
const endSteps: EndSteps = {
  completion: [{ id: "thanks", delaySeconds: 0, action: { type: "send_email", templateId: "t_ok" } }],
  exit: [{ id: "sorry", delaySeconds: 120, action: { type: "send_email", templateId: "t_ko" } }],
};

let runs: FakeRunRepository;
let workflows: FakeWorkflows;
let deps: EndRunDeps;

beforeEach(async () => {
  runs = new FakeRunRepository();
  workflows = new FakeWorkflows();
  deps = { runs, workflows, clock: fixedClock(NOW) };
  await runs.enter(run, endSteps);
  await workflows.start({ run, phase: "entry", steps: [], completeWhenStepsDone: false });
});

/** A run whose entry step is a Slack post, left in doubt by its stopped execution. */
async function slackPostInDoubt() {
  const post = {
    id: "post",
    delaySeconds: 0,
    action: { type: "send_slack", integrationId: "int_1", channel: "C1", text: "hi" },
  } as const;
  runs = new FakeRunRepository();
  deps = { runs, workflows, clock: fixedClock(NOW) };
  await runs.enter(run, { ...endSteps, entry: [post] });
  runs.seedClaim(run, "post", NOW, "attempt-1");
  await runs.markStepInDoubt(run, "post", "attempt-1", NOW);
}

describe("endRun", () => {
  it("on success: records the outcome, stops the entry execution and starts the completion steps", async () => {
    // Act
    const result = await endRun(deps, ref, "success", "msg_paid", {
      stopEntry: true,
      cause: "event:payment_succeeded",
    });

    // Assess
    expect(result).toBe("ended");
    expect(runs.run("ws_1", "run_1")).toMatchObject({ status: "success", endedAt: NOW, endedBy: "msg_paid" });
    expect(workflows.stopped.get("run_1")).toBe("The run ended (success) by msg_paid");
    // The end execution continues from the run's pinned context, not from the ids it was ended with.
    expect(workflows.end("run_1")).toEqual({
      run,
      phase: "completion",
      steps: endSteps.completion,
      completeWhenStepsDone: false,
    });
  });

  it("settles an entry step left in doubt by the stopped execution: from SES's evidence, else skipped", async () => {
    for (const stepId of ["mail_sent", "mail_unknown"]) {
      runs.seedClaim(run, stepId, NOW, `attempt-${stepId}`);
      await runs.markStepInDoubt(run, stepId, `attempt-${stepId}`, NOW);
    }
    await runs.recordStepEvidence("ws_1", "run_1", "mail_sent", {
      kind: "sent",
      messageId: "ses-1",
      at: NOW,
    });

    await endRun(deps, ref, "success", "msg_paid", { stopEntry: true, cause: "event:payment_succeeded" });

    expect(runs.step(run, "mail_sent")).toMatchObject({ status: "executed" });
    expect(runs.step(run, "mail_unknown")).toMatchObject({
      status: "skipped",
      outcome: { reason: expect.stringMatching(/^run_not_active/) },
    });
  });

  it("a Slack post in doubt: a lookup execution is started for it, then it is recorded skipped until the lookup says", async () => {
    await slackPostInDoubt();

    await endRun(deps, ref, "success", "msg_paid", { stopEntry: true, cause: "event:payment_succeeded" });

    expect([...workflows.lookups.values()]).toEqual([{ runId: "run_1", phase: "entry", stepId: "post" }]);
    expect(runs.step(run, "post")).toMatchObject({
      status: "skipped",
      doubtSince: NOW,
      outcome: { reason: expect.stringMatching(/^run_not_active: .*records do not show it/) },
    });
  });

  it("a Slack post in doubt whose lookup cannot be started stays in doubt, for the retried end to settle", async () => {
    await slackPostInDoubt();
    const startLookup = workflows.startLookup.bind(workflows);
    workflows.startLookup = async () => {
      throw Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
    };

    const error = await endRun(deps, ref, "success", "msg_paid", {
      stopEntry: true,
      cause: "event:payment_succeeded",
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "ThrottlingException" });
    expect(runs.step(run, "post")).toMatchObject({ status: "claimed" });

    workflows.startLookup = startLookup;
    await endRun(deps, ref, "success", "msg_paid", { stopEntry: true, cause: "event:payment_succeeded" });
    expect(workflows.lookups.size).toBe(1);
    expect(runs.step(run, "post")).toMatchObject({ status: "skipped" });
  });

  /** A run whose one entry step is a webhook (a step that repeats safely). */
  async function enterWithWebhook() {
    const hook = {
      id: "hook",
      delaySeconds: 0,
      action: { type: "send_webhook" as const, method: "POST" as const, url: "https://hooks.example/in" },
    };
    runs = new FakeRunRepository();
    deps = { ...deps, runs };
    await runs.enter({ ...run }, { completion: [], exit: endSteps.exit, entry: [hook] });
  }

  it("hands an entry webhook left in doubt to the end execution, which finishes it first", async () => {
    await enterWithWebhook();
    runs.seedClaim(run, "hook", NOW, "attempt-1");
    await runs.markStepInDoubt(run, "hook", "attempt-1", NOW);

    await endRun(deps, ref, "success", "msg_paid", { stopEntry: true, cause: "event:payment_succeeded" });

    // Not skipped: it may have been delivered, and only performing it again can tell.
    expect(runs.step(run, "hook")).toMatchObject({ status: "claimed" });
    expect(workflows.end("run_1")).toEqual({
      run,
      phase: "completion",
      steps: [],
      completeWhenStepsDone: false,
      finish: ["hook"],
    });
    expect(executionInputOf(workflows.end("run_1") as RunInput).wakes[0]).toEqual({
      seconds: 0,
      run: { workspaceId: "ws_1", momentId: "m_1", runId: "run_1", accountId: "acct_1" },
      phase: "entry",
      steps: ["hook"],
    });
  });

  // An attempt that died mid-delivery (a Lambda timeout, an out-of-memory exit, Lambda.Unknown)
  // leaves a plain claim, no doubt mark; its retry never comes once the end stopped the entry
  // execution. So a plain claim is settled at the end exactly as a claim in doubt is (below).
  it("hands an entry webhook whose attempt died mid-delivery (a plain claim) to the end execution", async () => {
    await enterWithWebhook();
    runs.seedClaim(run, "hook", NOW, "attempt-died");

    await endRun(deps, ref, "success", "msg_paid", { stopEntry: true, cause: "event:payment_succeeded" });

    expect(workflows.end("run_1")).toMatchObject({ finish: ["hook"] });
  });

  describe("an entry step still plainly claimed (its attempt alive, or dead mid-action) is settled as in doubt", () => {
    async function plainClaim(action: EndSteps["exit"][number]["action"]) {
      runs = new FakeRunRepository();
      deps = { ...deps, runs };
      await runs.enter({ ...run }, { ...endSteps, entry: [{ id: "s", delaySeconds: 0, action }] });
      runs.seedClaim(run, "s", "2026-11-22T11:59:30.000Z", "attempt-live");
    }
    const end = () =>
      endRun(deps, ref, "success", "msg_paid", { stopEntry: true, cause: "event:payment_succeeded" });
    const stats = () => runs.stats.get(JSON.stringify(["ws_1", "m_1"]));

    it("an email: skipped (in doubt since its claim), and SES's Send event arriving later corrects it", async () => {
      await plainClaim({ type: "send_email", templateId: "t_1" });

      await end();

      expect(runs.step(run, "s")).toMatchObject({
        status: "skipped",
        doubtSince: "2026-11-22T11:59:30.000Z",
        outcome: { reason: expect.stringMatching(/^run_not_active/) },
      });
      // The live attempt (SES took the mail) records after the end: the first record stands...
      await runs.recordStep(run, "s", { status: "executed" }, NOW);
      expect(runs.step(run, "s")).toMatchObject({ status: "skipped" });
      // ...and SES's Send event corrects it, counters moved: executed once, never sent again.
      await recordSesFeedback(
        { runs, suppressions: new FakeSuppressionList(), clock: fixedClock(NOW) },
        {
          source: "aws.ses",
          "detail-type": "Email Sent",
          detail: {
            eventType: "Send",
            mail: {
              messageId: "ses-1",
              timestamp: NOW,
              tags: {
                "ses:configuration-set": [CONFIGURATION_SET],
                workspace: ["ws_1"],
                run: ["run_1"],
                step: ["s"],
              },
            },
          },
        },
      );
      expect(runs.step(run, "s")).toMatchObject({ status: "executed" });
      expect(stats()).toMatchObject({ "steps.s.executed": 1, "steps.s.skipped": 0 });
      expect(workflows.end("run_1")).not.toHaveProperty("finish");
    });

    it("an email whose Send event came already: executed from it", async () => {
      await plainClaim({ type: "send_email", templateId: "t_1" });
      await runs.recordStepEvidence("ws_1", "run_1", "s", { kind: "sent", messageId: "ses-1", at: NOW });

      await end();

      expect(runs.step(run, "s")).toMatchObject({
        status: "executed",
        outcome: { detail: { messageId: "ses-1" } },
      });
    });

    it("an email taken over from an earlier attempt whose Send came already: executed from it in place of the skip, which that Send's Reject after the end restores, counters moved back", async () => {
      const first = { messageId: "ses-1", at: NOW, attempt: "attempt-first" };
      await plainClaim({ type: "send_email", templateId: "t_1" });
      await runs.recordStepEvidence("ws_1", "run_1", "s", { kind: "sent", ...first });
      await end();
      expect(runs.step(run, "s")).toMatchObject({ status: "executed" });

      await recordSesFeedback(
        { runs, suppressions: new FakeSuppressionList(), clock: fixedClock(NOW) },
        sesStepEvent("Email Rejected", { ...first, timestamp: NOW, runId: "run_1", stepId: "s" }),
      );

      expect(runs.step(run, "s")).toMatchObject({
        status: "skipped",
        outcome: { reason: expect.stringMatching(/^run_not_active/) },
      });
      expect(stats()).toMatchObject({ "steps.s.executed": 0, "steps.s.skipped": 1 });
      expect(stats()?.["steps.s.failed"] ?? 0).toBe(0);
    });

    it.each([
      ["a Slack post", { type: "send_slack", integrationId: "int_1", channel: "C1", text: "hi" }],
      [
        "an Attio task",
        { type: "create_attio_task", integrationId: "int_1", content: "call", deadlineDays: 1 },
      ],
    ] as const)(
      "%s: a lookup execution is started, and it is recorded skipped until the lookup says",
      async (_kind, action) => {
        await plainClaim(action as EndSteps["exit"][number]["action"]);

        await end();

        expect([...workflows.lookups.values()]).toEqual([{ runId: "run_1", phase: "entry", stepId: "s" }]);
        expect(runs.step(run, "s")).toMatchObject({
          status: "skipped",
          doubtSince: "2026-11-22T11:59:30.000Z",
          outcome: { reason: expect.stringMatching(/records do not show it/) },
        });
      },
    );

    it.each([
      ["an in-app message", { type: "send_notification", title: "Hi", body: "there" }],
      [
        "an attribute update",
        { type: "update_attribute", target: "account", attribute: "plan", value: "pro" },
      ],
      ["a feedback prompt", { type: "feedback_prompt", question: "How was it?" }],
    ] as const)(
      "%s (repeat-safe, no external effect): finished by the end execution",
      async (_kind, action) => {
        await plainClaim(action as unknown as EndSteps["exit"][number]["action"]);

        await end();

        expect(runs.step(run, "s")).toMatchObject({ status: "claimed" });
        expect(workflows.end("run_1")).toMatchObject({ finish: ["s"] });
      },
    );

    it("a step its live attempt recorded before the end is left as recorded", async () => {
      await plainClaim({ type: "send_email", templateId: "t_1" });
      await runs.recordStep(run, "s", { status: "executed" }, NOW);

      await end();

      expect(runs.step(run, "s")).toMatchObject({ status: "executed" });
      expect(stats()).toMatchObject({ "steps.s.executed": 1 });
    });
  });

  it("leaves a completion step in doubt to its own (live) execution when an end is re-driven", async () => {
    await endRun(deps, ref, "success", "msg_paid", { stopEntry: true, cause: "event:payment_succeeded" });
    runs.seedClaim(run, "thanks", NOW, "attempt-1");
    await runs.markStepInDoubt(run, "thanks", "attempt-1", NOW);

    await endRun(deps, ref, "success", "msg_paid", { stopEntry: true, cause: "event:payment_succeeded" });

    expect(runs.step(run, "thanks")).toMatchObject({ status: "claimed" });
  });

  it("on failed: starts the exit steps instead", async () => {
    await endRun(deps, ref, "failed", "msg_churned", { stopEntry: true, cause: "event:payment_succeeded" });

    expect(runs.run("ws_1", "run_1")?.status).toBe("failed");
    expect(workflows.end("run_1")).toMatchObject({ phase: "exit", steps: endSteps.exit });
  });

  it("stops the entry execution before it starts the end execution", async () => {
    const order: string[] = [];
    const stop = workflows.stop.bind(workflows);
    const start = workflows.start.bind(workflows);
    workflows.stop = async (...args) => {
      order.push("stop");
      return stop(...args);
    };
    workflows.start = async (input) => {
      order.push(`start ${input.phase}`);
      return start(input);
    };

    await endRun(deps, ref, "success", "msg_paid", { stopEntry: true, cause: "event:payment_succeeded" });

    expect(order).toEqual(["stop", "start completion"]);
  });

  it("leaves the entry execution alone with stopEntry false (a timeout inside it)", async () => {
    await endRun(deps, ref, "failed", "timeout", { stopEntry: false, cause: "timeout" });

    expect(workflows.stopCalls).toEqual([]);
    expect(workflows.end("run_1")).toMatchObject({ phase: "exit" });
  });

  it("does nothing more when the run had already ended otherwise", async () => {
    // Prepare
    await runs.endRun(ref, "failed", "timeout", "2026-11-22T11:00:00.000Z");

    // Act
    const result = await endRun(deps, ref, "success", "msg_paid", {
      stopEntry: true,
      cause: "event:payment_succeeded",
    });

    // Assess
    expect(result).toBe("already_ended");
    expect(runs.run("ws_1", "run_1")).toMatchObject({ status: "failed", endedBy: "timeout" });
    expect(workflows.stopCalls).toEqual([]);
    expect(workflows.end("run_1")).toBeUndefined();
  });

  it("gives two racing end events one outcome and one end execution", async () => {
    const [first, second] = await Promise.all([
      endRun(deps, ref, "success", "msg_paid", { stopEntry: true, cause: "event:payment_succeeded" }),
      endRun(deps, ref, "failed", "msg_churned", { stopEntry: true, cause: "event:payment_succeeded" }),
    ]);

    expect([first, second].sort()).toEqual(["already_ended", "ended"]);
    expect(runs.statsOf("ws_1", "m_1")).toEqual({ entered: 1, success: 1 });
    expect(workflows.startCalls.filter((c) => c.phase !== "entry")).toHaveLength(1);
    expect(workflows.end("run_1")?.phase).toBe("completion");
  });

  it("re-drives the stop and the start when retried with the same endedBy, counting the end once", async () => {
    // Prepare: the first attempt ended the run and died on a throttled StopExecution.
    workflows.failStopOf.set(
      "run_1",
      Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }),
    );
    await expect(
      endRun(deps, ref, "success", "msg_paid", { stopEntry: true, cause: "event:payment_succeeded" }),
    ).rejects.toThrow("Rate exceeded");
    expect(workflows.end("run_1")).toBeUndefined();
    workflows.failStopOf.clear();

    // Act
    const retried = await endRun(deps, ref, "success", "msg_paid", {
      stopEntry: true,
      cause: "event:payment_succeeded",
    });

    // Assess
    expect(retried).toBe("ended");
    expect(workflows.stopped.has("run_1")).toBe(true);
    expect(workflows.end("run_1")).toMatchObject({ phase: "completion" });
    expect(runs.statsOf("ws_1", "m_1")).toEqual({ entered: 1, success: 1 });
  });

  it("starts one end execution however often the same end is repeated", async () => {
    await endRun(deps, ref, "failed", "msg_churned", { stopEntry: true, cause: "event:payment_succeeded" });
    await endRun(deps, ref, "failed", "msg_churned", { stopEntry: true, cause: "event:payment_succeeded" });

    expect(workflows.startCalls.filter((c) => c.phase === "exit")).toHaveLength(2);
    expect([...workflows.executions.keys()]).toEqual(["run_1", "run_1-end"]);
  });

  it("starts no end execution when the outcome has no steps", async () => {
    runs = new FakeRunRepository();
    deps = { ...deps, runs };
    await runs.enter(run, { completion: [], exit: endSteps.exit });

    await expect(
      endRun(deps, ref, "success", "msg_paid", { stopEntry: true, cause: "event:payment_succeeded" }),
    ).resolves.toBe("ended");

    expect(workflows.stopped.has("run_1")).toBe(true);
    expect(workflows.end("run_1")).toBeUndefined();
  });

  it("ends a run stored without its context, starting nothing it could not pin", async () => {
    // A run stored before the context was kept: the repository answers it without one.
    const stored = await runs.getRun("ws_1", "run_1");
    if (!stored) throw new Error("expected the run");
    const { context: _context, ...withoutContext } = stored;
    runs.getRun = async () => withoutContext;

    await expect(
      endRun(deps, ref, "success", "msg_paid", { stopEntry: true, cause: "event:payment_succeeded" }),
    ).resolves.toBe("ended");

    expect(workflows.end("run_1")).toBeUndefined();
  });

  it("ends a keyed run through its own membership, leaving the account's other keys active", async () => {
    // Prepare
    const cartA = aRun({ runId: "run_a", runKey: "cart_a" });
    const cartB = aRun({ runId: "run_b", runKey: "cart_b" });
    await runs.enter(cartA, endSteps);
    await runs.enter(cartB, endSteps);

    // Act
    const result = await endRun(deps, { ...ref, runId: "run_a", runKey: "cart_a" }, "success", "msg_paid", {
      stopEntry: true,
      cause: "event:payment_succeeded",
    });

    // Assess
    expect(result).toBe("ended");
    expect(runs.membership("ws_1", "m_1", "acct_1", "cart_a")?.status).toBe("success");
    expect(runs.membership("ws_1", "m_1", "acct_1", "cart_b")?.status).toBe("active");
    expect((await runs.listActiveRuns("ws_1", "acct_1")).map((r) => r.runId).sort()).toEqual([
      "run_1",
      "run_b",
    ]);
  });
});
