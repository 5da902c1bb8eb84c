import type { AccountProfile } from "../domain/profile.js";

/**
 * An account's profile: its traits (the organization: `organization_name`, `plan`, `arr`...) and
 * the activity the engine keeps (see `touch`). Conditions read it as `account.*` through
 * `accountAttributes` (shared/domain/identify.ts).
 */
export type Profile = AccountProfile & {
  /** When the account's latest event happened (ISO 8601); never moves back. */
  lastSeenAt?: string;
  /** Events seen per name, keyed by `eventCountKey(name)`. */
  eventCounts?: Record<string, number>;
};

/** A person's profile (`first_name`, `email`, `role`...), and the account they were last seen with. */
export interface UserProfile {
  workspaceId: string;
  userId: string;
  accountId?: string;
  traits: Record<string, unknown>;
  updatedAt?: string;
}

/**
 * The stored values, before a merge, of the traits it was given; a trait absent here had no value.
 * Feed it with the merged traits to `diffTraits` to learn what changed.
 */
export type PreviousTraits = Record<string, unknown>;

export interface ProfileRepository {
  /**
   * Shallow merge into the account's traits: each given trait replaces the stored one; others are
   * kept. Answers the given traits' previous values, read atomically with the write (so two
   * concurrent merges each see the value they replaced).
   */
  mergeTraits(
    workspaceId: string,
    accountId: string,
    traits: Record<string, unknown>,
    at: string,
  ): Promise<PreviousTraits>;
  /** The same for a user's traits; records `accountId` as the user's account when given. */
  mergeUserTraits(
    workspaceId: string,
    userId: string,
    traits: Record<string, unknown>,
    at: string,
    accountId?: string,
  ): Promise<PreviousTraits>;
  /**
   * Records an event of the account: `lastSeenAt` becomes `at` unless it is already later (events
   * arrive out of order), and the counter of `eventName` grows by one, once per `messageId` (within
   * the dedupe window): a redelivered message, a copy processed at the same instant, or a write
   * retried after its answer was lost counts nothing more (`already_applied`). With `finished`, the
   * message is also marked processed (see MessageLog), atomically with its activity, when this
   * touch applies it: for a message with nothing left to do once touched. `copy` is kept with the
   * message's mark when this touch applies (MessageLog.touchedBy).
   */
  touch(
    workspaceId: string,
    accountId: string,
    eventName: string,
    at: string,
    messageId: string,
    finished?: { at: string; outcome: unknown },
    copy?: string,
  ): Promise<TouchResult>;
  get(workspaceId: string, accountId: string): Promise<Profile | undefined>;
  getUser(workspaceId: string, userId: string): Promise<UserProfile | undefined>;
}

export type TouchResult = "applied" | "already_applied";
