/**
 * Nothing is left undriven. Step Functions publishes a "Step Functions Execution Status Change"
 * event on the default bus for every execution; a rule hands our state machine's FAILED, TIMED_OUT
 * and ABORTED ones to the run-state function, which calls this. What it does depends on the kind of
 * execution, told by its name and input:
 *
 * - A run's entry execution (named by the run id) that ends that way while its run is still active
 *   died outside the engine's control (a task failing after every retry, an operator's
 *   StopExecution in the console, a bug): the run is ended as `failed` (end cause
 *   `execution_failed`), exactly as an end rule ends it: membership released, the outcome counted, a
 *   step left in doubt settled, and its exit steps started. It is not re-driven: a task that failed
 *   through 16 retries over more than an hour would most likely fail again, and an execution an
 *   operator aborted was meant to end. Our own stops (an end rule, a timeout, a failed step's
 *   fail_run, a stopped moment) end the run *before* stopping its execution, so they find it no
 *   longer active and change nothing.
 * - A run's end execution (its completion or exit steps, `<runId>-end`), which we never stop: its
 *   run has ended already, so the work it left (the steps not recorded yet, each when it was due) is
 *   started again in a fresh execution, `<name>-r1`, then `-r2`, `-r3` if that one fails too. A
 *   customer's exit email is not dropped because a task failed through its retries. Steps recorded
 *   are never performed again (their claim), a step in doubt is settled as any step in doubt is.
 * - An abandonment gate (a trigger armed a start that falls due): if the start is still armed (the
 *   gate failed before opening it, or between entering the run and taking the start), a fresh gate
 *   waits for the same due time (or opens it at once when past due), by the same naming; if it
 *   opened already, or was cancelled, nothing is left to do.
 * - A lookup execution (see step-doubt.ts; a lookup whose task keeps failing records
 *   `outcome_unknown` itself, and its execution succeeds): one that fails outright (aborted by an
 *   operator, its recording task failing too) while its step is still unsettled (claimed, or
 *   recorded skipped while in doubt: the post may have gone out) is started again, as the others
 *   are, `<name>-r1`..`-r3`; after those the step is recorded failed, `outcome_unknown`, rather
 *   than left telling "not sent".
 *
 * Re-drives are bounded (MAX_REDRIVES): the execution that fails after them gives up visibly (its
 * steps left are recorded failed, `execution_failed`, and the run-state function counts an
 * alarmed `ExecutionRedrivesExhausted` metric) rather than loop. Idempotent: the fresh execution's
 * name derives from the failed one's, so a redelivered event starts nothing more.
 */
import * as z from "zod/mini";
import { EXECUTION_FAILURE_STATUSES, EXECUTION_STATUS_CHANGE } from "../contracts/bus.js";
import {
  type ExecutionInput,
  endExecutionName,
  type Gate,
  isOpenToEvidence,
  lookupRedriveAttempt,
  lookupRedriveName,
  type RunInput,
  redriveAttempt,
  redriveName,
  remainingInputOf,
  type Wake,
} from "../contracts/workflow.js";
import type { PendingStartRepository } from "../ports/pending-starts.js";
import type { ExecutionInputReader } from "../ports/runs.js";
import { type EndRunDeps, endRun } from "./end-run.js";
import { pinnedStepOf, recordFailedStep } from "./step-doubt.js";

/** How many fresh executions the work of a failed end execution or gate gets before giving up. */
export const MAX_REDRIVES = 3;

/** Who ended a run whose execution failed (its `endedBy`). */
export const EXECUTION_FAILED = "execution_failed";

/** The fields of the event this reads (Step Functions sends more, which are ignored). */
const statusChangeSchema = z.object({
  source: z.literal("aws.states"),
  "detail-type": z.literal(EXECUTION_STATUS_CHANGE),
  detail: z.object({
    executionArn: z.string(),
    name: z.string(),
    status: z.string(),
    startDate: z.optional(z.nullable(z.number())),
    input: z.optional(z.nullable(z.string())),
    inputDetails: z.optional(z.nullable(z.object({ included: z.optional(z.boolean()) }))),
    error: z.optional(z.nullable(z.string())),
    cause: z.optional(z.nullable(z.string())),
  }),
});

/** True for an event this use case handles (the run-state function also takes the workflow's tasks). */
export function isExecutionStatusChange(event: unknown): boolean {
  return (
    typeof event === "object" &&
    event !== null &&
    (event as { source?: unknown }).source === "aws.states" &&
    (event as { "detail-type"?: unknown })["detail-type"] === EXECUTION_STATUS_CHANGE
  );
}

/** An event that is not a status change of one of our executions: thrown, for the dead-letter queue. */
export class MalformedExecutionEventError extends Error {
  override readonly name = "MalformedExecutionEventError";
}

export type ExecutionFailedDeps = EndRunDeps & {
  executions: ExecutionInputReader;
  pending: Pick<PendingStartRepository, "current">;
};

