import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../shared/domain/errors.js";
import type { Moment } from "../../../shared/domain/moment.js";
import {
  listMomentsPage,
  type MomentList,
  parseLimit,
  parseMomentListQuery,
} from "../../../shared/domain/moment-list.js";
import { aMoment } from "../../support/fakes.js";

function problemsOf(run: () => unknown) {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error.details;
    throw error;
  }
  throw new Error("expected a ValidationError");
}

const moments: Moment[] = [
  aMoment({
    id: "a",
    name: "Cart rescue",
    goal: "recover",
    status: "running",
    updatedAt: "2026-11-05T00:00:00.000Z",
  }),
  aMoment({
    id: "b",
    name: "Welcome",
    description: "Onboarding CART tips",
    goal: "activate",
    status: "draft",
    updatedAt: "2026-11-07T00:00:00.000Z",
  }),
  aMoment({
    id: "c",
    name: "Upgrade",
    goal: "convert",
    status: "stopped",
    updatedAt: "2026-11-06T00:00:00.000Z",
  }),
  // Same updatedAt as "c": the id breaks the tie.
  aMoment({
    id: "d",
    name: "Trial",
    goal: "convert",
    status: "running",
    updatedAt: "2026-11-06T00:00:00.000Z",
  }),
  aMoment({ id: "e", name: "Old", goal: "other", status: "archived", updatedAt: "2026-10-01T00:00:00.000Z" }),
];

const list = (query: Record<string, string>) => listMomentsPage(moments, parseMomentListQuery(query));
const ids = (result: MomentList) => ("items" in result ? result.items.map((m) => m.id) : []);

describe("listMomentsPage", () => {
  it("sorts by most recently updated, then by id", () => {
    expect(ids(list({}))).toEqual(["b", "c", "d", "a", "e"]);
  });

  it("filters by goal and by status", () => {
    expect(ids(list({ goal: "convert" }))).toEqual(["c", "d"]);
    expect(ids(list({ status: "running" }))).toEqual(["d", "a"]);
    expect(ids(list({ goal: "convert", status: "running" }))).toEqual(["d"]);
  });

  it("searches name and description, case-insensitively, trimming the query", () => {
    expect(ids(list({ q: "  cart " }))).toEqual(["b", "a"]);
    expect(ids(list({ q: "UPGR" }))).toEqual(["c"]);
    expect(ids(list({ q: "nothing like this" }))).toEqual([]);
    expect(ids(list({ q: "" }))).toHaveLength(5);
  });

  it("pages with a cursor until the last page, which has no cursor", () => {
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = list({ limit: "2", ...(cursor ? { cursor } : {}) });
      if (!("items" in page)) throw new Error("expected a page");
      pages.push(page.items.map((m) => m.id));
      cursor = page.nextCursor;
    } while (cursor);

    expect(pages).toEqual([["b", "c"], ["d", "a"], ["e"]]);
  });

  it("keeps its place when a moment before the cursor is deleted or a new one is added", () => {
    const first = list({ limit: "2" });
    const cursor = "items" in first ? first.nextCursor : undefined;
    if (!cursor) throw new Error("expected a cursor");
    const changed = [
      ...moments.filter((m) => m.id !== "b"),
      aMoment({ id: "z", goal: "grow", updatedAt: "2026-12-01T00:00:00.000Z" }),
    ];

    const next = listMomentsPage(changed, parseMomentListQuery({ limit: "2", cursor }));

    expect(ids(next)).toEqual(["d", "a"]);
  });

  it("omits nextCursor when the page is exactly the rest", () => {
    expect(list({ limit: "5" })).not.toHaveProperty("nextCursor");
    expect(list({ limit: "4" })).toHaveProperty("nextCursor");
  });

  it("groups by goal in goal order, leaving out goals with nothing, honouring filters", () => {
    const grouped = list({ groupBy: "goal" });

    expect(grouped).toEqual({
      groups: [
        { goal: "activate", items: [expect.objectContaining({ id: "b" })] },
        {
          goal: "convert",
          items: [expect.objectContaining({ id: "c" }), expect.objectContaining({ id: "d" })],
        },
        { goal: "recover", items: [expect.objectContaining({ id: "a" })] },
        { goal: "other", items: [expect.objectContaining({ id: "e" })] },
      ],
    });
    expect(list({ groupBy: "goal", status: "running" })).toEqual({
      groups: [
        { goal: "convert", items: [expect.objectContaining({ id: "d" })] },
        { goal: "recover", items: [expect.objectContaining({ id: "a" })] },
      ],
    });
  });
});

