import type { EventReceivedDetail } from "../contracts/bus.js";
import type { TrackReceivedDetail } from "../contracts/bus-details.js";
import type { EndSteps, RunContext, StepInput } from "../contracts/workflow.js";
import { lacksRunKey, runKeyOf } from "../domain/abandonment.js";
import { matchEndRule, timeoutOf } from "../domain/end-rules.js";
import { evaluateConditions, type Facts } from "../domain/evaluate.js";
import { effectiveTimestamp, isTooOld } from "../domain/event-window.js";
import { accountAttributes } from "../domain/identify.js";
import { runIdFor } from "../domain/ids.js";
import { type DecisionEntry, propertySample, shardFor } from "../domain/insights.js";
import { type Moment, type Step, type StepPhase, stepsOfPhase } from "../domain/moment.js";
import { scaledDelaySeconds } from "../domain/primitives.js";
import { checkReentry, cooldownCutoff } from "../domain/reentry.js";
import { isSampledIn } from "../domain/sampling.js";
import type { Clock } from "../ports/clock.js";
import type { InsightsRecorder } from "../ports/insights.js";
import type { MomentRepository } from "../ports/moments.js";
import type { ProfileRepository } from "../ports/profiles.js";
import type { EntryGuard, RunRepository, WorkflowController } from "../ports/runs.js";
import { endRun } from "./end-run.js";

/** Remembers which messages the matcher has fully processed (the dedupe window). */
export interface MessageLog {
  isProcessed(workspaceId: string, messageId: string): Promise<boolean>;
  markProcessed(workspaceId: string, messageId: string, at: string): Promise<void>;
}

export interface MatchDeps {
  moments: MomentRepository;
  profiles: ProfileRepository;
  runs: RunRepository;
  workflows: WorkflowController;
  messages: MessageLog;
  /** Where the matcher writes what it decided and saw (the account view and observed events read it). */
  recorder?: InsightsRecorder;
  clock: Clock;
  /** Multiplies every step delay (1 = real time). */
  timeScale: number;
}

export type SkipReason =
  | "source_mismatch"
  | "too_old"
  | "filter_failed"
  | "missing_run_key"
  | "sampled_out"
  | "already_active"
  | "already_ran"
  | "reentry_once"
  | "cooldown"
  | "reentry_blocked"
  | "abandonment_not_supported";

export type MatchDecision =
  | { momentId: string; decision: "started"; runId: string }
  | { momentId: string; decision: "ended"; runId: string; outcome: "success" | "failed" }
  | { momentId: string; decision: "skipped"; reason: SkipReason; detail?: string }
  | { momentId: "*"; decision: "duplicate" };

/**
 * Applies a received event for an account, at most once per messageId within the dedupe window:
 * merges its traits, ends the account's active runs whose end rules it matches (their completion or
 * exit steps start right away), then starts every running moment whose start rule it passes
 * (source, age, filters, run key, sampling, re-entry), one active run per (moment, account[, key]).
 * Every decision, with its reason, is recorded. Safe to repeat: run ids and execution names derive
 * from the messageId, entries and ends are conditional, so a redelivery re-drives the same work.
 * Throws if something could not be done, so the queue redelivers the event.
 */
