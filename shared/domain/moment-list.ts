/**
 * Listing moments: query parsing, filtering, ordering, grouping and the cursor. Pure rules, so the
 * use case only reads the workspace's moments and hands them here.
 *
 * Order: most recently updated first, then by id (a total order, so pages never overlap). The cursor
 * is the (updatedAt, id) of the last item of the page, and the next page holds the items after it in
 * that order: stable under inserts and deletes; a moment edited between two page reads moves to the
 * top and is not repeated.
 */

import { type FieldProblem, ValidationError } from "./errors.js";
import { type Goal, goals, type Moment, type MomentStatus, momentStatuses } from "./moment.js";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, parseLimit } from "./page-limit.js";
import { jsonBytes, MAX_LIST_BYTES, takeWithinBytes } from "./response-budget.js";

export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, parseLimit };

const MAX_QUERY_LENGTH = 200;

interface MomentCursor {
  updatedAt: string;
  id: string;
}

export interface MomentListQuery {
  goal?: Goal;
  status?: MomentStatus;
  /** Lower-cased search text, matched as a substring of name and description. */
  q?: string;
  groupBy?: "goal";
  limit: number;
  after?: MomentCursor;
}

export type MomentList =
  | { items: Moment[]; nextCursor?: string }
  | { groups: Array<{ goal: Goal; items: Moment[] }> };

const oneOf = <T extends string>(values: readonly T[], value: string): value is T =>
  (values as readonly string[]).includes(value);

export function parseMomentListQuery(query: Record<string, string | undefined>): MomentListQuery {
  const problems: FieldProblem[] = [];
  const result: MomentListQuery = { limit: DEFAULT_PAGE_SIZE };
  const { goal, status, q, groupBy, cursor } = query;
  if (goal !== undefined) {
    if (oneOf(goals, goal)) result.goal = goal;
    else problems.push({ path: "goal", message: `must be one of ${goals.join(", ")}` });
  }
  if (status !== undefined) {
    if (oneOf(momentStatuses, status)) result.status = status;
    else problems.push({ path: "status", message: `must be one of ${momentStatuses.join(", ")}` });
  }
  if (q !== undefined) {
    if (q.length > MAX_QUERY_LENGTH)
      problems.push({ path: "q", message: `must be at most ${MAX_QUERY_LENGTH} characters` });
    else if (q.trim() !== "") result.q = q.trim().toLowerCase();
  }
  if (groupBy !== undefined) {
    if (groupBy === "goal") result.groupBy = "goal";
    else problems.push({ path: "groupBy", message: "must be goal" });
  }
  try {
    result.limit = parseLimit(query.limit);
  } catch (error) {
    if (error instanceof ValidationError) problems.push(...error.details);
    else throw error;
  }
  if (cursor !== undefined) {
    const after = decodeCursor(cursor);
    if (after) result.after = after;
    else problems.push({ path: "cursor", message: "is not a cursor from this listing" });
  }
  if (result.groupBy && (query.cursor !== undefined || query.limit !== undefined)) {
    problems.push({
      path: query.cursor !== undefined ? "cursor" : "limit",
      message: "a grouped listing is not paginated (it answers every matching moment)",
    });
  }
  if (problems.length > 0) throw new ValidationError(problems);
  return result;
}

// A moment may take up to 350 KB, so 200 of them could not fit one response (see response-budget.ts).
export { MAX_LIST_BYTES } from "./response-budget.js";

/** Most recently updated first, then by id. */
export function compareMoments(a: MomentCursor, b: MomentCursor): number {
  if (a.updatedAt !== b.updatedAt) return a.updatedAt > b.updatedAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function matches(moment: Moment, query: MomentListQuery): boolean {
  if (query.goal && moment.goal !== query.goal) return false;
  if (query.status && moment.status !== query.status) return false;
  if (query.q) {
    const q = query.q;
    return moment.name.toLowerCase().includes(q) || moment.description.toLowerCase().includes(q);
  }
  return true;
}

/**
 * One page (or, with groupBy=goal, every match grouped by goal in the order of `goals`, empty goals
 * left out) of the moments that match the query.
 */
export function listMomentsPage(
  moments: readonly Moment[],
  query: MomentListQuery,
  maxBytes: number = MAX_LIST_BYTES,
): MomentList {
  const sorted = moments.filter((m) => matches(m, query)).sort(compareMoments);
  if (query.groupBy === "goal") {
    if (sorted.reduce((total, m) => total + jsonBytes(m), 0) > maxBytes) {
      throw new ValidationError([
        {
          path: "groupBy",
          message:
            "the matching moments are too many to answer grouped in one response (a Lambda response is at most " +
            "6 MB); narrow it with goal, status or q, or list without groupBy, which pages",
        },
      ]);
    }
    return {
      groups: goals
        .map((goal) => ({ goal, items: sorted.filter((m) => m.goal === goal) }))
        .filter((group) => group.items.length > 0),
    };
  }
  const after = query.after;
  const rest = after ? sorted.filter((m) => compareMoments(m, after) > 0) : sorted;
  // At most `limit` moments, and no more than fit the response budget (always at least one).
  const items = takeWithinBytes(rest, { limit: query.limit, maxBytes });
  const last = items.at(-1);
  return {
    items,
    ...(rest.length > items.length && last ? { nextCursor: encodeCursor(last) } : {}),
  };
}

function encodeCursor(moment: MomentCursor): string {
  return Buffer.from(JSON.stringify([moment.updatedAt, moment.id]), "utf8").toString("base64url");
}

function decodeCursor(cursor: string): MomentCursor | undefined {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === "string" &&
      !Number.isNaN(Date.parse(value[0])) &&
      typeof value[1] === "string" &&
      /^[A-Za-z0-9_-]{1,64}$/.test(value[1])
    ) {
      return { updatedAt: value[0], id: value[1] };
    }
  } catch {
    // not base64url JSON: reported as a bad cursor below
  }
  return undefined;
}
