import type { EnvName } from "./contracts/functions.js";
import { DEFAULT_EVENT_WINDOW_HOURS } from "./domain/event-window.js";

/**
 * Reads a function's environment once, at cold start, and fails loudly naming what is missing:
 * a misconfigured function should not start, rather than fail on its first request.
 */
export function readEnv<N extends EnvName>(required: readonly N[], env: NodeJS.ProcessEnv = process.env) {
  const missing = required.filter((name) => !env[name]);
  if (missing.length > 0) throw new Error(`Missing environment variables: ${missing.join(", ")}`);
  return Object.fromEntries(required.map((name) => [name, env[name] as string])) as Record<N, string>;
}

/** Hours an event may be old and still start moments (MOMENTS_EVENT_WINDOW_HOURS, default 72). */
export function readEventWindowHours(value: string | undefined): number {
  if (value === undefined || value === "") return DEFAULT_EVENT_WINDOW_HOURS;
  const hours = Number(value);
  if (!Number.isFinite(hours) || hours <= 0) {
    throw new Error(`MOMENTS_EVENT_WINDOW_HOURS must be a number > 0, got "${value}"`);
  }
  return hours;
}

export function readTimeScale(value: string | undefined): number {
  if (value === undefined || value === "") return 1;
  const scale = Number(value);
  if (!Number.isFinite(scale) || scale < 0)
    throw new Error(`MOMENTS_TIME_SCALE must be a number >= 0, got "${value}"`);
  return scale;
}
