import { ValidationError } from "../domain/errors.js";
import { parseLimit } from "../domain/page-limit.js";
import type { Page, PageRequest } from "../ports/email-templates.js";

/** `?limit=` (1..200, default 50) and `?cursor=`; a malformed one is a 400 naming it. */
export function parsePageQuery(query: Record<string, string | undefined>): PageRequest {
  const limit = parseLimit(query.limit);
  const cursor = query.cursor;
  if (cursor !== undefined && (cursor === "" || cursor.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(cursor))) {
    throw new ValidationError([{ path: "cursor", message: "is not a cursor from this listing" }]);
  }
  return { limit, ...(cursor !== undefined ? { cursor } : {}) };
}

/** A page of stored items as the API shows them: each through its view, the cursor kept. */
export function mapPage<T, V>(page: Page<T>, view: (item: T) => V): { items: V[]; nextCursor?: string } {
  return {
    items: page.items.map(view),
    ...(page.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {}),
  };
}
