import { createHash } from "node:crypto";
import type { EventReceivedDetail } from "../contracts/bus.js";
import type { TrackReceivedDetail } from "../contracts/bus-details.js";
import { dueAt, lacksRunKey, runKeyOf } from "../domain/abandonment.js";
import { matchEndRule } from "../domain/end-rules.js";
import { evaluateConditions, type Facts } from "../domain/evaluate.js";
import { DEFAULT_EVENT_WINDOW_HOURS, effectiveTimestamp, isTooOld } from "../domain/event-window.js";
import { accountAttributes } from "../domain/identify.js";
import { type DecisionBatch, type DecisionEntry, propertySample, shardFor } from "../domain/insights.js";
import type { Moment } from "../domain/moment.js";
import { startsMoment, timeFramePosition } from "../domain/moment-rules.js";
import { isSampledIn } from "../domain/sampling.js";
import type { Clock } from "../ports/clock.js";
import type { InsightsRecorder } from "../ports/insights.js";
import type { IdleEventNames, MomentRepository, MomentsByEvent } from "../ports/moments.js";
import type { PendingStartRepository } from "../ports/pending-starts.js";
import type { ProfileRepository } from "../ports/profiles.js";
import type { ActiveRun, RunRepository, WorkflowController } from "../ports/runs.js";
import { endRun } from "./end-run.js";
import { enterAndStart, type MatchDecision, runIdOf, type SkipReason, skipped } from "./start-run.js";

/** A message marked processed: when, and what its processing decided (kept with the marker). */
export interface ProcessedMessage<T> {
  at: string;
  outcome: T;
}

/** Remembers which messages the matcher has fully processed (the dedupe window). */
export interface MessageLog {
  isProcessed(workspaceId: string, messageId: string): Promise<boolean>;
  /** Marks a message processed (unconditionally: for work whose every write is idempotent). */
  markProcessed(workspaceId: string, messageId: string, at: string): Promise<void>;
  /** The marker of a message processed within the dedupe window, with what was kept with it. */
  processed<T>(workspaceId: string, messageId: string): Promise<ProcessedMessage<T> | undefined>;
  /**
   * Marks a message processed with its outcome, unless a copy of it was marked first (two copies
   * processed at the same instant, or a retry): then the first copy's marker, with `first: false`.
   */
  finish<T>(
    workspaceId: string,
    messageId: string,
    outcome: T,
    at: string,
  ): Promise<ProcessedMessage<T> & { first: boolean }>;
  /**
   * Keeps what processing this message decided to publish, the first time (a retry gets the first
   * decision back, even if the state it was computed from has changed since).
   */
  stash<T>(workspaceId: string, messageId: string, payload: T, at: string): Promise<T>;
  /** The `copy` of the copy whose touch applied (ProfileRepository.touch), if it gave one. */
  touchedBy(workspaceId: string, messageId: string): Promise<string | undefined>;
}

export interface MatchDeps {
  moments: MomentRepository;
  profiles: ProfileRepository;
  runs: RunRepository;
  workflows: WorkflowController;
  messages: MessageLog;
  pending: PendingStartRepository;
  /** Where the matcher writes what it decided and saw (the account view and observed events read it). */
  recorder?: InsightsRecorder;
  /** Event names this container knows nothing uses (bounded staleness); absent: always read the index. */
  idleEvents?: IdleEventNames;
  clock: Clock;
  /** Multiplies every step delay (1 = real time). */
  timeScale: number;
  /** Events older than this many hours are recorded but start nothing (default 72). */
  eventWindowHours?: number;
}

export type { MatchDecision, SkipReason } from "./start-run.js";

/**
 * Applies a received event for an account, at most once per messageId within the dedupe window:
 * merges its traits, ends the account's active runs whose end rules it matches (their completion or
 * exit steps start right away), then starts every running moment whose start rule it passes
 * (source, age, filters, run key, sampling, re-entry), one active run per (moment, account[, key]).
 * Every decision, with its reason, is recorded. Safe to repeat: run ids and execution names derive
 * from the messageId, entries and ends are conditional, so a redelivery re-drives the same work.
 * Throws if something could not be done, so the queue redelivers the event.
 */
