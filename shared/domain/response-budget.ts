/**
 * What one list response may carry: Lambda answers API Gateway with at most 6 MB (the response
 * payload quota of a synchronous invoke), so a list whose items can be large stops a page early, with
 * a cursor, when the next item would pass this budget. The rest of the 6 MB leaves room for the
 * envelope, the counts and the JSON escaping of strings.
 */
export const MAX_LIST_BYTES = 4 * 1024 * 1024;

const utf8 = new TextEncoder();

/** An item's size as the response will carry it: UTF-8 bytes of its JSON. */
export const jsonBytes = (value: unknown): number => utf8.encode(JSON.stringify(value) ?? "").length;

/**
 * The first items that fit: at most `limit`, and no more than `maxBytes` in all, but always at least
 * one (a single item larger than the budget still gets a page of its own rather than no answer).
 */
export function takeWithinBytes<T>(
  items: readonly T[],
  { limit = Number.POSITIVE_INFINITY, maxBytes = MAX_LIST_BYTES }: { limit?: number; maxBytes?: number } = {},
): T[] {
  const taken: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = jsonBytes(item);
    if (taken.length >= limit || (taken.length > 0 && bytes + size > maxBytes)) break;
    taken.push(item);
    bytes += size;
  }
  return taken;
}
