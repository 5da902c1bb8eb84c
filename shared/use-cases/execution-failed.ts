/**
 * No run is left active without something driving it. Step Functions publishes a "Step Functions
 * Execution Status Change" event on the default bus for every execution; a rule hands our state
 * machine's FAILED, TIMED_OUT and ABORTED ones to the run-state function, which calls this.
 *
 * An entry execution that ends that way while its run is still active died outside the engine's
 * control (a task failing after every retry, an operator's StopExecution in the console, a bug): the
 * run is ended as `failed` (end cause `execution_failed`), exactly as an end rule ends it: membership
 * released, the outcome counted, a step left in doubt settled, and its exit steps started. It is not
 * re-driven: a task that failed through 16 retries over more than an hour would most likely fail
 * again, and an execution an operator aborted was meant to end. Our own stops (an end rule, a
 * timeout, a failed step's fail_run, a stopped moment) end the run *before* stopping its execution,
 * so they find it no longer active and change nothing. Idempotent: a redelivered event finds the run
 * ended by this very cause, and only re-drives the exit steps' start (one execution by name).
 */
import * as z from "zod/mini";
import { EXECUTION_FAILURE_STATUSES, EXECUTION_STATUS_CHANGE } from "../contracts/bus.js";
import type { ExecutionInput, RunInput } from "../contracts/workflow.js";
import type { ExecutionInputReader } from "../ports/runs.js";
import { type EndRunDeps, endRun } from "./end-run.js";

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

export type ExecutionFailedDeps = EndRunDeps & { executions: ExecutionInputReader };

export type ExecutionFailedResult =
  | { outcome: "run_ended"; workspaceId: string; runId: string; status: string }
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
  const input = parseInput(text);
  if (!input) return { outcome: "ignored", why: "not_a_run" };
  // Completion and exit steps run after their run ended: there is nothing left to end.
  if (input.phase !== "entry") return { outcome: "ignored", why: "end_execution", runId: input.runId };
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

/**
 * The run an execution's input names, with its phase, or undefined for anything else (an
 * abandonment gate): wake-ups name it by reference; executions started before carried the run.
 */
function parseInput(
  text: string | undefined,
): { workspaceId: string; runId: string; phase: string } | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new MalformedExecutionEventError("The execution's input is not JSON");
  }
  const wakes = (value as Partial<ExecutionInput> | null)?.wakes;
  const wake = Array.isArray(wakes) ? wakes.find((candidate) => "run" in candidate) : undefined;
  const input = (wake ?? value) as Partial<Pick<RunInput, "phase">> & {
    run?: { workspaceId?: unknown; runId?: unknown };
  };
  if (typeof input?.run?.runId !== "string" || typeof input.run.workspaceId !== "string") return undefined;
  return { workspaceId: input.run.workspaceId, runId: input.run.runId, phase: String(input.phase) };
}
