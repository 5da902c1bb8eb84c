/**
 * send_slack's request building: rendering for Slack, mentions resolved by email with a bot token
 * (and their recorded fallbacks), the two ways to post, previews without secrets, and what is
 * checked before anything is sent. Slack itself is a recording fake of the SlackMessenger port.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { Action } from "../../../../shared/domain/actions.js";
import { PermanentDeliveryError, TransientDeliveryError } from "../../../../shared/domain/delivery-errors.js";
import type { StoredIntegration } from "../../../../shared/domain/integration.js";
import { MissingValueError, type OnMissing } from "../../../../shared/domain/render.js";
import type {
  SlackMarker,
  SlackMessage,
  SlackMessenger,
  SlackUserLookup,
} from "../../../../shared/ports/integrations.js";
import { isPrepared, type PreparedAction } from "../../../../shared/use-cases/actions/action.js";
import { MAX_MENTIONS, slackPerformer } from "../../../../shared/use-cases/actions/slack.js";
import { performAction, prepareAction } from "../../../support/actions.js";
import { aRun, FakeProfiles, fixedClock } from "../../../support/fakes.js";

type SendSlack = Extract<Action, { type: "send_slack" }>;

const BOT_TOKEN = "xoxb-1111-2222-secretBotToken";
const WEBHOOK_URL = "https://hooks.slack.com/services/T0001/B0001/secretHookPath";
const base = {
  workspaceId: "ws_1",
  createdAt: "2026-11-01T00:00:00.000Z",
  updatedAt: "2026-11-01T00:00:00.000Z",
};
const stored: StoredIntegration[] = [
  { ...base, id: "int_bot", kind: "slack", name: "CS bot", botToken: BOT_TOKEN },
  { ...base, id: "int_hook", kind: "slack", name: "#cs-alerts hook", webhookUrl: WEBHOOK_URL },
  { ...base, id: "int_attio", kind: "attio", name: "Attio", accessToken: "attio-token-0123456789abcdef" },
  {
    ...base,
    id: "int_bad_hook",
    kind: "slack",
    name: "Tampered",
    webhookUrl: "http://169.254.169.254/services/x",
  },
];

/** Slack as the performer sees it: lookups answered from a directory, posts recorded. */
class RecordingSlack implements SlackMessenger {
  readonly directory = new Map<string, SlackUserLookup>();
  readonly lookups: Array<{ botToken: string; email: string }> = [];
  readonly posts: Array<{ botToken: string; message: SlackMessage }> = [];
  readonly webhookPosts: Array<{ webhookUrl: string; text: string }> = [];
  lookupError: Error | undefined;
  postError: Error | undefined;

  async lookupUserByEmail(botToken: string, email: string): Promise<SlackUserLookup> {
    this.lookups.push({ botToken, email });
    if (this.lookupError) throw this.lookupError;
    return this.directory.get(email.toLowerCase()) ?? { found: false, error: "users_not_found" };
  }

  async postMessage(botToken: string, message: SlackMessage) {
    if (this.postError) throw this.postError;
    this.posts.push({ botToken, message });
    return { channel: "C100", ts: "1767225600.000100" };
  }

  async findMessage(_botToken: string, channel: string, marker: SlackMarker, _oldest: Date) {
    const posted = this.posts.find(
      (p) => p.message.marker?.runId === marker.runId && p.message.marker?.stepId === marker.stepId,
    );
    return posted
      ? { status: "found" as const, channel, ts: "1767225600.000100" }
      : { status: "absent" as const };
  }

  async postToWebhook(webhookUrl: string, message: { text: string }) {
    if (this.postError) throw this.postError;
    this.webhookPosts.push({ webhookUrl, text: message.text });
  }
}

let slack: RecordingSlack;
let profiles: FakeProfiles;
const clock = fixedClock("2026-11-21T10:00:00.000Z");
const run = aRun({ userId: "user_1" });

const performer = () =>
  slackPerformer({
    integrations: {
      getIntegration: async (ws, id) => stored.find((i) => i.workspaceId === ws && i.id === id),
    },
    slack,
  });

const action = (overrides: Partial<SendSlack> = {}): SendSlack => ({
  type: "send_slack",
  integrationId: "int_bot",
  channel: "{account.cs_channel}",
  text: "Case for {company}: @{case_owner_email} please call {first_name}",
  ...overrides,
});

const perform = (a: SendSlack, options: { onMissing?: OnMissing; test?: boolean } = {}) =>
  performAction(performer(), { profiles, clock }, run, a, "s1", options);

