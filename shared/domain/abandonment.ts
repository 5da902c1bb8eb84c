import { type Duration, scaledDelaySeconds } from "./durations.js";
import { isoInstant } from "./evaluate.js";
import type { StartRule } from "./moment.js";

/** Longest run key, in UTF-8 bytes: it becomes part of DynamoDB keys (a sort key holds 1 KB). */
export const MAX_RUN_KEY_BYTES = 256;

/**
 * The run key an event carries: the value of the moment's `key` property as a string (a number is
 * written as JavaScript prints it, so 42 and "42" are one key; booleans as "true"/"false"); undefined
 * when the moment has no key, and also when the event has no usable value for it (absent, null,
 * empty, an object or array, or longer than MAX_RUN_KEY_BYTES). Use lacksRunKey to tell the two apart.
 */
export function runKeyOf(
  start: Pick<StartRule, "key">,
  properties: Record<string, unknown>,
): string | undefined {
  if (start.key === undefined || !Object.hasOwn(properties, start.key)) return undefined;
  const value = properties[start.key];
  const key =
    typeof value === "string"
      ? value
      : (typeof value === "number" && Number.isFinite(value)) || typeof value === "boolean"
        ? String(value)
        : undefined;
  if (key === undefined || key === "" || Buffer.byteLength(key, "utf8") > MAX_RUN_KEY_BYTES) return undefined;
  return key;
}

/**
 * Does a keyed moment get an event without a usable key value? Such an event cannot be attributed to
 * any of the account's keyed runs, so it starts, arms, cancels and ends nothing (the decision log
 * records it as skipped) rather than falling back to one run for the whole account.
 */
export function lacksRunKey(start: Pick<StartRule, "key">, properties: Record<string, unknown>): boolean {
  return start.key !== undefined && runKeyOf(start, properties) === undefined;
}

/**
 * When an armed abandonment timer fires: `within` after the trigger event's timestamp, scaled like
 * step delays (whole seconds). A trigger that is already older than `within` is due in the past, i.e.
 * at once. Throws a RangeError on a timestamp that is not an ISO 8601 date-time (callers validate).
 */
export function dueAt(eventTimestamp: string, within: Duration, timeScale: number): string {
  const at = isoInstant(eventTimestamp);
  if (at === undefined) throw new RangeError(`not an ISO 8601 timestamp: ${JSON.stringify(eventTimestamp)}`);
  return new Date(at + scaledDelaySeconds(within, timeScale) * 1000).toISOString();
}