export async function matchEvent(
  deps: MatchDeps,
  detail: EventReceivedDetail,
  /** Set when this copy decides once more (see below); `unchecked`: its first pass wrote its row unchecked. */
  again?: { unchecked: boolean },
): Promise<MatchDecision[]> {
  const { workspaceId, accountId, messageId } = detail;
  const reads = await readWhatTheEventMeans(deps, detail);
  if ("duplicate" in reads) return duplicate(deps, detail, reads.duplicate, { unchecked: again?.unchecked });
  const { byEvent, active } = reads;
  // last_seen_at and per-event counters, once per messageId even when copies race past the dedupe
  // check above, or this message is redelivered after the touch but before it was marked processed.
  const copy = copyOf(detail);
  const touch = (finished?: { at: string; outcome: MessageOutcome }) =>
    deps.profiles.touch(
      workspaceId,
      accountId,
      detail.event,
      effectiveTimestamp(detail.timestamp, detail.receivedAt),
      messageId,
      finished,
      copy,
    );
  // Copies of a message redo its idempotent work (a redelivery after a crash, a resend, copies racing
  // past the dedupe check): the same runs, keyed by the messageId. A copy that says something else
  // (another account, other properties: another run key) would make other runs, or finish the
  // message with no decisions while the first copy's run waits for its execution: the copy whose
  // touch applied is the message, and one that finds another copy's mark is a duplicate of it, with
  // nothing of its own written but its recent-event row, which goes again.
  const beatenByAnotherCopy = async () => {
    const first = await deps.messages.touchedBy(workspaceId, messageId);
    return first !== undefined && first !== copy;
  };
  const asDuplicate = () =>
    duplicate(deps, detail, { at: deps.clock.now().toISOString(), outcome: undefined }, { unchecked: true });
  const endable = active.filter((run) => canEnd(run, detail));
  const idle = byEvent.starting.length === 0 && byEvent.unlessListeners.length === 0 && endable.length === 0;
  if (idle && !carriesTraits(detail)) {
    // Nothing to decide (most events): the touch marks the message processed too, in its transaction,
    // whose condition is the dedupe check when the processed marker was not read first.
    const outcome: MessageOutcome = { decisions: [], receivedAt: detail.receivedAt };
    const at = deps.clock.now().toISOString();
    // Unchecked, the touch is what tells a resend: the observed-event count (added up in memory,
    // see ObservedEventBuffer: no round trip) waits for it, so a resend is not counted again.
    const [touched] = await Promise.all([
      touch({ at, outcome }),
      reads.checked ? recordActivity(deps, detail) : recordAccountEvent(deps, detail),
    ]);
    if (touched === "applied") {
      if (!reads.checked) await observeEvent(deps, detail);
      return [];
    }
    if (await beatenByAnotherCopy()) return asDuplicate();
    // Touched already (an earlier attempt died after its touch, a copy is racing this one, or this
    // is a resend of a message processed already). The copy that touched first may have read a newer
    // index than this one (a moment started since this container remembered the name idle, or since
    // this copy's read) and entered a run whose execution it then failed to start: marking the
    // message processed with no decisions would leave that run with nothing driving it, and its
    // redelivery would be a duplicate. So decide once more from fresh reads (the marker first: a
    // resend of a processed message ends there), as the full path would.
    if (!again) {
      deps.idleEvents?.forget(workspaceId, detail.event);
      return matchEvent({ ...deps, idleEvents: undefined }, detail, { unchecked: !reads.checked });
    }
    const finished = await deps.messages.finish(workspaceId, messageId, outcome, at);
    return finished.first ? [] : duplicate(deps, detail, finished, { unchecked: again.unchecked });
  }
  // The touch first, then the traits: a copy that another copy's touch beat writes none of its own.
  // (Its processed marker is read before this on this path: a resend of a finished message ended
  // above.) The observed-event count is the touching copy's alone, as on the idle path.
  const [touched] = await Promise.all([touch(), recordAccountEvent(deps, detail)]);
  if (touched === "already_applied") {
    if (await beatenByAnotherCopy()) return asDuplicate();
    // As on the idle path: the copy that touched first may have read a newer index than this one.
    if (idle && !again) {
      deps.idleEvents?.forget(workspaceId, detail.event);
      return matchEvent({ ...deps, idleEvents: undefined }, detail, { unchecked: false });
    }
  } else {
    await observeEvent(deps, detail);
  }
  if (detail.traits && Object.keys(detail.traits).length > 0) {
    await deps.profiles.mergeTraits(workspaceId, accountId, detail.traits, detail.receivedAt);
  }
  const userTraits = (detail as TrackReceivedDetail).userTraits;
  if (detail.userId && userTraits && Object.keys(userTraits).length > 0) {
    await deps.profiles.mergeUserTraits(workspaceId, detail.userId, userTraits, detail.receivedAt, accountId);
  }
  if (idle) {
    // An idle message with traits: processed once its traits are in (a crash before this redoes them).
    const finished = await deps.messages.finish(
      workspaceId,
      messageId,
      { decisions: [], receivedAt: detail.receivedAt } satisfies MessageOutcome,
      deps.clock.now().toISOString(),
    );
    return finished.first ? [] : duplicate(deps, detail, finished);
  }
  // Conditions read the profile with this event counted; an unless event alone needs no facts.
  const needsFacts = byEvent.starting.length > 0 || endable.length > 0;
  const [profile, user] = needsFacts
    ? await Promise.all([
        deps.profiles.get(workspaceId, accountId),
        detail.userId ? deps.profiles.getUser(workspaceId, detail.userId) : undefined,
      ])
    : [undefined, undefined];
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

  const ended = await endMatchingRuns(deps, detail, facts, momentById, endable);
  // Cancels come before arms: an event that is both a moment's trigger and its `unless` re-arms it.
  const cancelled = await cancelArmedStarts(deps, detail, byEvent.unlessListeners);
  for (const moment of byEvent.starting) momentCache.set(moment.id, Promise.resolve(moment));
  const started = await Promise.all(byEvent.starting.map((moment) => startRun(deps, moment, detail, facts)));
  const decisions = [...ended, ...cancelled, ...started];
  const entries = await toDecisionEntries(decisions, momentCache, detail, deps.eventWindowHours);
  // The decision log holds one set of lines per message: the first copy to finish keeps its
  // decisions (and when) with its processed marker, and the lines are written from that marker. A
  // copy that raced this one past the dedupe check above (its work is idempotent, so it did nothing
  // new) logs as a duplicate; a retry after the lines failed rewrites the same lines.
  const finished = await deps.messages.finish(
    workspaceId,
    messageId,
    { decisions: entries, receivedAt: detail.receivedAt },
    deps.clock.now().toISOString(),
  );
  if (!finished.first) return duplicate(deps, detail, finished);
  await deps.recorder?.recordDecisions(decisionBatch(detail, finished.at, entries));
  return decisions;
}

