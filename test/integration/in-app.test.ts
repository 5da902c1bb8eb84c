/**
 * In-app actions on the local stack: a running moment leaves a notification and a feedback prompt
 * in an account's inbox; the app reads them with its write key (unread first), marks one read and
 * answers the prompt once; the answer counts in the moment's stats and its comment is listed for
 * the admin. Another workspace's write key cannot see or answer the prompt.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { userTokenHeader } from "../support/local-api.js";
import { type SharedScenario, startSharedScenario, unique } from "../support/scenario.js";
import { waitFor } from "../support/wait-for.js";

interface InboxView {
  id: string;
  kind: "notification" | "feedback_prompt";
  title?: string;
  body?: string;
  url?: string;
  question?: string;
  followUp?: string;
  readAt?: string;
  answeredAt?: string;
  createdAt: string;
}

let s: SharedScenario;
let otherWriteKey = "";
let otherSecret = "";

beforeAll(async () => {
  s = await startSharedScenario("In-app tests");
  const other = await s.api<{ adminKey: string }>("POST", "/v1/admin/workspaces", {
    key: s.operatorKey,
    body: { name: "Another tenant" },
  });
  expect(other.status).toBe(201);
  const otherSource = await s.api<{ writeKey: string; identitySecret: string }>("POST", "/v1/admin/sources", {
    key: other.body.adminKey,
    body: { name: "Theirs" },
  });
  expect(otherSource.status).toBe(201);
  otherWriteKey = otherSource.body.writeKey;
  otherSecret = otherSource.body.identitySecret;
});

afterAll(async () => {
  await s?.stop();
});

const inAppMoment = (event: string) =>
  s.runningMoment({
    name: "Welcome in the app",
    goal: "activate",
    start: { event },
    steps: [
      {
        id: "hello",
        delay: { amount: 0, unit: "hours" },
        action: {
          type: "send_notification",
          title: "Welcome, {first_name|there}",
          body: "Your {account.plan} trial has started",
          url: "/onboarding",
        },
      },
      {
        id: "ask",
        delay: { amount: 0, unit: "hours" },
        action: {
          type: "feedback_prompt",
          question: "How is it going, {first_name}?",
          followUp: "What went wrong?",
        },
      },
    ],
  });

const track = (event: string, accountId: string) =>
  s.track({ event, accountId, traits: { first_name: "Ada", plan: "pro" } });

/** The app's calls for one account: its write key, and the user token its backend computed. */
const as = (accountId: string, key = s.writeKey, secret = s.identitySecret) => {
  const options = { key, headers: userTokenHeader(secret, accountId) };
  const query = `?accountId=${encodeURIComponent(accountId)}`;
  return {
    inbox: () => s.api<{ items: InboxView[]; nextCursor?: string }>("GET", `/v1/inbox${query}`, options),
    read: (id: string) => s.api<InboxView>("POST", `/v1/inbox/${id}/read${query}`, options),
    answer: (body: Record<string, unknown>) =>
      s.api<{ error: { code: string } }>("POST", `/v1/feedback${query}`, { ...options, body }),
  };
};

async function inbox(accountId: string, key = s.writeKey, secret = s.identitySecret) {
  return as(accountId, key, secret).inbox();
}

async function deliveredInbox(accountId: string) {
  let items: InboxView[] = [];
  await waitFor(
    async () => {
      items = (await inbox(accountId)).body.items;
      return items.length === 2;
    },
    { timeoutMs: 10_000, description: "the notification and the prompt in the inbox" },
  );
  return items;
}

