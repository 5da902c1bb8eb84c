import { requiredIntegrationKind } from "../domain/actions.js";
import {
  ConflictError,
  type FieldProblem,
  NotFoundError,
  PreconditionFailedError,
  PreconditionRequiredError,
  ValidationError,
} from "../domain/errors.js";
import { newId } from "../domain/ids.js";
import { emptyMomentStats, type MomentStats } from "../domain/insights.js";
import {
  allowedTransitions,
  aMomentIn,
  canDelete,
  checkTransition,
  duplicateName,
  type Goal,
  type Moment,
  type MomentInput,
  type MomentStatus,
  mergeMomentPatch,
  momentInputOf,
  momentInputSchema,
  parseIfMatch,
  sourcesChanged,
  sourcesLocked,
  statusChangeSchema,
  statusTransitionsOf,
} from "../domain/moment.js";
import { listMomentsPage, parseLimit, parseMomentListQuery } from "../domain/moment-list.js";
import {
  isTemplateRequest,
  type MomentTemplate,
  momentBodyFromTemplate,
  momentTemplates,
  templateSettingsOf,
} from "../domain/moment-templates.js";
import { parseOrThrow } from "../domain/validation.js";
import type { Clock } from "../ports/clock.js";
import type { EmailTemplateRepository } from "../ports/email-templates.js";
import type { StatsRepository } from "../ports/insights.js";
import type { IntegrationRepository } from "../ports/integrations.js";
import type { MomentRepository } from "../ports/moments.js";
import {
  type Membership,
  type MembershipStatus,
  membershipStatuses,
  type RunRepository,
  type WorkflowController,
} from "../ports/runs.js";
import type { SourceRepository } from "../ports/sources.js";
import { getMoment } from "./moment-lookup.js";
import { settleDoubtsOfEndedRun } from "./step-doubt.js";

/**
 * A moment as the API answers it: as stored, with what it allows now (the status changes, each
 * saying what it does; whether it may be deleted; whether its sources are fixed), so clients offer
 * exactly that and keep no copy of the rules, and the custom settings of its template read from
 * the fields they set (each with the field's path).
 */
export function momentView(moment: Moment) {
  return {
    ...moment,
    allowedTransitions: statusTransitionsOf(moment),
    deletable: canDelete(moment),
    sourcesLocked: sourcesLocked(moment),
    templateSettings: templateSettingsOf(moment),
  };
}

/** What the moment use cases read: only the lookups they need, so any adapter with them fits. */
export interface ReferenceDeps {
  sources: Pick<SourceRepository, "getSource">;
  templates: Pick<EmailTemplateRepository, "getEmailTemplate">;
  integrations: Pick<IntegrationRepository, "getIntegration">;
}

export interface MomentDeps extends ReferenceDeps {
  moments: MomentRepository;
  clock: Clock;
}

export interface MomentStatusDeps extends MomentDeps {
  runs: Pick<
    RunRepository,
    | "listMemberships"
    | "stopRun"
    | "listStepsInDoubt"
    | "listStepEvidence"
    | "getStepEvidence"
    | "settleStepInDoubt"
    | "listRunSteps"
    | "getRun"
  >;
  workflows: Pick<WorkflowController, "stop" | "start" | "startLookup">;
}

/**
 * Problems with what a moment points at: sources, email templates and integrations must exist in the
 * moment's workspace (another workspace's ids do not exist here), and an integration must be of the
 * kind its action needs. Paths name the field, as in `steps.2.action.integrationId`.
 */
async function referenceProblems(
  deps: ReferenceDeps,
  workspaceId: string,
  moment: Pick<MomentInput, "sourceIds" | "steps">,
): Promise<FieldProblem[]> {
  const problems: FieldProblem[] = [];
  await Promise.all([
    ...moment.sourceIds.map(async (sourceId, index) => {
      if (!(await deps.sources.getSource(workspaceId, sourceId))) {
        problems.push({ path: `sourceIds.${index}`, message: `no source with id "${sourceId}"` });
      }
    }),
    ...moment.steps.map(async (step, index) => {
      const action = step.action;
      if (
        action.type === "send_email" &&
        !(await deps.templates.getEmailTemplate(workspaceId, action.templateId))
      ) {
        problems.push({
          path: `steps.${index}.action.templateId`,
          message: `no email template with id "${action.templateId}"`,
        });
      }
      const kind = requiredIntegrationKind(action);
      if (kind && "integrationId" in action && action.integrationId) {
        const integration = await deps.integrations.getIntegration(workspaceId, action.integrationId);
        if (!integration) {
          problems.push({
            path: `steps.${index}.action.integrationId`,
            message: `no integration with id "${action.integrationId}"`,
          });
        } else if (integration.kind !== kind) {
          problems.push({
            path: `steps.${index}.action.integrationId`,
            message: `integration "${action.integrationId}" is a ${integration.kind} integration; ${action.type} needs a ${kind} integration`,
          });
        }
      }
    }),
  ]);
  // Lookups finish in any order; a stable order makes the error readable (and testable).
  return problems.sort((a, b) => a.path.localeCompare(b.path, "en", { numeric: true }));
}