/**
 * A copy of a message already processed: one "duplicate" line, and the first copy's lines written
 * again from its marker (the same keys, so nothing is added; they are there after a crash between
 * the marker and the lines).
 */
async function duplicate(
  deps: MatchDeps,
  detail: EventReceivedDetail,
  first: ProcessedMessage<MessageOutcome | undefined>,
  { unchecked = false }: { unchecked?: boolean | undefined } = {},
): Promise<MatchDecision[]> {
  const original = first.outcome?.decisions ?? [];
  const sameDelivery = first.outcome?.receivedAt === detail.receivedAt;
  await Promise.all([
    deps.recorder?.recordDecisions(
      ...(original.length > 0 ? [decisionBatch(detail, first.at, original)] : []),
      decisionBatch(detail, deps.clock.now().toISOString(), [{ reason: "duplicate" }]),
    ),
    // The same delivery again (not a resend, which has its own receive time): its recent-event row
    // may have failed after the message was marked (they are written side by side); same key, so
    // rewriting it adds nothing.
    sameDelivery ? recordAccountEvent(deps, detail) : undefined,
    // A resend that went the idle way unchecked wrote its own recent-event row beside the touch that
    // found it a duplicate: the message's row is its first delivery's, so this one goes.
    !sameDelivery && unchecked
      ? deps.recorder?.forgetAccountEvent(
          detail.workspaceId,
          detail.accountId,
          detail.receivedAt,
          detail.messageId,
        )
      : undefined,
  ]);
  return [{ momentId: "*", decision: "duplicate" }];
}

type EventReads =
  | { duplicate: ProcessedMessage<MessageOutcome | undefined> }
  | {
      byEvent: MomentsByEvent;
      active: ActiveRun[];
      /** Whether the processed marker was read (false: the idle path's touch is the dedupe check). */
      checked: boolean;
    };

