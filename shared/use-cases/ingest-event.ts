import { randomUUID } from "node:crypto";
import type { DetailHeader, TrackReceivedDetail } from "../contracts/bus-details.js";
import { PayloadTooLargeError } from "../domain/errors.js";
import { MAX_EVENT_BYTES, type TrackEvent, trackEventSchema } from "../domain/event.js";
import { OriginNotAllowedError } from "../domain/forbidden-error.js";
import { isOriginAllowed } from "../domain/origin.js";
import { parseOrThrow } from "../domain/validation.js";
import type { Clock } from "../ports/clock.js";
import type { EventPublisher } from "../ports/delivery.js";
import type { WriteKeyOwner } from "../ports/keys.js";
import { authenticateSender } from "./authenticate.js";

export interface IngestDeps {
  publisher: EventPublisher;
  clock: Clock;
}

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
 * The part of a bus detail every ingested message shares: its owner, its messageId (the client's, or
 * a fresh one: a client that may retry should send its own) and its times, in UTC.
 */
export function detailHeader(
  owner: WriteKeyOwner,
  message: {
    accountId: string;
    userId?: string | undefined;
    messageId?: string | undefined;
    timestamp?: string | undefined;
  },
  receivedAt: string,
): DetailHeader {
  return {
    workspaceId: owner.workspaceId,
    sourceId: owner.sourceId,
    messageId: message.messageId ?? randomUUID(),
    accountId: message.accountId,
    ...(message.userId ? { userId: message.userId } : {}),
    timestamp: message.timestamp ? new Date(message.timestamp).toISOString() : receivedAt,
    receivedAt,
  };
}

/** The bus detail of a validated track event. */
export function trackDetail(
  owner: WriteKeyOwner,
  event: TrackEvent,
  receivedAt: string,
): TrackReceivedDetail {
  return {
    ...detailHeader(owner, event, receivedAt),
    event: event.event,
    properties: event.properties,
    ...(event.traits ? { traits: event.traits } : {}),
    ...(event.userTraits ? { userTraits: event.userTraits } : {}),
  };
}

/** Refuses a message whose bus detail would exceed MAX_EVENT_BYTES (counted in UTF-8 bytes). */
export function assertWithinEventLimit(detail: unknown, what = "An event") {
  const size = Buffer.byteLength(JSON.stringify(detail), "utf8");
  if (size > MAX_EVENT_BYTES) {
    throw new PayloadTooLargeError(
      `${what} may be at most ${MAX_EVENT_BYTES / 1024} KB; this one is ${Math.ceil(size / 1024)} KB`,
    );
  }
}

/**
 * Accepts one product event: checks the sending origin (and a browser's user token, when the source
 * requires one), validates the event and puts it on the bus. It answers only once the bus has taken
 * the event (the publisher throws otherwise, and the client retries with the same messageId).
 */
export async function ingestEvent(
  deps: IngestDeps,
  owner: WriteKeyOwner,
  body: unknown,
  origin?: string,
  userToken?: string,
): Promise<{ messageId: string }> {
  assertOriginAllowed(owner, origin);
  const event = parseOrThrow(trackEventSchema, body);
  authenticateSender(owner, { origin, userToken }, event, deps.clock.now());
  const detail = trackDetail(owner, event, deps.clock.now().toISOString());
  assertWithinEventLimit(detail);
  await deps.publisher.publish([detail]);
  return { messageId: detail.messageId };
}
