import { beforeEach, describe, expect, it, vi } from "vitest";
import { type ActionTaskPayload, STEP_FAILED_RUN_ERROR } from "../../../shared/contracts/workflow.js";
import {
  AmbiguousDeliveryError,
  PermanentDeliveryError,
  TransientDeliveryError,
  TransientInfrastructureError,
} from "../../../shared/domain/delivery-errors.js";
import type { AttioApi, AttioTask, AttioTaskQuery } from "../../../shared/ports/attio.js";
import { attioTaskPerformer, taskMarker } from "../../../shared/use-cases/actions/attio-task.js";
import { emailPerformer } from "../../../shared/use-cases/actions/email.js";
import { executeStep, lookUpEndedRunSteps, type StepDeps } from "../../../shared/use-cases/execute-step.js";
import { recordSesFeedback } from "../../../shared/use-cases/ses-feedback.js";
import { emailDeps, FakeSuppressionList } from "../../support/fake-suppressions.js";
import {
  aMoment,
  aRun,
  aTemplate,
  FakeConfigRepository,
  FakeIntegrations,
  FakeMailer,
  FakeProfiles,
  FakeRunRepository,
  FakeWorkflows,
  fixedClock,
  sesStepEvent,
} from "../../support/fakes.js";

const NOW = "2026-11-21T11:00:00.000Z";
const run = aRun({
  runId: "run_1",
  trigger: {
    event: "payment_failed",
    messageId: "msg_1",
    timestamp: "2026-11-21T09:59:00.000Z",
    properties: { last4: "4242", plan_name: "<Pro & Co>" },
  },
});

function payload(action: ActionTaskPayload["step"]["action"] = { type: "send_email", templateId: "t_1" }) {
  return { run, step: { id: "s1", delaySeconds: 0, action } };
}

let config: FakeConfigRepository;
let profiles: FakeProfiles;
let runs: FakeRunRepository;
let mailer: FakeMailer;
let deps: StepDeps;
let workflows: FakeWorkflows;

beforeEach(async () => {
  config = new FakeConfigRepository();
  profiles = new FakeProfiles();
  runs = new FakeRunRepository();
  mailer = new FakeMailer();
  workflows = new FakeWorkflows();
  deps = {
    actions: { send_email: emailPerformer(emailDeps(config, mailer)) },
    profiles,
    runs,
    moments: config,
    clock: fixedClock(NOW),
    workflows,
  };
  runs.seedMembership(run);
  await config.createMoment(
    aMoment({ id: "m_1", status: "running", runningSince: "2026-11-21T09:00:00.000Z" }),
  );
  await config.putEmailTemplate(
    aTemplate({
      id: "t_1",
      from: '"Anna at Acme" <anna@mail.acme.com>',
      subject: "Hi {first_name|there}, your card failed",
      text: "Card {event.last4} was declined for {event.plan_name}.",
      html: "<p>Hi {first_name}, card {event.last4} failed for {event.plan_name}.</p>",
    }),
  );
  await profiles.mergeTraits("ws_1", "acct_1", { first_name: "Ada", email: "ada@example.com" }, NOW);
});

