import type { Suppression } from "../domain/suppression.js";
import type { SigningKey } from "../domain/unsubscribe.js";
import type { Page, PageRequest } from "./email-templates.js";

/** A workspace's suppression list. Addresses are given normalised (normaliseAddress). */
export interface SuppressionList {
  /** Read consistently: an unsubscribe a moment ago stops this send. */
  getSuppression(workspaceId: string, address: string): Promise<Suppression | undefined>;
  /**
   * Adds the address unless it is already suppressed; the first suppression stands (its reason and
   * time are the record), so a replayed bounce or a second click changes nothing.
   */
  suppress(workspaceId: string, suppression: Suppression): Promise<"suppressed" | "already_suppressed">;
}

/** The whole list, for the admin API. */
export interface SuppressionStore extends SuppressionList {
  /** Ordered by address. A cursor from another listing is a ValidationError. */
  listSuppressions(workspaceId: string, page: PageRequest): Promise<Page<Suppression>>;
  /** False when the address was not suppressed. */
  removeSuppression(workspaceId: string, address: string): Promise<boolean>;
}

/** The keys unsubscribe tokens are signed with, one set per workspace. */
export interface UnsubscribeKeyStore {
  /** The key new tokens are signed with; the workspace's set is created on first use. */
  signingKey(workspaceId: string): Promise<SigningKey>;
  /** One key of the workspace's set by id; never creates a set (anyone may present a token). */
  verificationKey(workspaceId: string, keyId: string): Promise<Buffer | undefined>;
  /** Adds a new current key (its id is answered); links signed with the older keys keep working. */
  rotateSigningKey(workspaceId: string): Promise<{ current: string }>;
}