export type ExecutionFailedResult =
  | { outcome: "run_ended"; workspaceId: string; runId: string; status: string }
  /** A fresh execution `name` took over the work (`already_started`: a redelivered event). */
  | {
      outcome: "redriven";
      kind: "end" | "gate" | "lookup";
      workspaceId: string;
      runId?: string;
      name: string;
      attempt: number;
      started: "started" | "already_started";
    }
  /** The work failed through every re-drive: its steps left are recorded failed (an end execution). */
  | {
      outcome: "gave_up";
      kind: "end" | "gate" | "lookup";
      workspaceId: string;
      runId?: string;
      name: string;
      failedSteps: string[];
    }
  | { outcome: "ignored"; why: string; runId?: string };

export async function handleExecutionFailed(
  deps: ExecutionFailedDeps,
  event: unknown,
): Promise<ExecutionFailedResult> {
  const parsed = statusChangeSchema.safeParse(event);
  if (!parsed.success)
    throw new MalformedExecutionEventError("Not a Step Functions Execution Status Change event");
  const { detail } = parsed.data;
  if (!(EXECUTION_FAILURE_STATUSES as readonly string[]).includes(detail.status))
    return { outcome: "ignored", why: `status_${detail.status.toLowerCase()}` };
  // Storage or Step Functions failing is thrown: Lambda retries the asynchronous invocation.
  const text =
    detail.inputDetails?.included === false || typeof detail.input !== "string"
      ? await deps.executions.executionInput(detail.executionArn)
      : detail.input;
  const value = parseJson(text);
  const gate = gateOf(value);
  if (gate) return redriveGate(deps, detail, gate);
  const input = parseInput(value, detail.name);
  if (!input) return { outcome: "ignored", why: "not_a_run" };
  const lookup = input.wakes?.wakes.find((wake) => "lookup" in wake);
  if (lookup && "lookup" in lookup) return redriveLookup(deps, detail, lookup);
  // Completion and exit steps run after their run ended: their work is started again.
  if (input.kind === "end") {
    if (!input.wakes) return { outcome: "ignored", why: "end_execution", runId: input.runId };
    return redriveEnd(deps, detail, input as ParsedRun & { wakes: ExecutionInput });
  }
  // Every end rule and every stopped moment aborts executions: one read tells those (ended by us,
  // some other way) apart cheaply; a run failed already may be this very cause, redelivered. The
  // input names the run only: the read also gives the keys ending it needs.
  const run = await deps.runs.getRun(input.workspaceId, input.runId);
  if (!run || (run.status !== "active" && run.status !== "failed"))
    return { outcome: "ignored", why: "run_already_ended", runId: input.runId };
  const result = await endRun(deps, run, "failed", EXECUTION_FAILED, {
    stopEntry: false,
    cause: "execution_failed",
  });
  if (result === "already_ended") return { outcome: "ignored", why: "run_already_ended", runId: run.runId };
  return { outcome: "run_ended", workspaceId: run.workspaceId, runId: run.runId, status: detail.status };
}

type StatusDetail = z.infer<typeof statusChangeSchema>["detail"];

/**
 * An end execution failed: what it left (its steps not recorded, each when it was due) runs in a
 * fresh execution, named from the failed one's, MAX_REDRIVES times at most; then its steps left are
 * recorded failed.
 */
async function redriveEnd(
  deps: ExecutionFailedDeps,
  detail: StatusDetail,
  input: ParsedRun & { wakes: ExecutionInput },
): Promise<ExecutionFailedResult> {
  const { workspaceId, runId } = input;
  const records = await deps.runs.listRunSteps(workspaceId, runId);
  const done = new Set(
    records.filter((record) => record.status !== "claimed").map((record) => record.stepId),
  );
  const now = deps.clock.now().getTime();
  const left = remainingInputOf(input.wakes, detail.startDate ?? now, now, (stepId) => done.has(stepId));
  if (left.wakes.length === 0) return { outcome: "ignored", why: "nothing_left", runId };
  const attempt = redriveAttempt(detail.name) + 1;
  if (attempt > MAX_REDRIVES) {
    const stored = await deps.runs.getRun(workspaceId, runId);
    const failedSteps = left.wakes.flatMap((wake) => ("steps" in wake ? wake.steps : []));
    if (stored?.context) {
      const reason = `execution_failed: the run's ${input.phase} steps failed to run through ${MAX_REDRIVES} re-drives (${detail.status}${detail.error ? `: ${detail.error}` : ""})`;
      // A step left claimed (an attempt that died mid-send) is settled as a doubt, not overwritten.
      for (const stepId of failedSteps) {
        const pinned = pinnedStepOf(stored, stepId);
        if (pinned) await recordFailedStep(deps, stored.context, pinned.step, pinned.phase, reason);
        else
          await deps.runs.recordStep(
            stored.context,
            stepId,
            { status: "failed", reason },
            deps.clock.now().toISOString(),
          );
      }
    }
    return { outcome: "gave_up", kind: "end", workspaceId, runId, name: detail.name, failedSteps };
  }
  const name = redriveName(detail.name, attempt);
  const started = await deps.workflows.restart(name, left);
  return { outcome: "redriven", kind: "end", workspaceId, runId, name, attempt, started };
}