async function prepared(a: SendSlack, options: { test?: boolean } = {}): Promise<PreparedAction> {
  const result = await prepareAction(performer(), { profiles, clock }, run, a, "s1", options);
  if (!isPrepared(result)) throw new Error(`expected a prepared action, got ${JSON.stringify(result)}`);
  return result;
}

beforeEach(async () => {
  slack = new RecordingSlack();
  slack.directory.set("owner@acme.com", { found: true, userId: "U0OWNER" });
  profiles = new FakeProfiles();
  await profiles.mergeTraits(
    "ws_1",
    "acct_1",
    { company: "Acme <!channel> & Co", case_owner_email: "owner@acme.com", cs_channel: "C100" },
    "2026-11-20T00:00:00.000Z",
  );
  await profiles.mergeUserTraits("ws_1", "user_1", { first_name: "Ada" }, "2026-11-20T00:00:00.000Z");
});

describe("send_slack with a bot token", () => {
  it("posts the text rendered for Slack to the rendered channel, with a real mention", async () => {
    const outcome = await perform(action());

    expect(slack.lookups).toEqual([{ botToken: BOT_TOKEN, email: "owner@acme.com" }]);
    expect(slack.posts).toEqual([
      {
        botToken: BOT_TOKEN,
        message: {
          channel: "C100",
          text: "Case for Acme &lt;!channel&gt; &amp; Co: <@U0OWNER> please call Ada",
          // The step's message carries its run and step, so a post in doubt can be found again.
          marker: { runId: run.runId, stepId: "s1" },
        },
      },
    ]);
    expect(outcome).toEqual({
      status: "executed",
      detail: { via: "bot_token", channel: "C100", ts: "1767225600.000100" },
    });
  });

  it("falls back to the plain address when Slack knows no such person, and records how many and why", async () => {
    slack.directory.clear();

    const outcome = await perform(action({ text: "@{case_owner_email} and @ada@acme.com, please call" }));

    expect(slack.posts[0]?.message.text).toBe("@owner@acme.com and @ada@acme.com, please call");
    expect(outcome).toEqual({
      status: "executed",
      detail: {
        via: "bot_token",
        channel: "C100",
        ts: "1767225600.000100",
        mentionFallbacks: "2",
        mentionFallbackReasons: "users_not_found",
      },
    });
    // The outcome is logged at INFO by the action function: it never names a person's address.
    expect(JSON.stringify(outcome)).not.toContain("@");
  });

  it("falls back when the token may not read emails (missing_scope), and records why", async () => {
    slack.directory.set("owner@acme.com", { found: false, error: "missing_scope" });

    const outcome = await perform(action());

    expect(slack.posts[0]?.message.text).toContain("@owner@acme.com please");
    expect(outcome).toMatchObject({ detail: { mentionFallbackReasons: "missing_scope" } });
  });

  it("mentions a literal @address too, and looks each person up once", async () => {
    slack.directory.set("ada@acme.com", { found: true, userId: "U0ADA" });

    await perform(action({ text: "@ada@acme.com and @{case_owner_email}, then @Ada@Acme.com again" }));

    expect(slack.lookups.map((l) => l.email)).toEqual(["ada@acme.com", "owner@acme.com"]);
    expect(slack.posts[0]?.message.text).toBe("<@U0ADA> and <@U0OWNER>, then <@U0ADA> again");
  });

  it("leaves alone what is not an @ before an address written in the template", async () => {
    await profiles.mergeTraits(
      "ws_1",
      "acct_1",
      { domain: "acme.com", note: "<!here> ping @boss@acme.com" },
      "2026-11-20T00:00:00.000Z",
    );

    await perform(
      action({
        text: "Hi @{first_name}; write support@{domain} or owner@acme.com; {note}; {company|@x@y.com}",
      }),
    );

    // A value cannot add a mention (or a broadcast): only the template's own `@` can.
    expect(slack.lookups).toEqual([]);
    expect(slack.posts[0]?.message.text).toBe(
      "Hi @Ada; write support@acme.com or owner@acme.com; &lt;!here&gt; ping @boss@acme.com; Acme &lt;!channel&gt; &amp; Co",
    );
  });

  it(`looks up at most ${MAX_MENTIONS} people and leaves the rest plain, recorded`, async () => {
    const emails = Array.from({ length: MAX_MENTIONS + 2 }, (_, i) => `p${i}@acme.com`);
    for (const email of emails)
      slack.directory.set(email, { found: true, userId: `U0P${emails.indexOf(email)}` });

    const outcome = await perform(action({ text: emails.map((e) => `@${e}`).join(" ") }));

    expect(slack.lookups).toHaveLength(MAX_MENTIONS);
    expect(slack.posts[0]?.message.text).toMatch(/^<@U0P0> .* @p10@acme\.com @p11@acme\.com$/);
    expect(outcome).toMatchObject({
      detail: { mentionFallbacks: "2", mentionFallbackReasons: "too_many_mentions" },
    });
  });

  it("posts nothing when a lookup fails transiently, so the step is retried safely", async () => {
    slack.lookupError = new TransientDeliveryError("slack: HTTP 503 (users.lookupByEmail)");

    await expect(perform(action())).rejects.toBeInstanceOf(TransientDeliveryError);
    expect(slack.posts).toEqual([]);
  });

  it("lets Slack's refusal through as the step's failure", async () => {
    slack.postError = new PermanentDeliveryError("slack: channel_not_found");

    await expect(perform(action())).rejects.toThrow(new PermanentDeliveryError("slack: channel_not_found"));
  });

  it("fails without a channel, naming it", async () => {
    expect(await perform(action({ channel: undefined }))).toEqual({
      status: "failed",
      reason: "channel_missing: a Slack bot token posts to a channel; set the step's channel",
    });
    expect(await perform(action({ channel: "{account.nope}" }))).toMatchObject({
      reason: expect.stringMatching(/^channel_missing/),
    });
    expect(slack.lookups).toEqual([]);
  });

  it("previews the channel and the text with the addresses unresolved, without a secret or a lookup", async () => {
    const prep = await prepared(action());

    expect(prep.preview).toEqual({
      via: "bot_token",
      channel: "C100",
      integration: "CS bot",
      mentions: ["owner@acme.com"],
      text: "Case for Acme &lt;!channel&gt; &amp; Co: @owner@acme.com please call Ada",
    });
    expect(JSON.stringify(prep.preview)).not.toContain(BOT_TOKEN);
    expect(slack.lookups).toEqual([]);
    expect(slack.posts).toEqual([]);
  });

  it("marks a test send in the text", async () => {
    await perform(action(), { test: true });

    expect(slack.posts[0]?.message.text).toMatch(/^\[Test\] Case for/);
  });
});

