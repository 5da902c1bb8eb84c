import { NotFoundError, ValidationError } from "../domain/errors.js";
import { normaliseAddress, type Suppression } from "../domain/suppression.js";
import {
  maskAddress,
  parseUnsubscribeToken,
  signUnsubscribeToken,
  unsubscribeUrl,
  verifyUnsubscribeToken,
} from "../domain/unsubscribe.js";
import type { Clock } from "../ports/clock.js";
import type { Page } from "../ports/email-templates.js";
import type { SuppressionList, SuppressionStore, UnsubscribeKeyStore } from "../ports/suppressions.js";
import { parsePageQuery } from "./paging.js";

export interface UnsubscribeLinkDeps {
  keys: Pick<UnsubscribeKeyStore, "signingKey">;
  publicApiUrl: string;
}

export interface UnsubscribeDeps {
  keys: Pick<UnsubscribeKeyStore, "verificationKey">;
  suppressions: SuppressionList;
  clock: Clock;
}

/** What a valid token names: its workspace, and its address masked for a page anyone holding the link may open. */
export interface UnsubscribeView {
  workspaceId: string;
  address: string;
  unsubscribed: boolean;
}

/** The unsubscribe link for one recipient of one workspace, signed now. */
export async function unsubscribeLink(
  deps: UnsubscribeLinkDeps,
  workspaceId: string,
  address: string,
  issuedAt: Date,
): Promise<string> {
  const key = await deps.keys.signingKey(workspaceId);
  return unsubscribeUrl(deps.publicApiUrl, signUnsubscribeToken({ workspaceId, address, issuedAt }, key));
}

/**
 * Every bad token is answered alike, naming only the field: whether the signature, the key or the
 * format was wrong would help someone forging tokens and nobody else.
 */
const invalidToken = () =>
  new ValidationError(
    [{ path: "token", message: "is not a valid unsubscribe link" }],
    "Invalid unsubscribe link",
  );

async function verifiedClaims(deps: Pick<UnsubscribeDeps, "keys">, token: string | undefined) {
  const parsed = token === undefined ? undefined : parseUnsubscribeToken(token);
  if (!parsed) throw invalidToken();
  const secret = await deps.keys.verificationKey(parsed.claims.workspaceId, parsed.keyId);
  if (!secret || !verifyUnsubscribeToken(parsed, secret)) throw invalidToken();
  const address = normaliseAddress(parsed.claims.address);
  if (!address) throw invalidToken();
  return { workspaceId: parsed.claims.workspaceId, address };
}

/** What the footer link shows before anything changes (a GET must never unsubscribe: scanners prefetch). */
export async function viewUnsubscribe(
  deps: Pick<UnsubscribeDeps, "keys" | "suppressions">,
  token: string | undefined,
): Promise<UnsubscribeView> {
  const { workspaceId, address } = await verifiedClaims(deps, token);
  const suppression = await deps.suppressions.getSuppression(workspaceId, address);
  return { workspaceId, address: maskAddress(address), unsubscribed: suppression !== undefined };
}

/**
 * Suppresses the token's address (reason unsubscribed). Idempotent: a second click, or a mail
 * provider's one-click POST after the person's own, changes nothing and answers the same.
 */
export async function unsubscribe(
  deps: UnsubscribeDeps,
  token: string | undefined,
): Promise<UnsubscribeView & { changed: boolean }> {
  const { workspaceId, address } = await verifiedClaims(deps, token);
  const result = await deps.suppressions.suppress(workspaceId, {
    address,
    reason: "unsubscribed",
    suppressedAt: deps.clock.now().toISOString(),
  });
  return { workspaceId, address: maskAddress(address), unsubscribed: true, changed: result === "suppressed" };
}

/** The admin's view of the suppression list: who is not emailed any more, and why. */
export async function listSuppressions(
  deps: { suppressions: Pick<SuppressionStore, "listSuppressions"> },
  workspaceId: string,
  query: Record<string, string | undefined>,
): Promise<Page<Suppression>> {
  return deps.suppressions.listSuppressions(workspaceId, parsePageQuery(query));
}

/**
 * Lifts a suppression (the person asked to be emailed again, or a bounce was the mailbox's passing
 * fault). The address is normalised as stored; one that is not suppressed is 404.
 */
export async function removeSuppression(
  deps: { suppressions: Pick<SuppressionStore, "removeSuppression"> },
  workspaceId: string,
  address: string,
): Promise<void> {
  const normalised = normaliseAddress(address);
  if (!normalised) throw new ValidationError([{ path: "address", message: "must be an email address" }]);
  if (!(await deps.suppressions.removeSuppression(workspaceId, normalised)))
    throw new NotFoundError("That address is not suppressed");
}
