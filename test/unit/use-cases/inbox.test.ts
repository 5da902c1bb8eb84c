import { beforeEach, describe, expect, it } from "vitest";
import {
  ConflictError,
  NotFoundError,
  UnauthorizedError,
  ValidationError,
} from "../../../shared/domain/errors.js";
import {
  compareInboxItems,
  type FeedbackAnswer,
  type InboxItem,
  isSeenBy,
  isVisibleTo,
  type Reaction,
} from "../../../shared/domain/inbox.js";
import { computeUserToken, type UserIds } from "../../../shared/domain/user-token.js";
import type { PageRequest } from "../../../shared/ports/email-templates.js";
import type { AnswerResult, InboxRepository } from "../../../shared/ports/inbox.js";
import {
  answerFeedback,
  dismissPrompt,
  listInbox,
  listMomentFeedback,
  markInboxItemRead,
} from "../../../shared/use-cases/inbox.js";
import { aMoment, fixedClock } from "../../support/fakes.js";

/** In memory, with the adapter's semantics (the adapter's own test runs them on DynamoDB). */
class FakeInbox implements InboxRepository {
  readonly items = new Map<string, InboxItem>();
  readonly answers: FeedbackAnswer[] = [];
  readonly counters = new Map<string, number>();
  private key = (ws: string, id: string) => `${ws}/${id}`;

  async putItem(item: InboxItem) {
    if (this.items.has(this.key(item.workspaceId, item.id))) return "exists" as const;
    this.items.set(this.key(item.workspaceId, item.id), item);
    return "stored" as const;
  }
  async getItem(ws: string, id: string) {
    return this.items.get(this.key(ws, id));
  }
  async listItems(ws: string, accountId: string, userId: string | undefined, page: PageRequest) {
    const all = [...this.items.values()]
      .filter((item) => item.workspaceId === ws && item.accountId === accountId && isVisibleTo(item, userId))
      .sort(compareInboxItems);
    const start = page.cursor ? Number(page.cursor.slice(1)) : 0;
    const items = all.slice(start, start + page.limit);
    return { items, ...(start + page.limit < all.length ? { nextCursor: `c${start + page.limit}` } : {}) };
  }
  async markRead(ws: string, id: string, viewer: UserIds, at: string) {
    const item = this.items.get(this.key(ws, id));
    if (!item || !isSeenBy(item, viewer)) return undefined;
    if (item.readAt) return item;
    const read = { ...item, readAt: at };
    this.items.set(this.key(ws, id), read);
    return read;
  }
  async answerFeedback(
    ws: string,
    id: string,
    viewer: UserIds,
    answer: { reaction: Reaction; comment?: string; answeredAt: string },
  ): Promise<AnswerResult> {
    const item = this.items.get(this.key(ws, id));
    if (item?.kind !== "feedback_prompt" || !isSeenBy(item, viewer)) return "not_found";
    if (item.answeredAt) return "already_answered";
    this.items.set(this.key(ws, id), { ...item, ...answer, readAt: item.readAt ?? answer.answeredAt });
    this.answers.push({ promptId: id, momentId: item.momentId, accountId: item.accountId, ...answer });
    const counter = `${ws}/${item.momentId}/feedback.${answer.reaction}`;
    this.counters.set(counter, (this.counters.get(counter) ?? 0) + 1);
    return "answered";
  }
  async dismissPrompt(ws: string, id: string, viewer: UserIds, at: string) {
    const item = this.items.get(this.key(ws, id));
    if (item?.kind !== "feedback_prompt" || !isSeenBy(item, viewer)) return "not_found" as const;
    if (item.answeredAt) return "already_answered" as const;
    this.items.set(this.key(ws, id), {
      ...item,
      dismissedAt: item.dismissedAt ?? at,
      readAt: item.readAt ?? at,
    });
    return "dismissed" as const;
  }
  async listFeedback(ws: string, momentId: string, page: PageRequest) {
    const mine = this.answers.filter(
      (a) => a.momentId === momentId && this.items.has(this.key(ws, a.promptId)),
    );
    return { items: mine.slice(0, page.limit) };
  }
}

const item = (overrides: Partial<InboxItem>): InboxItem => ({
  id: "n1",
  workspaceId: "ws_1",
  accountId: "acct_1",
  momentId: "m_1",
  runId: "run_1",
  stepId: "s1",
  kind: "notification",
  title: "t",
  body: "b",
  createdAt: "2026-11-21T09:00:00.000Z",
  ...overrides,
});