describe("executeStep", () => {
  it("sends the rendered email and records the step as executed", async () => {
    deps.newAttempt = () => "attempt-1";

    // Act
    const outcome = await executeStep(deps, payload());

    // Assess
    expect(outcome).toEqual({ status: "executed", detail: { messageId: "ses-1" } });
    expect(mailer.sent).toEqual([
      {
        from: { name: "Anna at Acme", address: "anna@mail.acme.com" },
        to: { address: "ada@example.com" },
        subject: "Hi Ada, your card failed",
        // The unsubscribe footer and headers: see test/unit/use-cases/actions/email.test.ts.
        text: expect.stringMatching(/^Card 4242 was declined for <Pro & Co>\.\n\n--\nUnsubscribe: /),
        html: expect.stringMatching(/^<p>Hi Ada, card 4242 failed for &lt;Pro &amp; Co&gt;\.<\/p>/),
        headers: expect.objectContaining({ "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" }),
        date: new Date(NOW),
        // (the attempt that holds the claim: SES's events of this email speak for it only)
        tags: { workspace: "ws_1", moment: "m_1", run: "run_1", step: "s1", attempt: "attempt-1" },
      },
    ]);
    expect(runs.step(run, "s1")).toEqual({
      status: "executed",
      outcome,
      recordedAt: NOW,
      attempt: "attempt-1",
    });
  });

  it("escapes profile values in the html body but not in the text body", async () => {
    await profiles.mergeTraits("ws_1", "acct_1", { first_name: '<img src=x onerror="alert(1)">' }, NOW);

    await executeStep(deps, payload());

    expect(mailer.sent[0]?.html).toContain("Hi &lt;img src=x onerror=&quot;alert(1)&quot;&gt;,");
    expect(mailer.sent[0]?.html).not.toContain("<img");
    expect(mailer.sent[0]?.text).toMatch(/^Card 4242 was declined for <Pro & Co>\.\n/);
  });

  it("strips line breaks from the subject so a rendered value cannot add headers", async () => {
    await profiles.mergeTraits("ws_1", "acct_1", { first_name: "Ada\r\nBcc: eve@evil.com\n" }, NOW);

    await executeStep(deps, payload());

    expect(mailer.sent[0]?.subject).toBe("Hi Ada Bcc: eve@evil.com , your card failed");
    expect(mailer.sent[0]?.subject).not.toMatch(/[\r\n]/);
  });

  it("sends no html part when the template has none", async () => {
    await config.putEmailTemplate(aTemplate({ id: "t_1", html: undefined }));

    await executeStep(deps, payload());

    expect(mailer.sent[0]).not.toHaveProperty("html");
  });

  it("sends to a rendered `to` instead of the profile's email when the action names one", async () => {
    await executeStep(
      deps,
      payload({ type: "send_email", templateId: "t_1", to: "{account.billing_email|ops@acme.com}" }),
    );

    expect(mailer.sent[0]?.to).toEqual({ address: "ops@acme.com" });
  });

  it("skips a run that is no longer active, without claiming or sending", async () => {
    // Prepare
    await runs.completeRun(run, NOW);
    const claim = vi.spyOn(runs, "claimStep");

    // Act
    const outcome = await executeStep(deps, payload());

    // Assess
    expect(outcome).toEqual({ status: "skipped", reason: "run_not_active" });
    expect(claim).not.toHaveBeenCalled();
    expect(mailer.sent).toEqual([]);
    expect(runs.step(run, "s1")).toMatchObject({ status: "skipped" });
  });

  it.each(["stopped", "archived", "draft"] as const)(
    "skips the step of a %s moment and ends the run as stopped, without claiming or sending",
    async (status) => {
      // Prepare: the moment stopped, but the sweep that ends its runs never reached this one.
      await config.setMomentStatus(aMoment({ id: "m_1", status: "running" }), status, NOW);
      const claim = vi.spyOn(runs, "claimStep");

      // Act
      const outcome = await executeStep(deps, payload());

      // Assess
      expect(outcome).toEqual({ status: "skipped", reason: "moment_stopped" });
      expect(claim).not.toHaveBeenCalled();
      expect(mailer.sent).toEqual([]);
      expect(runs.step(run, "s1")).toMatchObject({
        status: "skipped",
        outcome: { reason: "moment_stopped" },
      });
      expect(runs.run("ws_1", "run_1")?.status).toBe("stopped");
      expect(runs.membership("ws_1", "m_1", "acct_1")?.status).toBe("stopped");
    },
  );

  it("skips the step of a run from before the moment was stopped and started again", async () => {
    // The run started at 10:00; the moment was stopped afterwards and is running again since 10:30.
    config.moments.clear();
    await config.createMoment(
      aMoment({ id: "m_1", status: "running", runningSince: "2026-11-21T10:30:00.000Z" }),
    );

    const outcome = await executeStep(deps, payload());

    expect(outcome).toEqual({ status: "skipped", reason: "moment_stopped" });
    expect(mailer.sent).toEqual([]);
  });

  it("skips the step of a moment that no longer exists", async () => {
    config.moments.clear();

    await expect(executeStep(deps, payload())).resolves.toEqual({
      status: "skipped",
      reason: "moment_stopped",
    });
    expect(mailer.sent).toEqual([]);
  });

  it("skips later steps of a run ended that way as run_not_active", async () => {
    await config.setMomentStatus(aMoment({ id: "m_1", status: "running" }), "stopped", NOW);
    await executeStep(deps, payload());

    const next = await executeStep(deps, {
      run,
      step: { id: "s2", delaySeconds: 0, action: { type: "send_email", templateId: "t_1" } },
    });

    expect(next).toEqual({ status: "skipped", reason: "run_not_active" });
  });

  it("skips a run it cannot find", async () => {
    const outcome = await executeStep(deps, { ...payload(), run: { ...run, runId: "run_unknown" } });

    expect(outcome).toEqual({ status: "skipped", reason: "run_not_active" });
    expect(mailer.sent).toEqual([]);
  });

  it("does not send twice when a retried task finds the step already executed", async () => {
    // Prepare
    await executeStep(deps, payload());

    // Act
    const retried = await executeStep(deps, payload());

    // Assess
    expect(retried).toEqual({ status: "skipped", reason: "already_executed" });
    expect(mailer.sent).toHaveLength(1);
    expect(runs.step(run, "s1")).toMatchObject({ status: "executed" });
  });

  it("does not settle an email claim left in doubt by a dead attempt at once: it waits for evidence", async () => {
    // Prepare: an earlier attempt claimed the step and died before recording anything.
    runs.seedClaim(run, "s1");

    // Act
    const error = await executeStep(deps, payload()).catch((e: unknown) => e);

    // Assess: the state machine waits (StepInDoubt), nothing is sent or recorded yet.
    expect(error).toMatchObject({ name: "StepInDoubt" });
    expect(mailer.sent).toEqual([]);
    expect(runs.step(run, "s1")).toMatchObject({ status: "claimed", doubtSince: NOW });
  });

  it("on a transient delivery error gives the claim back and rethrows TransientActionError for the retry", async () => {
    // Prepare
    mailer.failNextWith(new TransientDeliveryError("SES Throttling: Maximum sending rate exceeded."));

    // Act
    const error = await executeStep(deps, payload()).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect((error as Error).name).toBe("TransientActionError");
    expect(runs.step(run, "s1")).toBeUndefined();
    expect(mailer.sent).toEqual([]);
  });

  it("sends on the retry after a transient error", async () => {
    mailer.failNextWith(new TransientDeliveryError("SES Throttling"));
    await executeStep(deps, payload()).catch(() => undefined);

    const outcome = await executeStep(deps, payload());

    expect(outcome.status).toBe("executed");
    expect(mailer.sent).toHaveLength(1);
  });

  it("records a permanent delivery error as a failed step and does not throw", async () => {
    mailer.failNextWith(new PermanentDeliveryError("SES MessageRejected: Email address is not verified."));

    const outcome = await executeStep(deps, payload());

    expect(outcome).toEqual({
      status: "failed",
      reason: "SES MessageRejected: Email address is not verified.",
    });
    expect(runs.step(run, "s1")).toMatchObject({ status: "failed", outcome });
  });

  it("turns an error that is neither transient nor permanent into a retry, with the claim given back", async () => {
    // Prepare: e.g. a throttled DynamoDB read or a network error that the mailer did not classify
    mailer.failNextWith(new TypeError("boom"));

    // Act
    const error = await executeStep(deps, payload()).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(TransientInfrastructureError);
    expect((error as Error).name).toBe("TransientActionError");
    expect((error as Error).message).toBe("TypeError: boom");
    expect(runs.step(run, "s1")).toBeUndefined();
  });

  it("retries a failed template read instead of recording the step as failed or in doubt", async () => {
    // Prepare
    const throttled = Object.assign(new Error("Rate of requests exceeds the allowed throughput."), {
      name: "ProvisionedThroughputExceededException",
    });
    const getEmailTemplate = config.getEmailTemplate.bind(config);
    let calls = 0;
    config.getEmailTemplate = async (...args) => {
      calls++;
      if (calls === 1) throw throttled;
      return getEmailTemplate(...args);
    };

    // Act
    const first = await executeStep(deps, payload()).catch((e: unknown) => e);
    const second = await executeStep(deps, payload());

    // Assess
    expect((first as Error).name).toBe("TransientActionError");
    expect(second.status).toBe("executed");
    expect(mailer.sent).toHaveLength(1);
  });

  it("skips the step when the recipient does not render to an email address", async () => {
    // Prepare
    await profiles.mergeTraits("ws_1", "acct_1", { email: "" }, NOW);

    // Act
    const outcome = await executeStep(deps, payload());

    // Assess
    expect(outcome).toEqual({ status: "skipped", reason: expect.stringMatching(/^no_recipient/) });
    expect(mailer.sent).toEqual([]);
    expect(runs.step(run, "s1")).toMatchObject({ status: "skipped" });
  });

  it("skips the step for an account without a profile", async () => {
    const outcome = await executeStep(deps, { ...payload(), run: { ...run, accountId: "acct_new" } });

    expect(outcome).toMatchObject({ status: "skipped", reason: expect.stringMatching(/^no_recipient/) });
    expect(mailer.sent).toEqual([]);
  });

  it.each([
    ["two addresses", "ada@example.com, eve@evil.com"],
    ["an address with a header after it", "ada@example.com\r\nBcc: eve@evil.com"],
  ])("skips a recipient made of %s", async (_label, email) => {
    await profiles.mergeTraits("ws_1", "acct_1", { email }, NOW);

    const outcome = await executeStep(deps, payload());

    expect(outcome.status).toBe("skipped");
    expect(mailer.sent).toEqual([]);
  });

  it("fails the step when its template no longer exists", async () => {
    const outcome = await executeStep(deps, payload({ type: "send_email", templateId: "t_gone" }));

    expect(outcome).toEqual({ status: "failed", reason: 'email template "t_gone" no longer exists' });
    expect(mailer.sent).toEqual([]);
  });

  it("fails the step when the template's sender is not a valid address", async () => {
    await config.putEmailTemplate(aTemplate({ id: "t_1", from: "not a sender" }));

    const outcome = await executeStep(deps, payload());

    expect(outcome).toEqual({ status: "failed", reason: "the template's sender is not a valid address" });
    expect(mailer.sent).toEqual([]);
  });

  it("records every step as skipped, sending nothing, for a run started with actions disabled", async () => {
    const quiet = { ...run, actionsEnabled: false };

    const outcome = await executeStep(deps, { ...payload(), run: quiet });

    expect(outcome).toEqual({ status: "skipped", reason: "actions_disabled" });
    expect(mailer.sent).toEqual([]);
    expect(runs.step(run, "s1")).toMatchObject({ status: "skipped" });
  });
});

