import { randomUUID } from "node:crypto";
import type { EventReceivedDetail } from "../contracts/bus.js";
import { PayloadTooLargeError } from "../domain/errors.js";
import { MAX_EVENT_BYTES, trackEventSchema } from "../domain/event.js";
import { OriginNotAllowedError } from "../domain/forbidden-error.js";
import { isOriginAllowed } from "../domain/origin.js";
import { parseOrThrow } from "../domain/validation.js";
import type { Clock } from "../ports/clock.js";
import type { EventPublisher } from "../ports/delivery.js";
import type { WriteKeyOwner } from "../ports/keys.js";

/**
 * Browsers send an Origin header; servers do not. A browser may send only from a domain its
 * source allows (a write key shipped in a web page can be copied; the origin cannot be forged by
 * another site's page). An empty allowedDomains lets no browser in.
 */
export function assertOriginAllowed(
  owner: Pick<WriteKeyOwner, "allowedDomains">,
  origin: string | undefined,
) {
  if (origin === undefined) return;
  if (!isOriginAllowed(origin, owner.allowedDomains)) {
    throw new OriginNotAllowedError(
      `Origin ${origin.slice(0, 200)} is not in this source's allowedDomains; add its host to the source to send from that site`,
    );
  }
}

/**
 * Accepts one product event: checks the sending origin, validates the event and puts it on the bus.
 * It answers only once the bus has taken the event (the publisher throws otherwise, and the client
 * retries with the same messageId).
 */
export async function ingestEvent(
  deps: { publisher: EventPublisher; clock: Clock },
  owner: WriteKeyOwner,
  body: unknown,
  origin?: string,
): Promise<{ messageId: string }> {
  assertOriginAllowed(owner, origin);
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
