import type { BusDetail, IdentifyReceivedDetail } from "../contracts/bus-details.js";
import { attributeChangedDetails, diffTraits } from "../domain/identify.js";
import type { Clock } from "../ports/clock.js";
import type { ProfileRepository } from "../ports/profiles.js";
import type { MessageLog } from "./match-event.js";

export interface IdentifyDeps {
  profiles: ProfileRepository;
  publisher: { publish(details: BusDetail[]): Promise<void> };
  messages: MessageLog;
  clock: Clock;
}

/**
 * Applies an identify: merges the account's traits and the user's, then puts one `attribute_changed`
 * event on the bus per trait whose value changed, so moments can start on it ("plan became pro").
 * Once per messageId in the dedupe window; the change events' messageIds derive from the identify's,
 * so a redelivery that re-publishes them starts nothing twice.
 */
export async function applyIdentify(deps: IdentifyDeps, detail: IdentifyReceivedDetail): Promise<number> {
  const { workspaceId, accountId, userId, messageId } = detail;
  if (await deps.messages.isProcessed(workspaceId, messageId)) return 0;
  const hasTraits =
    accountId !== undefined && detail.traits !== undefined && Object.keys(detail.traits).length > 0;
  const hasUserTraits =
    userId !== undefined && detail.userTraits !== undefined && Object.keys(detail.userTraits).length > 0;
  // The changes are decided before the merge and kept (an outbox): if publishing fails, the retry
  // finds the profile already merged, but publishes the changes decided the first time.
  const [account, user] = await Promise.all([
    hasTraits && accountId ? deps.profiles.get(workspaceId, accountId) : undefined,
    hasUserTraits && userId ? deps.profiles.getUser(workspaceId, userId) : undefined,
  ]);
  // Attribute changes run moments for an account: a person whose account is not known yet only
  // has their traits kept.
  const cause = accountId === undefined ? undefined : { ...detail, accountId };
  const decided: BusDetail[] = cause
    ? [
        ...(hasTraits && detail.traits
          ? attributeChangedDetails(cause, "account", diffTraits(account?.traits ?? {}, detail.traits))
          : []),
        ...(hasUserTraits && detail.userTraits
          ? attributeChangedDetails(cause, "user", diffTraits(user?.traits ?? {}, detail.userTraits))
          : []),
      ]
    : [];
  const changes = await deps.messages.stash(workspaceId, messageId, decided, detail.receivedAt);
  if (hasTraits && accountId && detail.traits) {
    await deps.profiles.mergeTraits(workspaceId, accountId, detail.traits, detail.receivedAt);
  }
  if (hasUserTraits && userId && detail.userTraits) {
    await deps.profiles.mergeUserTraits(workspaceId, userId, detail.userTraits, detail.receivedAt, accountId);
  }
  if (changes.length > 0) await deps.publisher.publish(changes);
  await deps.messages.markProcessed(workspaceId, messageId, deps.clock.now().toISOString());
  return changes.length;
}
