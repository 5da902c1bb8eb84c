/**
 * The rules the engine applies to a stored moment at run time (the matcher, the workflow tasks).
 * No schemas here (they are in moment.ts, with the actions', some 200 zod schemas): a function that
 * only applies these rules does not build them at its cold start (esbuild keeps every module-level
 * zod call of a module that is imported). moment.ts re-exports them.
 */
import type { Moment, Step, StepPhase, TimeFrame } from "./moment.js";

/** Where a time falls against a moment's time frame (always `within` without one). */
export function timeFramePosition(frame: TimeFrame | undefined, at: string): "before" | "within" | "after" {
  const time = Date.parse(at);
  if (frame?.from !== undefined && time < Date.parse(frame.from)) return "before";
  if (frame?.until !== undefined && time >= Date.parse(frame.until)) return "after";
  return "within";
}

/**
 * May a step of this run still act? Only while its moment is running, and only for runs of the
 * current running period: a run from before a stop whose sweep did not reach it must stay ended
 * even if the moment was started again since.
 */
export function runIsLive(
  moment: Pick<Moment, "status" | "runningSince"> | undefined,
  run: { startedAt: string },
): boolean {
  if (moment?.status !== "running") return false;
  return moment.runningSince === undefined || run.startedAt >= moment.runningSince;
}

/** Steps of one phase, in their order. */
export function stepsOfPhase(moment: Pick<Moment, "steps">, phase: StepPhase): Step[] {
  return moment.steps.filter((step) => step.phase === phase);
}

/** Does a received event start this moment? (Event name and source; filters are the engine's.) */
export function startsMoment(
  moment: Pick<Moment, "status" | "start" | "sourceIds">,
  event: { event: string; sourceId: string },
): boolean {
  return (
    moment.status === "running" &&
    moment.start.event === event.event &&
    moment.sourceIds.includes(event.sourceId)
  );
}
