import type { StepOutcome } from "../contracts/workflow.js";
import { TransientDeliveryError } from "../domain/delivery-errors.js";
import { NotFoundError, ValidationError } from "../domain/errors.js";
import { newId } from "../domain/ids.js";
import type { Step } from "../domain/moment.js";
import { createRenderer, missingPlaceholders, type RenderData, type Renderer } from "../domain/render.js";
import { type TestStepInput, testStepSchema } from "../domain/test-step.js";
import { parseOrThrow } from "../domain/validation.js";
import type { Clock } from "../ports/clock.js";
import type { MomentRepository } from "../ports/moments.js";
import type { ProfileRepository } from "../ports/profiles.js";
import type { RunRepository } from "../ports/runs.js";
import { type ActionPerformers, isPrepared, type PreparedAction, type Run } from "./actions/action.js";
import { contextFor, prepareAction, testSendOutcomeOf } from "./execute-step.js";

/**
 * A test send: one step of a moment rendered with a real account's profile or with sample traits,
 * then either shown (dry run) or performed for real. Admins check their placeholders and their
 * integrations before going live. Nothing is recorded against a run, so no stats move; providers
 * that can carry a mark get one (the email's `test` tag).
 */

export interface TestStepResult {
  stepId: string;
  action: Step["action"]["type"];
  dryRun: boolean;
  /** Placeholders that had no value and no default (whatever the step's onMissing policy). */
  missing: string[];
  /** The rendered request, without secrets; absent when the step stopped before rendering all of it. */
  rendered?: Record<string, unknown>;
  /** What happened: for a dry run only when the step would not be performed (skipped or failed). */
  outcome?: StepOutcome;
  /** A performed test send's record: `GET /v1/admin/runs/{runId}` shows it (marked `test`). */
  runId?: string;
}

export interface TestStepDeps {
  moments: Pick<MomentRepository, "getMoment">;
  /** Where a performed test send is kept (a test run: no stats). */
  runs: Pick<RunRepository, "recordTestSend">;
  profiles: Pick<ProfileRepository, "get" | "getUser">;
  clock: Clock;
  /**
   * The performers, loaded on the first test send: in the admin function they (every provider's client,
   * SES, EventBridge) are a chunk of their own that its other cold starts never read.
   */
  actions: () => Promise<ActionPerformers>;
}

/** Actions that write into Moments' own data need a real account to write to. */
const NEEDS_REAL_ACCOUNT = new Set<Step["action"]["type"]>([
  "send_notification",
  "feedback_prompt",
  "update_attribute",
]);

export async function testStep(
  deps: TestStepDeps,
  workspaceId: string,
  momentId: string,
  stepId: string,
  body: unknown,
): Promise<TestStepResult> {
  const input = parseOrThrow(testStepSchema, body);
  const moment = await deps.moments.getMoment(workspaceId, momentId);
  if (!moment) throw new NotFoundError(`Moment ${momentId} not found`);
  const step = moment.steps.find((s) => s.id === stepId);
  if (!step) throw new NotFoundError(`Step ${stepId} not found in moment ${momentId}`);
  if (!input.dryRun && input.accountId === undefined && NEEDS_REAL_ACCOUNT.has(step.action.type)) {
    throw new ValidationError([
      {
        path: "accountId",
        message: `a test send of ${step.action.type} writes to an account: give a real accountId, or dryRun: true`,
      },
    ]);
  }

  const data = await renderData(deps, workspaceId, input);
  const now = deps.clock.now();
  const accountId = input.accountId ?? "test-account";
  const userId = input.userId;
  const runId = `test_${newId(now.getTime())}`;
  const run: Run = {
    workspaceId,
    momentId,
    momentVersion: moment.version,
    runId,
    accountId,
    ...(userId !== undefined ? { userId } : {}),
    startedAt: now.toISOString(),
    actionsEnabled: true,
    trigger: {
      event: moment.start.event,
      messageId: runId,
      timestamp: now.toISOString(),
      properties: input.event,
    },
  };
  const missing: string[] = [];
  const render = createRenderer(data, step.onMissing ?? "empty");
  const observed: Renderer = (template, mode) => {
    for (const name of missingPlaceholders(template, data)) if (!missing.includes(name)) missing.push(name);
    return render(template, mode);
  };
  const ctx = contextFor(run, step, data, true, now, observed);
  const result = { stepId, action: step.action.type, dryRun: input.dryRun, missing };
  let prepared: PreparedAction | StepOutcome;
  try {
    prepared = await prepareAction(await deps.actions(), ctx, step.action);
  } catch (error) {
    return { ...result, outcome: failureOutcome(error) };
  }
  if (!isPrepared(prepared)) return { ...result, outcome: prepared };
  if (input.dryRun) return { ...result, rendered: prepared.preview };
  let outcome: StepOutcome;
  try {
    outcome = await prepared.perform();
  } catch (error) {
    outcome = failureOutcome(error);
  }
  // Something was (or may have been) sent: keep it, marked as a test, where runs are read.
  await deps.runs.recordTestSend(run, stepId, outcome, deps.clock.now().toISOString());
  return { ...result, rendered: prepared.preview, outcome, runId };
}

/** A test send is not retried: a transient failure is reported as such, for the admin to try again. */
function failureOutcome(error: unknown): StepOutcome {
  if (error instanceof TransientDeliveryError)
    return { status: "failed", reason: `transient: ${error.message}` };
  const settled = testSendOutcomeOf(error);
  if (settled) return settled;
  throw error;
}

async function renderData(
  deps: Pick<TestStepDeps, "profiles">,
  workspaceId: string,
  input: TestStepInput,
): Promise<RenderData> {
  if (input.accountId === undefined) {
    return { traits: input.traits ?? {}, user: input.userTraits ?? {}, event: input.event };
  }
  const [profile, user] = await Promise.all([
    deps.profiles.get(workspaceId, input.accountId),
    input.userId ? deps.profiles.getUser(workspaceId, input.userId) : undefined,
  ]);
  if (!profile) throw new NotFoundError(`Account ${input.accountId} not found`);
  if (input.userId && !user) throw new NotFoundError(`User ${input.userId} not found`);
  return {
    traits: profile.traits,
    user: { ...(user?.traits ?? {}), ...(input.userTraits ?? {}) },
    event: input.event,
  };
}