/**
 * Independent reads at once: is the message processed, what does its event mean to the running
 * moments, which runs of the account could it end (a duplicate wastes the last two: rare). An event
 * name this container found idle a moment ago (see IdleEventNames) needs only the account's runs:
 * when none could end on it, the message is idle and the touch's transaction is its dedupe check;
 * when one could, the marker is read then, before any work.
 */
async function readWhatTheEventMeans(deps: MatchDeps, detail: EventReceivedDetail): Promise<EventReads> {
  const { workspaceId, accountId, messageId } = detail;
  if (deps.idleEvents?.isIdle(workspaceId, detail.event)) {
    const byEvent: MomentsByEvent = { starting: [], unlessListeners: [] };
    // Traits are merged before the touch: a resend must not set them back, so it is checked first.
    const checkFirst = carriesTraits(detail);
    const [active, marker] = await Promise.all([
      deps.runs.listActiveRuns(workspaceId, accountId, messageId),
      checkFirst ? deps.messages.processed<MessageOutcome>(workspaceId, messageId) : undefined,
    ]);
    if (marker) return { duplicate: marker };
    if (checkFirst || !active.some((run) => canEnd(run, detail)))
      return { byEvent, active, checked: checkFirst };
    const first = await deps.messages.processed<MessageOutcome>(workspaceId, messageId);
    return first ? { duplicate: first } : { byEvent, active, checked: true };
  }
  const [first, byEvent, active] = await Promise.all([
    deps.messages.processed<MessageOutcome>(workspaceId, messageId),
    deps.moments.findByEvent(workspaceId, detail.event),
    deps.runs.listActiveRuns(workspaceId, accountId, messageId),
  ]);
  if (byEvent.starting.length === 0 && byEvent.unlessListeners.length === 0) {
    deps.idleEvents?.remember(workspaceId, detail.event);
  }
  return first ? { duplicate: first } : { byEvent, active, checked: true };
}

function carriesTraits(detail: EventReceivedDetail): boolean {
  const { traits } = detail;
  const userTraits = (detail as TrackReceivedDetail).userTraits;
  return (
    (traits !== undefined && Object.keys(traits).length > 0) ||
    (detail.userId !== undefined && userTraits !== undefined && Object.keys(userTraits).length > 0)
  );
}

/** A run this event cannot end (its pinned end rules do not name it) needs nothing of it. */
function canEnd(run: ActiveRun, detail: EventReceivedDetail): boolean {
  return run.pinned === undefined || run.pinned.end.some((rule) => rule.event === detail.event);
}

/**
 * What a copy of a message says that decides which runs it makes: its account, event and
 * properties (a keyed moment's run key among them). Copies sent again by an SDK are the same
 * bytes, so they say the same; copies that differ are not one message's copies. Other fields
 * (userId, timestamp, source, traits) are left out: they pick no other run, so copies differing
 * only there redo the same work, and their decision lines may differ (a copy from another source
 * logs source_mismatch while the first started the run).
 */
export function copyOf(detail: EventReceivedDetail): string {
  return createHash("sha256")
    .update(JSON.stringify([detail.accountId, detail.event, detail.properties ?? null]))
    .digest("base64url")
    .slice(0, 22);
}

/** What the matcher keeps with a message's processed marker. */
interface MessageOutcome {
  /** The decision log's lines for the message, written from here by every copy (see matchEvent). */
  decisions: DecisionEntry[];
  /** When the copy that finished was received: a redelivery of that same copy has the same. */
  receivedAt: string;
}

/** The account's recent-event row and the workspace's observed-event counter for this event. */
async function recordActivity(deps: MatchDeps, detail: EventReceivedDetail) {
  if (!deps.recorder) return;
  await Promise.all([recordAccountEvent(deps, detail), observeEvent(deps, detail)]);
}

async function observeEvent(deps: MatchDeps, detail: EventReceivedDetail) {
  await deps.recorder?.observeEvent(
    detail.workspaceId,
    detail.event,
    propertySample(detail.properties),
    detail.receivedAt,
    shardFor(detail.messageId),
  );
}