async function checkReferences(deps: ReferenceDeps, workspaceId: string, moment: MomentInput) {
  const problems = await referenceProblems(deps, workspaceId, moment);
  if (problems.length > 0) throw new ValidationError(problems);
}

/**
 * Creates a draft moment from a full body, or from a catalog template:
 * `{ template: "cart_abandon", name, sourceIds, settings? }` fills the rules and steps.
 */
export async function createMoment(deps: MomentDeps, workspaceId: string, body: unknown): Promise<Moment> {
  const input = parseOrThrow(
    momentInputSchema,
    isTemplateRequest(body) ? momentBodyFromTemplate(body) : body,
  );
  await checkReferences(deps, workspaceId, input);
  const moment = newDraft(input, workspaceId, deps.clock.now());
  await deps.moments.createMoment(moment);
  return moment;
}

/** A new moment: a fresh id, version 1, a draft. */
function newDraft(input: MomentInput, workspaceId: string, now: Date): Moment {
  return {
    ...input,
    id: newId(now.getTime()),
    workspaceId,
    status: "draft",
    version: 1,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
}

export { getMoment };

/** A moment's headline numbers, as the moments list shows them (all of them: `GET .../{id}/stats`). */
export type HeadlineStats = Pick<
  MomentStats,
  "entered" | "active" | "succeeded" | "failed" | "successRate" | "failedRate"
>;

/** Entries per day of the last TREND_DAYS days (UTC), oldest first, today last. */
export type EntryTrend = Array<{ day: string; entered: number }>;
export const TREND_DAYS = 7;

/** A listed moment: the moment, with its headline stats and the trend of its entries. */
export type ListedMoment = Moment & { stats: HeadlineStats; trend: EntryTrend };

export type MomentListView =
  | { items: ListedMoment[]; nextCursor?: string }
  | { groups: Array<{ goal: Goal; items: ListedMoment[] }> };

export interface MomentListDeps {
  moments: Pick<MomentRepository, "listMoments">;
  stats: Pick<StatsRepository, "readMany" | "readEnteredByDay">;
  clock: Clock;
}

function headlineStats(stats: MomentStats): HeadlineStats {
  const { entered, active, succeeded, failed, successRate, failedRate } = stats;
  return { entered, active, succeeded, failed, successRate, failedRate };
}

/**
 * Lists a workspace's moments, filtered, searched, sorted and paginated (or grouped by goal), each
 * with its headline stats and its entries per day over the last week (the list's trend line:
 * TREND_DAYS day buckets of every stats shard, read in parallel batches).
 * Moments are configuration: a workspace has hundreds, not millions, so reading them all and
 * filtering in memory costs one or two queries and keeps full-text search and any sort order simple.
 * Should that change, this is the one place to move to an index.
 *
 * Stats are read for the listed moments only, after paging, in one `readMany`. Each moment's stats
 * are STATS_SHARDS (32) items, so one BatchGetItem (100 keys) covers about 3 moments: the default
 * page of 50 is ~17 batch reads of ~1,600 small items (the adapter sends them one after another),
 * a page of 200 ~64. Fine for an admin list. A grouped listing is unpaginated, so it
 * reads the stats of every match: also fine at hundreds of moments, and the first place to look
 * (parallel batches, or a per-moment rollup) if a workspace ever holds thousands.
 */
export async function listMoments(
  deps: MomentListDeps,
  workspaceId: string,
  query: Record<string, string | undefined>,
): Promise<MomentListView> {
  const parsed = parseMomentListQuery(query);
  const list = listMomentsPage(await deps.moments.listMoments(workspaceId), parsed);
  const listed = "items" in list ? list.items : list.groups.flatMap((group) => group.items);
  const ids = listed.map((moment) => moment.id);
  const today = Date.parse(`${deps.clock.now().toISOString().slice(0, 10)}T00:00:00.000Z`);
  const days = Array.from({ length: TREND_DAYS }, (_, i) =>
    new Date(today - (TREND_DAYS - 1 - i) * 86_400_000).toISOString().slice(0, 10),
  );
  const [stats, trends] =
    listed.length === 0
      ? [new Map<string, MomentStats>(), new Map<string, number[]>()]
      : await Promise.all([
          deps.stats.readMany(workspaceId, ids),
          deps.stats.readEnteredByDay(workspaceId, ids, days),
        ]);
  // A moment nothing was counted for yet shows zeros, like its stats route.
  const withStats = (moment: Moment): ListedMoment => ({
    ...moment,
    stats: headlineStats(stats.get(moment.id) ?? emptyMomentStats()),
    trend: days.map((day, i) => ({ day, entered: trends.get(moment.id)?.[i] ?? 0 })),
  });
  return "items" in list
    ? { ...list, items: list.items.map(withStats) }
    : { groups: list.groups.map((group) => ({ ...group, items: group.items.map(withStats) })) };
}

/**
 * Edits a moment. `If-Match` must name the version the caller read (428 without it, 412 when the
 * moment changed since): the write is conditional on that version, so no update is ever lost.
 * Top-level fields replace the stored ones; the merged moment is validated as a whole.
 *
 * Editing a running moment creates a new version for accounts that enter from now on. Accounts
 * already in it keep the version they entered with: a run's steps (and the moment version) are
 * pinned in its Step Functions execution input when it starts.
 */
export async function updateMoment(
  deps: MomentDeps,
  workspaceId: string,
  momentId: string,
  body: unknown,
  ifMatch: string | undefined,
): Promise<Moment> {
  const versions = parseIfMatch(ifMatch);
  const moment = await getMoment(deps, workspaceId, momentId);
  if (!versions) {
    throw new PreconditionRequiredError(
      `Send If-Match with the moment's version (its ETag, currently "${moment.version}") to update it`,
    );
  }
  if (!versions.includes(moment.version)) throw stale(moment);
  const input = mergeMomentPatch(moment, body);
  if (sourcesLocked(moment) && sourcesChanged(moment.sourceIds, input.sourceIds)) {
    throw new ConflictError(`The sources of a ${moment.status} moment cannot change; duplicate it instead`, [
      { path: "sourceIds", message: `locked while the moment is ${moment.status}` },
    ]);
  }
  await checkReferences(deps, workspaceId, input);
  // The server's fields, then the admin's as merged: a field the patch removed (null) stays removed.
  const { id, status, runningSince, createdAt } = moment;
  const next: Moment = {
    id,
    workspaceId: moment.workspaceId,
    status,
    ...(runningSince === undefined ? {} : { runningSince }),
    createdAt,
    ...input,
    version: moment.version + 1,
    updatedAt: deps.clock.now().toISOString(),
  };
  // The repository rewrites the whole item, so a running moment whose start event changed moves to
  // the new event's key in the running-moments index.
  const updated = await deps.moments.updateMoment(next, moment.version);
  if (!updated) throw stale(await deps.moments.getMoment(workspaceId, momentId));
  return updated;
}

function stale(current: Moment | undefined) {
  if (!current) return new NotFoundError("The moment was deleted");
  return new PreconditionFailedError(
    `The moment changed since you read it (now version "${current.version}"); read it again and retry`,
  );
}

/** Deletes a draft or archived moment (a running or stopped one must be archived first). */
export async function deleteMoment(deps: Pick<MomentDeps, "moments">, workspaceId: string, momentId: string) {
  const moment = await getMoment(deps, workspaceId, momentId);
  if (!canDelete(moment)) {
    throw new ConflictError(
      `${aMomentIn(moment.status)} cannot be deleted; only draft or archived moments can (archive it first)`,
    );
  }
  // Conditional on the version we checked: a moment started meanwhile is not deleted.
  if (!(await deps.moments.deleteMoment(workspaceId, momentId, moment.version))) {
    throw new ConflictError("The moment was changed at the same time; read it again and retry");
  }
}

/** A draft copy of the moment's rules and steps (and sources), named "<name> (copy)". */
export async function duplicateMoment(
  deps: Pick<MomentDeps, "moments" | "clock">,
  workspaceId: string,
  momentId: string,
): Promise<Moment> {
  const original = await getMoment(deps, workspaceId, momentId);
  const copy = newDraft(
    { ...momentInputOf(original), name: duplicateName(original.name) },
    workspaceId,
    deps.clock.now(),
  );
  await deps.moments.createMoment(copy);
  return copy;
}

/** How many in-flight runs one status request ends; the rest end when their next step comes due. */
const SWEEP_LIMIT = 1000;
/**
 * And for how long (by the deps' clock): well inside the admin function's 15 s timeout, even when
 * StopExecution throttles and the SDK backs off.
 */
const SWEEP_BUDGET_MS = 8000;
/** Runs ended at once: enough to be quick, few enough not to spike DynamoDB or StopExecution. */
const SWEEP_CONCURRENCY = 10;
const SWEEP_PAGE = 100;

export interface StatusChangeResult {
  moment: Moment;
  /** Set when the change ends runs: how many this request stopped, and whether any may remain. */
  runs?: { stopped: number; remaining: boolean };
}

/**
 * Moves a moment through its lifecycle (exactly the transitions of `checkTransition`; anything else
 * is a 409 naming the allowed ones). Stopping or archiving ends the moment's in-flight runs with
 * outcome `stopped`: each run and its membership are marked stopped, its steps in doubt settled,
 * then its execution is stopped (see stopOneRun).
 *
 * The sweep is bounded (SWEEP_LIMIT runs and SWEEP_BUDGET_MS per request) and best effort, because correctness does not
 * depend on it: every step re-checks its moment before acting, so a run the sweep did not reach (a
 * very large moment, a throttled call) does nothing more and is ended as stopped when its next step
 * comes due. Repeating the request (same status) continues the sweep.
 */
export async function changeMomentStatus(
  deps: MomentStatusDeps,
  workspaceId: string,
  momentId: string,
  body: unknown,
  options: { sweepLimit?: number; sweepBudgetMs?: number } = {},
): Promise<StatusChangeResult> {
  const { status } = parseOrThrow(statusChangeSchema, body);
  let moment = await getMoment(deps, workspaceId, momentId);
  if (moment.status !== status) {
    const check = checkTransition(moment, status);
    if (!check.ok) {
      const allowed = allowedTransitions(moment.status);
      // An allowed transition refused for the moment's content (no source) is invalid input: 400
      // naming the field, as cross-field validation answers; a forbidden transition is a 409.
      if (allowed.includes(status)) {
        throw new ValidationError(
          [{ path: "sourceIds", message: "a moment needs at least one source to run" }],
          check.reason,
        );
      }
      throw new ConflictError(check.reason, [
        { path: "status", message: `allowed from ${moment.status}: ${allowed.join(", ") || "none"}` },
      ]);
    }
    if (status === "running") {
      // References were checked when saved, but a source or template may have been deleted since.
      const problems = await referenceProblems(deps, workspaceId, moment);
      if (problems.length > 0) {
        throw new ConflictError(
          "The moment refers to objects that no longer exist; fix them, then start it",
          problems,
        );
      }
    }
    const updated = await deps.moments.setMomentStatus(moment, status, deps.clock.now().toISOString());
    if (!updated) throw new ConflictError("The moment was changed at the same time; read it again and retry");
    moment = updated;
  }
  if (!endsRuns(status)) return { moment };
  return {
    moment,
    runs: await endRunsOf(
      deps,
      moment,
      options.sweepLimit ?? SWEEP_LIMIT,
      options.sweepBudgetMs ?? SWEEP_BUDGET_MS,
    ),
  };
}

const endsRuns = (status: MomentStatus) => status === "stopped" || status === "archived";

async function endRunsOf(
  deps: MomentStatusDeps,
  moment: Moment,
  limit: number,
  budgetMs: number,
): Promise<{ stopped: number; remaining: boolean }> {
  const started = deps.clock.now();
  const deadline = started.getTime() + budgetMs;
  const at = started.toISOString();
  const cause = `The moment was ${moment.status}`;
  let stopped = 0;
  let failed = 0;
  let handled = 0;
  let cursor: string | undefined;
  do {
    const page = await deps.runs.listMemberships(moment.workspaceId, moment.id, {
      limit: Math.max(1, Math.min(SWEEP_PAGE, limit - handled)),
      status: "active",
      ...(cursor ? { cursor } : {}),
    });
    await forEachLimited(page.items, SWEEP_CONCURRENCY, async (membership) => {
      try {
        if ((await stopOneRun(deps, moment, membership, at, cause)) === "stopped") stopped += 1;
      } catch {
        // Left for the step-time check (see changeMomentStatus): this run ends at its next step.
        failed += 1;
      }
    });
    handled += page.items.length;
    cursor = page.nextCursor;
  } while (cursor && handled < limit && deps.clock.now().getTime() < deadline);
  return { stopped, remaining: failed > 0 || cursor !== undefined };
}

async function stopOneRun(
  deps: MomentStatusDeps,
  moment: Moment,
  membership: Membership,
  at: string,
  cause: string,
) {
  const ref = {
    workspaceId: moment.workspaceId,
    momentId: moment.id,
    accountId: membership.accountId,
    runId: membership.runId,
    // A keyed run's membership and active-run items are keyed by it: without it the stop finds nothing.
    ...(membership.runKey === undefined ? {} : { runKey: membership.runKey }),
  };
  // Records first, execution second: once recorded, no step of the run acts even if stopping the
  // execution fails, and a membership that is still active is what a repeated sweep picks up.
  const result = await deps.runs.stopRun(ref, at);
  if (result === "stopped") {
    // Steps in doubt (none, almost always): settled, or finished by an execution of their own,
    // BEFORE the run's execution is stopped. The membership is released now, so a repeated sweep
    // never sees this run again: if settling fails (a throttled write or StartExecution), the
    // execution, left running, is what settles them: its step in doubt runs again after its wait
    // or retry, finds the run ended and settles (or finishes) itself (see execute-step.ts).
    const inDoubt = await deps.runs.listStepsInDoubt(ref.workspaceId, ref.runId);
    const stored = inDoubt.length > 0 ? await deps.runs.getRun(ref.workspaceId, ref.runId) : undefined;
    const finish = inDoubt.length > 0 ? await settleDoubtsOfEndedRun(deps, ref, [], stored) : [];
    if (stored?.context && finish.length > 0)
      await deps.workflows.start({
        run: stored.context,
        phase: "exit",
        steps: [],
        completeWhenStepsDone: false,
        finish,
      });
    await deps.workflows.stop(membership.runId, cause);
  }
  return result;
}

/** Runs `task` over `items` with at most `limit` in flight. */
async function forEachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Accounts of a moment, in account order: by default those currently in it (active runs);
 * `?status=completed|stopped` for those that left one way, `?status=all` for the whole history.
 */
export async function listMomentAccounts(
  deps: { moments: Pick<MomentRepository, "getMoment">; runs: Pick<RunRepository, "listMemberships"> },
  workspaceId: string,
  momentId: string,
  query: { limit?: string; cursor?: string; status?: string },
) {
  const problems: FieldProblem[] = [];
  let limit = 0;
  try {
    limit = parseLimit(query.limit);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    problems.push(...error.details);
  }
  let status: MembershipStatus | undefined = "active";
  if (query.status === "all") status = undefined;
  else if (query.status !== undefined) {
    const wanted = membershipStatuses.find((s) => s === query.status);
    if (wanted) status = wanted;
    else
      problems.push({
        path: "status",
        message: `must be one of ${[...membershipStatuses, "all"].join(", ")}`,
      });
  }
  if (problems.length > 0) throw new ValidationError(problems);
  await getMoment(deps, workspaceId, momentId);
  const page = await deps.runs.listMemberships(workspaceId, momentId, {
    limit,
    ...(status ? { status } : {}),
    ...(query.cursor ? { cursor: query.cursor } : {}),
  });
  return {
    items: page.items.map(({ accountId, status, runId, startedAt, endedAt }) => ({
      accountId,
      status,
      // The account's latest run in the moment: the console links it to the run view.
      runId,
      startedAt,
      ...(endedAt ? { endedAt } : {}),
    })),
    ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
  };
}

/** The moment templates catalog. */
export function listMomentTemplates(): { items: MomentTemplate[] } {
  return { items: momentTemplates() };
}
