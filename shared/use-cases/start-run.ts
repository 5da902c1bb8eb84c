import type { EventReceivedDetail } from "../contracts/bus.js";
import type { RunContext, StepInput } from "../contracts/workflow.js";
import { scaledDelaySeconds } from "../domain/durations.js";
import { timeoutOf } from "../domain/end-rules.js";
import { runIdFor } from "../domain/ids.js";
import type { Moment, Step, StepPhase } from "../domain/moment.js";
import { stepsOfPhase } from "../domain/moment-rules.js";
import { checkReentry, cooldownCutoff } from "../domain/reentry.js";
import type { Clock } from "../ports/clock.js";
import type { EntryGuard, RunRepository, WorkflowController } from "../ports/runs.js";

export type SkipReason =
  | "moment_not_running"
  | "source_mismatch"
  | "outside_time_frame"
  | "too_old"
  | "filter_failed"
  | "missing_run_key"
  | "sampled_out"
  | "already_active"
  | "already_ran"
  | "reentry_once"
  | "cooldown"
  | "reentry_blocked";

export type MatchDecision =
  | { momentId: string; decision: "started"; runId: string }
  | { momentId: string; decision: "ended"; runId: string; outcome: "success" | "failed" }
  /** An abandonment start was armed (or re-armed): the run starts at `dueAt` unless cancelled. */
  | { momentId: string; decision: "armed"; dueAt: string }
  /**
   * The trigger armed nothing: a trigger that happened later armed the start already, or the
   * `unless` event happened after this trigger (events are not processed in order).
   */
  | { momentId: string; decision: "not_armed"; cause: "newer_trigger" | "unless_event" }
  /** The `unless` event came within the window: the armed start will not happen. */
  | { momentId: string; decision: "cancelled" }
  | { momentId: string; decision: "skipped"; reason: SkipReason; detail?: string }
  | { momentId: "*"; decision: "duplicate" };

export interface StartRunDeps {
  runs: RunRepository;
  workflows: WorkflowController;
  clock: Clock;
  timeScale: number;
}

function toStepInputs(steps: Step[], timeScale: number): StepInput[] {
  return steps.map((step) => ({
    id: step.id,
    delaySeconds: scaledDelaySeconds(step.delay, timeScale),
    action: step.action,
    ...(step.onFailure === "fail_run" ? { onFailure: "fail_run" as const } : {}),
    ...(step.onMissing === "skip" || step.onMissing === "fail" ? { onMissing: step.onMissing } : {}),
  }));
}

function phaseSteps(moment: Moment, phase: StepPhase, timeScale: number): StepInput[] {
  return toStepInputs(stepsOfPhase(moment, phase), timeScale);
}

/**
 * Enters the account into the moment with the run this trigger makes, and starts it: re-entry
 * checked (and enforced atomically by the entry's conditional write), the steps and end steps of
 * the moment's current version pinned, the entry execution started with its timeout. Shared by the
 * matcher (immediate starts) and the abandonment gate (starts that fell due).
 */
/** A decision not to start, with its reason (and what it rests on). */
export function skipped(momentId: string, reason: SkipReason, detail?: string): MatchDecision {
  return { momentId, decision: "skipped", reason, ...(detail ? { detail } : {}) };
}

/** The id of the run (or gate) an event makes for an account, per run key in a keyed moment. */
export function runIdOf(detail: EventReceivedDetail, momentId: string, runKey: string | undefined): string {
  const subject = runKey === undefined ? detail.accountId : `${detail.accountId}#${runKey}`;
  return runIdFor(detail.workspaceId, momentId, subject, detail.messageId);
}

export async function enterAndStart(
  deps: StartRunDeps,
  moment: Moment,
  detail: EventReceivedDetail,
  runKey: string | undefined,
): Promise<MatchDecision> {
  const skip = (reason: SkipReason, extra?: string) => skipped(moment.id, reason, extra);
  const now = deps.clock.now();
  const scope = { workspaceId: detail.workspaceId, momentId: moment.id, accountId: detail.accountId };
  const membership = await deps.runs.getMembership({ ...scope, ...(runKey === undefined ? {} : { runKey }) });
  const runId = runIdOf(detail, moment.id, runKey);
  // A redelivery of the event that started the active run re-drives it; anything else obeys re-entry.
  if (membership?.runId !== runId) {
    const reentry = checkReentry(
      moment.reentry,
      membership && {
        status: membership.status,
        ...(membership.endedAt ? { endedAt: membership.endedAt } : {}),
      },
      now,
      deps.timeScale,
    );
    if (!reentry.allowed) return skip(reentry.reason, reentry.until);
  }
  const run: RunContext = {
    ...scope,
    momentVersion: moment.version,
    runId,
    ...(detail.userId ? { userId: detail.userId } : {}),
    ...(runKey === undefined ? {} : { runKey }),
    startedAt: now.toISOString(),
    actionsEnabled: moment.actionsEnabled,
    trigger: {
      event: detail.event,
      messageId: detail.messageId,
      sourceId: detail.sourceId,
      timestamp: detail.timestamp,
      properties: detail.properties,
    },
  };
  const entrySteps = phaseSteps(moment, "entry", deps.timeScale);
  const timeout = timeoutOf(moment.end);
  const timeoutSeconds = timeout && Math.max(0, Math.round(timeout.seconds * deps.timeScale));
  // Every phase's steps and the timeout are pinned with the entry: executions carry references only.
  const entered = await deps.runs.enter(
    run,
    {
      entry: entrySteps,
      completion: phaseSteps(moment, "completion", deps.timeScale),
      exit: phaseSteps(moment, "exit", deps.timeScale),
      ...(timeout && timeoutSeconds !== undefined
        ? {
            timeout: {
              at: new Date(now.getTime() + timeoutSeconds * 1000).toISOString(),
              outcome: timeout.outcome,
            },
          }
        : {}),
    },
    entryGuard(moment, now, deps.timeScale),
    // End rules are part of the version too: the run ends by the rules it started with.
    { end: moment.end, ...(moment.start.key === undefined ? {} : { key: moment.start.key }) },
  );
  if (entered !== "entered") return skip(entered);
  await deps.workflows.start({
    run,
    phase: "entry",
    steps: entrySteps,
    ...(timeout && timeoutSeconds !== undefined
      ? { timeout: { seconds: timeoutSeconds, outcome: timeout.outcome } }
      : {}),
    completeWhenStepsDone: moment.end.length === 0,
  });
  return { momentId: moment.id, decision: "started", runId };
}

/** The re-entry policy as the condition the entry's conditional write enforces (no race can skip it). */
function entryGuard(moment: Moment, now: Date, timeScale: number): EntryGuard {
  const policy = moment.reentry;
  if (policy.policy !== "cooldown") return policy;
  // The same cutoff checkReentry uses, so the pre-check and the atomic write agree to the second.
  return { policy: "cooldown", endedBefore: cooldownCutoff(policy.cooldown, now, timeScale) };
}
