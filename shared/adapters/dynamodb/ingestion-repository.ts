import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { expiresAtFor, INSIGHT_TTL_SECONDS, keys } from "../../contracts/table.js";
import type { IdentityKind, IdentityLink } from "../../domain/message.js";
import { type Clock, systemClock } from "../../ports/clock.js";
import {
  compareDebugEntries,
  type DebugCounts,
  type DebugEntry,
  type IdentityLinks,
  type IngestDebugger,
} from "../../ports/ingestion.js";
import { HeldWrites } from "../held-writes.js";
import { queryAll } from "./item.js";
import { batchPutAll } from "./stats-repository.js";

/** Identity links, one item per user or anonymous visitor. */
export class DynamoIdentityLinks implements IdentityLinks {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(workspaceId: string, kind: IdentityKind, id: string): Promise<IdentityLink | undefined> {
    const { Item } = await this.db.send(
      // Strongly consistent: a browser sends its group call and the next track milliseconds apart,
      // in separate requests, and the track must see the link the group call just wrote.
      new GetCommand({
        TableName: this.tableName,
        Key: keys.identityLink(workspaceId, kind, id),
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    return {
      ...(typeof Item.accountId === "string" ? { accountId: Item.accountId } : {}),
      ...(typeof Item.userId === "string" ? { userId: Item.userId } : {}),
    };
  }

  async put(workspaceId: string, kind: IdentityKind, id: string, link: IdentityLink, at: string) {
    const fields = Object.entries(link).filter(([, value]) => value !== undefined);
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.identityLink(workspaceId, kind, id),
        UpdateExpression: `SET #type = :type, updatedAt = :at, ${fields.map((_, i) => `#f${i} = :f${i}`).join(", ")}`,
        ExpressionAttributeNames: {
          "#type": "type",
          ...Object.fromEntries(fields.map(([name], i) => [`#f${i}`, name])),
        },
        ExpressionAttributeValues: {
          ":type": "identity_link",
          ":at": at,
          ...Object.fromEntries(fields.map(([, value], i) => [`:f${i}`, value])),
        },
      }),
    );
  }
}

/** How many items of each verdict a source's debugger holds (the latest ones). */
export const DEBUGGER_SLOTS = 100;
/** Accepted items kept per request: a sample of the traffic, not a copy of it (cost). */
export const DEBUGGER_ACCEPTED_PER_REQUEST = 10;
/**
 * While a source's debugger is watched, an ingest container keeps a sample of its accepted items
 * (with the count) at most this often: a busy source costs no debugger write on most requests; a
 * test event sent by hand is kept and counted at once (nothing else was sampled from that container
 * in the same second).
 */
export const DEBUGGER_ACCEPTED_SAMPLE_MS = 1_000;
/**
 * A container writes a source's held accepted count at most this often when nothing else writes it
 * (no sample, no rejected item, no large batch): what an unwatched source's accepted traffic costs
 * here. 10 s, like the matcher's observed-event counts: at 1M events a month (0.39 requests/s per
 * container) about one request in five writes 1 WRU, not three in four writing 2; the count a
 * viewer sees lags by up to 10 s while traffic flows (by about a second while the debugger is
 * watched: the samples carry it), and what a container holds when traffic stops (the small requests
 * since its last write: about 4 at that traffic) waits for its next request or its shutdown
 * (`flushAll`, which the ingest handler registers with onShutdown: shutdown.ts). A display count:
 * every accepted item is on the bus.
 */
export const DEBUGGER_COUNT_HOLD_MS = 10_000;
/**
 * A request with at least this many accepted items writes its source's counts at once (with what
 * was held): one write per 10 or more items costs little, and a batch (an SDK's flush) shows in the
 * count as soon as it is answered. Smaller requests between writes are held (see record).
 */
export const DEBUGGER_WRITE_THROUGH_ITEMS = 10;
/** Sources whose last sample time a container remembers at most. */
const SAMPLED_SOURCES_REMEMBERED = 10_000;
/**
 * Items are kept as JSON text (any JSON is storable as a string, whatever its keys, numbers or
 * depth), up to these many characters: accepted ones as a preview, rejected ones up to the largest
 * item a call may carry (an oversized item keeps its beginning).
 */
const KEPT_CHARS = { accepted: 4096, rejected: 32 * 1024 } as const;

/** Accepted items a container has counted for a source and not yet written. */
interface HeldCount {
  workspaceId: string;
  sourceId: string;
  accepted: number;
}