describe("executeStep: phases", () => {
  const AT = "2026-11-21T10:30:00.000Z";
  const stepOf = (id: string) => ({
    id,
    delaySeconds: 0,
    action: { type: "send_email" as const, templateId: "t_1" },
  });

  it("runs an entry step (the default phase) while the run is active", async () => {
    const outcome = await executeStep(deps, { run, step: stepOf("s1"), phase: "entry" });

    expect(outcome.status).toBe("executed");
    expect(mailer.sent).toHaveLength(1);
  });

  it.each(["success", "failed", "completed", "stopped"] as const)(
    "skips an entry step once the run ended as %s (an end rule raced the stop), without claiming",
    async (ending) => {
      // Prepare
      await runs.endRun(run, ending, "msg_end", AT);
      const claim = vi.spyOn(runs, "claimStep");

      // Act
      const outcome = await executeStep(deps, { run, step: stepOf("s2"), phase: "entry" });

      // Assess
      expect(outcome).toEqual({ status: "skipped", reason: "run_not_active" });
      expect(claim).not.toHaveBeenCalled();
      expect(mailer.sent).toEqual([]);
      expect(runs.step(run, "s2")).toMatchObject({
        status: "skipped",
        outcome: { reason: "run_not_active" },
      });
    },
  );

  it("runs a completion step once the run succeeded", async () => {
    await runs.endRun(run, "success", "msg_paid", AT);

    const outcome = await executeStep(deps, { run, step: stepOf("thanks"), phase: "completion" });

    expect(outcome).toEqual({ status: "executed", detail: { messageId: "ses-1" } });
    expect(runs.step(run, "thanks")).toMatchObject({ status: "executed" });
  });

  it("runs an exit step once the run failed", async () => {
    await runs.endRun(run, "failed", "timeout", AT);

    const outcome = await executeStep(deps, { run, step: stepOf("sorry"), phase: "exit" });

    expect(outcome.status).toBe("executed");
    expect(mailer.sent).toHaveLength(1);
  });

  it.each([
    ["completion", "active", "run_not_success"],
    ["completion", "failed", "run_not_success"],
    ["completion", "stopped", "run_not_success"],
    ["exit", "active", "run_not_failed"],
    ["exit", "success", "run_not_failed"],
    ["exit", "completed", "run_not_failed"],
  ] as const)("skips a %s step of a run that is %s, as %s", async (phase, status, reason) => {
    // Prepare
    if (status !== "active") await runs.endRun(run, status, "x", AT);
    const claim = vi.spyOn(runs, "claimStep");

    // Act
    const outcome = await executeStep(deps, { run, step: stepOf("after"), phase });

    // Assess
    expect(outcome).toEqual({ status: "skipped", reason });
    expect(claim).not.toHaveBeenCalled();
    expect(mailer.sent).toEqual([]);
    expect(runs.step(run, "after")).toMatchObject({ status: "skipped", outcome: { reason } });
  });

  it("executes a completion step at most once when its task is retried", async () => {
    await runs.endRun(run, "success", "msg_paid", AT);

    await executeStep(deps, { run, step: stepOf("thanks"), phase: "completion" });
    const retried = await executeStep(deps, { run, step: stepOf("thanks"), phase: "completion" });

    expect(retried).toEqual({ status: "skipped", reason: "already_executed" });
    expect(mailer.sent).toHaveLength(1);
    expect(runs.statsOf("ws_1", "m_1")).toMatchObject({ "steps.thanks.executed": 1 });
  });

  it("skips a completion step of a stopped moment, keeping the run's success", async () => {
    await runs.endRun(run, "success", "msg_paid", AT);
    await config.setMomentStatus(aMoment({ id: "m_1", status: "running" }), "stopped", NOW);

    const outcome = await executeStep(deps, { run, step: stepOf("thanks"), phase: "completion" });

    expect(outcome).toEqual({ status: "skipped", reason: "moment_stopped" });
    expect(mailer.sent).toEqual([]);
    expect(runs.run("ws_1", "run_1")?.status).toBe("success");
  });
});

describe("executeStep: onMissing", () => {
  const missingTo = { type: "send_email" as const, templateId: "t_1", to: "{account.billing_email}" };
  const withPolicy = (onMissing: "skip" | "fail", onFailure?: "fail_run") => ({
    run,
    step: { id: "s1", delaySeconds: 0, action: missingTo, onMissing, ...(onFailure ? { onFailure } : {}) },
  });

  it("skip: records the step as skipped with the missing placeholder, and sends nothing", async () => {
    const outcome = await executeStep(deps, withPolicy("skip"));

    expect(outcome).toEqual({ status: "skipped", reason: "missing_value: {account.billing_email}" });
    expect(mailer.sent).toEqual([]);
    expect(runs.step(run, "s1")).toMatchObject({ status: "skipped", outcome });
  });

  it("fail: records the step as failed, and sends nothing", async () => {
    const outcome = await executeStep(deps, withPolicy("fail"));

    expect(outcome).toEqual({ status: "failed", reason: "missing_value: {account.billing_email}" });
    expect(mailer.sent).toEqual([]);
  });

  it("fail with onFailure fail_run: fails the run after recording the step", async () => {
    const error = await executeStep(deps, withPolicy("fail", "fail_run")).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: STEP_FAILED_RUN_ERROR });
    expect(runs.step(run, "s1")).toMatchObject({ status: "failed" });
  });

  it("without a policy, a missing value renders empty (and here leaves no recipient)", async () => {
    const outcome = await executeStep(deps, payload(missingTo));

    expect(outcome).toMatchObject({ status: "skipped", reason: expect.stringMatching(/^no_recipient/) });
  });

  it("a value present satisfies the policy, and the email goes out", async () => {
    await profiles.mergeTraits("ws_1", "acct_1", { billing_email: "billing@example.com" }, NOW);

    const outcome = await executeStep(deps, withPolicy("fail"));

    expect(outcome.status).toBe("executed");
    expect(mailer.sent[0]?.to).toEqual({ address: "billing@example.com" });
  });
});

describe("executeStep: unsafe values", () => {
  it("fails a step whose rendered URL would get a dot segment, before anything is performed", async () => {
    const performed: string[] = [];
    deps.actions = {
      send_webhook: async (ctx, action) => {
        const url = ctx.render(action.url, "url");
        return {
          preview: { url },
          perform: async () => {
            performed.push(url);
            return { status: "executed" };
          },
        };
      },
    };
    await profiles.mergeTraits("ws_1", "acct_1", { org: ".." }, NOW);

    const outcome = await executeStep(
      deps,
      payload({ type: "send_webhook", method: "POST", url: "https://api.example.com/orgs/{org}/notes" }),
    );

    expect(outcome).toEqual({ status: "failed", reason: expect.stringMatching(/^unsafe_value: \{org\}/) });
    expect(performed).toEqual([]);
    expect(runs.step(run, "s1")).toMatchObject({ status: "failed" });
  });
});