describe("in-app notifications and feedback prompts", () => {
  it("delivers both to the inbox, reads unread first, and takes one answer per prompt", async () => {
    const event = unique("trial_started");
    const momentId = await inAppMoment(event);
    const [happy, unhappy] = [unique("acct"), unique("acct")];
    await track(event, happy);
    await track(event, unhappy);

    const items = await deliveredInbox(happy);
    const notification = items.find((item) => item.kind === "notification");
    const prompt = items.find((item) => item.kind === "feedback_prompt");
    expect(notification).toMatchObject({
      title: "Welcome, Ada",
      body: "Your pro trial has started",
      url: "/onboarding",
    });
    expect(prompt).toMatchObject({ question: "How is it going, Ada?", followUp: "What went wrong?" });
    expect(items.every((item) => item.readAt === undefined)).toBe(true);
    if (!notification || !prompt) throw new Error("both items are expected");

    // Reading the first listed item moves it after the other one, whichever is newer.
    const [first, second] = items;
    if (!first || !second) throw new Error("two items are expected");
    const read = await as(happy).read(first.id);
    expect(read.status).toBe(200);
    expect(read.body.readAt).toBeDefined();
    const again = await as(happy).read(first.id);
    expect(again.body.readAt).toBe(read.body.readAt);
    const reordered = (await inbox(happy)).body.items;
    expect(reordered.map((item) => item.id)).toEqual([second.id, first.id]);
    expect(reordered[0]?.readAt).toBeUndefined();

    // Another workspace's key (with a token its own secret signed) knows nothing of this prompt,
    // nor of the account's inbox.
    const foreign = as(happy, otherWriteKey, otherSecret);
    expect((await foreign.answer({ promptId: prompt.id, reaction: "frustrated" })).status).toBe(404);
    expect((await foreign.read(prompt.id)).status).toBe(404);
    expect((await foreign.inbox()).body.items).toEqual([]);
    // Another account of the same workspace, with its own valid token, does not see them either.
    expect((await as(unhappy).read(first.id)).status).toBe(404);
    expect((await as(unhappy).answer({ promptId: prompt.id, reaction: "frustrated" })).status).toBe(404);
    // A notification is not a prompt.
    expect((await as(happy).answer({ promptId: notification.id, reaction: "positive" })).status).toBe(404);

    const answer = await as(happy).answer({ promptId: prompt.id, reaction: "positive" });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    const second_answer = await as(happy).answer({
      promptId: prompt.id,
      reaction: "frustrated",
      comment: "changed my mind",
    });
    expect(second_answer.status).toBe(409);
    expect(second_answer.body.error.code).toBe("conflict");

    const unhappyPrompt = (await deliveredInbox(unhappy)).find((item) => item.kind === "feedback_prompt");
    if (!unhappyPrompt) throw new Error("the prompt is expected");
    const complaint = await as(unhappy).answer({
      promptId: unhappyPrompt.id,
      reaction: "frustrated",
      comment: "The import keeps failing",
    });
    expect(complaint.status).toBe(201);

    const stats = await s.stats<{ feedback: Record<string, number> }>(momentId);
    expect(stats.feedback).toMatchObject({ positive: 1, neutral: 0, frustrated: 1, answered: 2 });

    const feedback = await s.admin<{ items: Array<Record<string, unknown>> }>(
      "GET",
      `/v1/admin/moments/${momentId}/feedback`,
    );
    expect(feedback.status).toBe(200);
    expect(feedback.body.items).toHaveLength(2);
    expect(feedback.body.items).toContainEqual(
      expect.objectContaining({ promptId: prompt.id, accountId: happy, reaction: "positive" }),
    );
    expect(feedback.body.items).toContainEqual(
      expect.objectContaining({
        promptId: unhappyPrompt.id,
        accountId: unhappy,
        reaction: "frustrated",
        comment: "The import keeps failing",
      }),
    );
    // The answered prompt reads as read and answered in the app.
    const answered = (await inbox(happy)).body.items.find((item) => item.id === prompt.id);
    expect(answered?.answeredAt).toBeDefined();
    expect(answered?.readAt).toBeDefined();
  });

  it("answers CORS preflights of the inbox routes", async () => {
    const response = await fetch(new URL("/v1/inbox", s.stack.apiUrl), {
      method: "OPTIONS",
      headers: { origin: "https://app.example.com" },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-methods")).toBe("GET");
    expect(response.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
  });

  it("refuses every inbox route from an origin the source does not allow, and changes nothing", async () => {
    const event = unique("trial_started");
    await inAppMoment(event);
    const victim = unique("acct");
    await track(event, victim);
    const prompt = (await deliveredInbox(victim)).find((item) => item.kind === "feedback_prompt");
    if (!prompt) throw new Error("the prompt is expected");
    // The right key and the victim's real token, from a page on a site the source does not list:
    // the preflight admits any origin, so only the request itself can refuse.
    const fromElsewhere = {
      key: s.writeKey,
      headers: { origin: "https://evil.example", ...s.userToken(victim) },
    };
    const query = `?accountId=${victim}`;
    const calls = [
      s.api("GET", `/v1/inbox${query}`, fromElsewhere),
      s.api("POST", `/v1/inbox/${prompt.id}/read${query}`, fromElsewhere),
      s.api("POST", `/v1/feedback${query}`, {
        ...fromElsewhere,
        body: { promptId: prompt.id, reaction: "positive" },
      }),
      s.api("POST", `/v1/inbox/${prompt.id}/dismiss${query}`, fromElsewhere),
    ];
    for (const response of await Promise.all(calls)) {
      expect(response.status).toBe(403);
      expect((response.body as { error: { code: string } }).error.code).toBe("origin_not_allowed");
      expect(JSON.stringify(response.body)).not.toContain(prompt.question ?? "How is it going");
    }
    // Nothing was read, answered or dismissed (read by the app's server: no Origin).
    const after = (await inbox(victim)).body.items;
    expect(after).toHaveLength(2);
    expect(after.every((item) => item.readAt === undefined && item.answeredAt === undefined)).toBe(true);
  });

  it("refuses a missing accountId and a foreign cursor with 400", async () => {
    expect((await s.api("GET", "/v1/inbox", { key: s.writeKey })).status).toBe(400);
    const cursor = await s.api("GET", "/v1/inbox?accountId=a&cursor=bm9wZQ", {
      key: s.writeKey,
      headers: s.userToken("a"),
    });
    expect(cursor.status).toBe(400);
  });

  it("lets a stranger's write key, from its own allowed origin, read and answer nobody's inbox", async () => {
    const event = unique("cart_abandoned");
    await inAppMoment(event);
    const victim = unique("acct");
    await track(event, victim);
    const prompt = (await deliveredInbox(victim)).find((item) => item.kind === "feedback_prompt");
    if (!prompt) throw new Error("the prompt is expected");
    // A stranger signs up for a source of their own (same workspace, its own allowed origin).
    const stranger = await s.admin<{ writeKey: string; identitySecret: string }>(
      "POST",
      "/v1/admin/sources",
      {
        name: "Stranger",
        allowedDomains: ["stranger.example"],
      },
    );
    const strangerHeaders = (token: Record<string, string>) => ({
      key: stranger.body.writeKey,
      headers: { origin: "https://stranger.example", ...token },
    });
    const query = `?accountId=${victim}`;
    for (const token of [
      {},
      { "x-moments-user-token": "f".repeat(64) },
      // The victim's real token, but signed for another source: it does not verify with this key.
      s.userToken(victim),
    ]) {
      const list = await s.api<{ error: { code: string; message: string } }>(
        "GET",
        `/v1/inbox${query}`,
        strangerHeaders(token),
      );
      expect(list.status).toBe(401);
      expect(JSON.stringify(list.body)).not.toContain(prompt.id);
      expect(
        (await s.api("POST", `/v1/inbox/${prompt.id}/read${query}`, strangerHeaders(token))).status,
      ).toBe(401);
      const answer = await s.api("POST", `/v1/feedback${query}`, {
        ...strangerHeaders(token),
        body: { promptId: prompt.id, reaction: "frustrated" },
      });
      expect(answer.status).toBe(401);
    }
    // Nothing was read or answered.
    const after = (await inbox(victim)).body.items;
    expect(after.every((item) => item.readAt === undefined && item.answeredAt === undefined)).toBe(true);
  });
});
