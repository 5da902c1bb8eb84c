/**
 * An append-only JSON-lines journal: what makes the local queue, bus and Step Functions durable
 * under `MOMENTS_DATA_DIR`. Each record is one `write(2)` of one line before the emulator answers, so
 * what was acknowledged survives Ctrl-C and kill -9 (the page cache outlives the process; a power
 * cut is not this journal's concern, as it is not a laptop's). A line torn by a kill mid-write is
 * skipped on replay. The owner rewrites the file from its live state (`rewrite`) at start and when
 * it has grown, so the journal stays proportional to what is pending, not to everything ever done.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { dirname } from "node:path";

export interface Journal<R> {
  /** Appends one record, durably against a process kill, before returning. */
  append(record: R): void;
  /** Replaces the whole journal with these records (atomically: a new file renamed over the old). */
  rewrite(records: Iterable<R>): void;
  /** Bytes appended since the last rewrite: owners compact past a threshold. */
  readonly appendedBytes: number;
  close(): void;
}

/** Opens (or creates) the journal at `path` and returns the records it holds, in append order. */
export function openJournal<R>(path: string): { records: R[]; journal: Journal<R> } {
  mkdirSync(dirname(path), { recursive: true });
  const records: R[] = [];
  if (existsSync(path)) {
    for (const line of readFileSync(path, "utf8").split("\n")) {
      if (line === "") continue;
      try {
        records.push(JSON.parse(line) as R);
      } catch {
        // A line torn by a kill in the middle of its write: it was never acknowledged.
      }
    }
  }
  let fd = openSync(path, "a");
  let appendedBytes = 0;
  const journal: Journal<R> = {
    append(record) {
      const line = `${JSON.stringify(record)}\n`;
      appendedBytes += writeSync(fd, line);
    },
    rewrite(all) {
      const temporary = `${path}.tmp`;
      const out = openSync(temporary, "w");
      try {
        let chunk = "";
        for (const record of all) {
          chunk += `${JSON.stringify(record)}\n`;
          if (chunk.length > 1 << 20) {
            writeSync(out, chunk);
            chunk = "";
          }
        }
        if (chunk !== "") writeSync(out, chunk);
      } finally {
        closeSync(out);
      }
      renameSync(temporary, path);
      closeSync(fd);
      fd = openSync(path, "a");
      appendedBytes = 0;
    },
    get appendedBytes() {
      return appendedBytes;
    },
    close() {
      closeSync(fd);
    },
  };
  return { records, journal };
}

/** Compact once this many bytes were appended since the last rewrite. */
export const JOURNAL_COMPACT_BYTES = 32 * 1024 * 1024;
