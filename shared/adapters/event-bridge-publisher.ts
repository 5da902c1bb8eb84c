import type { Tracer } from "@aws-lambda-powertools/tracer";
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import { EVENT_SOURCE } from "../contracts/bus.js";
import { type BusDetail, busDetailType } from "../contracts/bus-details.js";
import { ServiceUnavailableError } from "../domain/errors.js";
import type { EventPublisher } from "../ports/delivery.js";
import { CACHED_MIDDLEWARE, sdkClient } from "./sdk-client.js";

const MAX_ENTRIES_PER_CALL = 10;
/**
 * PutEvents refuses a request whose entries add up to more than its bound: 1 MiB on AWS since
 * January 2026, 256 KB before and in emulators that still have the old one (LocalStack's). Calls
 * are kept under the old bound, which works everywhere; an ingestion batch (at most 500 KB) takes
 * two calls instead of one, for the same EventBridge bill (charged per 64 KB of each event).
 */
const MAX_BYTES_PER_CALL = 256 * 1024;

/** An entry's size as EventBridge counts it: 14 bytes for Time plus Source, DetailType and Detail. */
function entrySize(entry: PutEventsRequestEntry): number {
  const bytes = (text: string | undefined) => (text ? Buffer.byteLength(text, "utf8") : 0);
  return 14 + bytes(entry.Source) + bytes(entry.DetailType) + bytes(entry.Detail);
}

/** Splits entries into calls of at most 10 entries and 256 KB, keeping their order. */
function batchEntries(entries: PutEventsRequestEntry[]): PutEventsRequestEntry[][] {
  const batches: PutEventsRequestEntry[][] = [];
  let current: PutEventsRequestEntry[] = [];
  let size = 0;
  for (const entry of entries) {
    const bytes = entrySize(entry);
    if (
      current.length > 0 &&
      (current.length === MAX_ENTRIES_PER_CALL || size + bytes > MAX_BYTES_PER_CALL)
    ) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(entry);
    size += bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * PutEvents calls in flight at once. A batch has no item cap below what 500 KB holds (thousands of
 * tiny items, hundreds of calls): unbounded, they would all open connections at once and meet the
 * bus's throttling together; bounded, a 300-item batch (30 calls) still takes only 3 round trips.
 */
const MAX_CALLS_IN_FLIGHT = 10;

export interface PublisherOptions {
  /** Attempts for entries PutEvents reports as failed (the SDK already retries whole-call errors). */
  attempts?: number;
  /** Base backoff between attempts, doubled each time, with full jitter. */
  backoffMs?: number;
}

/**
 * Puts events on the bus. PutEvents can accept some entries of a call and refuse others (it answers
 * 200 with FailedEntryCount), so failed entries are retried on their own; anything still refused
 * becomes a ServiceUnavailableError, and the caller must not report the event as accepted.
 */
export class EventBridgePublisher implements EventPublisher {
  private readonly attempts: number;
  private readonly backoffMs: number;

  constructor(
    private readonly client: EventBridgeClient,
    private readonly eventBusName: string,
    options: PublisherOptions = {},
  ) {
    this.attempts = options.attempts ?? 3;
    this.backoffMs = options.backoffMs ?? 50;
  }

  /**
   * The calls go out together, MAX_CALLS_IN_FLIGHT at a time (one after the other would add their
   * latencies), and every call runs its retries to the end before the first failure is thrown, so
   * no retry is left running after publish has answered.
   */
  async publish(details: BusDetail[]) {
    const calls = batchEntries(details.map((d) => this.entry(d)));
    let next = 0;
    let failure: { reason: unknown } | undefined;
    const worker = async () => {
      while (next < calls.length) {
        const batch = calls[next++];
        if (!batch) return;
        try {
          await this.putWithRetries(batch);
        } catch (reason) {
          failure ??= { reason };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(MAX_CALLS_IN_FLIGHT, calls.length) }, worker));
    if (failure) throw failure.reason;
  }

  private entry(detail: BusDetail): PutEventsRequestEntry {
    return {
      EventBusName: this.eventBusName,
      Source: EVENT_SOURCE,
      DetailType: busDetailType(detail),
      Detail: JSON.stringify(detail),
      Time: new Date(detail.receivedAt),
    };
  }

  private async putWithRetries(entries: PutEventsRequestEntry[]) {
    let pending = entries;
    let lastError = "";
    for (let attempt = 1; attempt <= this.attempts && pending.length > 0; attempt++) {
      if (attempt > 1) await delay(Math.random() * this.backoffMs * 2 ** (attempt - 2));
      try {
        const result = await this.client.send(new PutEventsCommand({ Entries: pending }));
        if (!result.FailedEntryCount) return;
        const results = result.Entries ?? [];
        const failed = pending.filter((_, index) => !results[index]?.EventId);
        lastError = results.find((r) => r.ErrorCode)?.ErrorCode ?? "unknown";
        pending = failed;
      } catch (error) {
        lastError = error instanceof Error ? error.name : String(error);
      }
    }
    if (pending.length > 0) {
      throw new ServiceUnavailableError(
        pending.length === 1
          ? `The event bus did not accept the event (${lastError}); retry with the same messageId`
          : `The event bus did not accept ${pending.length} events (${lastError}); retry with the same messageIds`,
      );
    }
  }
}

function delay(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A publisher with a client of its own (traced when tracing is on), for a function that seldom
 * publishes and imports it on its first publish (see lazyPort, shared/load-once.ts).
 */
export function eventBridgePublisher(eventBusName: string, tracer?: Tracer): EventBridgePublisher {
  return new EventBridgePublisher(sdkClient(new EventBridgeClient(CACHED_MIDDLEWARE), tracer), eventBusName);
}
