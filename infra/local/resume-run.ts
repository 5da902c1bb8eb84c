/**
 * How the local Step Functions resumes a run's execution after a restart (with `MOMENTS_DATA_DIR`):
 * what it remembers of each task, and the input it runs the execution again with. On AWS an
 * execution outlives any process; locally, this is what makes a restart keep in-flight runs.
 *
 * A wake-up is done once its action task returned (its steps' outcomes are recorded). The resumed
 * execution runs the wake-ups not done, the first after what is left of its wait (counted, as the
 * workflow counts it, from the previous wake-up's end or the execution's start), the others with
 * their own; a gate waits until its absolute due time. A wake-up whose task was running when the
 * process died runs again: its steps' claims make that safe, as when Step Functions retries a task
 * on AWS, and a wake-up that finds the run's timeout passed ends the run instead of acting.
 *
 * Executions journaled before wake-ups (their input carried whole steps) resume as they did: the
 * steps not done, the first after what is left of its delay; a timeout at its original due time.
 */
import type { ExecutionInput, RunInput, Wake } from "../../shared/contracts/workflow.js";
import { isRecord } from "./http.js";
import type { PersistedExecution } from "./step-functions.js";

/**
 * The checkpoint of an action task that returned: a wake-up done, or (before wake-ups) the ids of
 * the steps it finished.
 */
export function runTaskCheckpoint(
  _stateName: string,
  payload: unknown,
): { wake: true } | { stepIds: string[] } | undefined {
  // Run-state tasks (their payload has a `type`) record lifecycle changes, not steps.
  if (!isRecord(payload) || "type" in payload) return undefined;
  if (isRecord(payload.wake)) return { wake: true };
  const steps = Array.isArray(payload.steps) ? payload.steps : [payload.step];
  const stepIds = steps.flatMap((step) => (isRecord(step) && typeof step.id === "string" ? [step.id] : []));
  return stepIds.length > 0 ? { stepIds } : undefined;
}

const remainingSeconds = (dueMs: number, nowMs: number) => Math.max(0, Math.ceil(dueMs - nowMs)) / 1000;

/** The input to run a journaled execution of the run workflow with, `nowMs` after it started. */
export function resumeRunInput(execution: PersistedExecution, nowMs: number): string {
  const input: unknown = JSON.parse(execution.input);
  if (isRecord(input) && Array.isArray(input.wakes))
    return resumeWakes(execution, input as unknown as ExecutionInput, nowMs);
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

function resumeWakes(execution: PersistedExecution, input: ExecutionInput, nowMs: number): string {
  const done = execution.checkpoints.filter(({ value }) => isRecord(value) && value.wake === true);
  const previousEndMs = done.at(-1)?.at ?? execution.startMs;
  const wakes: Wake[] = input.wakes.slice(done.length).map((wake, index) => {
    if ("gate" in wake)
      return { ...wake, seconds: Math.ceil(remainingSeconds(Date.parse(wake.gate.until), nowMs)) };
    if (index > 0) return wake;
    return { ...wake, seconds: Math.ceil(remainingSeconds(previousEndMs + wake.seconds * 1000, nowMs)) };
  });
  return JSON.stringify({ wakes } satisfies ExecutionInput);
}
