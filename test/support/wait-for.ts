/**
 * Polls `probe` until it returns a value other than `undefined`/`false`, or throws after `timeoutMs`.
 * Tests use this instead of fixed sleeps so they are as fast as the system under test allows and
 * still fail with a clear message instead of hanging.
 *
 * The interval starts at `intervalMs` and doubles up to `maxIntervalMs`: most probes are HTTP requests
 * to the local stack in the same process (a run view costs a handler call and several DynamoDB
 * queries), so polling every 10 ms for seconds took CPU from the very work being waited for.
 */
export interface WaitForOptions {
  /**
   * How long before the wait fails (default 30 s). A failure detector, not a speed check: a passing
   * wait returns as soon as its condition holds, whatever the deadline, and a CI machine of two
   * cores at load average 20 can take several seconds for what takes 100 ms on a quiet one (a 5 s
   * default tripped there). Speed is proven by `npm run bench`, not by deadlines.
   */
  timeoutMs?: number;
  /** The first interval between probes (default 10 ms). */
  intervalMs?: number;
  /** The longest interval between probes (default 100 ms, or `intervalMs` if larger). */
  maxIntervalMs?: number;
  /** Shown in the timeout error. */
  description?: string;
}

export async function waitFor<T>(
  probe: () => T | Promise<T>,
  {
    timeoutMs = 30_000,
    intervalMs = 10,
    maxIntervalMs = 100,
    description = "condition",
  }: WaitForOptions = {},
): Promise<Exclude<T, undefined | false>> {
  const deadline = Date.now() + timeoutMs;
  let interval = intervalMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as Exclude<T, undefined | false>;
      lastError = undefined;
    } catch (error) {
      // A probe that throws (e.g. an assertion) counts as "not yet"; its error is reported on timeout.
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? `: ${lastError.message}` : "";
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${description}${detail}`);
    }
    // The last probe falls on the deadline, not up to an interval after it.
    await new Promise((resolve) => setTimeout(resolve, Math.min(interval, deadline - Date.now())));
    interval = Math.max(intervalMs, Math.min(interval * 2, maxIntervalMs));
  }
}