/**
 * A lookup execution failed: its steps still unsettled (claimed, or recorded skipped or failed
 * `send_in_doubt` while in doubt) are looked up again in a fresh execution, MAX_REDRIVES times at most; then they are
 * recorded failed, `outcome_unknown` (the post may have gone out: never left as "not sent").
 */
async function redriveLookup(
  deps: ExecutionFailedDeps,
  detail: StatusDetail,
  wake: LookupWake,
): Promise<ExecutionFailedResult> {
  const { workspaceId, runId } = wake.run;
  const records = await deps.runs.listRunSteps(workspaceId, runId);
  const unsettled = (stepId: string) => {
    const record = records.find((candidate) => candidate.stepId === stepId);
    return record?.doubtSince !== undefined && (record.status === "claimed" || isOpenToEvidence(record));
  };
  const left = wake.lookup.filter(unsettled);
  const [first] = wake.lookup;
  if (first === undefined || left.length === 0) return { outcome: "ignored", why: "nothing_left", runId };
  const attempt = lookupRedriveAttempt(detail.name, runId, first) + 1;
  if (attempt > MAX_REDRIVES) {
    const reason = `outcome_unknown: the send was in doubt, and its lookup failed through ${MAX_REDRIVES} re-drives (${detail.status}${detail.error ? `: ${detail.error}` : ""})`;
    const at = deps.clock.now().toISOString();
    for (const stepId of left)
      await deps.runs.settleStepInDoubt(workspaceId, runId, stepId, { status: "failed", reason }, at);
    return { outcome: "gave_up", kind: "lookup", workspaceId, runId, name: detail.name, failedSteps: left };
  }
  const name = lookupRedriveName(runId, first, attempt);
  const started = await deps.workflows.restart(name, { wakes: [{ ...wake, seconds: 0, lookup: left }] });
  return { outcome: "redriven", kind: "lookup", workspaceId, runId, name, attempt, started };
}

type LookupWake = Extract<Wake, { lookup: string[] }>;

/**
 * An abandonment gate failed: if its start is still armed, a fresh gate waits for it (opening it at
 * once when it is past due); opened or cancelled meanwhile, nothing is left to do.
 */
async function redriveGate(
  deps: ExecutionFailedDeps,
  detail: StatusDetail,
  gate: Gate,
): Promise<ExecutionFailedResult> {
  const { workspaceId, accountId, momentId, runKey } = gate;
  const armed = await deps.pending.current(workspaceId, accountId, momentId, runKey);
  if (!armed) return { outcome: "ignored", why: "gate_not_armed" };
  const attempt = redriveAttempt(detail.name) + 1;
  if (attempt > MAX_REDRIVES)
    return { outcome: "gave_up", kind: "gate", workspaceId, name: detail.name, failedSteps: [] };
  const name = redriveName(detail.name, attempt);
  const started = await deps.workflows.startGate({ ...gate, token: armed.token, until: armed.dueAt }, name);
  return { outcome: "redriven", kind: "gate", workspaceId, name, attempt, started };
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new MalformedExecutionEventError("The execution's input is not JSON");
  }
}

/** The gate a gate execution waits for (its one wake-up), if it is one. */
function gateOf(value: unknown): Gate | undefined {
  const wakes = (value as Partial<ExecutionInput> | null)?.wakes;
  const wake = Array.isArray(wakes) ? wakes[0] : undefined;
  return wake && "gate" in wake && typeof wake.gate?.workspaceId === "string" ? wake.gate : undefined;
}

interface ParsedRun {
  workspaceId: string;
  runId: string;
  /** The run's entry execution, or an end (completion or exit) execution. */
  kind: "entry" | "end";
  phase: string;
  /** The wake-ups (executions started before wake-ups carried whole steps: not re-driven). */
  wakes?: ExecutionInput;
}

/**
 * The run an execution's input names, and which of its executions it is, or undefined for anything
 * else. Wake-ups name the run by reference, and the execution by its name (an end execution's
 * wake-ups may finish an entry step); executions started before carried the run and its phase.
 */
function parseInput(value: unknown, name?: string): ParsedRun | undefined {
  const wakes = (value as Partial<ExecutionInput> | null)?.wakes;
  const wake = Array.isArray(wakes) ? wakes.find((candidate) => "run" in candidate) : undefined;
  const input = (wake ?? value) as Partial<Pick<RunInput, "phase">> & {
    run?: { workspaceId?: unknown; runId?: unknown };
  };
  if (typeof input?.run?.runId !== "string" || typeof input.run.workspaceId !== "string") return undefined;
  const runId = input.run.runId;
  const phase = String(input.phase);
  const isEnd = wake && name !== undefined ? name.startsWith(endExecutionName(runId)) : phase !== "entry";
  return {
    workspaceId: input.run.workspaceId,
    runId,
    kind: isEnd ? "end" : "entry",
    phase,
    ...(Array.isArray(wakes) ? { wakes: { wakes } } : {}),
  };
}
