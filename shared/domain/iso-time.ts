/**
 * ISO 8601 instants as clients write them. Pure and dependency-free: ingestion (which reads the
 * timestamps SDKs send) and rule evaluation (which compares dates) read dates the same way.
 */

const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?)?$/;

/**
 * Epoch milliseconds of an ISO 8601 date or date-time string, or undefined for anything else
 * (including impossible dates such as 2023-02-29). A date alone is midnight UTC; a date-time without
 * offset is read as UTC, so the answer never depends on the server's time zone. The offset may be
 * written `+02:00`, `+0200` or `+02`; `T` and `Z` may be lowercase.
 */
export function isoInstant(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const m = ISO_DATE.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((part) =>
    part === undefined ? 0 : Number(part),
  ) as [number, number, number, number, number, number];
  const millis = Number((m[7] ?? "").padEnd(3, "0").slice(0, 3));
  const offsetSign = m[9] === "-" ? -1 : 1;
  const offsetHours = Number(m[10] ?? 0);
  const offsetMinutes = Number(m[11] ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) return undefined;
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0-99 to 1900-1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return date.getTime() - offsetSign * (offsetHours * 60 + offsetMinutes) * 60_000;
}

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** The first and last instants a canonical string can write (years 0000 to 9999, UTC). */
const EARLIEST = new Date(0).setUTCFullYear(0, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * An epoch-milliseconds instant as the canonical UTC string (`2026-12-07T13:10:46.000Z`), or
 * undefined when it falls outside years 0000 to 9999 (where toISOString writes a 6-digit year that
 * no ISO 8601 reader here, or most clients, would take back).
 */
export function canonicalInstant(at: number): string | undefined {
  if (!Number.isFinite(at) || at < EARLIEST || at > LATEST) return undefined;
  return new Date(at).toISOString();
}

/** An ISO 8601 date or date-time string as the canonical UTC string, or undefined if it is not one. */
export function canonicalIsoTime(value: unknown): string | undefined {
  const at = isoInstant(value);
  return at === undefined ? undefined : canonicalInstant(at);
}
