/**
 * Ingestion beyond single events, on the local stack over HTTP: POST /v1/batch (per-item verdicts,
 * limits), POST /v1/identify (traits reach the profile the emails render), and the browser origin
 * rules on both. A running moment on `trial_ending_soon` sends an email per account, which is how
 * the tests see that an accepted item reached the matcher.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.js";
import { apiClient, type CapturedEmail, sentEmails, userTokenHeader } from "../support/local-api.js";
import { sharedLocalStack } from "../support/shared-stack.js";
import { waitFor } from "../support/wait-for.js";

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
let writeKey: string;
let identitySecret: string;
let sourceId: string;

interface BatchAnswer {
  accepted: Array<{ index: number; messageId: string }>;
  rejected: Array<{
    index: number;
    error: { code: string; message: string; details?: Array<{ path: string; message?: string }> };
  }>;
}
interface ErrorAnswer {
  error: { code: string; message: string };
}

beforeAll(async () => {
  stack = await sharedLocalStack();
  api = apiClient(stack.apiUrl);
  const source = await api<{ id: string; writeKey: string; identitySecret: string }>(
    "POST",
    "/v1/admin/sources",
    { key: stack.adminKey, body: { name: "Web app", allowedDomains: ["app.acme.com"] } },
  );
  expect(source.status).toBe(201);
  ({ writeKey, identitySecret, id: sourceId } = source.body);
  const template = await api<{ id: string }>("POST", "/v1/admin/email-templates", {
    key: stack.adminKey,
    body: {
      name: "Trial ending",
      from: '"Anna at Acme" <anna@mail.acme.com>',
      subject: "Your {account.plan|free} trial ends soon",
      text: "Your trial ends in {event.days_left} days.",
    },
  });
  expect(template.status).toBe(201);
  const moment = await api<{ id: string }>("POST", "/v1/admin/moments", {
    key: stack.adminKey,
    body: {
      name: "Trial expiration follow-up",
      goal: "convert",
      sourceIds: [source.body.id],
      start: { event: "trial_ending_soon" },
      steps: [
        {
          id: "nudge",
          delay: { amount: 1, unit: "hours" },
          action: { type: "send_email", templateId: template.body.id },
        },
      ],
    },
  });
  expect(moment.status).toBe(201);
  const running = await api("POST", `/v1/admin/moments/${moment.body.id}/status`, {
    key: stack.adminKey,
    body: { status: "running" },
  });
  expect(running.status).toBe(200);
});

afterAll(async () => {
  await stack?.stop();
});

const trial = (accountId: string, extra: Record<string, unknown> = {}) => ({
  type: "track",
  event: "trial_ending_soon",
  accountId,
  properties: { days_left: 3 },
  traits: { email: `${accountId}@example.com` },
  ...extra,
});

/** Waits until each address has received exactly one email, and answers them by address. */
async function emailsTo(addresses: string[]): Promise<Map<string, CapturedEmail>> {
  return waitFor(
    async () => {
      const emails = await sentEmails(stack.inboxUrl);
      const byAddress = new Map<string, CapturedEmail>();
      for (const address of addresses) {
        const mine = emails.filter((e) => e.destination.to.includes(address));
        if (mine.length !== 1 || !mine[0]) return false;
        byAddress.set(address, mine[0]);
      }
      return byAddress;
    },
    { timeoutMs: 10_000, description: `one email to each of ${addresses.join(", ")}` },
  );
}

async function emailCountTo(address: string) {
  return (await sentEmails(stack.inboxUrl)).filter((e) => e.destination.to.includes(address)).length;
}