let inbox: FakeInbox;
let clock = fixedClock("2026-11-21T10:00:00.000Z");
const SECRET = "mk_idv_test-secret";
const owner = { workspaceId: "ws_1", identitySecrets: [{ secret: SECRET }] };
const deps = () => ({ inbox, clock });
/** The query naming a user, and that user's token. */
const as = (accountId: string, userId?: string) =>
  [{ accountId, ...(userId ? { userId } : {}) }, computeUserToken(SECRET, { accountId, userId })] as const;
const acct1 = as("acct_1");

beforeEach(async () => {
  inbox = new FakeInbox();
  clock = fixedClock("2026-11-21T10:00:00.000Z");
  await inbox.putItem(item({ id: "n1", createdAt: "2026-11-21T09:00:00.000Z" }));
  await inbox.putItem(
    item({ id: "p1", kind: "feedback_prompt", question: "How?", createdAt: "2026-11-21T09:30:00.000Z" }),
  );
  await inbox.putItem(item({ id: "u-only", userId: "u1", createdAt: "2026-11-21T09:45:00.000Z" }));
  await inbox.putItem(item({ id: "theirs", workspaceId: "ws_2", kind: "feedback_prompt", question: "?" }));
});

describe("listInbox", () => {
  it("lists what the user sees, unread first, without internals", async () => {
    await markInboxItemRead(deps(), owner, "p1", ...acct1);
    const page = await listInbox(deps(), owner, ...as("acct_1", "u1"));
    expect(page.items.map((i) => i.id)).toEqual(["u-only", "n1", "p1"]);
    expect(page.items[0]).not.toHaveProperty("runId");
    const accountOnly = await listInbox(deps(), owner, ...acct1);
    expect(accountOnly.items.map((i) => i.id)).toEqual(["n1", "p1"]);
  });

  it("pages with limit and cursor", async () => {
    const [viewer, token] = as("acct_1", "u1");
    const first = await listInbox(deps(), owner, { ...viewer, limit: "2" }, token);
    expect(first.items).toHaveLength(2);
    const cursor = first.nextCursor;
    if (!cursor) throw new Error("a cursor is expected");
    const second = await listInbox(deps(), owner, { ...viewer, limit: "2", cursor }, token);
    expect(second.items.map((i) => i.id)).toEqual(["n1"]);
    expect(second.nextCursor).toBeUndefined();
  });

  it.each([[{}], [{ accountId: "a", limit: "0" }], [{ accountId: "a", cursor: "not a cursor!" }]])(
    "refuses %j with a ValidationError",
    async (query) => {
      await expect(listInbox(deps(), owner, query, as("a")[1])).rejects.toThrow(ValidationError);
    },
  );
});

describe("user tokens", () => {
  const [acct, token] = as("acct_1", "u1");
  it.each([
    ["no token", undefined],
    ["a malformed token", "not-hex"],
    ["another user's token", as("acct_1", "u2")[1]],
    ["an account-level token", as("acct_1")[1]],
    ["a token signed with another secret", computeUserToken("mk_idv_other", acct)],
  ])("refuses %s on every inbox route with the same 401", async (_case, presented) => {
    const errors = await Promise.all([
      listInbox(deps(), owner, acct, presented).catch((e: unknown) => e),
      markInboxItemRead(deps(), owner, "n1", acct, presented).catch((e: unknown) => e),
      answerFeedback(deps(), owner, { promptId: "p1", reaction: "neutral" }, acct, presented).catch(
        (e: unknown) => e,
      ),
    ]);
    for (const error of errors) {
      expect(error).toBeInstanceOf(UnauthorizedError);
      expect((error as Error).message).toBe(
        "Send a valid user token for this accountId and userId as X-Moments-User-Token",
      );
    }
    expect((await inbox.getItem("ws_1", "n1"))?.readAt).toBeUndefined();
    expect(inbox.counters.size).toBe(0);
  });

  it("refuses every token for a source without a secret", async () => {
    await expect(listInbox(deps(), { workspaceId: "ws_1" }, acct, token)).rejects.toThrow(UnauthorizedError);
  });

  it("accepts the previous secret until its grace period ends", async () => {
    const rotated = {
      workspaceId: "ws_1",
      identitySecrets: [{ secret: "mk_idv_new" }, { secret: SECRET, validUntil: "2026-11-21T11:00:00.000Z" }],
    };
    await expect(listInbox(deps(), rotated, acct, token)).resolves.toBeDefined();
    clock.advance(3_600_000);
    await expect(listInbox(deps(), rotated, acct, token)).rejects.toThrow(UnauthorizedError);
  });
});

