/**
 * What the engine saw and decided, as plain data and pure rules: the decision log ("why didn't
 * account X enter?"), an account's recent events, observed event names, and moment stats counters.
 * The matcher and run-state write these through the ports in `shared/ports/insights.ts`; the admin
 * API reads them. No AWS here.
 */
import { expiresAtFor, INSIGHT_TTL_SECONDS, STATS_SHARDS } from "../contracts/table.js";
import type { Condition } from "./conditions.js";
import type { Reaction } from "./inbox.js";
import type { Moment, MomentInput, MomentStatus } from "./moment.js";
import { isBreakdownCounter } from "./report.js";

// ---------------------------------------------------------------------------------------------
// Decision log
// ---------------------------------------------------------------------------------------------

export const decisionReasons = [
  "started",
  "ended_success",
  "ended_failed",
  "abandonment_armed",
  "abandonment_not_armed",
  "abandonment_cancelled",
  "filter_failed",
  "reentry_blocked",
  "sampled_out",
  "moment_not_running",
  "source_mismatch",
  "already_active",
  "too_old",
  "outside_time_frame",
  "duplicate",
] as const;
export type DecisionReason = (typeof decisionReasons)[number];

/**
 * Why the matcher did (or did not do) something for one moment and one event. Each reason carries
 * what an admin needs to act on it: the failing condition, when re-entry opens again, the rate...
 */
export type DecisionDetail =
  | { reason: "started"; runId: string }
  /** `rule` says which end rule matched, e.g. `event "invoice_paid"` or `after 3 days`. */
  | { reason: "ended_success" | "ended_failed"; runId: string; rule?: string }
  /** An abandonment trigger (re)started the timer: the run starts at `dueAt` unless cancelled. */
  | { reason: "abandonment_armed"; dueAt: string }
  /**
   * An abandonment trigger armed nothing, as events are not processed in order: a trigger that
   * happened later had armed the start already (`newer_trigger`, whose timer stands), or the
   * `unless` event happened after this trigger (`unless_event`).
   */
  | { reason: "abandonment_not_armed"; cause: "newer_trigger" | "unless_event" }
  /** The `unless` event arrived within the window: the pending abandonment run will not start. */
  | { reason: "abandonment_cancelled" }
  /**
   * A `where` condition did not hold (`condition` is its text, see `describeCondition`). `rule`:
   * the start rule (default) or an end rule (the run then goes on).
   */
  | { reason: "filter_failed"; condition: string; rule?: "start" | "end" }
  /** `until`: when the account may enter again (cooldown); absent for `once`. */
  | { reason: "reentry_blocked"; policy: "once" | "after_exit" | "cooldown"; until?: string }
  | { reason: "sampled_out"; samplingRate: number }
  /**
   * The moment was not running when the start was decided (`status`, or `deleted`): stopped after an
   * abandonment start was armed and before it fell due, or between indexing and reading.
   */
  | { reason: "moment_not_running"; status: MomentStatus | "deleted" }
  /** The event came from a source the moment does not listen to. */
  | { reason: "source_mismatch"; sourceId: string }
  | { reason: "already_active"; runId?: string }
  /** The event's timestamp is older than the window in which events may start moments. */
  | { reason: "too_old"; timestamp: string; maxAgeSeconds: number }
  /** The event happened outside the moment's time frame (`from`, `until`: the frame's ends). */
  | { reason: "outside_time_frame"; from?: string; until?: string }
  /** The messageId was already processed: nothing changed. */
  | { reason: "duplicate" };

/**
 * One line of the decision log, as the matcher records it. `momentId` is absent for decisions
 * about the event as a whole (a duplicate, an event too old to start anything).
 */
export type DecisionEntry = DecisionDetail & {
  momentId?: string;
  /** The moment's name when decided, so the log reads well even after a rename or deletion. */
  momentName?: string;
  /** The run key value, for moments with a `key`. */
  runKey?: string;
};

/** Everything the matcher decided for one (account, event): one call, one event. */
export interface DecisionBatch {
  workspaceId: string;
  accountId: string;
  messageId: string;
  event: string;
  /** When the matcher decided (server clock, ISO 8601); orders the log and starts its 7-day TTL. */
  at: string;
  decisions: DecisionEntry[];
}

/** A decision as read back: the entry with its event. */
export type Decision = DecisionEntry & { accountId: string; messageId: string; event: string; at: string };

export type DecisionOutcome = "started" | "ended" | "armed" | "cancelled" | "skipped";

