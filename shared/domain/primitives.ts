import * as z from "zod/mini";

/** Ids we generate: time-sortable, URL-safe. */
export const idSchema = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, "must be an id"));

/** Human-facing names. */
export const nameSchema = z.string().check(z.trim(), z.minLength(1), z.maxLength(200));

/** Event names as apps send them ("trial_ending_soon", "Order Completed"). */
export const eventNameSchema = z
  .string()
  .check(z.regex(/^[^\p{Cc}]{1,200}$/u, "must be 1 to 200 characters with no control characters"));

/** Free-form JSON object (event properties, traits). */
export const jsonObjectSchema = z.record(z.string(), z.unknown());

export const durationUnitSchema = z.enum(["minutes", "hours", "days"]);
export type DurationUnit = z.infer<typeof durationUnitSchema>;

const secondsPerUnit: Record<DurationUnit, number> = { minutes: 60, hours: 3600, days: 86_400 };

/** A Standard Step Functions execution lives at most one year, so no single wait may exceed it. */
export const MAX_DURATION_SECONDS = 365 * 86_400 - 86_400;

export const durationSchema = z
  .strictObject({
    amount: z.int().check(z.minimum(0)),
    unit: durationUnitSchema,
  })
  .check(
    z.refine((d) => d.amount * secondsPerUnit[d.unit] <= MAX_DURATION_SECONDS, {
      message: "must be under one year (a Step Functions execution lasts at most one year)",
      path: ["amount"],
    }),
  );
export type Duration = z.infer<typeof durationSchema>;

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
