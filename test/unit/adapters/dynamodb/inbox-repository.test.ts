/**
 * The inbox adapter against a real DynamoDB engine (dynalite behind the local transaction layer, as
 * the local stack runs it): the unread/read listing order across pages, the conditional writes that
 * keep a retried step to one item and a prompt to one answer, and the counter that moves with it.
 */
import { type DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoInboxRepository } from "../../../../shared/adapters/dynamodb/inbox-repository.js";
import { DynamoStatsRepository } from "../../../../shared/adapters/dynamodb/stats-repository.js";
import { keys } from "../../../../shared/contracts/table.js";
import { ValidationError } from "../../../../shared/domain/errors.js";
import type { InboxItem } from "../../../../shared/domain/inbox.js";
import { startDynaliteTable } from "../../../support/dynalite.js";

const TABLE = "moments-inbox";
let stopDynalite: (() => Promise<void>) | undefined;
let db: DynamoDBDocumentClient;
let inbox: DynamoInboxRepository;
let stats: DynamoStatsRepository;
let accounts = 0;
/** A fresh account (and moment) per test: the table is shared by the file. */
const newAccount = () => `acct_${++accounts}`;

beforeAll(async () => {
  const dynalite = await startDynaliteTable(TABLE);
  stopDynalite = dynalite.stop;
  db = dynalite.db;
  inbox = new DynamoInboxRepository(db, TABLE);
  stats = new DynamoStatsRepository(db, TABLE);
});

afterAll(async () => {
  await stopDynalite?.();
});

const anItem = (
  accountId: string,
  id: string,
  minute: number,
  overrides: Partial<InboxItem> = {},
): InboxItem => ({
  id,
  workspaceId: "ws_1",
  accountId,
  momentId: `m_${accountId}`,
  runId: `run_${id}`,
  stepId: "s1",
  kind: "notification",
  title: `title ${id}`,
  body: "body",
  createdAt: `2026-11-21T10:${String(minute).padStart(2, "0")}:00.000Z`,
  ...overrides,
});

async function listAll(accountId: string, userId: string | undefined, limit: number) {
  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const page = await inbox.listItems("ws_1", accountId, userId, { limit, ...(cursor ? { cursor } : {}) });
    pages.push(page.items.map((item) => item.id));
    cursor = page.nextCursor;
  } while (cursor && pages.length < 20);
  return pages;
}