export async function matchEvent(deps: MatchDeps, detail: EventReceivedDetail): Promise<MatchDecision[]> {
  const { workspaceId, accountId, messageId } = detail;
  const record = (decisions: MatchDecision[], moments: Map<string, Promise<Moment | undefined>>) =>
    recordDecisions(deps, detail, decisions, moments);
  if (await deps.messages.isProcessed(workspaceId, messageId)) {
    const decisions: MatchDecision[] = [{ momentId: "*", decision: "duplicate" }];
    await record(decisions, new Map());
    return decisions;
  }
  if (deps.recorder) {
    const propertyNames = propertySample(detail.properties);
    await Promise.all([
      deps.recorder.recordAccountEvent(workspaceId, accountId, {
        messageId,
        event: detail.event,
        timestamp: detail.timestamp,
        receivedAt: detail.receivedAt,
        propertyNames,
        sourceId: detail.sourceId,
      }),
      deps.recorder.observeEvent(
        workspaceId,
        detail.event,
        propertyNames,
        detail.receivedAt,
        shardFor(messageId),
      ),
    ]);
  }
  if (detail.traits && Object.keys(detail.traits).length > 0) {
    await deps.profiles.mergeTraits(workspaceId, accountId, detail.traits, detail.receivedAt);
  }
  const userTraits = (detail as TrackReceivedDetail).userTraits;
  if (detail.userId && userTraits && Object.keys(userTraits).length > 0) {
    await deps.profiles.mergeUserTraits(workspaceId, detail.userId, userTraits, detail.receivedAt, accountId);
  }
  // last_seen_at and per-event counters, once per message (this runs after the dedupe check).
  await deps.profiles.touch(
    workspaceId,
    accountId,
    detail.event,
    effectiveTimestamp(detail.timestamp, detail.receivedAt),
  );
  const [profile, user] = await Promise.all([
    deps.profiles.get(workspaceId, accountId),
    detail.userId ? deps.profiles.getUser(workspaceId, detail.userId) : undefined,
  ]);
  const facts: Facts = {
    event: detail.properties,
    account: accountAttributes(profile),
    user: user?.traits ?? {},
  };
  const momentCache = new Map<string, Promise<Moment | undefined>>();
  const momentById = (id: string) => {
    let moment = momentCache.get(id);
    if (!moment) {
      moment = deps.moments.getMoment(workspaceId, id);
      momentCache.set(id, moment);
    }
    return moment;
  };

  const ended = await endMatchingRuns(deps, detail, facts, momentById);
  const running = await deps.moments.findRunningMomentsStartingOn(workspaceId, detail.event);
  for (const moment of running) momentCache.set(moment.id, Promise.resolve(moment));
  const started = await Promise.all(running.map((moment) => startRun(deps, moment, detail, facts)));
  const decisions = [...ended, ...started];
  await record(decisions, momentCache);
  await deps.messages.markProcessed(workspaceId, messageId, deps.clock.now().toISOString());
  return decisions;
}

/** Ends the account's active runs whose moment has an end rule this event matches. */
async function endMatchingRuns(
  deps: MatchDeps,
  detail: EventReceivedDetail,
  facts: Facts,
  momentById: (id: string) => Promise<Moment | undefined>,
): Promise<MatchDecision[]> {
  const active = await deps.runs.listActiveRuns(detail.workspaceId, detail.accountId, detail.messageId);
  const decisions = await Promise.all(
    active.map(async (run): Promise<MatchDecision | undefined> => {
      const moment = await momentById(run.momentId);
      if (!moment || moment.end.length === 0) return undefined;
      // A keyed run ends only on an event about the same key (the cart that was abandoned).
      if (moment.start.key !== undefined && runKeyOf(moment.start, detail.properties) !== run.runKey)
        return undefined;
      const rule = matchEndRule(
        moment.end,
        { name: detail.event, facts },
        run,
        effectiveTimestamp(detail.timestamp, detail.receivedAt),
      );
      if (!rule) return undefined;
      const ref = {
        workspaceId: detail.workspaceId,
        momentId: run.momentId,
        accountId: detail.accountId,
        runId: run.runId,
        ...(run.runKey === undefined ? {} : { runKey: run.runKey }),
      };
      const result = await endRun(deps, ref, rule.outcome, detail.messageId, { stopEntry: true });
      return result === "ended"
        ? { momentId: run.momentId, decision: "ended", runId: run.runId, outcome: rule.outcome }
        : undefined;
    }),
  );
  return decisions.filter((d): d is MatchDecision => d !== undefined);
}

function toStepInputs(steps: Step[], timeScale: number): StepInput[] {
  return steps.map((step) => ({
    id: step.id,
    delaySeconds: scaledDelaySeconds(step.delay, timeScale),
    action: step.action,
    ...(step.onFailure === "fail_run" ? { onFailure: "fail_run" as const } : {}),
  }));
}

function phaseSteps(moment: Moment, phase: StepPhase, timeScale: number): StepInput[] {
  return toStepInputs(stepsOfPhase(moment, phase), timeScale);
}

