import { isoInstant } from "./evaluate.js";

/** Events older than this (hours before they were received) are recorded but start nothing. */
export const DEFAULT_EVENT_WINDOW_HOURS = 72;

/** How far ahead of the server a client's clock may run before its timestamp is distrusted. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The instant an event is taken to have happened: its own timestamp, unless that is missing, not an
 * ISO 8601 date-time, or more than 5 minutes ahead of when we received it (a client clock running
 * fast), in which case it is the receive time. Up to 5 minutes ahead, the timestamp is kept as sent.
 */
export function effectiveTimestamp(timestamp: string | undefined, receivedAt: string): string {
  if (timestamp === undefined) return receivedAt;
  const at = isoInstant(timestamp);
  const received = isoInstant(receivedAt);
  if (at === undefined) return receivedAt;
  if (received !== undefined && at - received > MAX_CLOCK_SKEW_MS) return receivedAt;
  return timestamp;
}

/**
 * Did the event happen more than `windowHours` before it was received (too old to start a moment)?
 * Exactly at the window's edge still counts as recent; a future timestamp is judged as the
 * receive time (see effectiveTimestamp), so it is never too old.
 */
export function isTooOld(
  timestamp: string,
  receivedAt: string,
  windowHours: number = DEFAULT_EVENT_WINDOW_HOURS,
): boolean {
  const at = isoInstant(effectiveTimestamp(timestamp, receivedAt));
  const received = isoInstant(receivedAt);
  if (at === undefined || received === undefined) return false;
  return received - at > windowHours * 3_600_000;
}
