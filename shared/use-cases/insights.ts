import { NotFoundError, ValidationError } from "../domain/errors.js";
import {
  type AccountEvent,
  type Decision,
  type DecisionOutcome,
  decisionOutcome,
  eventUsage,
  explainDecision,
  isRetained,
  type ObservedEventView,
  promotedMomentBody,
} from "../domain/insights.js";
import type { Moment } from "../domain/moment.js";
import { eventNameSchema } from "../domain/primitives.js";
import { MAX_LIST_BYTES, takeWithinBytes } from "../domain/response-budget.js";
import type { Clock } from "../ports/clock.js";
import type { InsightsReader } from "../ports/insights.js";
import type { MomentRepository } from "../ports/moments.js";
import type { ProfileRepository } from "../ports/profiles.js";
import type { RunRepository, RunStepRecord } from "../ports/runs.js";
import { createMoment, type MomentDeps } from "./moments.js";
import { parsePageQuery } from "./paging.js";

/** How many of an account's latest events and decisions the account view shows. */
export const RECENT_EVENTS_LIMIT = 50;
export const DECISIONS_LIMIT = 100;
/** Longest account id ingestion accepts (see trackEventSchema): anything longer was never seen. */
const MAX_ACCOUNT_ID_LENGTH = 256;

export interface AccountViewDeps {
  insights: Pick<InsightsReader, "listDecisions" | "listAccountEvents" | "listAccountRuns">;
  moments: Pick<MomentRepository, "listMoments">;
  profiles: Pick<ProfileRepository, "get">;
  clock: Clock;
}

export type DecisionView = Decision & { outcome: DecisionOutcome; message: string };

export interface AccountRunView {
  momentId: string;
  momentName: string;
  runKey?: string;
  runId: string;
  status: string;
  startedAt: string;
  endedAt?: string;
}

export interface AccountView {
  accountId: string;
  traits: Record<string, unknown>;
  lastSeenAt?: string;
  recentEvents: AccountEvent[];
  runs: AccountRunView[];
  decisions: DecisionView[];
}

/** Moments that can have runs: any but a draft that never ran. */
const mayHaveRuns = (moment: Moment) => moment.status !== "draft" || moment.runningSince !== undefined;

/**
 * Everything about one account: traits, recent events, its run in each moment, and the decision
 * log (newest first), each decision with a sentence saying what happened and why — so "why didn't
 * account X enter moment Y?" is one request. 404 when the workspace never saw the account.
 */
export async function accountView(
  deps: AccountViewDeps,
  workspaceId: string,
  accountId: string,
): Promise<AccountView> {
  if (accountId.length === 0 || accountId.length > MAX_ACCOUNT_ID_LENGTH) throw notSeen(accountId);
  const now = deps.clock.now();
  const [profile, moments, decisions, events] = await Promise.all([
    deps.profiles.get(workspaceId, accountId),
    deps.moments.listMoments(workspaceId),
    deps.insights.listDecisions(workspaceId, accountId, DECISIONS_LIMIT),
    deps.insights.listAccountEvents(workspaceId, accountId, RECENT_EVENTS_LIMIT),
  ]);
  const runs = await deps.insights.listAccountRuns(
    workspaceId,
    accountId,
    moments
      .filter(mayHaveRuns)
      .map((moment) => ({ momentId: moment.id, keyed: moment.start.key !== undefined })),
  );
  // Expired items linger until DynamoDB's TTL sweep gets to them: the view keeps to its 7 days.
  const recentEvents = events.filter((event) => isRetained(event.receivedAt, now));
  const retainedDecisions = decisions.filter((decision) => isRetained(decision.at, now));
  if (!profile && recentEvents.length === 0 && retainedDecisions.length === 0 && runs.length === 0) {
    throw notSeen(accountId);
  }
  const names = new Map(moments.map((moment) => [moment.id, moment.name]));
  const lastSeenAt = lastSeen(profile, recentEvents);
  return {
    accountId,
    traits: profile?.traits ?? {},
    ...(lastSeenAt ? { lastSeenAt } : {}),
    recentEvents,
    runs: runs
      .map((run) => ({
        momentId: run.momentId,
        momentName: names.get(run.momentId) ?? "",
        ...(run.runKey !== undefined ? { runKey: run.runKey } : {}),
        runId: run.runId,
        status: run.status,
        startedAt: run.startedAt,
        ...(run.endedAt ? { endedAt: run.endedAt } : {}),
      }))
      .sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0)),
    decisions: retainedDecisions.map((decision) => {
      const momentName =
        decision.momentName ?? (decision.momentId !== undefined ? names.get(decision.momentId) : undefined);
      return {
        ...decision,
        ...(momentName !== undefined ? { momentName } : {}),
        outcome: decisionOutcome(decision.reason),
        message: explainDecision(decision),
      };
    }),
  };
}

function notSeen(accountId: string) {
  const shown = accountId.length > 64 ? `${accountId.slice(0, 64)}…` : accountId;
  return new NotFoundError(`No account "${shown}" has been seen in this workspace`);
}

/**
 * When the account was last active: what the profile records (`lastSeenAt`, kept by the matcher's
 * `touch`, or a `last_seen_at` trait the app sent), else its latest recent event.
 */
function lastSeen(
  profile: { traits: Record<string, unknown>; lastSeenAt?: string } | undefined,
  events: readonly AccountEvent[],
): string | undefined {
  if (profile?.lastSeenAt) return profile.lastSeenAt;
  const trait = profile?.traits.last_seen_at;
  if (typeof trait === "string") return trait;
  let latest: string | undefined;
  for (const event of events) if (latest === undefined || event.timestamp > latest) latest = event.timestamp;
  return latest;
}

