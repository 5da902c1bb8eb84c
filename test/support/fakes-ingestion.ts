/** In-memory identity links and source debugger, for unit tests of ingestion. */
import type { IdentityKind, IdentityLink } from "../../shared/domain/message.js";
import type { Source } from "../../shared/domain/source.js";
import type { Clock } from "../../shared/ports/clock.js";
import type { EventPublisher } from "../../shared/ports/delivery.js";
import {
  compareDebugEntries,
  type DebugEntry,
  type IdentityLinks,
  type IngestDebugger,
} from "../../shared/ports/ingestion.js";

export class FakeIdentityLinks implements IdentityLinks {
  readonly links = new Map<string, IdentityLink>();
  /** When set, the next put throws it. */
  failWith: Error | undefined;

  async get(workspaceId: string, kind: IdentityKind, id: string) {
    const link = this.links.get(`${workspaceId}|${kind}|${id}`);
    return link ? { ...link } : undefined;
  }

  async put(workspaceId: string, kind: IdentityKind, id: string, link: IdentityLink) {
    const error = this.failWith;
    if (error) {
      this.failWith = undefined;
      throw error;
    }
    const key = `${workspaceId}|${kind}|${id}`;
    this.links.set(key, { ...this.links.get(key), ...link });
  }
}

export class FakeIngestDebugger implements IngestDebugger {
  /** Every item recorded (counted), kept or not. */
  readonly entries: DebugEntry[] = [];
  /** Whether each recorded item would be kept: rejected ones always, accepted ones when sampled. */
  readonly keptFlags: boolean[] = [];
  failWith: Error | undefined;

  async record(
    _workspaceId: string,
    _sourceId: string,
    entries: DebugEntry[],
    { sampleAccepted }: { sampleAccepted: boolean },
  ) {
    const error = this.failWith;
    if (error) {
      this.failWith = undefined;
      throw error;
    }
    this.entries.push(...structuredClone(entries));
    this.keptFlags.push(...entries.map((entry) => entry.verdict === "rejected" || sampleAccepted));
  }

  async list() {
    return {
      counts: {
        accepted: this.entries.filter((e) => e.verdict === "accepted").length,
        rejected: this.entries.filter((e) => e.verdict === "rejected").length,
      },
      items: this.entries
        .map((entry, index) => ({ ...entry, position: String(index).padStart(6, "0") }))
        .filter((_, index) => this.keptFlags[index])
        .sort(compareDebugEntries),
    };
  }

  get rejected() {
    return this.entries.filter((e) => e.verdict === "rejected");
  }
}

/** Ingestion's dependencies around a publisher and a clock; the source's subject is `account` unless given. */
export function ingestDeps(publisher: EventPublisher, clock: Clock, subject: Source["subject"] = "account") {
  return {
    publisher,
    clock,
    identities: new FakeIdentityLinks(),
    debug: new FakeIngestDebugger(),
    sources: {
      getSource: async (workspaceId: string, id: string): Promise<Source | undefined> => ({
        id,
        workspaceId,
        name: "Source",
        allowedDomains: [],
        subject,
        createdAt: "2026-01-01T00:00:00.000Z",
      }),
    },
  };
}