describe("POST /v1/batch on the local stack", () => {
  it("accepts the 3 valid items of 5, names the 2 invalid ones by index, and the 3 reach the matcher", async () => {
    const response = await api<BatchAnswer>("POST", "/v1/batch", {
      key: writeKey,
      body: {
        batch: [
          trial("acct_batch_1", { messageId: "batch-1" }),
          { type: "track", event: "trial_ending_soon", properties: { days_left: 3 } },
          trial("acct_batch_2", { messageId: "batch-2" }),
          { type: "purchase", name: "Pricing", accountId: "acct_batch_x" },
          trial("acct_batch_3"),
        ],
      },
    });

    expect(response.status).toBe(202);
    expect(response.body.accepted).toEqual([
      { index: 0, messageId: "batch-1" },
      { index: 2, messageId: "batch-2" },
      { index: 4, messageId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
    ]);
    expect(response.body.rejected).toEqual([
      {
        index: 1,
        error: expect.objectContaining({
          code: "invalid_request",
          details: [expect.objectContaining({ path: "accountId" })],
        }),
      },
      {
        index: 3,
        error: expect.objectContaining({
          code: "invalid_request",
          details: [expect.objectContaining({ path: "type" })],
        }),
      },
    ]);
    const emails = await emailsTo([
      "acct_batch_1@example.com",
      "acct_batch_2@example.com",
      "acct_batch_3@example.com",
    ]);
    expect(emails.get("acct_batch_1@example.com")?.body.text).toBe("Your trial ends in 3 days.");
    await stack.idle();
    expect(await emailCountTo("acct_batch_x@example.com")).toBe(0);
  });

  it("refuses a batch over 500 KB with 413 saying how to fix it, and processes none of them", async () => {
    // 19 items of about 27 KB: each under 32 KB, the batch over 500 KB (and under 512 KB a request may have).
    const batch = Array.from({ length: 19 }, (_, i) =>
      trial(`acct_over_${i}`, { properties: { blob: "x".repeat(27 * 1024 - 500) } }),
    );

    const response = await api<ErrorAnswer>("POST", "/v1/batch", { key: writeKey, body: { batch } });

    expect(response.status).toBe(413);
    expect(response.body.error).toEqual({
      code: "payload_too_large",
      message: expect.stringMatching(
        /^A batch may be at most 500 KB; this one is 5\d\d KB\. Split it into several requests$/,
      ),
    });
    await stack.idle();
    expect(await emailCountTo("acct_over_0@example.com")).toBe(0);
  });

  it("rejects an item over 32 KB as payload_too_large and still delivers its siblings", async () => {
    const response = await api<BatchAnswer>("POST", "/v1/batch", {
      key: writeKey,
      body: {
        batch: [
          trial("acct_big_0"),
          trial("acct_big_1", { properties: { days_left: 3, blob: "x".repeat(33 * 1024) } }),
          trial("acct_big_2"),
        ],
      },
    });

    expect(response.status).toBe(202);
    expect(response.body.accepted.map((a) => a.index)).toEqual([0, 2]);
    expect(response.body.rejected).toEqual([
      { index: 1, error: { code: "payload_too_large", message: expect.stringContaining("at most 32 KB") } },
    ]);
    await emailsTo(["acct_big_0@example.com", "acct_big_2@example.com"]);
    await stack.idle();
    expect(await emailCountTo("acct_big_1@example.com")).toBe(0);
  });

  it("rejects ids and names holding a lone UTF-16 surrogate, naming the field, as it does in properties", async () => {
    const response = await api<BatchAnswer>("POST", "/v1/batch", {
      key: writeKey,
      body: {
        batch: [
          { type: "track", event: "report\ud800", accountId: "acct_lone" },
          { type: "track", event: "report_exported", userId: "u\udc00" },
          { type: "page", name: "Pricing\ud800", accountId: "acct_lone" },
          { type: "track", event: "report_exported", accountId: "acct_lone" },
        ],
      },
    });

    expect(response.status).toBe(202);
    expect(response.body.accepted.map((a) => a.index)).toEqual([3]);
    expect(response.body.rejected.map((r) => [r.index, r.error.details])).toEqual(
      ["event", "userId", "name"].map((path, index) => [
        index,
        [{ path, message: "must be valid Unicode text (it holds a lone UTF-16 surrogate)" }],
      ]),
    );
  });

  it("keeps an invalid item in the debugger under the type and messageId it was sent with", async () => {
    const response = await api<BatchAnswer>("POST", "/v1/batch", {
      key: writeKey,
      body: { batch: [{ type: "identify", userId: "u", traits: { "": 1 }, messageId: "sdk-dropped-1" }] },
    });
    expect(response.body.rejected.map((r) => r.index)).toEqual([0]);

    const debug = await api<{ items: Array<{ verdict: string; type?: string; messageId?: string }> }>(
      "GET",
      `/v1/admin/sources/${sourceId}/debugger`,
      { key: stack.adminKey },
    );
    expect(debug.body.items.filter((i) => i.messageId === "sdk-dropped-1")).toEqual([
      expect.objectContaining({ verdict: "rejected", type: "identify", messageId: "sdk-dropped-1" }),
    ]);
  });

  it("applies an identify item to the account's traits", async () => {
    const identified = await api<BatchAnswer>("POST", "/v1/batch", {
      key: writeKey,
      body: {
        batch: [
          {
            type: "identify",
            accountId: "acct_batch_idf",
            traits: { plan: "Growth", email: "acct_batch_idf@example.com" },
          },
        ],
      },
    });
    expect(identified.status).toBe(202);
    expect(identified.body.accepted).toHaveLength(1);
    await stack.idle();

    const sent = await api("POST", "/v1/events", {
      key: writeKey,
      body: { event: "trial_ending_soon", accountId: "acct_batch_idf", properties: { days_left: 2 } },
    });
    expect(sent.status).toBe(202);

    const emails = await emailsTo(["acct_batch_idf@example.com"]);
    expect(emails.get("acct_batch_idf@example.com")?.subject).toBe("Your Growth trial ends soon");
  });
});

describe("POST /v1/identify on the local stack", () => {
  it("answers 202 { messageId } and merges the traits into the profile the next email renders", async () => {
    const account = "acct_identify";
    const address = `${account}@example.com`;
    // The account exists with a plan and an email (sent as traits of an event no moment starts on).
    const signedUp = await api("POST", "/v1/events", {
      key: writeKey,
      body: { event: "signed_up", accountId: account, traits: { plan: "Trial", email: address } },
    });
    expect(signedUp.status).toBe(202);
    await stack.idle();

    const identified = await api("POST", "/v1/identify", {
      key: writeKey,
      body: {
        accountId: account,
        userId: "user_grace",
        messageId: "idf-grace-1",
        traits: { plan: "Scale", organization_name: "Acme" },
        userTraits: { first_name: "Grace", role: "admin" },
      },
    });
    expect(identified).toEqual({ status: 202, body: { messageId: "idf-grace-1" } });
    await stack.idle();

    const sent = await api("POST", "/v1/events", {
      key: writeKey,
      body: { event: "trial_ending_soon", accountId: account, properties: { days_left: 1 } },
    });
    expect(sent.status).toBe(202);

    // Shallow merge: the new plan, and the email set before is still there (it addressed the mail).
    const emails = await emailsTo([address]);
    expect(emails.get(address)?.subject).toBe("Your Scale trial ends soon");
  });

  it("refuses user traits without a userId with 400 naming userTraits", async () => {
    const response = await api<{ error: { details: Array<{ path: string }> } }>("POST", "/v1/identify", {
      key: writeKey,
      body: { accountId: "acct_1", userTraits: { first_name: "Ada" } },
    });

    expect(response.status).toBe(400);
    expect(response.body.error.details.map((d) => d.path)).toEqual(["userTraits"]);
  });

  it("refuses an empty trait name with 400 saying what a trait name is", async () => {
    const response = await api<{ error: { details: Array<{ path: string; message: string }> } }>(
      "POST",
      "/v1/identify",
      { key: writeKey, body: { userId: "u", traits: { "": "x" } } },
    );

    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([
      { path: "traits", message: 'trait names must be 1–128 characters; got ""' },
    ]);
  });
});

describe("browser origins on /v1/batch and /v1/identify", () => {
  const batch = { batch: [trial("acct_browser")] };

  it.each(["/v1/batch", "/v1/identify"])(
    "refuses a page on another origin at %s with 403 and no CORS header",
    async (path) => {
      const response = await fetch(new URL(path, stack.apiUrl), {
        method: "POST",
        headers: {
          authorization: `Bearer ${writeKey}`,
          "content-type": "application/json",
          origin: "https://evil.example",
        },
        body: JSON.stringify(
          path === "/v1/batch" ? batch : { accountId: "acct_browser", traits: { plan: "x" } },
        ),
      });

      expect(response.status).toBe(403);
      expect(((await response.json()) as ErrorAnswer).error.code).toBe("origin_not_allowed");
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
    },
  );

  it("accepts a batch from an allowed page with its user's token and names its origin in the CORS header", async () => {
    const send = (headers: Record<string, string>) =>
      fetch(new URL("/v1/batch", stack.apiUrl), {
        method: "POST",
        headers: {
          authorization: `Bearer ${writeKey}`,
          "content-type": "application/json",
          origin: "https://app.acme.com",
          ...headers,
        },
        body: JSON.stringify(batch),
      });

    const response = await send(userTokenHeader(identitySecret, "acct_browser"));
    expect(response.status).toBe(202);
    expect(response.headers.get("access-control-allow-origin")).toBe("https://app.acme.com");
    // The write key alone is public: without the token a page may not speak for the account.
    const anonymous = await send({});
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("access-control-allow-origin")).toBe("https://app.acme.com");
  });

  it("checks the user token against the account the message is processed for, whichever field names it", async () => {
    // A page holds a valid token for its own account; `context.groupId` is what routes a track or an
    // identify, so it must not steer the message into an account the token was not issued for.
    const post = (path: string, body: unknown, accountId: string) =>
      fetch(new URL(path, stack.apiUrl), {
        method: "POST",
        headers: {
          authorization: `Bearer ${writeKey}`,
          "content-type": "application/json",
          origin: "https://app.acme.com",
          ...userTokenHeader(identitySecret, accountId, "u_me"),
        },
        body: JSON.stringify(body),
      });
    const steered = { userId: "u_me", groupId: "acct_mine", context: { groupId: "acct_victim" } };

    expect((await post("/v1/track", { ...steered, event: "trial_ending_soon" }, "acct_mine")).status).toBe(
      401,
    );
    expect(
      (await post("/v1/identify", { ...steered, traits: { email: "x@evil.example" } }, "acct_mine")).status,
    ).toBe(401);
    const batch = await post(
      "/v1/batch",
      { batch: [{ ...steered, type: "identify", traits: { plan: "x" } }] },
      "acct_mine",
    );
    expect(batch.status).toBe(202);
    const answer = (await batch.json()) as BatchAnswer;
    expect(answer.accepted).toEqual([]);
    expect(answer.rejected[0]?.error.code).toBe("unauthorized");
    // A message that names no account goes by the user's links, which no token covers: refused,
    // even with a token a backend signed for no account.
    const unnamed = { userId: "u_me", event: "trial_ending_soon" };
    expect((await post("/v1/track", unnamed, "")).status).toBe(401);
    // The token of the account context.groupId names is the one that counts.
    expect((await post("/v1/track", { ...steered, event: "trial_ending_soon" }, "acct_victim")).status).toBe(
      202,
    );
  });

  it.each(["/v1/batch", "/v1/identify"])("answers the preflight of %s", async (path) => {
    const response = await fetch(new URL(path, stack.apiUrl), {
      method: "OPTIONS",
      headers: {
        origin: "https://app.acme.com",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
      },
    });

    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("https://app.acme.com");
    expect(response.headers.get("access-control-allow-methods")).toBe("POST");
    expect(response.headers.get("access-control-allow-headers")).toBe(
      "authorization, content-type, content-encoding, x-retry-count, x-moments-user-token",
    );
  });
});