async function recordAccountEvent(deps: MatchDeps, detail: EventReceivedDetail) {
  await deps.recorder?.recordAccountEvent(detail.workspaceId, detail.accountId, {
    messageId: detail.messageId,
    event: detail.event,
    timestamp: detail.timestamp,
    receivedAt: detail.receivedAt,
    propertyNames: propertySample(detail.properties),
    sourceId: detail.sourceId,
  });
}

function decisionBatch(detail: EventReceivedDetail, at: string, decisions: DecisionEntry[]): DecisionBatch {
  return {
    workspaceId: detail.workspaceId,
    accountId: detail.accountId,
    messageId: detail.messageId,
    event: detail.event,
    at,
    decisions,
  };
}

/** Ends the account's active runs whose moment has an end rule this event matches. */
async function endMatchingRuns(
  deps: MatchDeps,
  detail: EventReceivedDetail,
  facts: Facts,
  momentById: (id: string) => Promise<Moment | undefined>,
  active: ActiveRun[],
): Promise<MatchDecision[]> {
  const decisions = await Promise.all(
    active.map(async (run): Promise<MatchDecision | undefined> => {
      // The end rules of the version the run started with; runs from before pinning use the current one.
      const rules =
        run.pinned ?? (await momentById(run.momentId).then((m) => m && { end: m.end, key: m.start.key }));
      if (!rules || rules.end.length === 0) return undefined;
      // A keyed run ends only on an event about the same key (the cart that was abandoned).
      if (rules.key !== undefined && runKeyOf({ key: rules.key }, detail.properties) !== run.runKey)
        return undefined;
      const rule = matchEndRule(
        rules.end,
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
      const result = await endRun(deps, ref, rule.outcome, detail.messageId, {
        stopEntry: true,
        cause: `event:${detail.event}`,
      });
      return result === "ended"
        ? { momentId: run.momentId, decision: "ended", runId: run.runId, outcome: rule.outcome }
        : undefined;
    }),
  );
  return decisions.filter((d): d is MatchDecision => d !== undefined);
}

async function startRun(
  deps: MatchDeps,
  moment: Moment,
  detail: EventReceivedDetail,
  facts: Facts,
): Promise<MatchDecision> {
  const skip = (reason: SkipReason, extra?: string) => skipped(moment.id, reason, extra);
  // Moments were looked up by this event name, so a mismatch here is the status or the source.
  if (moment.status !== "running") return skip("moment_not_running");
  if (!startsMoment(moment, detail)) return skip("source_mismatch");
  // When the event happened (as the window and end rules read it), not when it was processed.
  if (
    timeFramePosition(moment.timeFrame, effectiveTimestamp(detail.timestamp, detail.receivedAt)) !== "within"
  )
    return skip("outside_time_frame");
  if (isTooOld(detail.timestamp, detail.receivedAt, deps.eventWindowHours)) {
    return skip("too_old", `event of ${detail.timestamp}`);
  }
  const filters = evaluateConditions(moment.start.where, facts);
  if (!filters.pass) return skip("filter_failed", filters.failed);
  if (lacksRunKey(moment.start, detail.properties)) return skip("missing_run_key", moment.start.key);
  const runKey = runKeyOf(moment.start, detail.properties);
  // Sampled per account (not per key): a holdout is whole accounts, in or out.
  if (!isSampledIn(moment.samplingRate, moment.id, detail.accountId)) return skip("sampled_out");

  if (moment.start.unless) return arm(deps, moment, detail, runKey);
  return enterAndStart(deps, moment, detail, runKey);
}

/**
 * Abandonment: the trigger (re)arms a start that falls due `within` after it, and a gate execution
 * waits for that moment. A repeat trigger re-arms it with its own due time: the gate already waiting
 * wakes at the earlier due time, finds the start re-armed, and waits on (no gate per trigger).
 */
async function arm(
  deps: MatchDeps,
  moment: Moment,
  detail: EventReceivedDetail,
  runKey: string | undefined,
): Promise<MatchDecision> {
  const within = moment.start.unless?.within ?? { amount: 0, unit: "minutes" };
  const due = dueAt(effectiveTimestamp(detail.timestamp, detail.receivedAt), within, deps.timeScale);
  const scope = {
    workspaceId: detail.workspaceId,
    accountId: detail.accountId,
    momentId: moment.id,
    ...(runKey === undefined ? {} : { runKey }),
  };
  const ownGate = `gate-${runIdOf(detail, moment.id, runKey)}`;
  const armed = await deps.pending.arm(
    // Compared with cancellations by when events happened (skew-corrected), not when processed.
    {
      ...scope,
      token: detail.messageId,
      dueAt: due,
      trigger: { ...detail, timestamp: effectiveTimestamp(detail.timestamp, detail.receivedAt) },
      gate: ownGate,
    },
    deps.clock.now().toISOString(),
  );
  // Refused: no gate, as there is nothing this trigger's gate could open.
  if (armed === "newer_trigger" || armed === "unless_event")
    return { momentId: moment.id, decision: "not_armed", cause: armed };
  // Re-armed over an earlier trigger whose gate waits on: that gate is (re)started by its own name,
  // a no-op unless the trigger that armed it died between arming and starting it.
  if (armed === "armed")
    await deps.workflows.startGate({ ...scope, token: detail.messageId, until: due }, ownGate);
  else
    await deps.workflows.startGate(
      { ...scope, token: armed.rearmed.token, until: armed.rearmed.dueAt },
      armed.rearmed.gate ?? `gate-${runIdOf(armed.rearmed.trigger, moment.id, runKey)}`,
    );
  return { momentId: moment.id, decision: "armed", dueAt: due };
}

/**
 * Cancels the starts of the running moments whose `unless` event this is (for the event's key):
 * an armed one is disarmed, and the cancellation is kept, so a trigger from before this event that
 * is processed after it (events are not processed in order) does not arm either.
 */
async function cancelArmedStarts(
  deps: MatchDeps,
  detail: EventReceivedDetail,
  listeners: MomentsByEvent["unlessListeners"],
): Promise<MatchDecision[]> {
  const at = effectiveTimestamp(detail.timestamp, detail.receivedAt);
  const decisions = await Promise.all(
    listeners.map(async (listener): Promise<MatchDecision | undefined> => {
      const runKey =
        listener.key === undefined ? undefined : runKeyOf({ key: listener.key }, detail.properties);
      if (listener.key !== undefined && runKey === undefined) return undefined;
      const cancelled = await deps.pending.cancel(
        detail.workspaceId,
        detail.accountId,
        listener.momentId,
        runKey,
        at,
      );
      return cancelled ? { momentId: listener.momentId, decision: "cancelled" } : undefined;
    }),
  );
  return decisions.filter((d): d is MatchDecision => d !== undefined);
}

/** The decision log's form of a decision: each reason with what an admin needs to act on it. */
export function toDecisionEntry(
  decision: MatchDecision,
  moment: Moment | undefined,
  detail: EventReceivedDetail,
  eventWindowHours = DEFAULT_EVENT_WINDOW_HOURS,
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
    case "armed":
      return { ...about, reason: "abandonment_armed", dueAt: decision.dueAt };
    case "not_armed":
      return { ...about, reason: "abandonment_not_armed", cause: decision.cause };
    case "cancelled":
      return { ...about, reason: "abandonment_cancelled" };
    case "ended":
      return {
        ...about,
        reason: decision.outcome === "success" ? "ended_success" : "ended_failed",
        runId: decision.runId,
      };
    case "skipped":
      switch (decision.reason) {
        case "moment_not_running":
          return { ...about, reason: "moment_not_running", status: moment?.status ?? "deleted" };
        case "source_mismatch":
          return { ...about, reason: "source_mismatch", sourceId: detail.sourceId };
        case "outside_time_frame":
          return {
            ...about,
            reason: "outside_time_frame",
            ...(moment?.timeFrame?.from ? { from: moment.timeFrame.from } : {}),
            ...(moment?.timeFrame?.until ? { until: moment.timeFrame.until } : {}),
          };
        case "too_old":
          return {
            ...about,
            reason: "too_old",
            timestamp: detail.timestamp,
            maxAgeSeconds: eventWindowHours * 3600,
          };
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
      }
  }
}

function toDecisionEntries(
  decisions: MatchDecision[],
  moments: Map<string, Promise<Moment | undefined>>,
  detail: EventReceivedDetail,
  eventWindowHours: number | undefined,
): Promise<DecisionEntry[]> {
  return Promise.all(
    decisions.map(async (decision) =>
      toDecisionEntry(
        decision,
        decision.momentId === "*" ? undefined : await moments.get(decision.momentId),
        detail,
        eventWindowHours,
      ),
    ),
  );
}