describe("send_slack through an incoming webhook", () => {
  it("posts the text to the stored URL, mentions left plain and recorded, the channel ignored", async () => {
    const outcome = await perform(action({ integrationId: "int_hook", channel: undefined }));

    expect(slack.lookups).toEqual([]);
    expect(slack.webhookPosts).toEqual([
      {
        webhookUrl: WEBHOOK_URL,
        text: "Case for Acme &lt;!channel&gt; &amp; Co: @owner@acme.com please call Ada",
      },
    ]);
    expect(outcome).toEqual({
      status: "executed",
      detail: {
        via: "incoming_webhook",
        mentionFallbacks: "1",
        mentionFallbackReasons: "incoming_webhook",
      },
    });
  });

  it("previews without the webhook URL (it is the secret)", async () => {
    const prep = await prepared(action({ integrationId: "int_hook" }));

    expect(prep.preview).toMatchObject({ via: "incoming_webhook", integration: "#cs-alerts hook" });
    expect(JSON.stringify(prep.preview)).not.toContain("secretHookPath");
    expect(JSON.stringify(prep.preview)).not.toContain("hooks.slack.com");
  });

  it("refuses a stored URL that is not Slack's, without quoting it", async () => {
    const outcome = await perform(action({ integrationId: "int_bad_hook" }));

    expect(outcome).toEqual({
      status: "failed",
      reason: "integration_invalid: the Slack webhook URL is not Slack's",
    });
    expect(slack.webhookPosts).toEqual([]);
  });
});

describe("send_slack before anything is sent", () => {
  it.each([
    ["gone", "int_gone"],
    ["of another kind", "int_attio"],
  ])("fails when the integration is %s", async (_label, integrationId) => {
    expect(await perform(action({ integrationId }))).toEqual({
      status: "failed",
      reason: `integration_missing: Slack integration "${integrationId}" no longer exists`,
    });
  });

  it("stops under onMissing naming every missing placeholder, mention or not", async () => {
    const attempt = prepareAction(
      performer(),
      { profiles, clock },
      run,
      action({ text: "{account.nope} for @{user.owner_email}" }),
      "s1",
      { onMissing: "skip" },
    );

    await expect(attempt).rejects.toThrow(MissingValueError);
    await expect(attempt).rejects.toThrow("missing_value: {account.nope}, {user.owner_email}");
  });

  it("skips a message that rendered empty", async () => {
    expect(await perform(action({ text: "{account.nope} " }))).toEqual({
      status: "skipped",
      reason: "no_text: the message rendered empty",
    });
    expect(slack.posts).toEqual([]);
  });
});
