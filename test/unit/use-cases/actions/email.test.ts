import { beforeEach, describe, expect, it } from "vitest";
import type { Action } from "../../../../shared/domain/actions.js";
import { TransientDeliveryError } from "../../../../shared/domain/delivery-errors.js";
import { parseUnsubscribeToken, verifyUnsubscribeToken } from "../../../../shared/domain/unsubscribe.js";
import { isPrepared } from "../../../../shared/use-cases/actions/action.js";
import { emailPerformer } from "../../../../shared/use-cases/actions/email.js";
import { performAction, prepareAction } from "../../../support/actions.js";
import { emailDeps, TEST_API_URL } from "../../../support/fake-suppressions.js";
import {
  aRun,
  aTemplate,
  FakeConfigRepository,
  FakeMailer,
  FakeProfiles,
  fixedClock,
} from "../../../support/fakes.js";

type SendEmail = Extract<Action, { type: "send_email" }>;

const NOW = "2026-11-21T10:00:00.000Z";
const run = aRun({ trigger: { ...aRun().trigger, properties: { last4: "4242" } } });
const clock = fixedClock(NOW);

let config: FakeConfigRepository;
let profiles: FakeProfiles;
let mailer: FakeMailer;
let deps: ReturnType<typeof emailDeps>;

const send = (overrides: Partial<SendEmail> = {}): SendEmail => ({
  type: "send_email",
  templateId: "t_1",
  ...overrides,
});
const perform = (action: SendEmail = send(), options: { test?: boolean } = {}) =>
  performAction(emailPerformer(deps), { profiles, clock }, run, action, "s1", options);

beforeEach(async () => {
  config = new FakeConfigRepository();
  profiles = new FakeProfiles();
  mailer = new FakeMailer();
  deps = emailDeps(config, mailer);
  await config.putEmailTemplate(
    aTemplate({
      subject: "Hi {first_name}",
      text: "Card {event.last4} failed.",
      html: "<html><body><p>Card {event.last4} failed.</p></body></html>",
    }),
  );
  await profiles.mergeTraits(
    "ws_1",
    "acct_1",
    { first_name: "Ada", email: "ada@example.com", csm_email: "bo@acme.com", csm_name: "Bo" },
    NOW,
  );
});

function linkOf(text: string | undefined): string {
  const url = /Unsubscribe: (\S+)$/.exec(text ?? "")?.[1];
  if (!url) throw new Error(`no footer link in ${text}`);
  return url;
}