export function decisionOutcome(reason: DecisionReason): DecisionOutcome {
  switch (reason) {
    case "started":
      return "started";
    case "ended_success":
    case "ended_failed":
      return "ended";
    case "abandonment_armed":
      return "armed";
    case "abandonment_cancelled":
      return "cancelled";
    default:
      return "skipped";
  }
}

/** One sentence answering "what happened, and why", for the account view. */
export function explainDecision(decision: DecisionDetail): string {
  switch (decision.reason) {
    case "started":
      return `Started run ${decision.runId}`;
    case "ended_success":
    case "ended_failed": {
      const outcome = decision.reason === "ended_success" ? "success" : "failed";
      return `Ended run ${decision.runId} as ${outcome}${decision.rule ? ` (end rule: ${decision.rule})` : ""}`;
    }
    case "abandonment_armed":
      return `Abandonment timer started: the run starts at ${decision.dueAt} unless the cancelling event arrives first`;
    case "abandonment_not_armed":
      return decision.cause === "newer_trigger"
        ? "Abandonment timer not restarted: a later trigger event had already started it (events can arrive out of order)"
        : "Abandonment timer not started: the cancelling event happened after this trigger (events can arrive out of order)";
    case "abandonment_cancelled":
      return "Abandonment cancelled: the cancelling event arrived within the window";
    case "filter_failed":
      return decision.rule === "end"
        ? `Not ended: an end rule condition did not hold: ${decision.condition}`
        : `Not started: a condition did not hold: ${decision.condition}`;
    case "reentry_blocked":
      switch (decision.policy) {
        case "once":
          return "Not started: re-entry policy is once, and the account already went through this moment";
        case "after_exit":
          return "Not started: re-entry policy is after_exit, and the account's previous run has not ended";
        case "cooldown":
          return `Not started: re-entry cooldown${decision.until ? ` until ${decision.until}` : ""}`;
      }
      break;
    case "sampled_out":
      return `Not started: sampled out (the moment admits ${decision.samplingRate}% of accounts)`;
    case "moment_not_running":
      return decision.status === "deleted"
        ? "Not started: the moment was deleted"
        : `Not started: the moment was ${decision.status}, not running`;
    case "source_mismatch":
      return `Not started: the event came from source ${decision.sourceId}, which the moment does not listen to`;
    case "already_active":
      return `Not started: the account already has an active run${decision.runId ? ` (${decision.runId})` : ""}`;
    case "too_old":
      return `Not started: the event's timestamp ${decision.timestamp} is older than the ${formatSeconds(decision.maxAgeSeconds)} window`;
    case "outside_time_frame":
      return `Not started: the moment starts runs only ${[
        decision.from ? `from ${decision.from}` : "",
        decision.until ? `until ${decision.until}` : "",
      ]
        .filter(Boolean)
        .join(" ")}`;
    case "duplicate":
      return "Ignored: this messageId was already processed";
  }
  return decision satisfies never;
}