describe("DynamoInboxRepository on dynalite", () => {
  it("stores an item once: a second put of its id is 'exists' and leaves the first", async () => {
    const account = newAccount();
    expect(await inbox.putItem(anItem(account, "a", 1))).toBe("stored");
    expect(await inbox.putItem(anItem(account, "a", 2, { title: "retry" }))).toBe("exists");
    expect(await inbox.getItem("ws_1", "a")).toMatchObject({
      title: "title a",
      createdAt: "2026-11-21T10:01:00.000Z",
    });
    expect((await listAll(account, undefined, 10)).flat()).toEqual(["a"]);
    expect(await inbox.getItem("ws_2", "a")).toBeUndefined();
  });

  it("lists unread first, newest first, across pages, and only what the user sees", async () => {
    const account = newAccount();
    for (const [id, minute, userId] of [
      ["i1", 1, undefined],
      ["i2", 2, "u1"],
      ["i3", 3, undefined],
      ["i4", 4, "u2"],
      ["i5", 5, undefined],
    ] as const) {
      await inbox.putItem(anItem(account, `${account}-${id}`, minute, userId ? { userId } : {}));
    }
    const read = await inbox.markRead(
      "ws_1",
      `${account}-i5`,
      { accountId: account },
      "2026-11-21T11:00:00.000Z",
    );
    expect(read?.readAt).toBe("2026-11-21T11:00:00.000Z");
    await inbox.markRead(
      "ws_1",
      `${account}-i2`,
      { accountId: account, userId: "u1" },
      "2026-11-21T11:01:00.000Z",
    );

    const id = (n: number) => `${account}-i${n}`;
    expect((await listAll(account, "u1", 10)).flat()).toEqual([id(3), id(1), id(5), id(2)]);
    const pages = await listAll(account, "u1", 2);
    expect(pages.flat()).toEqual([id(3), id(1), id(5), id(2)]);
    expect(pages.every((page) => page.length <= 2)).toBe(true);
    expect((await listAll(account, undefined, 10)).flat()).toEqual([id(3), id(1), id(5)]);
    expect((await listAll(account, "u2", 10)).flat()).toEqual([id(4), id(3), id(1), id(5)]);
  });

  it("keeps the first read time, and has nothing to mark for an unknown id", async () => {
    const account = newAccount();
    await inbox.putItem(anItem(account, `${account}-r`, 1));
    await inbox.markRead("ws_1", `${account}-r`, { accountId: account }, "2026-11-21T11:00:00.000Z");
    const again = await inbox.markRead(
      "ws_1",
      `${account}-r`,
      { accountId: account },
      "2026-11-21T12:00:00.000Z",
    );
    expect(again?.readAt).toBe("2026-11-21T11:00:00.000Z");
    expect(
      await inbox.markRead("ws_1", "nothing", { accountId: account }, "2026-11-21T12:00:00.000Z"),
    ).toBeUndefined();
    expect(
      await inbox.markRead("ws_2", `${account}-r`, { accountId: account }, "2026-11-21T12:00:00.000Z"),
    ).toBeUndefined();
    expect(
      await inbox.markRead("ws_1", `${account}-r`, { accountId: "someone else" }, "2026-11-21T12:00:00.000Z"),
    ).toBeUndefined();
    expect((await listAll(account, undefined, 10)).flat()).toEqual([`${account}-r`]);
  });

  it("takes one answer per prompt, counted with it, even when answers race", async () => {
    const account = newAccount();
    const promptId = `${account}-p`;
    await inbox.putItem(anItem(account, promptId, 1, { kind: "feedback_prompt", question: "How?" }));
    const results = await Promise.all(
      (["frustrated", "positive", "neutral", "frustrated"] as const).map((reaction, i) =>
        inbox.answerFeedback(
          "ws_1",
          promptId,
          { accountId: account },
          {
            reaction,
            ...(reaction === "positive" ? {} : { comment: `c${i}` }),
            answeredAt: `2026-11-21T11:00:0${i}.000Z`,
          },
        ),
      ),
    );
    expect(results.filter((r) => r === "answered")).toHaveLength(1);
    expect(results.filter((r) => r === "already_answered")).toHaveLength(3);

    const counted = await stats.read("ws_1", `m_${account}`);
    const { positive, neutral, frustrated } = counted.feedback;
    expect(positive + neutral + frustrated).toBe(1);
    expect(counted.feedbackSteps.s1).toMatchObject({ answered: 1, dismissed: 0 });
    const answered = await inbox.getItem("ws_1", promptId);
    expect(answered?.reaction).toBeDefined();
    expect(counted.feedback[answered?.reaction ?? "positive"]).toBe(1);
    expect(answered?.readAt).toBe(answered?.answeredAt);

    const listed = await inbox.listFeedback("ws_1", `m_${account}`, { limit: 10 });
    expect(listed.items).toEqual([
      expect.objectContaining({
        promptId,
        accountId: account,
        reaction: answered?.reaction,
        answeredAt: answered?.answeredAt,
      }),
    ]);
    // The listing entry moved to read, with the answer.
    const [entry] = (await inbox.listItems("ws_1", account, undefined, { limit: 10 })).items;
    expect(entry).toMatchObject({ id: promptId, answeredAt: answered?.answeredAt });
    const unread = await db.send(
      new GetCommand({
        TableName: TABLE,
        Key: keys.inboxEntry("ws_1", account, "U", "2026-11-21T10:01:00.000Z", promptId),
      }),
    );
    expect(unread.Item).toBeUndefined();
  });

  it("counts a prompt shown when first read and dismissed once; a dismissed prompt takes no answer", async () => {
    const account = newAccount();
    const promptId = `${account}-d`;
    const viewer = { accountId: account };
    await inbox.putItem(anItem(account, promptId, 1, { kind: "feedback_prompt", question: "How?" }));
    await inbox.putItem(anItem(account, `${account}-n`, 2));

    await inbox.markRead("ws_1", promptId, viewer, "2026-11-21T11:00:00.000Z");
    await inbox.markRead("ws_1", promptId, viewer, "2026-11-21T11:01:00.000Z");
    await inbox.markRead("ws_1", `${account}-n`, viewer, "2026-11-21T11:01:00.000Z");
    const results = await Promise.all(
      [0, 1, 2].map(() => inbox.dismissPrompt("ws_1", promptId, viewer, "2026-11-21T11:02:00.000Z")),
    );
    expect(results).toEqual(["dismissed", "dismissed", "dismissed"]);
    expect(
      await inbox.dismissPrompt("ws_1", promptId, { accountId: "other" }, "2026-11-21T11:03:00.000Z"),
    ).toBe("not_found");
    const answer = { reaction: "neutral" as const, answeredAt: "2026-11-21T11:04:00.000Z" };
    expect(await inbox.answerFeedback("ws_1", promptId, viewer, answer)).toBe("already_answered");

    const counted = await stats.read("ws_1", `m_${account}`);
    expect(counted.feedbackSteps.s1).toEqual({
      shown: 1,
      answered: 0,
      dismissed: 1,
      positive: 0,
      neutral: 0,
      frustrated: 0,
      responseRate: 0,
    });
    const [entry] = (await inbox.listItems("ws_1", account, undefined, { limit: 10 })).items.filter(
      (item) => item.id === promptId,
    );
    expect(entry).toMatchObject({
      dismissedAt: "2026-11-21T11:02:00.000Z",
      readAt: "2026-11-21T11:00:00.000Z",
    });
  });

  it("finds no prompt for a notification, an unknown id, another workspace or another account", async () => {
    const account = newAccount();
    await inbox.putItem(anItem(account, `${account}-n`, 1));
    await inbox.putItem(anItem(account, `${account}-p`, 2, { kind: "feedback_prompt", question: "?" }));
    const answer = { reaction: "neutral" as const, answeredAt: "2026-11-21T11:00:00.000Z" };
    expect(await inbox.answerFeedback("ws_1", `${account}-n`, { accountId: account }, answer)).toBe(
      "not_found",
    );
    expect(await inbox.answerFeedback("ws_1", "unknown", { accountId: account }, answer)).toBe("not_found");
    expect(await inbox.answerFeedback("ws_2", `${account}-p`, { accountId: account }, answer)).toBe(
      "not_found",
    );
    expect(await inbox.answerFeedback("ws_1", `${account}-p`, { accountId: "other" }, answer)).toBe(
      "not_found",
    );
    const counted = await stats.read("ws_1", `m_${account}`);
    expect(counted.feedback).toMatchObject({ positive: 0, neutral: 0, frustrated: 0, answered: 0 });
  });

  it.each([
    ["not base64 JSON", "bm9wZQ"],
    ["another listing's key", Buffer.from(JSON.stringify({ p: "U", sk: "PROFILE" })).toString("base64url")],
    ["an unknown phase", Buffer.from(JSON.stringify({ p: "X" })).toString("base64url")],
  ])("refuses a cursor that is %s", async (_case, cursor) => {
    await expect(inbox.listItems("ws_1", "acct", undefined, { limit: 10, cursor })).rejects.toThrow(
      ValidationError,
    );
  });
});