async function startRun(
  deps: MatchDeps,
  moment: Moment,
  detail: EventReceivedDetail,
  facts: Facts,
): Promise<MatchDecision> {
  const skip = (reason: SkipReason, extra?: string): MatchDecision => ({
    momentId: moment.id,
    decision: "skipped",
    reason,
    ...(extra ? { detail: extra } : {}),
  });
  if (moment.status !== "running" || !moment.sourceIds.includes(detail.sourceId))
    return skip("source_mismatch");
  if (isTooOld(detail.timestamp, detail.receivedAt)) return skip("too_old", `event of ${detail.timestamp}`);
  // The abandonment form (start after `within` unless another event) is not run by this engine yet.
  if (moment.start.unless) return skip("abandonment_not_supported");
  const filters = evaluateConditions(moment.start.where, facts);
  if (!filters.pass) return skip("filter_failed", filters.failed);
  if (lacksRunKey(moment.start, detail.properties)) return skip("missing_run_key", moment.start.key);
  const runKey = runKeyOf(moment.start, detail.properties);
  // Sampled per account (not per key): a holdout is whole accounts, in or out.
  if (!isSampledIn(moment.samplingRate, moment.id, detail.accountId)) return skip("sampled_out");

  const now = deps.clock.now();
  const scope = { workspaceId: detail.workspaceId, momentId: moment.id, accountId: detail.accountId };
  const membership = await deps.runs.getMembership({ ...scope, ...(runKey === undefined ? {} : { runKey }) });
  const runId = runIdFor(
    detail.workspaceId,
    moment.id,
    runKey === undefined ? detail.accountId : `${detail.accountId}#${runKey}`,
    detail.messageId,
  );
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
      timestamp: detail.timestamp,
      properties: detail.properties,
    },
  };
  // Completion and exit steps are pinned with the entry, like the entry steps.
  const endSteps: EndSteps = {
    completion: phaseSteps(moment, "completion", deps.timeScale),
    exit: phaseSteps(moment, "exit", deps.timeScale),
  };
  const entered = await deps.runs.enter(run, endSteps, entryGuard(moment, now, deps.timeScale));
  if (entered !== "entered") return skip(entered);
  const timeout = timeoutOf(moment.end);
  await deps.workflows.start({
    run,
    phase: "entry",
    steps: phaseSteps(moment, "entry", deps.timeScale),
    ...(timeout
      ? {
          timeout: {
            seconds: Math.max(0, Math.round(timeout.seconds * deps.timeScale)),
            outcome: timeout.outcome,
          },
        }
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

/** The decision log's form of a decision: each reason with what an admin needs to act on it. */
function toDecisionEntry(
  decision: MatchDecision,
  moment: Moment | undefined,
  detail: EventReceivedDetail,
): DecisionEntry {
  const about =
    decision.momentId === "*"
      ? {}
      : { momentId: decision.momentId, ...(moment ? { momentName: moment.name } : {}) };
  switch (decision.decision) {
    case "duplicate":
      return { reason: "duplicate" };
    case "started":
      return { ...about, reason: "started", runId: decision.runId };
    case "ended":
      return {
        ...about,
        reason: decision.outcome === "success" ? "ended_success" : "ended_failed",
        runId: decision.runId,
      };
    case "skipped":
      switch (decision.reason) {
        case "source_mismatch":
          return { ...about, reason: "source_mismatch", sourceId: detail.sourceId };
        case "too_old":
          return { ...about, reason: "too_old", timestamp: detail.timestamp, maxAgeSeconds: 72 * 3600 };
        case "sampled_out":
          return { ...about, reason: "sampled_out", samplingRate: moment?.samplingRate ?? 0 };
        case "already_active":
          return { ...about, reason: "already_active" };
        case "already_ran":
        case "reentry_once":
        case "cooldown":
        case "reentry_blocked":
          return {
            ...about,
            reason: "reentry_blocked",
            policy: moment?.reentry.policy ?? "once",
            ...(decision.detail ? { until: decision.detail } : {}),
          };
        case "filter_failed":
          return {
            ...about,
            reason: "filter_failed",
            condition: decision.detail ?? "a start condition",
            rule: "start",
          };
        case "missing_run_key":
          return {
            ...about,
            reason: "filter_failed",
            condition: `the event has no usable "${decision.detail}" (the moment's run key)`,
            rule: "start",
          };
        case "abandonment_not_supported":
          return {
            ...about,
            reason: "filter_failed",
            condition: "abandonment rules (start.unless) are not run by this engine version yet",
            rule: "start",
          };
      }
  }
}

async function recordDecisions(
  deps: MatchDeps,
  detail: EventReceivedDetail,
  decisions: MatchDecision[],
  moments: Map<string, Promise<Moment | undefined>>,
) {
  if (!deps.recorder) return;
  const entries = await Promise.all(
    decisions.map(async (decision) =>
      toDecisionEntry(
        decision,
        decision.momentId === "*" ? undefined : await moments.get(decision.momentId),
        detail,
      ),
    ),
  );
  await deps.recorder.recordDecisions({
    workspaceId: detail.workspaceId,
    accountId: detail.accountId,
    messageId: detail.messageId,
    event: detail.event,
    at: deps.clock.now().toISOString(),
    decisions: entries,
  });
}