function formatSeconds(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/** Longest condition text kept in a decision: a decision item must stay small. */
export const MAX_CONDITION_TEXT = 1000;

/**
 * A condition as text for the decision log: `account.plan eq "pro"`, `any of (a, b)`. Values are
 * JSON, so a string and a number that look alike stay distinguishable.
 */
export function describeCondition(condition: Condition): string {
  const text =
    "any" in condition
      ? `any of (${condition.any.map(describeCondition).join(", ")})`
      : condition.value === undefined
        ? `${condition.field} ${condition.op}`
        : `${condition.field} ${condition.op} ${JSON.stringify(condition.value)}`;
  return text.length > MAX_CONDITION_TEXT ? `${text.slice(0, MAX_CONDITION_TEXT - 1)}…` : text;
}

// ---------------------------------------------------------------------------------------------
// Retention
// ---------------------------------------------------------------------------------------------

/** The TTL attribute value (epoch seconds) of an insight recorded at `at`. */
export function insightExpiresAt(at: string): number {
  return expiresAtFor(at, INSIGHT_TTL_SECONDS);
}

/**
 * Is an insight recorded at `at` still within its retention? DynamoDB deletes expired items only
 * eventually (and the local dynalite never), so readers drop them themselves.
 */
export function isRetained(at: string, now: Date): boolean {
  const time = Date.parse(at);
  return Number.isFinite(time) && time + INSIGHT_TTL_SECONDS * 1000 > now.getTime();
}

// ---------------------------------------------------------------------------------------------
// Recent events and observed events
// ---------------------------------------------------------------------------------------------

/** An event of an account, as shown in the account view (properties are not kept: names only). */
export interface AccountEvent {
  messageId: string;
  event: string;
  /** When it happened (client clock). */
  timestamp: string;
  /** When ingestion accepted it (server clock); the recent events are ordered by it. */
  receivedAt: string;
  propertyNames: string[];
  sourceId: string;
}

/** Property names one event contributes to a sample (the caller passes at most this many). */
export const MAX_SAMPLE_PER_EVENT = 20;
/** Property names an observed event keeps per shard, and shows. */
export const MAX_SAMPLE_PROPERTIES = 50;
/** Longer property names are left out of samples rather than cut (a cut name would mislead). */
export const MAX_PROPERTY_NAME_LENGTH = 128;

/**
 * The property names of an event worth sampling: at most MAX_SAMPLE_PER_EVENT, in name order (so a
 * retry samples the same ones), non-empty and not absurdly long.
 */
export function propertySample(properties: Record<string, unknown>, max = MAX_SAMPLE_PER_EVENT): string[] {
  return Object.keys(properties)
    .filter((name) => name.length > 0 && name.length <= MAX_PROPERTY_NAME_LENGTH)
    .sort()
    .slice(0, max);
}

/** One shard's counters of one event name. */
export interface ObservedEventShard {
  name: string;
  count: number;
  firstSeenAt?: string;
  lastSeenAt?: string;
  sampleProperties: string[];
}

export interface ObservedEvent {
  name: string;
  count: number;
  firstSeenAt: string;
  lastSeenAt: string;
  sampleProperties: string[];
}

export interface MomentUse {
  momentId: string;
  name: string;
  status: MomentStatus;
}

export type ObservedEventView = ObservedEvent & { usedBy: MomentUse[] };

/**
 * Sums an event name's shards: counts add up, first/last seen are the earliest/latest of any shard,
 * and the property sample is the union (names seen by more shards first), capped.
 */
export function mergeObservedEventShards(shards: readonly ObservedEventShard[]): ObservedEvent[] {
  const byName = new Map<string, { event: ObservedEvent; properties: Map<string, number> }>();
  for (const shard of shards) {
    let entry = byName.get(shard.name);
    if (!entry) {
      entry = {
        event: { name: shard.name, count: 0, firstSeenAt: "", lastSeenAt: "", sampleProperties: [] },
        properties: new Map(),
      };
      byName.set(shard.name, entry);
    }
    const { event, properties } = entry;
    event.count += shard.count;
    if (shard.firstSeenAt && (event.firstSeenAt === "" || shard.firstSeenAt < event.firstSeenAt))
      event.firstSeenAt = shard.firstSeenAt;
    if (shard.lastSeenAt && shard.lastSeenAt > event.lastSeenAt) event.lastSeenAt = shard.lastSeenAt;
    for (const name of shard.sampleProperties) properties.set(name, (properties.get(name) ?? 0) + 1);
  }
  return [...byName.values()]
    .map(({ event, properties }) => ({
      ...event,
      sampleProperties: [...properties.entries()]
        .sort(([a, na], [b, nb]) => nb - na || (a < b ? -1 : 1))
        .slice(0, MAX_SAMPLE_PROPERTIES)
        .map(([name]) => name),
    }))
    .sort(byCountThenName);
}

function byCountThenName(a: ObservedEvent, b: ObservedEvent) {
  return b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** Event names each moment uses: its start event, its `unless` event and its end events. */
export function eventsUsedBy(moment: Pick<Moment, "start" | "end">): Set<string> {
  const names = new Set<string>([moment.start.event]);
  if (moment.start.unless) names.add(moment.start.unless.event);
  for (const rule of moment.end ?? []) if (rule.event !== undefined) names.add(rule.event);
  return names;
}

/** Which moments use each event name. */
export function eventUsage(
  moments: readonly Pick<Moment, "id" | "name" | "status" | "start" | "end">[],
): Map<string, MomentUse[]> {
  const usage = new Map<string, MomentUse[]>();
  for (const moment of moments) {
    for (const name of eventsUsedBy(moment)) {
      const list = usage.get(name) ?? [];
      list.push({ momentId: moment.id, name: moment.name, status: moment.status });
      usage.set(name, list);
    }
  }
  return usage;
}

/** Longest moment name (see nameSchema). */
const MAX_NAME_LENGTH = 200;

/** The body of the draft moment an observed event is promoted to. */
export function promotedMomentBody(
  eventName: string,
): Pick<MomentInput, "name" | "goal" | "start" | "steps"> {
  const suffix = " moment";
  let base = eventName.slice(0, MAX_NAME_LENGTH - suffix.length);
  // Never end on half a surrogate pair: the name must stay valid UTF-16.
  if (/[\uD800-\uDBFF]$/.test(base)) base = base.slice(0, -1);
  const name = `${base.trim()}${suffix}`.trim();
  return { name, goal: "other", start: { event: eventName }, steps: [] };
}

// ---------------------------------------------------------------------------------------------
// Stats
// ---------------------------------------------------------------------------------------------

export type FeedbackReaction = Reaction;
export const stepCounterKinds = ["executed", "skipped", "failed"] as const;
export type StepCounterKind = (typeof stepCounterKinds)[number];
/**
 * Run counters: every entered run ends exactly once, counted under its end status (the run
 * engine's `RunEnd`: success, failed, stopped, completed). `succeeded` is accepted as an alias of
 * `success` and summed with it.
 */
export const runCounters = ["entered", "success", "succeeded", "failed", "stopped", "completed"] as const;
export type RunCounter = (typeof runCounters)[number];

/**
 * A counter of a moment's stats. Step counters embed the step id, which is user-provided but
 * restricted to [A-Za-z0-9_-] (see stepSchema), so the name is unambiguous.
 */
export type StatCounter =
  | RunCounter
  | `steps.${string}.${StepCounterKind}`
  | `feedback.${FeedbackReaction}`
  | `prompts.${string}.${PromptCounterKind}`
  // The report's breakdowns (see report.ts): ends by cause, step outcomes by reason.
  | `ends.${"success" | "failed"}.${string}`
  | `steps.${string}.${"skipped" | "failed"}.${string}`;

/**
 * What happened to a feedback step's prompts: shown (the app displayed it: first marked read),
 * dismissed (closed unanswered), and each reaction (answered = their sum).
 */
export const promptCounterKinds = ["shown", "dismissed", "positive", "neutral", "frustrated"] as const;
export type PromptCounterKind = (typeof promptCounterKinds)[number];

export const statCounter = {
  step: (stepId: string, kind: StepCounterKind): StatCounter => `steps.${stepId}.${kind}`,
  feedback: (reaction: FeedbackReaction): StatCounter => `feedback.${reaction}`,
  prompt: (stepId: string, kind: PromptCounterKind): StatCounter => `prompts.${stepId}.${kind}`,
} as const;

/** Increments (or decrements) of some counters. */
export type StatsDeltas = Partial<Record<StatCounter, number>>;

const STEP_COUNTER = /^steps\.([A-Za-z0-9_-]{1,64})\.(executed|skipped|failed)$/;
const FEEDBACK_COUNTER = /^feedback\.(positive|neutral|frustrated)$/;
const PROMPT_COUNTER = /^prompts\.([A-Za-z0-9_-]{1,64})\.(shown|dismissed|positive|neutral|frustrated)$/;

export function isStatCounter(name: string): name is StatCounter {
  return (
    (runCounters as readonly string[]).includes(name) ||
    STEP_COUNTER.test(name) ||
    FEEDBACK_COUNTER.test(name) ||
    PROMPT_COUNTER.test(name) ||
    isBreakdownCounter(name)
  );
}

/** A feedback step's prompts: how many were shown, answered (by reaction) and dismissed. */
export interface PromptStats {
  shown: number;
  answered: number;
  dismissed: number;
  positive: number;
  neutral: number;
  frustrated: number;
  /** Percent of shown prompts that were answered (one decimal); null while none was shown. */
  responseRate: number | null;
}

function promptStats(counts: Record<PromptCounterKind, number>): PromptStats {
  const answered = counts.positive + counts.neutral + counts.frustrated;
  // A prompt answered through the API without being shown still counts as shown (see the inbox).
  const shown = Math.max(counts.shown, answered);
  return {
    shown,
    answered,
    dismissed: counts.dismissed,
    positive: counts.positive,
    neutral: counts.neutral,
    frustrated: counts.frustrated,
    responseRate: percentOf(answered, shown),
  };
}

export interface StepStats {
  executed: number;
  skipped: number;
  failed: number;
}

export interface MomentStats {
  /** Runs started (total fires). */
  entered: number;
  /** Runs in progress: entered minus every way of ending. */
  active: number;
  succeeded: number;
  failed: number;
  /** Ended because the moment was stopped or archived. */
  stopped: number;
  /** Ended by running out of steps, in a moment without end rules. */
  completed: number;
  /** Percent of ended runs that succeeded (one decimal); null while none ended. */
  successRate: number | null;
  failedRate: number | null;
  steps: Record<string, StepStats>;
  /** Every feedback step's answers, and its prompts shown, answered and dismissed. */
  feedback: Record<FeedbackReaction, number> & Omit<PromptStats, FeedbackReaction>;
  /** The same per feedback step (steps whose prompts were never shown are absent). */
  feedbackSteps: Record<string, PromptStats>;
}

/** Percent with one decimal; null when nothing to divide by. */
export function percentOf(part: number, whole: number): number | null {
  if (whole <= 0) return null;
  return Math.round((part / whole) * 1000) / 10;
}

/**
 * Sums stats shard items (each a record of counter name -> number, plus storage attributes that
 * are ignored) into a moment's stats.
 */
export function momentStatsFromShards(shards: readonly Record<string, unknown>[]): MomentStats {
  const totals = new Map<string, number>();
  for (const shard of shards) {
    for (const [name, value] of Object.entries(shard)) {
      if (typeof value !== "number" || !Number.isFinite(value) || !isStatCounter(name)) continue;
      totals.set(name, (totals.get(name) ?? 0) + value);
    }
  }
  const get = (name: string) => totals.get(name) ?? 0;
  const steps: Record<string, StepStats> = {};
  for (const [name, value] of totals) {
    const match = STEP_COUNTER.exec(name);
    const stepId = match?.[1];
    const kind = match?.[2] as StepCounterKind | undefined;
    if (stepId === undefined || kind === undefined) continue;
    steps[stepId] ??= { executed: 0, skipped: 0, failed: 0 };
    steps[stepId][kind] += value;
  }
  const prompts: Record<string, Record<PromptCounterKind, number>> = {};
  const emptyPrompt = () => ({ shown: 0, dismissed: 0, positive: 0, neutral: 0, frustrated: 0 });
  for (const [name, value] of totals) {
    const match = PROMPT_COUNTER.exec(name);
    const stepId = match?.[1];
    const kind = match?.[2] as PromptCounterKind | undefined;
    if (stepId === undefined || kind === undefined) continue;
    prompts[stepId] ??= emptyPrompt();
    prompts[stepId][kind] += value;
  }
  const feedbackSteps = Object.fromEntries(
    Object.entries(prompts).map(([stepId, counts]) => [stepId, promptStats(counts)]),
  );
  const allPrompts = emptyPrompt();
  for (const counts of Object.values(prompts))
    for (const kind of promptCounterKinds) allPrompts[kind] += counts[kind];
  // Answers counted before per-step counters existed are only in feedback.<reaction>.
  const reactions = {
    positive: get("feedback.positive"),
    neutral: get("feedback.neutral"),
    frustrated: get("feedback.frustrated"),
  };
  const {
    positive: _p,
    neutral: _n,
    frustrated: _f,
    ...promptTotals
  } = promptStats({
    ...allPrompts,
    ...reactions,
  });
  const succeeded = get("success") + get("succeeded");
  const failed = get("failed");
  const stopped = get("stopped");
  const completed = get("completed");
  const ended = succeeded + failed + stopped + completed;
  const entered = get("entered");
  return {
    entered,
    // Never negative, even if an end was counted on a shard the reader saw before its entry.
    active: Math.max(0, entered - ended),
    succeeded,
    failed,
    stopped,
    completed,
    // Of the runs that reached an outcome: a moment without end rules (completed runs) or a stopped
    // run never did, and counting them would show a misleading 0 % success.
    successRate: percentOf(succeeded, succeeded + failed),
    failedRate: percentOf(failed, succeeded + failed),
    steps,
    feedback: { ...reactions, ...promptTotals },
    feedbackSteps,
  };
}

/** Stats of a moment nothing was counted for yet. */
export function emptyMomentStats(): MomentStats {
  return momentStatsFromShards([]);
}

/**
 * The shard a run's (or an event's) counters go to: a stable hash of its id (FNV-1a), so a
 * retried write lands on the same shard and a busy moment spreads over all of them.
 */
export function shardFor(id: string, shards: number = STATS_SHARDS): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}
