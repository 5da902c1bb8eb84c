/**
 * When a source's debugger is watched. Accepted items are sampled for someone looking at them: the
 * debugger's GET (the console's source page polls it while open; a script may call it) marks the
 * source watched until DEBUGGER_WATCH_MS from then, and ingestion keeps accepted items only while
 * the mark is in the future. Rejected items are kept whether anyone watches or not (a 2xx means on
 * the bus or in the debugger with its reason), and every item is counted.
 *
 * Ingestion learns the mark with the write key it reads anyway (the key's lookup item carries it,
 * like the source's policy), so sampling starts within the key's trust in a container (5 s) of the
 * GET, costs ingestion no read of its own, and stops by itself when nobody asks again.
 */

/** How long one GET of the debugger keeps its source's accepted items sampled. */
export const DEBUGGER_WATCH_MS = 5 * 60_000;
/**
 * A GET rewrites the mark only when less than this is left of it: a console polling every 10 s
 * writes it once a minute, not on every poll (a write of the source and of each of its keys).
 */
export const DEBUGGER_WATCH_RENEW_BELOW_MS = 4 * 60_000;

/** Whether ingestion samples a source's accepted items at `now`, given the mark its key carries. */
export function isDebuggerWatched(watchedUntil: string | undefined, now: Date): boolean {
  return watchedUntil !== undefined && Date.parse(watchedUntil) > now.getTime();
}

/**
 * What a GET of the debugger at `now` does with the mark: `until` is the mark to write, or
 * undefined when the stored one is fresh enough to keep (it has more than the renewal bound left).
 */
export function debuggerWatchRenewal(
  watchedUntil: string | undefined,
  now: Date,
): { until: string; renewIfBefore: string } | undefined {
  const left = watchedUntil === undefined ? 0 : Date.parse(watchedUntil) - now.getTime();
  if (left >= DEBUGGER_WATCH_RENEW_BELOW_MS) return undefined;
  return {
    until: new Date(now.getTime() + DEBUGGER_WATCH_MS).toISOString(),
    // The conditional write's bound: another GET that renewed it meanwhile wins, this one is skipped.
    renewIfBefore: new Date(now.getTime() + DEBUGGER_WATCH_RENEW_BELOW_MS).toISOString(),
  };
}