describe("parseMomentListQuery", () => {
  it("defaults to 50 items and no filters", () => {
    expect(parseMomentListQuery({})).toEqual({ limit: 50 });
  });

  it.each([
    [{ goal: "win" }, "goal"],
    [{ status: "paused" }, "status"],
    [{ groupBy: "status" }, "groupBy"],
    [{ limit: "0" }, "limit"],
    [{ limit: "201" }, "limit"],
    [{ limit: "ten" }, "limit"],
    [{ limit: "1.5" }, "limit"],
    [{ cursor: "not-a-cursor" }, "cursor"],
    [{ cursor: Buffer.from('["yesterday","a"]').toString("base64url") }, "cursor"],
    [{ cursor: Buffer.from('{"pk":"WS#x"}').toString("base64url") }, "cursor"],
    [{ q: "x".repeat(201) }, "q"],
    [{ groupBy: "goal", limit: "10" }, "limit"],
  ])("refuses %j naming %s", (query, path) => {
    expect(problemsOf(() => parseMomentListQuery(query)).map((p) => p.path)).toEqual([path]);
  });

  it("reports every bad parameter at once", () => {
    expect(
      problemsOf(() => parseMomentListQuery({ goal: "x", status: "y", limit: "0" })).map((p) => p.path),
    ).toEqual(["goal", "status", "limit"]);
  });
});

describe("parseLimit", () => {
  it.each([
    [undefined, 50],
    ["1", 1],
    ["200", 200],
  ])("%j -> %d", (value, expected) => {
    expect(parseLimit(value)).toBe(expected);
  });

  it.each(["", "-1", "1e2", " 5"])("refuses %j", (value) => {
    expect(problemsOf(() => parseLimit(value))).toEqual([
      { path: "limit", message: "must be a whole number from 1 to 200" },
    ]);
  });
});

describe("listMomentsPage within Lambda's 6 MB response", () => {
  // Three moments against a budget of two and a half stand in for 200 moments of 350 KB.
  const big = (id: string, updatedAt: string) => aMoment({ id, updatedAt, description: "x".repeat(1000) });
  const many = [
    big("m1", "2026-01-03T00:00:00Z"),
    big("m2", "2026-01-02T00:00:00Z"),
    big("m3", "2026-01-01T00:00:00Z"),
  ];
  const budget = Math.ceil(JSON.stringify(many[0]).length * 2.5);

  it("ends a page early when the next moment would not fit, with a cursor to the rest", () => {
    const first = listMomentsPage(many, parseMomentListQuery({ limit: "200" }), budget);
    expect("items" in first && first.items.map((m) => m.id)).toEqual(["m1", "m2"]);
    const cursor = "items" in first ? first.nextCursor : undefined;
    expect(cursor).toBeDefined();
    const second = listMomentsPage(
      many,
      parseMomentListQuery({ limit: "200", cursor: cursor ?? "" }),
      budget,
    );
    expect("items" in second && second.items.map((m) => m.id)).toEqual(["m3"]);
  });

  it("refuses a grouped listing that would not fit, naming groupBy", () => {
    expect(() => listMomentsPage(many, parseMomentListQuery({ groupBy: "goal" }), budget)).toThrow(
      ValidationError,
    );
    try {
      listMomentsPage(many, parseMomentListQuery({ groupBy: "goal" }), budget);
    } catch (error) {
      expect((error as ValidationError).details).toEqual([
        { path: "groupBy", message: expect.stringContaining("6 MB") },
      ]);
    }
  });
});