describe("executeStep under faults", () => {
  const LATER = "2026-11-21T11:05:00.000Z";
  let attempts = 0;
  beforeEach(() => {
    attempts = 0;
    deps.newAttempt = () => `attempt-${++attempts}`;
    deps.reconcileWindowMs = 300_000;
  });
  const at = (iso: string) => ({ ...deps, clock: fixedClock(iso) });

  it("a retried claim whose first write succeeded recognizes itself and sends", async () => {
    // The claim was written, its answer lost, and the SDK's retry hit its own claim.
    const claim = runs.claimStep.bind(runs);
    runs.claimStep = async (r, stepId, attempt, time) => {
      await claim(r, stepId, attempt, time);
      return claim(r, stepId, attempt, time);
    };

    const outcome = await executeStep(deps, payload());

    expect(outcome).toEqual({ status: "executed", detail: { messageId: "ses-1" } });
    expect(mailer.sent).toHaveLength(1);
  });

  it("an ambiguous send keeps the claim, in doubt, and asks the state machine to wait", async () => {
    mailer.failNextWith(new AmbiguousDeliveryError("SES InternalFailure: Internal failure"));

    const error = await executeStep(deps, payload()).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: "StepInDoubt" });
    expect(runs.step(run, "s1")).toMatchObject({ status: "claimed", attempt: "attempt-1", doubtSince: NOW });
  });

  describe("a second attempt in doubt (the first taken over after its wait), and the first's evidence come late", () => {
    const LAST = "2026-11-21T11:10:30.000Z";
    /** Both attempts' sends in doubt: the first's at NOW, the second's (after the take-over) at LATER. */
    async function twiceInDoubt() {
      mailer.failNextWith(new AmbiguousDeliveryError("socket hang up"));
      mailer.failNextWith(new AmbiguousDeliveryError("socket hang up"));
      await executeStep(deps, payload()).catch(() => undefined);
      await executeStep(at(LATER), payload()).catch(() => undefined);
      expect(runs.step(run, "s1")).toMatchObject({
        status: "claimed",
        attempt: "attempt-2",
        doubtSince: LATER,
      });
    }
    const REJECTED_FIRST = { status: "failed" as const, reason: "rejected: Bad content" };
    const late = (kind: "sent" | "rejected") =>
      runs.recordStepEvidence("ws_1", "run_1", "s1", {
        kind,
        messageId: "ses-first",
        at: NOW,
        attempt: "attempt-1",
        ...(kind === "rejected" ? { reason: "Bad content" } : {}),
      });

    it("the first's Send, and nothing of the second's through its wait: recorded executed from the first's, not sent a third time", async () => {
      await twiceInDoubt();
      await late("sent");

      // Within the second's wait: the first's Send does not settle the second's claim.
      await expect(executeStep(at("2026-11-21T11:06:00.000Z"), payload())).rejects.toMatchObject({
        name: "StepInDoubt",
      });
      const outcome = await executeStep(at(LAST), payload());

      expect(outcome).toEqual({
        status: "executed",
        detail: { messageId: "ses-first", reconciled: "send_event" },
      });
      expect(mailer.sent).toEqual([]);
    });

    it("the first's Send come after the take-over, then the second's send in doubt finds its run ended: recorded executed from the first's, not skipped", async () => {
      mailer.failNextWith(new AmbiguousDeliveryError("socket hang up"));
      mailer.failNextWith(new AmbiguousDeliveryError("socket hang up"));
      await executeStep(deps, payload()).catch(() => undefined);
      const markStepInDoubt = runs.markStepInDoubt.bind(runs);
      runs.markStepInDoubt = async (...args) => {
        // While SES was answering the second send: the first's Send came, and an end rule matched.
        if (args[2] === "attempt-2") {
          await late("sent");
          await runs.endRun(run, "success", "msg_paid", NOW);
        }
        return markStepInDoubt(...args);
      };

      const outcome = await executeStep(at(LATER), payload());

      expect(outcome).toEqual({
        status: "executed",
        detail: { messageId: "ses-first", reconciled: "send_event" },
      });
      expect(runs.step(run, "s1")).toMatchObject({ status: "executed", attempt: "attempt-2" });
      expect(runs.stats.get(JSON.stringify(["ws_1", "m_1"]))).toMatchObject({ "steps.s1.executed": 1 });
    });

    it("the first's Reject comes while the retry records the first's Send (its handler reads the step, the second's claim, first): the record is corrected to it, not left executed", async () => {
      await twiceInDoubt();
      await late("sent");
      const recordStep = runs.recordStep.bind(runs);
      let rejectedFirst = false;
      runs.recordStep = async (...args) => {
        if (!rejectedFirst) {
          rejectedFirst = true;
          // ses-feedback: keeps the Reject, reads the step (claimed by the second attempt): nothing to settle.
          await late("rejected");
          await runs.settleStepInDoubt("ws_1", "run_1", "s1", REJECTED_FIRST, NOW, {
            messageId: "ses-first",
            attempt: "attempt-1",
          });
          expect(runs.step(run, "s1")).toMatchObject({ status: "claimed", attempt: "attempt-2" });
        }
        return recordStep(...args);
      };

      await executeStep(at(LAST), payload());

      expect(mailer.sent).toEqual([]);
      expect(runs.step(run, "s1")).toMatchObject({ status: "failed", outcome: REJECTED_FIRST });
      expect(runs.stats.get(JSON.stringify(["ws_1", "m_1"]))).toMatchObject({
        "steps.s1.executed": 0,
        "steps.s1.failed": 1,
      });
    });

    it("the first's Send comes while the second's send in doubt, its run ended, is recorded skipped (its handler reads the second's claim first): corrected to executed, and answered so", async () => {
      mailer.failNextWith(new AmbiguousDeliveryError("socket hang up"));
      mailer.failNextWith(new AmbiguousDeliveryError("socket hang up"));
      await executeStep(deps, payload()).catch(() => undefined);
      const markStepInDoubt = runs.markStepInDoubt.bind(runs);
      runs.markStepInDoubt = async (...args) => {
        if (args[2] === "attempt-2") {
          await runs.endRun(run, "success", "msg_paid", NOW);
          armed = true;
        }
        return markStepInDoubt(...args);
      };
      const listStepEvidence = runs.listStepEvidence.bind(runs);
      let armed = false;
      let sendCame = false;
      runs.listStepEvidence = async (...args) => {
        const pieces = await listStepEvidence(...args);
        // After the second's own look (its send in doubt, its run ended), before its record.
        if (armed && !sendCame) {
          sendCame = true;
          const handled = await recordSesFeedback(
            { runs, suppressions: new FakeSuppressionList(), clock: fixedClock(LATER) },
            sesStepEvent("Email Sent", { messageId: "ses-first", stepId: "s1", attempt: "attempt-1" }),
          );
          expect(handled).toMatchObject({ kept: true, settled: false });
        }
        return pieces;
      };

      const outcome = await executeStep(at(LATER), payload());

      expect(sendCame).toBe(true);
      // What it answers (its log line, its metric) is what the record says once corrected.
      expect(outcome).toEqual({
        status: "executed",
        detail: { messageId: "ses-first", reconciled: "send_event" },
      });
      expect(runs.step(run, "s1")).toMatchObject({
        status: "executed",
        outcome: { status: "executed", detail: { messageId: "ses-first", reconciled: "send_event" } },
      });
      expect(runs.stats.get(JSON.stringify(["ws_1", "m_1"]))).toMatchObject({
        "steps.s1.executed": 1,
        "steps.s1.skipped": 0,
      });
    });

    it("the first's Send and its Reject: SES took neither email for good, so it is sent again, once", async () => {
      await twiceInDoubt();
      await late("sent");
      await late("rejected");

      const outcome = await executeStep(at(LAST), payload());

      expect(outcome).toMatchObject({ status: "executed", detail: { messageId: "ses-1" } });
      expect(mailer.sent).toHaveLength(1);
      // Tagged with the attempt that took the claim over (its events speak for its claim), not the
      // attempt it took it from.
      expect(runs.step(run, "s1")).toMatchObject({ attempt: "attempt-3" });
      expect(mailer.sent[0]?.tags).toMatchObject({ step: "s1", attempt: "attempt-3" });
    });
  });

  describe("the first send in doubt, and the attempt that took it over after the wait refused for now (SES throttled it: it took nothing)", () => {
    const TAKEN_OVER = "2026-11-21T11:05:00.000Z";
    const RETRY = "2026-11-21T11:05:20.000Z";
    async function takenOverThenThrottled() {
      mailer.failNextWith(new AmbiguousDeliveryError("socket hang up"));
      mailer.failNextWith(new TransientDeliveryError("SES Throttling: Maximum sending rate exceeded."));
      await executeStep(deps, payload()).catch(() => undefined);
      const error = await executeStep(at(TAKEN_OVER), payload()).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: "TransientActionError" });
    }
    const firstSend = () =>
      recordSesFeedback(
        { runs, suppressions: new FakeSuppressionList(), clock: fixedClock(TAKEN_OVER) },
        sesStepEvent("Email Sent", { messageId: "ses-first", stepId: "s1", attempt: "attempt-1" }),
      );

    it("the first's Send comes late, before the retry: the retry records executed from it, and sends nothing (no second email)", async () => {
      await takenOverThenThrottled();
      expect(await firstSend()).toMatchObject({ kept: true });

      const outcome = await executeStep(at(RETRY), payload());

      expect(outcome).toEqual({
        status: "executed",
        detail: { messageId: "ses-first", reconciled: "send_event" },
      });
      expect(mailer.sent).toEqual([]);
    });

    it("no evidence: the retry (the state machine's backoff, seconds later) sends at once, with no second wait", async () => {
      await takenOverThenThrottled();

      const outcome = await executeStep(at(RETRY), payload());

      expect(outcome).toMatchObject({ status: "executed", detail: { messageId: "ses-1" } });
      expect(mailer.sent).toHaveLength(1);
    });

    it("the run ends before the retry: the step is recorded (not left without a record), and the first's late Send corrects it to executed", async () => {
      await takenOverThenThrottled();
      await runs.endRun(run, "success", "msg_paid", NOW);

      expect(await executeStep(at(RETRY), payload())).toMatchObject({ status: "skipped" });
      expect(runs.step(run, "s1")).toMatchObject({ status: "skipped" });
      expect(await firstSend()).toMatchObject({ kept: true, settled: true });

      expect(runs.step(run, "s1")).toMatchObject({ status: "executed" });
      expect(mailer.sent).toEqual([]);
    });
  });

  it("an attempt reached after its run ended, over an earlier attempt's plain claim whose Send was kept already (a Send does not settle a plain claim): recorded executed from it, not skipped", async () => {
    // The earlier attempt claimed, SES took its email (its Send kept), and it died before recording;
    // the run ended after its end had nothing to settle.
    runs.seedClaim(run, "s1", NOW, "attempt-0");
    const sent = await recordSesFeedback(
      { runs, suppressions: new FakeSuppressionList(), clock: fixedClock(NOW) },
      sesStepEvent("Email Sent", { messageId: "ses-0", stepId: "s1", attempt: "attempt-0" }),
    );
    expect(sent).toMatchObject({ kept: true, settled: false });
    await runs.endRun(run, "success", "msg_paid", NOW);

    const outcome = await executeStep(deps, payload());

    // What it answers (its log line, its metric) is what it recorded.
    expect(outcome).toEqual({ status: "executed", detail: { messageId: "ses-0", reconciled: "send_event" } });
    expect(runs.step(run, "s1")).toMatchObject({ status: "executed", outcome });
    expect(runs.stats.get(JSON.stringify(["ws_1", "m_1"]))).toMatchObject({
      "steps.s1.executed": 1,
    });
    expect(mailer.sent).toEqual([]);
  });

  it("a step in doubt with SES's Send event is recorded executed, without sending again", async () => {
    mailer.failNextWith(new AmbiguousDeliveryError("socket hang up"));
    await executeStep(deps, payload()).catch(() => undefined);
    await runs.recordStepEvidence("ws_1", "run_1", "s1", { kind: "sent", messageId: "ses-9", at: NOW });

    const outcome = await executeStep(at(LATER), payload());

    expect(outcome).toEqual({ status: "executed", detail: { messageId: "ses-9", reconciled: "send_event" } });
    expect(mailer.sent).toEqual([]);
    expect(runs.step(run, "s1")).toMatchObject({ status: "executed" });
  });

  it.each([
    ["its run ended", () => runs.endRun(run, "success", "msg_paid", NOW)],
    [
      "its moment stopped",
      () => config.setMomentStatus(aMoment({ id: "m_1", status: "running" }), "stopped", NOW),
    ],
  ])(
    "an email claimed by an attempt that died mid-send, reached again after %s: skipped as in doubt, so its Send event still corrects it",
    async (_, end) => {
      // Prepare: the earlier attempt claimed the step, SES took the mail, and it died before recording.
      runs.seedClaim(run, "s1", "2026-11-21T10:58:00.000Z");
      await end();

      // Act: the retry finds the run over.
      const outcome = await executeStep(at(LATER), payload());

      // Assess: nothing sent, the step not recorded for good: in doubt since its claim.
      expect(outcome.status).toBe("skipped");
      expect(mailer.sent).toEqual([]);
      expect(runs.step(run, "s1")).toMatchObject({
        status: "skipped",
        doubtSince: "2026-11-21T10:58:00.000Z",
      });
      expect(await runs.isStepFinal("ws_1", "run_1", "s1", "sent")).toBe(false);
      // SES's Send event, whenever it comes, corrects it (as ses-feedback settles it).
      await runs.settleStepInDoubt("ws_1", "run_1", "s1", { status: "executed" }, LATER);
      expect(runs.step(run, "s1")).toMatchObject({ status: "executed" });
    },
  );

  it("a step nobody claimed, reached after its moment stopped, is skipped for good in one write", async () => {
    await config.setMomentStatus(aMoment({ id: "m_1", status: "running" }), "stopped", NOW);
    const settle = vi.spyOn(runs, "settleStepInDoubt");

    const outcome = await executeStep(deps, payload());

    expect(outcome).toEqual({ status: "skipped", reason: "moment_stopped" });
    expect(settle).not.toHaveBeenCalled();
    expect(await runs.isStepFinal("ws_1", "run_1", "s1", "sent")).toBe(true);
  });

  it("a step in doubt with a Reject event is recorded failed", async () => {
    runs.seedClaim(run, "s1");
    await runs.recordStepEvidence("ws_1", "run_1", "s1", {
      kind: "rejected",
      reason: "Bad content",
      at: NOW,
    });

    const outcome = await executeStep(deps, payload());

    expect(outcome).toEqual({ status: "failed", reason: "rejected: Bad content" });
    expect(mailer.sent).toEqual([]);
  });

  it("a step in doubt without evidence waits out the window, then sends exactly once", async () => {
    mailer.failNextWith(new AmbiguousDeliveryError("SES InternalFailure"));
    await executeStep(deps, payload()).catch(() => undefined);

    // Early (the evidence could still come): wait more.
    const early = await executeStep(at("2026-11-21T11:04:59.000Z"), payload()).catch((e: unknown) => e);
    expect(early).toMatchObject({ name: "StepInDoubt" });
    expect(mailer.sent).toEqual([]);

    // The window has passed with no Send event: SES did not take it.
    const outcome = await executeStep(at(LATER), payload());
    expect(outcome).toMatchObject({ status: "executed" });
    expect(mailer.sent).toHaveLength(1);
    expect(await executeStep(at(LATER), payload())).toEqual({
      status: "skipped",
      reason: "already_executed",
    });
    expect(mailer.sent).toHaveLength(1);
  });

  it("an ambiguous send whose Send event came already is recorded executed at once, with no wait", async () => {
    // Locally (and on AWS when the event is fast) the evidence may be in before the step looks.
    mailer.failNextWith(new AmbiguousDeliveryError("socket hang up"));
    const markStepInDoubt = runs.markStepInDoubt.bind(runs);
    runs.markStepInDoubt = async (...args) => {
      await runs.recordStepEvidence("ws_1", "run_1", "s1", { kind: "sent", messageId: "ses-7", at: NOW });
      return markStepInDoubt(...args);
    };

    const outcome = await executeStep(deps, payload());

    expect(outcome).toEqual({ status: "executed", detail: { messageId: "ses-7", reconciled: "send_event" } });
    expect(runs.step(run, "s1")).toMatchObject({ status: "executed" });
    expect(runs.stats.get(JSON.stringify(["ws_1", "m_1"]))).toMatchObject({ "steps.s1.executed": 1 });
  });

  it("an ambiguous send whose run ended meanwhile is recorded skipped at once (nobody would come back)", async () => {
    mailer.failNextWith(new AmbiguousDeliveryError("SES InternalFailure"));
    const markStepInDoubt = runs.markStepInDoubt.bind(runs);
    runs.markStepInDoubt = async (...args) => {
      // An end rule matched while SES was answering: the execution is being stopped.
      await runs.endRun(run, "success", "msg_paid", NOW);
      return markStepInDoubt(...args);
    };

    const outcome = await executeStep(deps, payload());

    expect(outcome).toMatchObject({ status: "skipped", reason: expect.stringMatching(/^run_not_active/) });
    // The doubt stays on the record: a Send event arriving later corrects it (see ses-feedback).
    expect(runs.step(run, "s1")).toMatchObject({ status: "skipped", doubtSince: NOW });
  });

  it("a step recorded failed from a Reject while it waited still ends its run under fail_run", async () => {
    runs.seedClaim(run, "s1");
    await runs.recordStep(run, "s1", { status: "failed", reason: "rejected: Bad content" }, NOW);

    const error = await executeStep(deps, {
      ...payload(),
      step: { ...payload().step, onFailure: "fail_run" as const },
    }).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: STEP_FAILED_RUN_ERROR });
    expect(mailer.sent).toEqual([]);
  });

  it("an action retried after SES's late Reject corrected its execution, under fail_run: nothing is sent again, the record stays failed (rejected), and the run's course is not re-decided", async () => {
    const failRun = { ...payload(), step: { ...payload().step, onFailure: "fail_run" as const } };
    // Executed from SES's answer; the run moved on (it is still active, its next wake-up ahead).
    const outcome = await executeStep(deps, failRun);
    expect(outcome).toMatchObject({ status: "executed", detail: { messageId: "ses-1" } });
    // SES's Reject of that email comes, and corrects the record.
    const rejected = await recordSesFeedback(
      { runs, suppressions: new FakeSuppressionList(), clock: fixedClock(NOW) },
      sesStepEvent("Email Rejected", { messageId: "ses-1", timestamp: NOW, stepId: "s1" }),
    );
    expect(rejected).toMatchObject({ outcome: "evidence", settled: true });

    // The same task again (Step Functions retries a task whose answer was lost).
    const again = await executeStep(deps, failRun);

    expect(again).toEqual({ status: "skipped", reason: "already_executed" });
    expect(mailer.sent).toHaveLength(1);
    expect(runs.step(run, "s1")).toMatchObject({
      status: "failed",
      outcome: { status: "failed", reason: "rejected: Bad content" },
    });
    expect(await runs.getRunStatus("ws_1", "run_1")).toBe("active");
  });

  it("a performed step whose record fails hands its outcome to the state machine, and is not sent again", async () => {
    const recordStep = runs.recordStep.bind(runs);
    runs.recordStep = async () => {
      throw Object.assign(new Error("Throughput exceeds the current capacity"), {
        name: "ThrottlingException",
      });
    };

    const error = await executeStep(deps, payload()).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: "StepOutcomeUnrecorded" });
    expect(JSON.parse((error as Error).message)).toEqual({
      stepId: "s1",
      outcome: { status: "executed", detail: { messageId: "ses-1" } },
    });
    runs.recordStep = recordStep;
    expect(mailer.sent).toHaveLength(1);
  });

  it("a failed release after a transient error is still a retry, and the retry settles the claim from evidence", async () => {
    mailer.failNextWith(new TransientDeliveryError("SES Throttling"));
    runs.releaseStep = async () => {
      throw Object.assign(new Error("unavailable"), { name: "ServiceUnavailable" });
    };

    const error = await executeStep(deps, payload()).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "TransientActionError" });
    expect(runs.step(run, "s1")).toMatchObject({ status: "claimed" });

    // The retry finds the claim in doubt, sees no Send event over the window, and sends once.
    await executeStep(deps, payload()).catch(() => undefined);
    const outcome = await executeStep(at(LATER), payload());
    expect(outcome).toMatchObject({ status: "executed" });
    expect(mailer.sent).toHaveLength(1);
  });

  it("a DynamoDB failure before the claim is a transient error, never a failed step", async () => {
    runs.getRunStatus = async () => {
      throw Object.assign(new Error("Internal server error"), { name: "InternalServerError" });
    };

    const error = await executeStep(deps, payload()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TransientInfrastructureError);
    expect(error).toMatchObject({
      name: "TransientActionError",
      message: "InternalServerError: Internal server error",
    });
    expect(runs.step(run, "s1")).toBeUndefined();
  });

  it("an action that duplicates nothing when repeated is taken over and performed again", async () => {
    const performed: string[] = [];
    deps.actions = {
      ...deps.actions,
      send_notification: async () => ({
        preview: {},
        perform: async () => {
          performed.push("inbox");
          return { status: "executed" };
        },
      }),
    };
    runs.seedClaim(run, "s1");

    const outcome = await executeStep(deps, payload({ type: "send_notification", title: "Hi", body: "" }));

    expect(outcome).toEqual({ status: "executed" });
    expect(performed).toEqual(["inbox"]);
  });

  describe("a Slack step in doubt is looked up in the channel's history", () => {
    const slackAction = { type: "send_slack", integrationId: "int_1", channel: "C100", text: "hi" } as const;
    let posted: string[];
    let history: "found" | "absent" | "unknown";
    let lookedUpSince: Date[];
    let postError: Error | undefined;
    beforeEach(() => {
      posted = [];
      history = "absent";
      lookedUpSince = [];
      postError = undefined;
      deps.actions = {
        ...deps.actions,
        send_slack: async (ctx) => ({
          preview: {},
          lookUp: async (since) => {
            lookedUpSince.push(since);
            if (history === "absent") return undefined;
            if (history === "unknown") return { status: "failed", reason: "outcome_unknown: missing_scope" };
            return { status: "executed", detail: { ts: "1.2", reconciled: "history" } };
          },
          perform: async () => {
            if (postError) throw postError;
            posted.push(ctx.stepId);
            return { status: "executed", detail: { ts: "9.9" } };
          },
        }),
      };
    });

    it("an ambiguous post keeps the claim in doubt and asks the state machine to wait", async () => {
      postError = new AmbiguousDeliveryError("Slack answered HTTP 502");

      const error = await executeStep(deps, payload(slackAction)).catch((e: unknown) => e);

      expect(error).toMatchObject({ name: "StepInDoubt" });
      expect(runs.step(run, "s1")).toMatchObject({ status: "claimed", doubtSince: NOW });
      expect(lookedUpSince).toEqual([]);
    });

    it("found after the wait: recorded executed, not posted again; the lookup starts before the claim", async () => {
      postError = new AmbiguousDeliveryError("Slack answered HTTP 502");
      await executeStep(deps, payload(slackAction)).catch(() => undefined);
      history = "found";

      const early = await executeStep(at("2026-11-21T11:04:59.000Z"), payload(slackAction)).catch(
        (e: unknown) => e,
      );
      expect(early).toMatchObject({ name: "StepInDoubt" });
      const outcome = await executeStep(at(LATER), payload(slackAction));

      expect(outcome).toEqual({ status: "executed", detail: { ts: "1.2", reconciled: "history" } });
      expect(posted).toEqual([]);
      expect(lookedUpSince).toEqual([new Date(Date.parse(NOW) - 5 * 60_000)]);
      expect(runs.step(run, "s1")).toMatchObject({ status: "executed" });
    });

    it("absent after the wait: posted exactly once", async () => {
      runs.seedClaim(run, "s1");
      await executeStep(deps, payload(slackAction)).catch(() => undefined);

      const outcome = await executeStep(at(LATER), payload(slackAction));

      expect(outcome).toEqual({ status: "executed", detail: { ts: "9.9" } });
      expect(posted).toEqual(["s1"]);
      expect(await executeStep(at(LATER), payload(slackAction))).toEqual({
        status: "skipped",
        reason: "already_executed",
      });
      expect(posted).toEqual(["s1"]);
    });

    it("when Slack cannot tell (a missing scope), outcome_unknown and never posted twice", async () => {
      runs.seedClaim(run, "s1");
      history = "unknown";
      await executeStep(deps, payload(slackAction)).catch(() => undefined);

      const outcome = await executeStep(at(LATER), payload(slackAction));

      expect(outcome).toEqual({ status: "failed", reason: "outcome_unknown: missing_scope" });
      expect(posted).toEqual([]);
    });

    it("an ambiguous post whose run ended meanwhile: recorded skipped at once, and a lookup started to correct it", async () => {
      postError = new AmbiguousDeliveryError("Slack answered HTTP 502");
      const markStepInDoubt = runs.markStepInDoubt.bind(runs);
      runs.markStepInDoubt = async (...args) => {
        // An end rule matched while Slack was answering: ending the run found no doubt to settle.
        await runs.endRun(run, "success", "msg_paid", NOW);
        return markStepInDoubt(...args);
      };

      const outcome = await executeStep(deps, payload(slackAction));

      expect(outcome).toMatchObject({ status: "skipped", reason: expect.stringMatching(/^run_not_active/) });
      expect(runs.step(run, "s1")).toMatchObject({ status: "skipped", doubtSince: NOW });
      expect([...workflows.lookups.values()]).toEqual([{ runId: run.runId, phase: "entry", stepId: "s1" }]);
      expect(lookedUpSince).toEqual([]);
    });

    it("reached again after its run ended (left in doubt by an earlier attempt): a lookup settles it, never a post", async () => {
      postError = new AmbiguousDeliveryError("Slack answered HTTP 502");
      await executeStep(deps, payload(slackAction)).catch(() => undefined);
      await runs.endRun(run, "success", "msg_paid", NOW);

      const outcome = await executeStep(at(LATER), payload(slackAction));

      expect(outcome).toMatchObject({ status: "skipped", reason: expect.stringMatching(/in doubt/) });
      expect(posted).toEqual([]);
      expect([...workflows.lookups.values()]).toEqual([{ runId: run.runId, phase: "entry", stepId: "s1" }]);
      // It answers what it recorded: skipped in doubt until the lookup looks.
      expect(runs.step(run, "s1")).toMatchObject({ status: "skipped", doubtSince: NOW, outcome });
    });

    it("claimed by an attempt that died mid-post, reached after its moment stopped: a lookup settles it, never a post", async () => {
      runs.seedClaim(run, "s1", NOW);
      await config.setMomentStatus(aMoment({ id: "m_1", status: "running" }), "stopped", NOW);

      const outcome = await executeStep(at(LATER), payload(slackAction));

      expect(outcome).toMatchObject({ status: "skipped", reason: expect.stringMatching(/in doubt/) });
      expect(posted).toEqual([]);
      expect([...workflows.lookups.values()]).toEqual([{ runId: run.runId, phase: "entry", stepId: "s1" }]);
      // It answers what it recorded: skipped in doubt until the lookup looks.
      expect(runs.step(run, "s1")).toMatchObject({ status: "skipped", doubtSince: NOW, outcome });
    });

    it("skipped after its run ended with nothing claimed: no lookup execution is started", async () => {
      await runs.endRun(run, "success", "msg_paid", NOW);

      const outcome = await executeStep(deps, payload(slackAction));

      expect(outcome).toEqual({ status: "skipped", reason: "run_not_active" });
      expect([...workflows.lookups.values()]).toEqual([]);
    });

    it("a step without a lookup (an incoming webhook) is outcome_unknown rather than risk a second message", async () => {
      deps.actions = {
        ...deps.actions,
        send_slack: async () => ({ preview: {}, perform: async () => ({ status: "executed" }) }),
      };
      runs.seedClaim(run, "s1");
      await executeStep(deps, payload(slackAction)).catch(() => undefined);

      const outcome = await executeStep(at(LATER), payload(slackAction));

      expect(outcome).toEqual({ status: "failed", reason: expect.stringMatching(/^outcome_unknown/) });
    });
  });

  describe("an Attio step in doubt is looked up among its record's tasks", () => {
    const RECORD_ID = "891dcbfc-9141-415d-9b2a-2238a6cc012d";
    const attioAction = {
      type: "create_attio_task",
      integrationId: "int_attio",
      content: "Call {first_name}",
      linkedRecord: { object: "companies", recordId: RECORD_ID },
    } as const;

    /** Attio as far as the step sees it: its tasks, and what goes wrong with the next calls. */
    class ModelAttio implements AttioApi {
      readonly tasks: Array<{ taskId: string; task: AttioTask }> = [];
      readonly lookups: AttioTaskQuery[] = [];
      /** The next create: created and its answer lost, or lost before Attio saw it. */
      nextCreate: "ok" | "created-answer-lost" | "lost-before" = "ok";
      /** The next lookups fail for now. */
      failingLookups = 0;
      /** Lists only the linked record's tasks when asked for them, as Attio does. */
      filtersByRecord = false;
      async createTask(_token: string, task: AttioTask) {
        const mode = this.nextCreate;
        this.nextCreate = "ok";
        if (mode !== "lost-before") this.tasks.push({ taskId: `task_${this.tasks.length + 1}`, task });
        if (mode !== "ok") throw new AmbiguousDeliveryError("attio: connection lost after the task was sent");
        return { taskId: this.tasks.at(-1)?.taskId };
      }
      async findTask(_token: string, query: AttioTaskQuery) {
        this.lookups.push(query);
        if (this.failingLookups > 0) {
          this.failingLookups--;
          throw new TransientDeliveryError("attio: HTTP 503 listing tasks");
        }
        const { linkedRecord } = query;
        const listed = this.tasks.filter(
          ({ task }) =>
            !this.filtersByRecord ||
            !linkedRecord ||
            task.linkedRecords.some(
              (r) => r.object === linkedRecord.object && r.recordId === linkedRecord.recordId,
            ),
        );
        const found = listed.find(({ task }) => task.content.includes(query.marker));
        return found ? ({ status: "found", taskId: found.taskId } as const) : ({ status: "absent" } as const);
      }
    }

    let attio: ModelAttio;
    beforeEach(() => {
      attio = new ModelAttio();
      const integrations = new FakeIntegrations();
      integrations.add("ws_1", "int_attio", "attio");
      deps.actions = { ...deps.actions, create_attio_task: attioTaskPerformer({ integrations, attio }) };
    });

    it("a create whose answer was lost is found after the wait: executed with its id, one task", async () => {
      attio.nextCreate = "created-answer-lost";

      const first = await executeStep(deps, payload(attioAction)).catch((e: unknown) => e);
      expect(first).toMatchObject({ name: "StepInDoubt" });
      const outcome = await executeStep(at(LATER), payload(attioAction));

      expect(outcome).toEqual({ status: "executed", detail: { taskId: "task_1", reconciled: "task_list" } });
      expect(attio.tasks).toHaveLength(1);
      expect(attio.lookups).toEqual([
        {
          marker: attio.tasks[0]?.task.marker,
          since: new Date(Date.parse(NOW) - 5 * 60_000),
          linkedRecord: { object: "companies", recordId: RECORD_ID },
        },
      ]);
      expect(runs.step(run, "s1")).toMatchObject({ status: "executed" });
    });

    it("a create Attio never saw is not found after the wait, and is created exactly once more", async () => {
      attio.nextCreate = "lost-before";
      await executeStep(deps, payload(attioAction)).catch(() => undefined);

      const outcome = await executeStep(at(LATER), payload(attioAction));

      expect(outcome).toEqual({ status: "executed", detail: { taskId: "task_1" } });
      expect(attio.tasks).toHaveLength(1);
      expect(await executeStep(at(LATER), payload(attioAction))).toEqual({
        status: "skipped",
        reason: "already_executed",
      });
      expect(attio.tasks).toHaveLength(1);
    });

    it("a lookup that fails for now is retried like any transient failure, the step still in doubt", async () => {
      attio.nextCreate = "created-answer-lost";
      attio.failingLookups = 1;
      await executeStep(deps, payload(attioAction)).catch(() => undefined);

      const retried = await executeStep(at(LATER), payload(attioAction)).catch((e: unknown) => e);
      expect(retried).toMatchObject({ name: "TransientActionError" });
      expect(runs.step(run, "s1")).toMatchObject({ status: "claimed", doubtSince: NOW });
      const outcome = await executeStep(at(LATER), payload(attioAction));

      expect(outcome).toMatchObject({ status: "executed", detail: { reconciled: "task_list" } });
      expect(attio.tasks).toHaveLength(1);
      expect(attio.lookups).toHaveLength(2);
    });

    it("a lost create is found even when its linked record renders differently at the lookup: one task", async () => {
      // The record id comes from a trait, which changes between the create and its lookup.
      const templated = {
        ...attioAction,
        linkedRecord: { object: "companies", recordId: "{attio_company}" },
      } as const;
      await profiles.mergeTraits("ws_1", "acct_1", { attio_company: "rec-old" }, NOW);
      attio.filtersByRecord = true;
      attio.nextCreate = "created-answer-lost";
      await executeStep(deps, payload(templated)).catch(() => undefined);
      await profiles.mergeTraits("ws_1", "acct_1", { attio_company: "rec-new" }, LATER);

      const outcome = await executeStep(at(LATER), payload(templated));

      expect(outcome).toMatchObject({
        status: "executed",
        detail: { taskId: "task_1", reconciled: "task_list" },
      });
      expect(attio.tasks).toHaveLength(1);
    });

    it("an attempt that died mid-create is settled the same way: looked up, never created twice", async () => {
      // Another attempt claimed the step, created the task (with the step's marker) and died.
      runs.seedClaim(run, "s1");
      const marker = taskMarker(run.workspaceId, run.runId, "s1");
      attio.tasks.push({
        taskId: "task_dead",
        task: {
          content: `Call Ada\n\n${marker}`,
          deadlineAt: null,
          linkedRecords: [],
          assigneeIds: [],
          marker,
        },
      });
      await executeStep(deps, payload(attioAction)).catch(() => undefined);

      const outcome = await executeStep(at(LATER), payload(attioAction));

      expect(outcome).toEqual({
        status: "executed",
        detail: { taskId: "task_dead", reconciled: "task_list" },
      });
      expect(attio.tasks).toHaveLength(1);
    });
  });
});

