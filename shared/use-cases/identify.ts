import type { IdentifyReceivedDetail } from "../contracts/bus-details.js";
import { type Identify, identifySchema } from "../domain/identify.js";
import { parseOrThrow } from "../domain/validation.js";
import type { WriteKeyOwner } from "../ports/keys.js";
import { authenticateSender } from "./authenticate.js";
import {
  assertOriginAllowed,
  assertWithinEventLimit,
  detailHeader,
  type IngestDeps,
} from "./ingest-event.js";

/** The bus detail of a validated identify. */
export function identifyDetail(
  owner: WriteKeyOwner,
  identify: Identify,
  receivedAt: string,
): IdentifyReceivedDetail {
  return {
    ...detailHeader(owner, identify, receivedAt),
    ...(identify.traits ? { traits: identify.traits } : {}),
    ...(identify.userTraits ? { userTraits: identify.userTraits } : {}),
  };
}

/**
 * Accepts one identify (POST /v1/identify): account and user traits for the matcher to merge into
 * the profiles. Same guarantees as an event: origin checked first, 413 over 32 KB, and an answer
 * only once the bus has taken it (503 otherwise; resending the same messageId is safe).
 */
export async function ingestIdentify(
  deps: IngestDeps,
  owner: WriteKeyOwner,
  body: unknown,
  origin?: string,
  userToken?: string,
): Promise<{ messageId: string }> {
  assertOriginAllowed(owner, origin);
  const identify = parseOrThrow(identifySchema, body);
  authenticateSender(owner, { origin, userToken }, identify, deps.clock.now());
  const detail = identifyDetail(owner, identify, deps.clock.now().toISOString());
  assertWithinEventLimit(detail, "An identify");
  await deps.publisher.publish([detail]);
  return { messageId: detail.messageId };
}
