import { randomUUID } from "node:crypto";
import type { EventReceivedDetail } from "../contracts/bus.js";
import { PayloadTooLargeError } from "../domain/errors.js";
import { MAX_EVENT_BYTES, trackEventSchema } from "../domain/event.js";
import { parseOrThrow } from "../domain/validation.js";
import type { Clock } from "../ports/clock.js";
import type { EventPublisher } from "../ports/delivery.js";
import type { WriteKeyOwner } from "../ports/keys.js";

/**
 * Accepts one product event: validates it and puts it on the bus. It answers only once the bus has
 * taken the event (the publisher throws otherwise, and the client retries with the same messageId).
 */
export async function ingestEvent(
  deps: { publisher: EventPublisher; clock: Clock },
  owner: WriteKeyOwner,
  body: unknown,
): Promise<{ messageId: string }> {
  const event = parseOrThrow(trackEventSchema, body);
  const receivedAt = deps.clock.now().toISOString();
  const detail: EventReceivedDetail = {
    workspaceId: owner.workspaceId,
    sourceId: owner.sourceId,
    messageId: event.messageId ?? randomUUID(),
    event: event.event,
    accountId: event.accountId,
    ...(event.userId ? { userId: event.userId } : {}),
    timestamp: event.timestamp ? new Date(event.timestamp).toISOString() : receivedAt,
    receivedAt,
    properties: event.properties,
    ...(event.traits ? { traits: event.traits } : {}),
  };
  const size = Buffer.byteLength(JSON.stringify(detail), "utf8");
  if (size > MAX_EVENT_BYTES) {
    throw new PayloadTooLargeError(
      `An event may be at most ${MAX_EVENT_BYTES / 1024} KB; this one is ${Math.ceil(size / 1024)} KB`,
    );
  }
  await deps.publisher.publish([detail]);
  return { messageId: detail.messageId };
}