export interface ObservedEventsDeps {
  insights: Pick<InsightsReader, "listObservedEvents">;
  moments: Pick<MomentRepository, "listMoments">;
}

/** Every event name the workspace sent, most frequent first, with the moments that use it. */
export async function listObservedEvents(
  deps: ObservedEventsDeps,
  workspaceId: string,
  query: Record<string, string | undefined> = {},
  maxBytes: number = MAX_LIST_BYTES,
): Promise<{ items: ObservedEventView[]; nextCursor?: string }> {
  const page = parsePageQuery(query);
  const after = page.cursor === undefined ? undefined : decodeObservedCursor(page.cursor);
  const [events, moments] = await Promise.all([
    deps.insights.listObservedEvents(workspaceId),
    deps.moments.listMoments(workspaceId),
  ]);
  const usage = eventUsage(moments);
  // Most frequent first, then by name (the reader's order): a page is the events after the cursor's.
  const rest = after
    ? events.filter((e) => e.count < after.count || (e.count === after.count && e.name > after.name))
    : events;
  const view = (event: (typeof rest)[number]): ObservedEventView => ({
    ...event,
    usedBy: [...(usage.get(event.name) ?? [])].sort(
      (a, b) => a.name.localeCompare(b.name) || (a.momentId < b.momentId ? -1 : 1),
    ),
  });
  // At most `limit`, and a page stops before the response nears Lambda's 6 MB: an event used by many
  // moments lists each of them.
  const items = takeWithinBytes(rest.slice(0, page.limit).map(view), { maxBytes });
  const last = items.at(-1);
  return {
    items,
    ...(rest.length > items.length && last ? { nextCursor: encodeObservedCursor(last) } : {}),
  };
}

const encodeObservedCursor = (event: { count: number; name: string }) =>
  Buffer.from(JSON.stringify([event.count, event.name]), "utf8").toString("base64url");

function decodeObservedCursor(cursor: string): { count: number; name: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(value) && typeof value[0] === "number" && typeof value[1] === "string")
      return { count: value[0], name: value[1] };
  } catch {
    // not a cursor of ours: refused below
  }
  throw new ValidationError([{ path: "cursor", message: "is not a cursor from this listing" }]);
}

export interface PromoteDeps extends MomentDeps {
  insights: Pick<InsightsReader, "getObservedEvent">;
}

/**
 * Creates a draft moment starting on an observed event (through the same use case as
 * POST /v1/admin/moments). Each call creates a new draft. 404 when the event was never observed.
 */
export async function promoteObservedEvent(
  deps: PromoteDeps,
  workspaceId: string,
  eventName: string,
): Promise<Moment> {
  const notObserved = new NotFoundError("No event with this name has been observed in this workspace");
  if (!eventNameSchema.safeParse(eventName).success) throw notObserved;
  if (!(await deps.insights.getObservedEvent(workspaceId, eventName))) throw notObserved;
  return createMoment(deps, workspaceId, promotedMomentBody(eventName));
}

export interface RunView {
  runId: string;
  momentId: string;
  accountId: string;
  runKey?: string;
  status: string;
  startedAt: string;
  endedAt?: string;
  /** What ended it: a messageId, "timeout", "steps_done" or "moment_stopped". */
  endedBy?: string;
  trigger?: { event: string; messageId: string; timestamp: string };
  /** Each step's record: executed / skipped / failed with its reason or detail, or claimed (in flight). */
  steps: RunStepRecord[];
  /** A test send from the config API (counted nowhere). */
  test?: true;
}

/**
 * One run with what each of its steps did: "why did this account not get the email?" is answered
 * by a step's reason (suppressed, missing_value, the provider's error...).
 */
export async function runView(
  deps: { runs: Pick<RunRepository, "getRun" | "listRunSteps"> },
  workspaceId: string,
  runId: string,
): Promise<RunView> {
  const run = await deps.runs.getRun(workspaceId, runId);
  if (!run) throw new NotFoundError(`Run ${runId} not found`);
  const steps = await deps.runs.listRunSteps(workspaceId, runId);
  const trigger = run.context?.trigger;
  return {
    runId: run.runId,
    momentId: run.momentId,
    accountId: run.accountId,
    ...(run.runKey !== undefined ? { runKey: run.runKey } : {}),
    status: run.status,
    startedAt: run.startedAt,
    ...(run.endedAt !== undefined ? { endedAt: run.endedAt } : {}),
    ...(run.endedBy !== undefined ? { endedBy: run.endedBy } : {}),
    ...(trigger
      ? { trigger: { event: trigger.event, messageId: trigger.messageId, timestamp: trigger.timestamp } }
      : {}),
    steps: inRunOrder(steps).map(publicStep),
    ...(run.test ? { test: true as const } : {}),
  };
}

/**
 * A step as the API documents it: the record's bookkeeping (when a recorded step was claimed, since
 * when a send was in doubt) stays in the table.
 */
function publicStep(step: RunStepRecord): RunStepRecord {
  if (step.status === "claimed")
    return { stepId: step.stepId, status: step.status, claimedAt: step.claimedAt };
  return { stepId: step.stepId, status: step.status, outcome: step.outcome, recordedAt: step.recordedAt };
}

/** Steps in the order they ran (recorded, or claimed for one in flight), not by id. */
function inRunOrder(steps: RunStepRecord[]): RunStepRecord[] {
  const at = (step: RunStepRecord) => ("recordedAt" in step ? step.recordedAt : step.claimedAt);
  return [...steps].sort((a, b) => (at(a) < at(b) ? -1 : at(a) > at(b) ? 1 : 0));
}