describe("send_email", () => {
  it("carries List-Unsubscribe (one-click) with a link whose token names the workspace and recipient", async () => {
    const outcome = await perform();

    expect(outcome).toEqual({ status: "executed", detail: { messageId: "ses-1" } });
    const [email] = mailer.sent;
    const url = linkOf(email?.text);
    expect(email?.headers).toEqual({
      "List-Unsubscribe": `<${url}>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    });
    expect(url.startsWith(`${TEST_API_URL}v1/unsubscribe?token=`)).toBe(true);
    const parsed = parseUnsubscribeToken(new URL(url).searchParams.get("token") ?? "");
    expect(parsed?.claims).toEqual({
      workspaceId: "ws_1",
      address: "ada@example.com",
      issuedAt: new Date(NOW),
    });
    const secret = parsed && (await deps.unsubscribeKeys.verificationKey("ws_1", parsed.keyId));
    expect(parsed && secret && verifyUnsubscribeToken(parsed, secret)).toBe(true);
  });

  it("adds the footer link to the text body and, escaped, before </body> of the HTML body", async () => {
    await perform();

    const [email] = mailer.sent;
    const url = linkOf(email?.text);
    expect(email?.text).toBe(`Card 4242 failed.\n\n--\nUnsubscribe: ${url}`);
    const escaped = url.replace(/&/g, "&amp;");
    expect(email?.html).toBe(
      "<html><body><p>Card 4242 failed.</p>" +
        `<p style="margin-top:24px;font-size:12px;color:#6b7280"><a href="${escaped}" style="color:#6b7280">Unsubscribe</a></p>` +
        "</body></html>",
    );
  });

  it("appends the HTML footer at the end when the HTML has no </body>", async () => {
    await config.putEmailTemplate(aTemplate({ html: "<p>Hi</p>" }));

    await perform();

    expect(mailer.sent[0]?.html).toMatch(
      /^<p>Hi<\/p><p style=[^>]+><a href="[^"]+"[^>]*>Unsubscribe<\/a><\/p>$/,
    );
  });

  it("skips a suppressed recipient at send time with the reason, and sends nothing", async () => {
    await deps.suppressions.suppress("ws_1", {
      address: "ada@example.com",
      reason: "unsubscribed",
      suppressedAt: NOW,
    });

    const outcome = await perform();

    expect(outcome).toEqual({ status: "skipped", reason: "suppressed: unsubscribed" });
    expect(mailer.sent).toEqual([]);
  });

  it("reads the suppression list for the send alongside the template (no round trip of its own), once", async () => {
    await deps.suppressions.suppress("ws_1", {
      address: "ada@example.com",
      reason: "bounced",
      suppressedAt: NOW,
    });
    const prepared = await prepareAction(emailPerformer(deps), { profiles, clock }, run, send());
    if (!isPrepared(prepared)) throw new Error("expected a prepared send");
    expect(deps.suppressions.lookups).toEqual(["ada@example.com"]);

    const outcome = await prepared.perform();

    expect(outcome).toEqual({ status: "skipped", reason: "suppressed: bounced" });
    expect(deps.suppressions.lookups).toEqual(["ada@example.com"]);
  });

  it("reads nothing early for a preview or a test send (no suppression lookup, no unsubscribe key made)", async () => {
    const prepared = await prepareAction(emailPerformer(deps), { profiles, clock }, run, send(), "s1", {
      test: true,
    });

    if (!isPrepared(prepared)) throw new Error("expected a prepared send");
    expect(deps.suppressions.lookups).toEqual([]);
    expect(deps.unsubscribeKeys.sets.size).toBe(0);
  });

  it("looks the recipient up with its domain lower-cased", async () => {
    await profiles.mergeTraits("ws_1", "acct_1", { email: "Ada@Example.COM" }, NOW);
    await deps.suppressions.suppress("ws_1", {
      address: "Ada@example.com",
      reason: "complained",
      suppressedAt: NOW,
    });

    const outcome = await perform();

    expect(outcome).toEqual({ status: "skipped", reason: "suppressed: complained" });
  });

  it("renders reply-to and cc in header mode and sends them", async () => {
    await perform(send({ replyTo: "{csm_name} <{csm_email}>", cc: ["{csm_email}", "ops@acme.com"] }));

    expect(mailer.sent[0]).toMatchObject({
      to: { address: "ada@example.com" },
      replyTo: { name: "Bo", address: "bo@acme.com" },
      cc: [{ address: "bo@acme.com" }, { address: "ops@acme.com" }],
    });
  });

  it("sends each recipient its own copy, with an unsubscribe link for that recipient", async () => {
    await perform(send({ cc: ["{csm_email}", "ops@acme.com"] }));

    expect(mailer.sent.map((copy) => copy.deliverTo?.address)).toEqual([
      "ada@example.com",
      "bo@acme.com",
      "ops@acme.com",
    ]);
    const links = mailer.sent.map((copy) => copy.headers?.["List-Unsubscribe"]);
    expect(new Set(links).size).toBe(3);
    expect(mailer.sent.map((copy) => linkOf(copy.text))).toEqual(links.map((link) => link?.slice(1, -1)));
  });

  it("keeps the To copy when a Cc copy fails: counted, not retried as a step (that would send the To copy twice)", async () => {
    const failing = new FakeMailer();
    const sleeps: number[] = [];
    deps = { ...emailDeps(config, failing), sleep: async (ms: number) => void sleeps.push(ms) };
    const original = failing.send.bind(failing);
    failing.send = async (email) => {
      if (email.deliverTo?.address === "bo@acme.com") throw new TransientDeliveryError("SES Throttling");
      return original(email);
    };

    const outcome = await perform(send({ cc: ["{csm_email}", "ops@acme.com"] }));

    expect(outcome).toEqual({ status: "executed", detail: { messageId: "ses-1", ccFailed: "1" } });
    expect(failing.sent.map((copy) => copy.deliverTo?.address)).toEqual(["ada@example.com", "ops@acme.com"]);
    // Throttled: tried again twice inside the step, 1 s then 2 s later.
    expect(sleeps).toEqual([1_000, 2_000]);
  });

  it("sends a cc copy that SES throttled once, on the next try", async () => {
    const throttling = new FakeMailer();
    deps = { ...emailDeps(config, throttling), sleep: async () => undefined };
    let refused = 0;
    const original = throttling.send.bind(throttling);
    throttling.send = async (email) => {
      if (email.deliverTo?.address === "bo@acme.com" && refused++ === 0)
        throw new TransientDeliveryError("SES Throttling");
      return original(email);
    };

    const outcome = await perform(send({ cc: ["{csm_email}"] }));

    expect(outcome).toEqual({ status: "executed", detail: { messageId: "ses-1" } });
    expect(throttling.sent.map((copy) => copy.deliverTo?.address)).toEqual([
      "ada@example.com",
      "bo@acme.com",
    ]);
  });

  it("drops suppressed cc addresses, counts them in the detail, and still sends to the others", async () => {
    await deps.suppressions.suppress("ws_1", {
      address: "bo@acme.com",
      reason: "unsubscribed",
      suppressedAt: NOW,
    });

    const outcome = await perform(send({ cc: ["{csm_email}", "ops@acme.com"] }));

    expect(outcome).toEqual({ status: "executed", detail: { messageId: "ses-1", ccSuppressed: "1" } });
    expect(mailer.sent[0]?.cc).toEqual([{ address: "ops@acme.com" }]);
    expect(mailer.sent.map((copy) => copy.deliverTo?.address)).toEqual(["ada@example.com", "ops@acme.com"]);
  });

  it("leaves out cc entries that are the recipient or repeat another", async () => {
    await perform(send({ cc: ["{email}", "ops@acme.com", "ops@ACME.com"] }));

    expect(mailer.sent[0]?.cc).toEqual([{ address: "ops@acme.com" }]);
  });

  it("leaves out a cc or reply-to that rendered empty", async () => {
    await perform(send({ replyTo: "{missing_trait}", cc: ["{missing_trait}"] }));

    expect(mailer.sent[0]).not.toHaveProperty("replyTo");
    expect(mailer.sent[0]).not.toHaveProperty("cc");
  });

  it.each([
    [
      "replyTo",
      send({ replyTo: "{first_name}" }),
      'invalid_address: replyTo "{first_name}" did not render to an email address',
    ],
    [
      "cc",
      send({ cc: ["ops@acme.com", "not an address"] }),
      'invalid_address: cc.1 "not an address" did not render to an email address',
    ],
  ])("fails the step naming the field when %s is not an address", async (_field, action, reason) => {
    const outcome = await perform(action);

    expect(outcome).toEqual({ status: "failed", reason });
    expect(mailer.sent).toEqual([]);
  });

  it("never names the rendered address in a reason (reasons are logged)", async () => {
    await profiles.mergeTraits("ws_1", "acct_1", { email: "ada at example" }, NOW);

    const outcome = await perform();

    expect(outcome).toEqual({
      status: "skipped",
      reason: 'no_recipient: "{email}" did not render to an email address',
    });
  });

  it("fails rather than send an email without an unsubscribe link when no API URL is configured", async () => {
    deps = emailDeps(config, mailer, { publicApiUrl: undefined });

    const outcome = await perform();

    expect(outcome).toEqual({
      status: "failed",
      reason: "unsubscribe_unavailable: no public API URL for the unsubscribe link",
    });
    expect(mailer.sent).toEqual([]);
  });

  it("previews the rendered email and says what is added at send time, without a token", async () => {
    const prepared = await prepareAction(
      emailPerformer(deps),
      { profiles, clock },
      run,
      send({ cc: ["ops@acme.com"] }),
      "s1",
      // Previews are prepared as test sends are (see test-step.ts).
      { test: true },
    );

    if (!isPrepared(prepared)) throw new Error("expected a prepared send");
    expect(prepared.preview).toEqual({
      from: '"Anna at Acme" <anna@mail.acme.com>',
      to: "ada@example.com",
      cc: ["ops@acme.com"],
      subject: "Hi Ada",
      text: "Card 4242 failed.",
      html: "<html><body><p>Card 4242 failed.</p></body></html>",
      unsubscribe: expect.stringContaining("List-Unsubscribe"),
    });
    expect(JSON.stringify(prepared.preview)).not.toContain("token=");
    expect(deps.unsubscribeKeys.sets.size).toBe(0);
  });

  it("tags a step's To copy with its step (its Send event is the step's evidence), not its cc copies", async () => {
    await perform(send({ cc: ["bo@example.com"] }));

    expect(mailer.sent.map((email) => email.tags)).toEqual([
      expect.objectContaining({ run: "run_1", step: "s1" }),
      expect.not.objectContaining({ step: expect.anything() }),
    ]);
  });

  it("tags the send with the workspace, moment and run, and marks a test send", async () => {
    await perform(send(), { test: true });

    expect(mailer.sent[0]?.tags).toEqual({ workspace: "ws_1", moment: "m_1", run: "run_1", test: "true" });
    expect(mailer.sent[0]?.date).toEqual(new Date(NOW));
  });

  it("collapses line breaks in the template's own subject into spaces", async () => {
    await config.putEmailTemplate(aTemplate({ subject: "Hi\r\nBcc: eve@evil.example" }));

    await perform();

    expect(mailer.sent[0]?.subject).toBe("Hi Bcc: eve@evil.example");
  });
});
