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
  if (await deps.messages.isProcessed(detail.workspaceId, detail.messageId)) return 0;
  const changes: BusDetail[] = [];
  if (detail.traits && Object.keys(detail.traits).length > 0) {
    const before = await deps.profiles.mergeTraits(
      detail.workspaceId,
      detail.accountId,
      detail.traits,
      detail.receivedAt,
    );
    changes.push(...attributeChangedDetails(detail, "account", diffTraits(before ?? {}, detail.traits)));
  }
  if (detail.userId && detail.userTraits && Object.keys(detail.userTraits).length > 0) {
    const before = await deps.profiles.mergeUserTraits(
      detail.workspaceId,
      detail.userId,
      detail.userTraits,
      detail.receivedAt,
      detail.accountId,
    );
    changes.push(...attributeChangedDetails(detail, "user", diffTraits(before ?? {}, detail.userTraits)));
  }
  if (changes.length > 0) await deps.publisher.publish(changes);
  await deps.messages.markProcessed(detail.workspaceId, detail.messageId, deps.clock.now().toISOString());
  return changes.length;
}