describe("lookUpEndedRunSteps: a Slack post in doubt when its run ended", () => {
  const LATER = "2026-11-21T11:05:00.000Z";
  const slackStep = {
    id: "s1",
    delaySeconds: 0,
    action: { type: "send_slack", integrationId: "int_1", channel: "C100", text: "hi" },
  } as const;
  const wake = { run, lookup: ["s1"] };
  let history: "found" | "absent" | "unknown" | "down";
  let lookups: Date[];
  let posts: number;

  beforeEach(async () => {
    history = "found";
    lookups = [];
    posts = 0;
    deps.actions = {
      ...deps.actions,
      send_slack: async () => ({
        preview: {},
        lookUp: async (since) => {
          lookups.push(since);
          if (history === "down") throw new AmbiguousDeliveryError("Slack answered HTTP 500");
          if (history === "absent") return undefined;
          if (history === "unknown") return { status: "failed", reason: "outcome_unknown: missing_scope" };
          return { status: "executed", detail: { ts: "1.2", reconciled: "history" } };
        },
        perform: async () => {
          posts += 1;
          return { status: "executed" };
        },
      }),
    };
    runs.seedMembership(run);
    const stored = runs.run("ws_1", run.runId);
    if (stored) stored.entrySteps = [slackStep];
    // Claimed at NOW - 1 min, in doubt since NOW; then the run ended and the step was recorded skipped.
    runs.seedClaim(run, "s1", "2026-11-21T10:59:00.000Z");
    await runs.markStepInDoubt(run, "s1", "died", NOW);
    await runs.endRun(run, "success", "msg_paid", NOW);
    await runs.settleStepInDoubt(
      "ws_1",
      run.runId,
      "s1",
      { status: "skipped", reason: "run_not_active: x" },
      NOW,
    );
  });

  const stats = () => runs.stats.get(JSON.stringify(["ws_1", "m_1"]));

  it("waits out the evidence window before looking (StepInDoubt: the workflow waits and runs it again)", async () => {
    const error = await lookUpEndedRunSteps(
      { ...deps, clock: fixedClock("2026-11-21T11:04:59.000Z") },
      wake,
    ).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: "StepInDoubt" });
    expect(lookups).toEqual([]);
  });

  it("found: corrected to executed, counters moved, from 5 minutes before the claim; never posted", async () => {
    const outcomes = await lookUpEndedRunSteps({ ...deps, clock: fixedClock(LATER) }, wake);

    expect(outcomes).toEqual({ s1: { status: "executed", detail: { ts: "1.2", reconciled: "history" } } });
    expect(runs.step(run, "s1")).toMatchObject({ status: "executed" });
    expect(stats()).toMatchObject({ "steps.s1.executed": 1, "steps.s1.skipped": 0 });
    expect(lookups).toEqual([new Date("2026-11-21T10:54:00.000Z")]);
    expect(posts).toBe(0);
  });

  it("a second delivery of the same wake-up (a retry, a resumed execution) looks nothing up again", async () => {
    await lookUpEndedRunSteps({ ...deps, clock: fixedClock(LATER) }, wake);

    expect(await lookUpEndedRunSteps({ ...deps, clock: fixedClock(LATER) }, wake)).toEqual({});
    expect(lookups).toHaveLength(1);
    expect(stats()).toMatchObject({ "steps.s1.executed": 1, "steps.s1.skipped": 0 });
  });

  it("absent: stays skipped, never posted", async () => {
    history = "absent";

    expect(await lookUpEndedRunSteps({ ...deps, clock: fixedClock(LATER) }, wake)).toEqual({});
    expect(runs.step(run, "s1")).toMatchObject({ status: "skipped" });
    expect(lookups).toHaveLength(1);
    expect(posts).toBe(0);
  });

  it("a claim still in doubt (nothing settled it yet) is settled by the lookup: absent -> skipped", async () => {
    history = "absent";
    runs.seedClaim(run, "s2", "2026-11-21T10:59:00.000Z");
    await runs.markStepInDoubt(run, "s2", "died", NOW);
    const stored = runs.run("ws_1", run.runId);
    if (stored) stored.entrySteps = [slackStep, { ...slackStep, id: "s2" }];

    await lookUpEndedRunSteps({ ...deps, clock: fixedClock(LATER) }, { run, lookup: ["s2"] });

    expect(runs.step(run, "s2")).toMatchObject({
      status: "skipped",
      outcome: { reason: expect.stringMatching(/^run_not_active: .*records do not show it/) },
    });
  });

  it("the provider cannot tell: failed, outcome_unknown (not 'not sent')", async () => {
    history = "unknown";

    await lookUpEndedRunSteps({ ...deps, clock: fixedClock(LATER) }, wake);

    expect(runs.step(run, "s1")).toMatchObject({
      status: "failed",
      outcome: { reason: "outcome_unknown: missing_scope" },
    });
  });

  it("a lookup that fails is thrown as transient (the workflow retries it); the record is left as it was", async () => {
    history = "down";

    const error = await lookUpEndedRunSteps({ ...deps, clock: fixedClock(LATER) }, wake).catch(
      (e: unknown) => e,
    );

    expect(error).toMatchObject({ name: "TransientActionError" });
    expect(runs.step(run, "s1")).toMatchObject({ status: "skipped" });
  });

  it("a plain claim the run's end could not settle is looked up once the window from its claim has passed", async () => {
    history = "found";
    runs.seedClaim(run, "s4", "2026-11-21T10:59:00.000Z", "died");
    const stored = runs.run("ws_1", run.runId);
    if (stored) stored.entrySteps = [slackStep, { ...slackStep, id: "s4" }];

    const early = await lookUpEndedRunSteps(
      { ...deps, clock: fixedClock("2026-11-21T11:03:59.000Z") },
      { run, lookup: ["s4"] },
    ).catch((e: unknown) => e);
    expect(early).toMatchObject({ name: "StepInDoubt" });

    await lookUpEndedRunSteps({ ...deps, clock: fixedClock(LATER) }, { run, lookup: ["s4"] });
    expect(runs.step(run, "s4")).toMatchObject({ status: "executed" });
    expect(lookups).toEqual([new Date("2026-11-21T10:54:00.000Z")]);
    expect(posts).toBe(0);
  });

  it("a plain claim its live attempt recorded after the end started the lookup: re-read, nothing looked up or changed", async () => {
    runs.seedClaim(run, "s5", "2026-11-21T10:59:00.000Z", "live");
    const stored = runs.run("ws_1", run.runId);
    if (stored) stored.entrySteps = [slackStep, { ...slackStep, id: "s5" }];
    await runs.recordStep(run, "s5", { status: "skipped", reason: "missing value" }, NOW);

    expect(await lookUpEndedRunSteps({ ...deps, clock: fixedClock(LATER) }, { run, lookup: ["s5"] })).toEqual(
      {},
    );
    expect(runs.step(run, "s5")).toMatchObject({ status: "skipped", outcome: { reason: "missing value" } });
    expect(lookups).toEqual([]);
  });

  it("a step settled otherwise meanwhile (not in doubt) is not looked up", async () => {
    runs.seedClaim(run, "s3");
    await runs.recordStep(run, "s3", { status: "executed" }, NOW);

    expect(await lookUpEndedRunSteps({ ...deps, clock: fixedClock(LATER) }, { run, lookup: ["s3"] })).toEqual(
      {},
    );
    expect(lookups).toEqual([]);
  });

  describe("a post recorded failed `send_in_doubt` (its wake-up failed for good while it was in doubt)", () => {
    beforeEach(async () => {
      runs.seedClaim(run, "s5", "2026-11-21T10:59:00.000Z", "died");
      const stored = runs.run("ws_1", run.runId);
      if (stored) stored.entrySteps = [slackStep, { ...slackStep, id: "s5" }];
      await runs.settleStepInDoubt(
        "ws_1",
        run.runId,
        "s5",
        { status: "failed", reason: "send_in_doubt: the step failed for good (Slack down)" },
        NOW,
        { plainClaim: true },
      );
    });

    it("found: corrected to executed, counters moved", async () => {
      const outcomes = await lookUpEndedRunSteps(
        { ...deps, clock: fixedClock(LATER) },
        { run, lookup: ["s5"] },
      );

      expect(outcomes).toEqual({ s5: { status: "executed", detail: { ts: "1.2", reconciled: "history" } } });
      expect(stats()).toMatchObject({ "steps.s5.executed": 1, "steps.s5.failed": 0 });
      expect(posts).toBe(0);
    });

    it("started before the failure is recorded, it waits while the step is still claimed in its active run", async () => {
      runs.seedClaim(run, "s6", "2026-11-21T10:59:00.000Z", "died");
      const stored = runs.run("ws_1", run.runId);
      if (stored) {
        stored.entrySteps = [slackStep, { ...slackStep, id: "s6" }];
        stored.status = "active";
      }

      const early = await lookUpEndedRunSteps(
        { ...deps, clock: fixedClock(LATER) },
        { run, lookup: ["s6"] },
      ).catch((e: unknown) => e);

      expect(early).toMatchObject({ name: "StepInDoubt" });
      expect(runs.step(run, "s6")).toMatchObject({ status: "claimed" });
      expect(lookups).toEqual([]);
    });

    it("absent: the failure stands, no longer in doubt (never a skip)", async () => {
      history = "absent";

      await lookUpEndedRunSteps({ ...deps, clock: fixedClock(LATER) }, { run, lookup: ["s5"] });

      expect(runs.step(run, "s5")).toMatchObject({
        status: "failed",
        outcome: { reason: expect.stringMatching(/^not_sent: .*records do not show it/) },
      });
      expect(await runs.isStepFinal("ws_1", run.runId, "s5", "sent")).toBe(true);
      expect(stats()).toMatchObject({ "steps.s5.failed": 1 });
      expect(posts).toBe(0);
    });
  });
});
