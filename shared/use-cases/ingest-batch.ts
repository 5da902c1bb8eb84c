import type { BusDetail } from "../contracts/bus-details.js";
import {
  DomainError,
  errorBody,
  type FieldProblem,
  PayloadTooLargeError,
  ValidationError,
} from "../domain/errors.js";
import {
  type BatchItemType,
  batchEnvelopeSchema,
  batchItemTypes,
  MAX_BATCH_BYTES,
  MAX_BATCH_ITEMS,
  trackEventSchema,
} from "../domain/event.js";
import { identifySchema } from "../domain/identify.js";
import { parseOrThrow } from "../domain/validation.js";
import type { WriteKeyOwner } from "../ports/keys.js";
import { authenticateSender, type Sender, senderNeedsUserToken } from "./authenticate.js";
import { identifyDetail } from "./identify.js";
import { assertOriginAllowed, assertWithinEventLimit, type IngestDeps, trackDetail } from "./ingest-event.js";

/** Why one item of a batch was refused: the API's error body, as a single request would get it. */
export interface ItemError {
  code: string;
  message: string;
  /** Failing fields, with paths inside the item (`accountId`, `properties`...). */
  details?: FieldProblem[];
}

/**
 * The answer to POST /v1/batch (202). Both lists are in index order and together name every item
 * once: `accepted` gives each accepted item's messageId (the client's, or the one generated for it),
 * `rejected` says why each other item was refused.
 */
export interface BatchResult {
  accepted: Array<{ index: number; messageId: string }>;
  rejected: Array<{ index: number; error: ItemError }>;
}

function isBatchItemType(value: unknown): value is BatchItemType {
  return (batchItemTypes as readonly unknown[]).includes(value);
}

/** An item of a batch as its bus detail, or the error a single request with it would get. */
function itemDetail(owner: WriteKeyOwner, sender: Sender, item: unknown, now: Date): BusDetail {
  const receivedAt = now.toISOString();
  if (item === null || typeof item !== "object" || Array.isArray(item)) {
    throw new ValidationError([{ path: "", message: "must be an object" }]);
  }
  const type = (item as { type?: unknown }).type;
  if (!isBatchItemType(type)) {
    throw new ValidationError([{ path: "type", message: `must be "track" or "identify"` }]);
  }
  // The `type` field is not part of either schema; both ignore unknown fields.
  let detail: BusDetail;
  if (type === "track") {
    const event = parseOrThrow(trackEventSchema, item);
    authenticateSender(owner, sender, event, now);
    detail = trackDetail(owner, event, receivedAt);
  } else {
    const identify = parseOrThrow(identifySchema, item);
    authenticateSender(owner, sender, identify, now);
    detail = identifyDetail(owner, identify, receivedAt);
  }
  assertWithinEventLimit(detail, type === "track" ? "An event" : "An identify");
  return detail;
}

/**
 * Accepts up to MAX_BATCH_ITEMS track and identify items (POST /v1/batch). Each item is validated
 * on its own: an invalid or oversized one is reported by index and its valid siblings go through.
 * The whole request fails only for what concerns all of it: a refused origin (403), a malformed
 * envelope (400), too many items or bytes (413), or a bus that would not take every accepted item
 * (503: then the client resends the batch, and items with their own messageId are not processed
 * twice; items without one get fresh ids, so a client that may retry should always send messageIds).
 */
export async function ingestBatch(
  deps: IngestDeps,
  owner: WriteKeyOwner,
  body: unknown,
  origin?: string,
  userToken?: string,
): Promise<BatchResult> {
  assertOriginAllowed(owner, origin);
  const sender = { origin, userToken };
  // A browser batch without any token is refused whole; a token that does not fit an item's
  // account and user rejects that item (401 in its error), like any other invalid item.
  if (userToken === undefined && senderNeedsUserToken(owner, sender)) {
    authenticateSender(owner, sender, { accountId: "" }, deps.clock.now());
  }
  const bytes = body === undefined ? 0 : Buffer.byteLength(JSON.stringify(body), "utf8");
  if (bytes > MAX_BATCH_BYTES) {
    throw new PayloadTooLargeError(
      `A batch may be at most ${MAX_BATCH_BYTES / 1024} KB; this one is ${Math.ceil(bytes / 1024)} KB. Split it into several requests`,
    );
  }
  const { batch } = parseOrThrow(batchEnvelopeSchema, body);
  if (batch.length > MAX_BATCH_ITEMS) {
    throw new PayloadTooLargeError(
      `A batch may hold at most ${MAX_BATCH_ITEMS} items; this one has ${batch.length}. Split it into several requests`,
    );
  }
  const now = deps.clock.now();
  const result: BatchResult = { accepted: [], rejected: [] };
  const details: BusDetail[] = [];
  batch.forEach((item, index) => {
    try {
      const detail = itemDetail(owner, sender, item, now);
      details.push(detail);
      result.accepted.push({ index, messageId: detail.messageId });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      result.rejected.push({ index, error: errorBody(error) });
    }
  });
  // All or nothing on the bus side: the publisher retries refused entries and throws (503) if any
  // accepted item is still not on the bus, so a 202 always means every accepted item is.
  if (details.length > 0) await deps.publisher.publish(details);
  return result;
}
