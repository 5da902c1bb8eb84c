/**
 * Durations as numbers: the rules of step delays, timeouts and cool-downs that the engine applies to
 * moments already validated. No schemas here (they are in primitives.ts): a function that only
 * computes with a duration does not build them at its cold start (esbuild keeps every module-level
 * zod call of a module that is imported).
 */

export type DurationUnit = "minutes" | "hours" | "days";
export interface Duration {
  amount: number;
  unit: DurationUnit;
}

export const secondsPerUnit: Record<DurationUnit, number> = { minutes: 60, hours: 3600, days: 86_400 };

/** A Standard Step Functions execution lives at most one year, so no single wait may exceed it. */
export const MAX_DURATION_SECONDS = 365 * 86_400 - 86_400;

export function durationToSeconds(duration: Duration): number {
  return duration.amount * secondsPerUnit[duration.unit];
}

/**
 * Seconds to wait for a delay under a time scale (1 = real time; 0.001 makes a day last 86 s;
 * 0 = no waiting). Step Functions waits whole seconds.
 */
export function scaledDelaySeconds(duration: Duration, timeScale: number): number {
  return Math.max(0, Math.round(durationToSeconds(duration) * timeScale));
}
