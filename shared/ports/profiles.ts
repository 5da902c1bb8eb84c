import type { AccountProfile } from "../domain/profile.js";

export type Profile = AccountProfile;

export interface ProfileRepository {
  /** Shallow merge: each given trait replaces the stored one; others are kept. */
  mergeTraits(
    workspaceId: string,
    accountId: string,
    traits: Record<string, unknown>,
    at: string,
  ): Promise<void>;
  get(workspaceId: string, accountId: string): Promise<Profile | undefined>;
}
