/**
 * HttpSlackClient against the local fake of Slack's Web API (test/support/fake-slack.ts): real HTTP
 * on localhost, with waits injected so Retry-After costs no time.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { HttpSlackClient, type SlackClientOptions } from "../../../shared/adapters/slack-client.js";
import { UpstreamError } from "../../../shared/domain/upstream-error.js";
import { type FakeSlack, type FakeSlackChannel, startFakeSlack } from "../../support/fake-slack.js";

const TOKEN = "xoxb-1111-2222-abcdefghijkl";
let slack: FakeSlack;
let waits: number[];

const channels = (n: number): FakeSlackChannel[] =>
  Array.from({ length: n }, (_, i) => ({ id: `C${i}`, name: `channel-${i}`, is_member: i % 2 === 0 }));

const client = (options: Partial<SlackClientOptions> = {}) =>
  new HttpSlackClient({
    baseUrl: slack.baseUrl,
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...options,
  });

beforeAll(async () => {
  slack = await startFakeSlack({ pageSize: 2 });
  slack.addWorkspace(TOKEN, [
    ...channels(5),
    { id: "CP", name: "private", is_member: true, is_private: true },
    { id: "CA", name: "old", is_member: true, is_archived: true },
  ]);
});

afterAll(async () => {
  await slack.stop();
});

beforeEach(() => {
  waits = [];
  slack.requests.length = 0;
  slack.rateLimitNext(0, 0);
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("HttpSlackClient.listChannels", () => {
  it("follows next_cursor through every page, with the token only in the Authorization header", async () => {
    const result = await client().listChannels(TOKEN);

    expect(result.truncated).toBe(false);
    expect(result.channels).toHaveLength(6);
    expect(result.channels).toContainEqual({ id: "CP", name: "private", isMember: true });
    expect(result.channels).toContainEqual({ id: "C1", name: "channel-1", isMember: false });
    expect(result.channels.map((c) => c.id)).not.toContain("CA");
    expect(slack.requests).toHaveLength(3);
    for (const request of slack.requests) {
      expect(request.path).toBe("/api/conversations.list");
      expect(request.authorization).toBe(`Bearer ${TOKEN}`);
      expect(request.query).toMatchObject({
        types: "public_channel,private_channel",
        limit: "200",
        exclude_archived: "true",
      });
      expect(JSON.stringify(request.query)).not.toContain(TOKEN);
    }
    expect(slack.requests[0]?.query.cursor).toBeUndefined();
    expect(slack.requests[1]?.query.cursor).toBeTruthy();
  });

  it("stops at the page cap and says the list was cut short", async () => {
    const result = await client({ maxPages: 2 }).listChannels(TOKEN);

    expect(result).toMatchObject({ truncated: true });
    expect(result.channels).toHaveLength(4);
    expect(slack.requests).toHaveLength(2);
  });

  it("stops early once its time budget is spent", async () => {
    let now = 0;
    const result = await client({ budgetMs: 1000, now: () => (now += 600) }).listChannels(TOKEN);

    expect(result.truncated).toBe(true);
    expect(slack.requests.length).toBeLessThan(3);
  });

  it("maps ok:false to an UpstreamError naming Slack's error", async () => {
    const attempt = client().listChannels("xoxb-not-a-known-token");

    await expect(attempt).rejects.toThrow(UpstreamError);
    await expect(attempt).rejects.toMatchObject({
      statusCode: 502,
      code: "slack_error",
      message: "Slack said invalid_auth",
    });
  });

  it("waits out one 429 for its Retry-After, then carries on", async () => {
    slack.rateLimitNext(1, 2);

    const result = await client().listChannels(TOKEN);

    expect(waits).toEqual([2000]);
    expect(result.channels).toHaveLength(6);
  });

  it("gives up on a second 429 in a row, saying when to retry", async () => {
    slack.rateLimitNext(2, 1);

    await expect(client().listChannels(TOKEN)).rejects.toMatchObject({
      statusCode: 502,
      code: "slack_rate_limited",
      message: expect.stringContaining("retry in 1 s"),
    });
    expect(waits).toEqual([1000]);
  });

  it("does not wait longer than it can afford", async () => {
    slack.rateLimitNext(1, 30);

    await expect(client({ maxRetryAfterMs: 3000 }).listChannels(TOKEN)).rejects.toMatchObject({
      code: "slack_rate_limited",
      message: expect.stringContaining("retry in 30 s"),
    });
    expect(waits).toEqual([]);
  });

  it("reports an unreachable Slack as an UpstreamError without the token", async () => {
    const attempt = new HttpSlackClient({ baseUrl: "http://127.0.0.1:1/api" }).listChannels(TOKEN);

    await expect(attempt).rejects.toMatchObject({ statusCode: 502, code: "slack_unavailable" });
    await expect(attempt).rejects.not.toThrow(TOKEN);
  });

  it("reports a timeout", async () => {
    vi.stubGlobal("fetch", async () => {
      throw new DOMException("The operation was aborted due to timeout", "TimeoutError");
    });

    await expect(client().listChannels(TOKEN)).rejects.toThrow("Slack timed out (conversations.list)");
  });

  it.each([
    ["an HTTP error", new Response("oops", { status: 503 }), "Slack answered HTTP 503 to conversations.list"],
    ["a body that is not JSON", new Response("<html>", { status: 200 }), "not JSON"],
    ["ok:false without an error", Response.json({ ok: false }), "Slack said unknown_error"],
  ])("reports %s as an UpstreamError", async (_label, response, message) => {
    vi.stubGlobal("fetch", async () => response);

    await expect(client().listChannels(TOKEN)).rejects.toThrow(message);
  });
});
