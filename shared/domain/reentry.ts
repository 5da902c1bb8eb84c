import { type Duration, scaledDelaySeconds } from "./durations.js";
import { isoInstant } from "./evaluate.js";
import type { Reentry } from "./moment.js";

/** The latest run of a (moment, account[, key]): its status, and when it ended once it has. */
export interface PreviousRun {
  status: "active" | "completed" | "success" | "failed" | "stopped";
  endedAt?: string;
}

export type ReentryCheck =
  | { allowed: true }
  | { allowed: false; reason: "already_active" | "reentry_once" | "cooldown"; until?: string };

/**
 * May the account (run key) enter again, given its latest run of this moment? Never while that run is
 * active (whatever the policy); `once`: never after any run, however it ended (stopped included);
 * `after_exit`: as soon as the previous run ended; `cooldown`: once `cooldown` has passed since the
 * previous run *ended* (not started), so a long run never re-enters the moment the instant it ends.
 * Entry is allowed strictly after `until` (the previous run ended before cooldownCutoff, the same
 * test the run store applies atomically). `timeScale` compresses the cooldown like step delays.
 *
 * An ended run without a readable `endedAt` cannot prove a cooldown is still running, so it allows
 * entry rather than locking the account out for good.
 */
export function checkReentry(
  policy: Reentry,
  previous: PreviousRun | undefined,
  now: Date,
  timeScale = 1,
): ReentryCheck {
  if (previous === undefined) return { allowed: true };
  if (previous.status === "active") return { allowed: false, reason: "already_active" };
  switch (policy.policy) {
    case "once":
      return { allowed: false, reason: "reentry_once" };
    case "after_exit":
      return { allowed: true };
    case "cooldown": {
      const endedAt = isoInstant(previous.endedAt);
      if (endedAt === undefined) return { allowed: true };
      const cooldownMs = scaledDelaySeconds(policy.cooldown, timeScale) * 1000;
      return endedAt < now.getTime() - cooldownMs
        ? { allowed: true }
        : { allowed: false, reason: "cooldown", until: new Date(endedAt + cooldownMs).toISOString() };
    }
  }
}

/**
 * The cooldown's cut-off for an entry at `now`: a previous run must have ended strictly before this
 * instant (`now` minus the scaled cooldown) for the account to enter again.
 */
export function cooldownCutoff(cooldown: Duration, now: Date, timeScale = 1): string {
  return new Date(now.getTime() - scaledDelaySeconds(cooldown, timeScale) * 1000).toISOString();
}
