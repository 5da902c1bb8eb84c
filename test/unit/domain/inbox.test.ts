import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../shared/domain/errors.js";
import {
  compareInboxItems,
  type InboxItem,
  inboxItemId,
  isVisibleTo,
  parseFeedbackAnswer,
  parseInboxQuery,
  toInboxView,
} from "../../../shared/domain/inbox.js";

const anItem = (overrides: Partial<InboxItem> = {}): InboxItem => ({
  id: "i1",
  workspaceId: "ws_1",
  accountId: "acct_1",
  momentId: "m_1",
  runId: "run_1",
  stepId: "s1",
  kind: "notification",
  title: "Hi",
  body: "There",
  createdAt: "2026-11-21T10:00:00.000Z",
  ...overrides,
});

describe("inboxItemId", () => {
  it("is the same for every attempt of a run's step, and URL-safe", () => {
    expect(inboxItemId("run_1", "s1")).toBe(inboxItemId("run_1", "s1"));
    expect(inboxItemId("run_1", "s1")).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it.each([
    ["another step", "run_1", "s2"],
    ["another run", "run_2", "s1"],
    // The separator keeps ("run_1s", "1") apart from ("run_1", "s1").
    ["a shifted boundary", "run_1s", "1"],
  ])("differs for %s", (_case, runId, stepId) => {
    expect(inboxItemId(runId, stepId)).not.toBe(inboxItemId("run_1", "s1"));
  });
});

describe("isVisibleTo", () => {
  it.each([
    [undefined, undefined, true],
    [undefined, "u1", true],
    ["u1", "u1", true],
    ["u1", "u2", false],
    ["u1", undefined, false],
  ])("an item of user %s is visible to %s: %s", (owner, reader, visible) => {
    expect(isVisibleTo(owner === undefined ? {} : { userId: owner }, reader)).toBe(visible);
  });
});

describe("compareInboxItems", () => {
  it("puts unread items first, then the newest, then by id", () => {
    const items = [
      anItem({ id: "read-new", createdAt: "2026-11-21T12:00:00.000Z", readAt: "2026-11-21T12:01:00.000Z" }),
      anItem({ id: "unread-old", createdAt: "2026-11-21T09:00:00.000Z" }),
      anItem({ id: "unread-new-b", createdAt: "2026-11-21T11:00:00.000Z" }),
      anItem({ id: "unread-new-a", createdAt: "2026-11-21T11:00:00.000Z" }),
      anItem({ id: "read-old", createdAt: "2026-11-21T08:00:00.000Z", readAt: "2026-11-21T12:02:00.000Z" }),
    ];
    expect(items.sort(compareInboxItems).map((item) => item.id)).toEqual([
      "unread-new-a",
      "unread-new-b",
      "unread-old",
      "read-new",
      "read-old",
    ]);
  });
});

describe("toInboxView", () => {
  it("shows the app the content and its state, not the run's internals", () => {
    const view = toInboxView(anItem({ userId: "u1", url: "/x", readAt: "2026-11-21T10:05:00.000Z" }));
    expect(view).toEqual({
      id: "i1",
      kind: "notification",
      title: "Hi",
      body: "There",
      url: "/x",
      createdAt: "2026-11-21T10:00:00.000Z",
      readAt: "2026-11-21T10:05:00.000Z",
    });
  });
});

describe("parseInboxQuery", () => {
  it("needs an accountId; a userId is optional", () => {
    expect(parseInboxQuery({ accountId: "a" })).toEqual({ accountId: "a" });
    expect(parseInboxQuery({ accountId: "a", userId: "u" })).toEqual({ accountId: "a", userId: "u" });
    expect(() => parseInboxQuery({})).toThrow(ValidationError);
    expect(() => parseInboxQuery({ accountId: "" })).toThrow(ValidationError);
    expect(() => parseInboxQuery({ accountId: "a", userId: "x".repeat(257) })).toThrow(ValidationError);
  });
});

describe("parseFeedbackAnswer", () => {
  it.each([
    [
      { promptId: "p1", reaction: "positive" },
      { promptId: "p1", reaction: "positive" },
    ],
    [
      { promptId: "p1", reaction: "neutral" },
      { promptId: "p1", reaction: "neutral" },
    ],
    [
      { promptId: "p1", reaction: "frustrated", comment: "  too slow " },
      { promptId: "p1", reaction: "frustrated", comment: "too slow" },
    ],
    // An empty follow-up is no comment, whatever the reaction.
    [
      { promptId: "p1", reaction: "positive", comment: "  " },
      { promptId: "p1", reaction: "positive" },
    ],
  ])("accepts %j", (body, expected) => {
    expect(parseFeedbackAnswer(body)).toEqual(expected);
  });

  it.each([
    [
      "a comment with a positive reaction",
      { promptId: "p1", reaction: "positive", comment: "great" },
      "comment",
    ],
    ["an unknown reaction", { promptId: "p1", reaction: "angry" }, "reaction"],
    ["no prompt id", { reaction: "neutral" }, "promptId"],
    ["a prompt id that is no id", { promptId: "a/b", reaction: "neutral" }, "promptId"],
    ["a comment too long", { promptId: "p1", reaction: "neutral", comment: "x".repeat(2001) }, "comment"],
    ["an unknown field", { promptId: "p1", reaction: "neutral", score: 3 }, "score"],
    ["no object", "positive", ""],
  ])("refuses %s", (_case, body, path) => {
    try {
      parseFeedbackAnswer(body);
      expect.unreachable("a ValidationError is expected");
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).details.map((d) => d.path)).toContain(path);
    }
  });
});