describe("client timestamps on the local stack", () => {
  interface RecentEvent {
    messageId: string;
    timestamp: string;
    receivedAt: string;
  }
  /** The event as the account's page lists it, once the matcher has recorded it. */
  const recorded = (accountId: string, messageId: string) =>
    waitFor(
      async () => {
        const view = await api<{ recentEvents: RecentEvent[] }>(
          "GET",
          `/v1/admin/accounts/${encodeURIComponent(accountId)}`,
          { key: stack.adminKey },
        );
        return view.status === 200
          ? view.body.recentEvents.find((e) => e.messageId === messageId)
          : undefined;
      },
      { timeoutMs: 10_000, description: `event ${messageId} of ${accountId} to be recorded` },
    );
  const report = (accountId: string, extra: Record<string, unknown>) => ({
    type: "track",
    event: "report_exported",
    accountId,
    ...extra,
  });

  const ms = (iso: string) => Date.parse(iso);

  it("corrects analytics.js's timestamp for a device clock an hour behind (receivedAt - (sentAt - timestamp))", async () => {
    // analytics.js: `timestamp` when the call was made and `sentAt` when sent, both on the device's
    // clock; here an hour behind, the call made 10 s before it was sent.
    const deviceNow = Date.now() - 3_600_000;
    const single = await api("POST", "/v1/t", {
      rawBody: JSON.stringify({
        ...report("acct_ts_skew", { messageId: "ts-skew-t" }),
        writeKey,
        timestamp: new Date(deviceNow - 10_000).toISOString(),
        sentAt: new Date(deviceNow).toISOString(),
      }),
      headers: { "content-type": "text/plain" },
    });
    // Its batches carry sentAt on the batch, not on the items.
    const batch = await api("POST", "/v1/b", {
      rawBody: JSON.stringify({
        batch: [report("acct_ts_skew", { messageId: "ts-skew-b", timestamp: new Date(deviceNow - 20_000) })],
        writeKey,
        sentAt: new Date(deviceNow).toISOString(),
      }),
      headers: { "content-type": "text/plain" },
    });
    expect([single.status, batch.status]).toEqual([202, 202]);

    const call = await recorded("acct_ts_skew", "ts-skew-t");
    expect(ms(call.receivedAt) - ms(call.timestamp)).toBe(10_000);
    const item = await recorded("acct_ts_skew", "ts-skew-b");
    expect(ms(item.receivedAt) - ms(item.timestamp)).toBe(20_000);
  });

  it("keeps a historical import's timestamp as sent when it carries no sentAt", async () => {
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000).toISOString();
    const response = await api("POST", "/v1/import", {
      key: writeKey,
      body: { batch: [report("acct_ts_import", { messageId: "ts-import", timestamp: twoDaysAgo })] },
    });
    expect(response.status).toBe(202);

    expect((await recorded("acct_ts_import", "ts-import")).timestamp).toBe(twoDaysAgo);
  });

  it("accepts the ISO 8601 forms clients write and records the UTC instant", async () => {
    // An hour ago, so no form is taken for a fast clock; written in each form.
    const hourAgo = new Date(Date.now() - 3_600_000);
    hourAgo.setUTCMilliseconds(0);
    const iso = hourAgo.toISOString();
    const plus2 = new Date(hourAgo.getTime() + 2 * 3_600_000).toISOString().slice(0, 19);
    const forms = [
      `${iso.slice(0, 19)}+0000`,
      `${plus2}+02`,
      `${iso.slice(0, 19).replace("T", "t")}z`,
      iso.slice(0, 19),
    ];
    const response = await api<BatchAnswer>("POST", "/v1/batch", {
      key: writeKey,
      body: {
        batch: [
          ...forms.map((timestamp, i) => report("acct_ts_forms", { timestamp, messageId: `ts-form-${i}` })),
          report("acct_ts_forms", { timestamp: iso.slice(0, 10), messageId: "ts-form-date" }),
          report("acct_ts_forms", { timestamp: "07/12/2026 13:10", messageId: "ts-form-bad" }),
        ],
      },
    });

    expect(response.status).toBe(202);
    expect(response.body.accepted.map((a) => a.index)).toEqual([0, 1, 2, 3, 4]);
    expect(response.body.rejected).toEqual([
      {
        index: 5,
        error: expect.objectContaining({
          code: "invalid_request",
          details: [{ path: "timestamp", message: expect.stringMatching(/^must be an ISO 8601 date-time/) }],
        }),
      },
    ]);
    for (const i of forms.keys())
      expect((await recorded("acct_ts_forms", `ts-form-${i}`)).timestamp).toBe(iso);
    expect((await recorded("acct_ts_forms", "ts-form-date")).timestamp).toBe(
      `${iso.slice(0, 10)}T00:00:00.000Z`,
    );
  });
});
