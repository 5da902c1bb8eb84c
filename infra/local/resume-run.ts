/**
 * How the local Step Functions resumes a run's execution after a restart (with `MOMENTS_DATA_DIR`):
 * what it remembers of each task, and the input it runs the execution again with. On AWS an
 * execution outlives any process; locally, this is what makes a restart keep in-flight runs.
 *
 * A step is done once its action task returned (its outcome is recorded: executed, skipped, or failed
 * and its policy is `continue`). The resumed execution runs the steps not done, the first after what
 * is left of its delay (counted, as the workflow counts it, from the previous step's end or the
 * execution's start), the others with their own delays; a timeout fires at its original due time
 * (at once if that passed while stopped), and a gate (an armed abandonment start) waits until its
 * absolute due time anyway. A step whose task was running when the process died runs again: the
 * step's claim makes that safe, as when Step Functions retries a task on AWS.
 */
import type { RunInput } from "../../shared/contracts/workflow.js";
import { isRecord } from "./http.js";
import type { PersistedExecution } from "./step-functions.js";

/** The checkpoint of an action task that returned: the ids of the steps it finished. */
export function runTaskCheckpoint(_stateName: string, payload: unknown): { stepIds: string[] } | undefined {
  // Run-state tasks (their payload has a `type`) record lifecycle changes, not steps.
  if (!isRecord(payload) || "type" in payload) return undefined;
  const steps = Array.isArray(payload.steps) ? payload.steps : [payload.step];
  const stepIds = steps.flatMap((step) => (isRecord(step) && typeof step.id === "string" ? [step.id] : []));
  return stepIds.length > 0 ? { stepIds } : undefined;
}

const remainingSeconds = (dueMs: number, nowMs: number) => Math.max(0, Math.ceil(dueMs - nowMs)) / 1000;

/** The input to run a journaled execution of the run workflow with, `nowMs` after it started. */
export function resumeRunInput(execution: PersistedExecution, nowMs: number): string {
  const input: unknown = JSON.parse(execution.input);
  // A gate (no steps) waits until its absolute due time: its input needs no change.
  if (!isRecord(input) || !Array.isArray(input.steps)) return execution.input;
  const run = input as unknown as RunInput;

  const doneAt = new Map<string, number>();
  for (const { at, value } of execution.checkpoints) {
    if (!isRecord(value) || !Array.isArray(value.stepIds)) continue;
    for (const id of value.stepIds) if (typeof id === "string") doneAt.set(id, at);
  }
  let previousEndMs = execution.startMs;
  let waitingFound = false;
  const steps: RunInput["steps"] = [];
  for (const step of run.steps) {
    const finishedAt = doneAt.get(step.id);
    if (finishedAt !== undefined) {
      previousEndMs = finishedAt;
      continue;
    }
    if (!waitingFound) {
      waitingFound = true;
      const delaySeconds = remainingSeconds(previousEndMs + step.delaySeconds * 1000, nowMs);
      steps.push({ ...step, delaySeconds });
    } else {
      steps.push(step);
    }
  }
  const resumed: RunInput = { ...run, steps };
  if (run.timeout !== undefined) {
    resumed.timeout = {
      ...run.timeout,
      seconds: remainingSeconds(execution.startMs + run.timeout.seconds * 1000, nowMs),
    };
  }
  return JSON.stringify(resumed);
}
