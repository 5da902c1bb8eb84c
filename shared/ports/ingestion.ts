import type { IdentityKind, IdentityLink, MessageType } from "../domain/message.js";

/** Which account each user or anonymous visitor belongs to (and which user a visitor became). */
export interface IdentityLinks {
  get(workspaceId: string, kind: IdentityKind, id: string): Promise<IdentityLink | undefined>;
  /** Sets the given fields of the link (an accountId, a userId), keeping the others. */
  put(workspaceId: string, kind: IdentityKind, id: string, link: IdentityLink, at: string): Promise<void>;
}

/** One item as the source's debugger shows it. */
export interface DebugEntry {
  verdict: "accepted" | "rejected";
  receivedAt: string;
  type?: MessageType;
  messageId?: string;
  /** The account it was resolved to (accepted items). */
  accountId?: string;
  /** Why it was not used (rejected items), or a note on how it was used (accepted ones). */
  reason?: { code: string; message: string; details?: Array<{ path: string; message: string }> };
  /** The item as sent; null when only its beginning was kept (see itemTruncated). */
  item: unknown;
  /** The first characters of an item too large to keep whole (4 KB accepted, 32 KB rejected). */
  itemTruncated?: string;
}

/** A kept item with where it is kept: unique within the source's debugger. */
export type ListedDebugEntry = DebugEntry & { position: string };

/** The order `list` answers in: newest first; items received at the same instant by position. */
export function compareDebugEntries(
  a: Pick<ListedDebugEntry, "receivedAt" | "position">,
  b: Pick<ListedDebugEntry, "receivedAt" | "position">,
): number {
  if (a.receivedAt !== b.receivedAt) return a.receivedAt < b.receivedAt ? 1 : -1;
  return a.position < b.position ? -1 : a.position > b.position ? 1 : 0;
}

export interface DebugCounts {
  accepted: number;
  rejected: number;
}

/**
 * A source's ingestion debugger: counts of every item accepted and rejected, and the latest of each
 * (a bounded number, for a week). Rejected items are kept here rather than dropped, so a 2xx never
 * hides one; accepted ones are a sample, kept only while someone watches the debugger.
 */
export interface IngestDebugger {
  /**
   * Counts the items and keeps the rejected ones (the latest when there are more than the debugger
   * holds), and a sample of the accepted ones when `sampleAccepted` (the debugger is watched).
   */
  record(
    workspaceId: string,
    sourceId: string,
    entries: DebugEntry[],
    options: { sampleAccepted: boolean },
  ): Promise<void>;
  /** Every kept item, newest first; `position` orders items received at the same time (and pages them). */
  list(
    workspaceId: string,
    sourceId: string,
    at: string,
  ): Promise<{ counts: DebugCounts; items: ListedDebugEntry[] }>;
}