describe("markInboxItemRead", () => {
  it("marks once: the first time stands", async () => {
    expect((await markInboxItemRead(deps(), owner, "n1", ...acct1)).readAt).toBe("2026-11-21T10:00:00.000Z");
    clock.advance(60_000);
    expect((await markInboxItemRead(deps(), owner, "n1", ...acct1)).readAt).toBe("2026-11-21T10:00:00.000Z");
  });

  it.each([["theirs"], ["unknown"], ["not/an/id"], ["u-only"]])("answers %s with 404", async (id) => {
    await expect(markInboxItemRead(deps(), owner, id, ...acct1)).rejects.toThrow(NotFoundError);
  });
});

describe("dismissPrompt", () => {
  it("dismisses a prompt of the user once, refuses an answered one (409) and others' (404)", async () => {
    const dismissed = await dismissPrompt(deps(), owner, "p1", ...acct1);
    expect(dismissed).toMatchObject({ id: "p1", dismissedAt: "2026-11-21T10:00:00.000Z" });
    await expect(dismissPrompt(deps(), owner, "n1", ...acct1)).rejects.toThrow(NotFoundError);
    await expect(dismissPrompt(deps(), owner, "p1", ...as("acct_2"))).rejects.toThrow(NotFoundError);
    await expect(dismissPrompt(deps(), owner, "p1", acct1[0], "0".repeat(64))).rejects.toThrow(
      UnauthorizedError,
    );
    await inbox.putItem(item({ id: "p2", kind: "feedback_prompt", answeredAt: "2026-11-21T09:59:00.000Z" }));
    await expect(dismissPrompt(deps(), owner, "p2", ...acct1)).rejects.toThrow(ConflictError);
  });
});

describe("answerFeedback", () => {
  it("records the first answer and counts it; a second is a conflict and counts nothing", async () => {
    const answer = await answerFeedback(
      deps(),
      owner,
      {
        promptId: "p1",
        reaction: "frustrated",
        comment: "slow",
      },
      ...acct1,
    );
    expect(answer).toEqual({
      promptId: "p1",
      reaction: "frustrated",
      comment: "slow",
      answeredAt: "2026-11-21T10:00:00.000Z",
    });
    await expect(
      answerFeedback(deps(), owner, { promptId: "p1", reaction: "positive" }, ...acct1),
    ).rejects.toThrow(ConflictError);
    expect(Object.fromEntries(inbox.counters)).toEqual({ "ws_1/m_1/feedback.frustrated": 1 });
  });

  it.each([
    ["another workspace's prompt", "theirs"],
    ["an unknown prompt", "nope"],
    ["a notification", "n1"],
  ])("answers %s with 404", async (_case, promptId) => {
    await expect(answerFeedback(deps(), owner, { promptId, reaction: "neutral" }, ...acct1)).rejects.toThrow(
      NotFoundError,
    );
    expect(inbox.counters.size).toBe(0);
  });

  it("refuses a comment on a positive reaction before touching anything", async () => {
    await expect(
      answerFeedback(deps(), owner, { promptId: "p1", reaction: "positive", comment: "great" }, ...acct1),
    ).rejects.toThrow(ValidationError);
    expect((await inbox.getItem("ws_1", "p1"))?.answeredAt).toBeUndefined();
  });
});

describe("listMomentFeedback", () => {
  it("lists a moment's answers without repeating the moment; 404 for a moment not in the workspace", async () => {
    await answerFeedback(deps(), owner, { promptId: "p1", reaction: "neutral", comment: "meh" }, ...acct1);
    const moments = {
      getMoment: async (ws: string, id: string) => (ws === "ws_1" && id === "m_1" ? aMoment() : undefined),
    };
    const listed = await listMomentFeedback({ inbox, moments }, "ws_1", "m_1", {});
    expect(listed.items).toEqual([
      {
        promptId: "p1",
        accountId: "acct_1",
        reaction: "neutral",
        comment: "meh",
        answeredAt: "2026-11-21T10:00:00.000Z",
      },
    ]);
    await expect(listMomentFeedback({ inbox, moments }, "ws_2", "m_1", {})).rejects.toThrow(NotFoundError);
    await expect(listMomentFeedback({ inbox, moments }, "ws_1", "m_1", { limit: "x" })).rejects.toThrow(
      ValidationError,
    );
  });
});