/**
 * A source's debugger: one counter item, and per verdict a ring of DEBUGGER_SLOTS items that new
 * items overwrite oldest first (the ring position is an atomic counter, so concurrent requests
 * never write the same slot) and that TTL removes after a week.
 *
 * Counts are written in band, but not on every request. A request writes its counts (one
 * UpdateItem, and one BatchWriteItem when it keeps items) when it has a rejected item (always kept
 * before the answer), when its accepted items are sampled (only while the debugger is watched: a
 * source's first request in a container, then at most once a DEBUGGER_ACCEPTED_SAMPLE_MS), when it
 * carries DEBUGGER_WRITE_THROUGH_ITEMS accepted items or more, or when its source's count is quiet
 * in this container (nothing held, nothing written for DEBUGGER_COUNT_HOLD_MS: a first request, a
 * test event, is counted at once). Any other request's accepted items are added up in the
 * container's memory and written with the source's next write, or by the next request of any
 * source once held for DEBUGGER_COUNT_HOLD_MS. So an unwatched source's request writes its count at
 * most once every 10 s per container and keeps nothing; what a container holds when its traffic
 * stops waits for its next request, or is written by `flushAll` when Lambda shuts the container down.
 */
export class DynamoIngestDebugger implements IngestDebugger {
  /** When this container last kept accepted items of each source (ms). */
  private readonly sampledAt = new Map<string, number>();
  private readonly held: HeldWrites<HeldCount>;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock = systemClock,
    /** Told how many sources' held counts could not be written (they are kept for the next request). */
    private readonly onFlushFailed: (failed: number) => void = () => undefined,
  ) {
    this.held = new HeldWrites(clock, DEBUGGER_COUNT_HOLD_MS, (earlier, later) => ({
      ...later,
      accepted: earlier.accepted + later.accepted,
    }));
  }

  async record(
    workspaceId: string,
    sourceId: string,
    entries: DebugEntry[],
    { sampleAccepted }: { sampleAccepted: boolean },
  ) {
    if (entries.length === 0) return;
    const accepted = entries.filter((e) => e.verdict === "accepted");
    const rejected = entries.filter((e) => e.verdict === "rejected");
    const sampled = sampleAccepted && accepted.length > 0 && this.samples(workspaceId, sourceId);
    const key = JSON.stringify([workspaceId, sourceId]);
    if (
      rejected.length === 0 &&
      !sampled &&
      accepted.length < DEBUGGER_WRITE_THROUGH_ITEMS &&
      !this.held.isQuiet(key) &&
      this.held.hold(key, { workspaceId, sourceId, accepted: accepted.length })
    ) {
      await this.flushDue();
      return;
    }
    const earlier = this.held.take(key);
    let counted = false;
    const [written] = await Promise.allSettled([
      this.write(
        workspaceId,
        sourceId,
        { accepted: accepted.length + (earlier?.accepted ?? 0), rejected: rejected.length },
        sampled ? accepted.slice(-DEBUGGER_ACCEPTED_PER_REQUEST) : [],
        rejected.slice(-DEBUGGER_SLOTS),
        () => {
          counted = true;
        },
      ),
      this.flushDue(),
    ]);
    if (written.status === "rejected") {
      // Held again only when the count did not go in: a failed write of the kept items after it
      // would otherwise count the held items twice.
      if (earlier && !counted) this.held.restore(key, earlier);
      throw written.reason;
    }
  }

  /** Writes the accepted counts other requests left held for at least DEBUGGER_COUNT_HOLD_MS. */
  private async flushDue() {
    const failed = await this.held.flushDue(this.writeHeld);
    if (failed > 0) this.onFlushFailed(failed);
  }

  /** Writes every source's held count, due or not (the container is shutting down). Resolves to how many writes failed. */
  flushAll(): Promise<number> {
    return this.held.flushAll(this.writeHeld);
  }

  private readonly writeHeld = async (_: string, { workspaceId, sourceId, accepted }: HeldCount) => {
    await this.count(workspaceId, sourceId, { ":a": accepted, ":r": 0, ":ka": 0, ":kr": 0 });
  };

  /** Adds to the source's counts and ring positions; answers the new positions. */
  private async count(workspaceId: string, sourceId: string, values: Record<`:${string}`, number>) {
    const { Attributes } = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.sourceDebugCounts(workspaceId, sourceId),
        UpdateExpression:
          "SET #type = :type ADD accepted :a, rejected :r, acceptedSlot :ka, rejectedSlot :kr",
        ExpressionAttributeNames: { "#type": "type" },
        ExpressionAttributeValues: { ":type": "source_debug_counts", ...values },
        ReturnValues: "UPDATED_NEW",
      }),
    );
    return Attributes;
  }

  /** Counts a request's items (and what was held for its source) and keeps the chosen ones. */
  private async write(
    workspaceId: string,
    sourceId: string,
    counts: DebugCounts,
    keptAccepted: DebugEntry[],
    keptRejected: DebugEntry[],
    onCounted: () => void,
  ) {
    const Attributes = await this.count(workspaceId, sourceId, {
      ":a": counts.accepted,
      ":r": counts.rejected,
      ":ka": keptAccepted.length,
      ":kr": keptRejected.length,
    });
    onCounted();
    const slots = (kept: DebugEntry[], end: number) =>
      kept.map((entry, i) => {
        const slot = (end - kept.length + i) % DEBUGGER_SLOTS;
        const { type, item, ...rest } = entry;
        return {
          ...keys.sourceDebugSlot(workspaceId, sourceId, entry.verdict, slot),
          type: "source_debug_item",
          ...rest,
          ...(type ? { messageType: type } : {}),
          itemJson: (JSON.stringify(item) ?? "null").slice(0, KEPT_CHARS[entry.verdict]),
          expiresAt: expiresAtFor(entry.receivedAt, INSIGHT_TTL_SECONDS),
        };
      });
    await batchPutAll(this.db, this.tableName, [
      ...slots(keptAccepted, Number(Attributes?.acceptedSlot ?? 0)),
      ...slots(keptRejected, Number(Attributes?.rejectedSlot ?? 0)),
    ]);
  }

  /** Whether this request's accepted items are sampled (at most once a DEBUGGER_ACCEPTED_SAMPLE_MS). */
  private samples(workspaceId: string, sourceId: string): boolean {
    const key = JSON.stringify([workspaceId, sourceId]);
    const now = this.clock.now().getTime();
    const last = this.sampledAt.get(key);
    if (last !== undefined && now - last < DEBUGGER_ACCEPTED_SAMPLE_MS) return false;
    if (this.sampledAt.size >= SAMPLED_SOURCES_REMEMBERED) this.sampledAt.clear();
    this.sampledAt.set(key, now);
    return true;
  }

  async list(workspaceId: string, sourceId: string, at: string) {
    const now = Math.floor(Date.parse(at) / 1000);
    const [counts, ...rings] = await Promise.all([
      this.db.send(
        new GetCommand({ TableName: this.tableName, Key: keys.sourceDebugCounts(workspaceId, sourceId) }),
      ),
      ...(["accepted", "rejected"] as const).map((verdict) => {
        const { pk, skPrefix } = keys.sourceDebugPrefix(workspaceId, sourceId, verdict);
        return queryAll(this.db, {
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
          ExpressionAttributeValues: { ":pk": pk, ":prefix": skPrefix },
        });
      }),
    ]);
    const items = rings
      .flat()
      // TTL deletes late (hours on AWS, never locally): the week is the expiry, not the deletion.
      .filter((item) => Number(item.expiresAt) > now)
      .map((item) => ({ ...toEntry(item), position: String(item.sk) }))
      .sort(compareDebugEntries);
    return {
      counts: { accepted: Number(counts.Item?.accepted ?? 0), rejected: Number(counts.Item?.rejected ?? 0) },
      items,
    };
  }
}

/** The item kept, parsed back; one kept only in part comes back as its text's beginning. */
function keptItem(text: string): Pick<DebugEntry, "item" | "itemTruncated"> {
  try {
    return { item: JSON.parse(text) };
  } catch {
    return { item: null, itemTruncated: text };
  }
}

function toEntry(item: Record<string, unknown>): DebugEntry {
  return {
    verdict: item.verdict === "accepted" ? "accepted" : "rejected",
    receivedAt: String(item.receivedAt),
    ...(typeof item.messageType === "string" ? { type: item.messageType as DebugEntry["type"] } : {}),
    ...(typeof item.messageId === "string" ? { messageId: item.messageId } : {}),
    ...(typeof item.accountId === "string" ? { accountId: item.accountId } : {}),
    ...(item.reason ? { reason: item.reason as DebugEntry["reason"] } : {}),
    ...keptItem(String(item.itemJson ?? "null")),
  };
}
