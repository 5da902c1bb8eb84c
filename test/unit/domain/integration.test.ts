import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../shared/domain/errors.js";
import {
  applyIntegrationPatch,
  createIntegrationSchema,
  integrationIdOf,
  newIntegration,
  toIntegrationView,
} from "../../../shared/domain/integration.js";
import {
  generateWebhookSigningSecret,
  isWebhookSigningSecret,
  maskSecret,
  webhookSecretBytes,
} from "../../../shared/domain/secrets.js";
import {
  anAttioIntegration,
  aSlackBotIntegration,
  aSlackWebhookIntegration,
  aWebhookIntegration,
} from "../../support/fakes-content.js";

const HOOK = "https://hooks.slack.com/services/T0001/B0001/abcdefghijklmnop";
const BOT = "xoxb-123456789012-1234567890123-abcdefghijklmnopqrstuvwx";
const secret = (bytes: number) => `whsec_${Buffer.alloc(bytes, 1).toString("base64")}`;
const LATER = "2026-11-02T00:00:00.000Z";

const pathsOf = (input: unknown) => {
  const result = createIntegrationSchema.safeParse(input);
  return result.success ? undefined : [...new Set(result.error.issues.map((issue) => issue.path.join(".")))];
};

describe("createIntegrationSchema", () => {
  it.each([
    ["a Slack incoming webhook", { kind: "slack", name: "Alerts", webhookUrl: HOOK }],
    [
      "a GovSlack incoming webhook",
      { kind: "slack", name: "Gov", webhookUrl: HOOK.replace("slack", "slack-gov") },
    ],
    ["a Slack bot token", { kind: "slack", name: "Bot", botToken: BOT }],
    ["an Attio access token", { kind: "attio", name: "CRM", accessToken: "a".repeat(64) }],
    ["a webhook without a secret (one is generated)", { kind: "webhook", name: "Hooks" }],
    ["a 24-byte webhook secret", { kind: "webhook", name: "Hooks", signingSecret: secret(24) }],
    ["a 64-byte webhook secret", { kind: "webhook", name: "Hooks", signingSecret: secret(64) }],
  ])("accepts %s", (_label, input) => {
    expect(pathsOf(input)).toBeUndefined();
  });

  it.each([
    ["Slack with neither secret", { kind: "slack", name: "S" }, [""]],
    ["Slack with both secrets", { kind: "slack", name: "S", webhookUrl: HOOK, botToken: BOT }, [""]],
    [
      "a webhook URL on another host",
      { kind: "slack", name: "S", webhookUrl: "https://evil.example/services/T/B/x" },
      ["webhookUrl"],
    ],
    [
      "a plain-http Slack webhook URL",
      { kind: "slack", name: "S", webhookUrl: HOOK.replace("https", "http") },
      ["webhookUrl"],
    ],
    [
      "a look-alike Slack host",
      { kind: "slack", name: "S", webhookUrl: "https://hooks.slack.com.evil.example/services/T/B/abcdefgh" },
      ["webhookUrl"],
    ],
    [
      "a user token instead of a bot token",
      { kind: "slack", name: "S", botToken: BOT.replace("xoxb", "xoxp") },
      ["botToken"],
    ],
    ["a bot token with a newline", { kind: "slack", name: "S", botToken: `${BOT}\n` }, ["botToken"]],
    ["a short Attio token", { kind: "attio", name: "A", accessToken: "short" }, ["accessToken"]],
    [
      "an Attio token with a space",
      { kind: "attio", name: "A", accessToken: "token with spaces 1234" },
      ["accessToken"],
    ],
    [
      "a webhook secret without whsec_",
      { kind: "webhook", name: "W", signingSecret: secret(32).slice(6) },
      ["signingSecret"],
    ],
    [
      "a webhook secret of 16 bytes",
      { kind: "webhook", name: "W", signingSecret: secret(16) },
      ["signingSecret"],
    ],
    [
      "a webhook secret of 65 bytes",
      { kind: "webhook", name: "W", signingSecret: secret(65) },
      ["signingSecret"],
    ],
    [
      "a webhook secret that is not base64",
      { kind: "webhook", name: "W", signingSecret: `whsec_${"!".repeat(40)}` },
      ["signingSecret"],
    ],
    ["an unknown kind", { kind: "teams", name: "T" }, ["kind"]],
    [
      "a secret of another kind",
      { kind: "attio", name: "A", accessToken: "a".repeat(32), botToken: BOT },
      [""],
    ],
    ["a missing name", { kind: "attio", accessToken: "a".repeat(32) }, ["name"]],
  ])("refuses %s", (_label, input, paths) => {
    expect(pathsOf(input)).toEqual(paths);
  });
});

describe("newIntegration", () => {
  const meta = { id: "i_1", workspaceId: "ws_1", name: "n", createdAt: LATER, updatedAt: LATER };

  it("generates a signing secret only for a webhook integration without one", () => {
    const generated = secret(32);
    const make = (input: unknown) =>
      newIntegration(createIntegrationSchema.parse(input), meta, () => generated);

    expect(make({ kind: "webhook", name: "W" })).toMatchObject({ signingSecret: generated });
    expect(make({ kind: "webhook", name: "W", signingSecret: secret(40) })).toMatchObject({
      signingSecret: secret(40),
    });
    expect(make({ kind: "slack", name: "S", botToken: BOT })).toEqual({
      ...meta,
      kind: "slack",
      name: "S",
      botToken: BOT,
    });
  });
});

describe("applyIntegrationPatch", () => {
  it("replaces a secret and stamps updatedAt", () => {
    const next = applyIntegrationPatch(anAttioIntegration(), { accessToken: "b".repeat(40) }, LATER);

    expect(next).toMatchObject({ accessToken: "b".repeat(40), updatedAt: LATER, name: "Attio" });
  });

  it("renames without touching the secret", () => {
    const current = aWebhookIntegration();
    const next = applyIntegrationPatch(current, { name: "Renamed" }, LATER);

    expect(next).toEqual({ ...current, name: "Renamed", updatedAt: LATER });
  });

  it("switches a Slack integration from webhook to bot token, dropping the webhook URL", () => {
    const next = applyIntegrationPatch(aSlackWebhookIntegration(), { botToken: BOT }, LATER);

    expect(next).toMatchObject({ kind: "slack", botToken: BOT });
    expect(next).not.toHaveProperty("webhookUrl");
  });

  it("keeps the Slack secret it has when the patch gives none", () => {
    const current = aSlackBotIntegration();

    expect(applyIntegrationPatch(current, {}, LATER)).toEqual({ ...current, updatedAt: LATER });
  });

  it.each([
    ["a kind change", aSlackBotIntegration(), { kind: "attio" }],
    ["another kind's secret", anAttioIntegration(), { botToken: BOT }],
    ["both Slack secrets", aSlackBotIntegration(), { botToken: BOT, webhookUrl: HOOK }],
    ["an invalid secret", aWebhookIntegration(), { signingSecret: "whsec_short" }],
    ["a body that is not an object", anAttioIntegration(), "name"],
  ])("refuses %s", (_label, current, body) => {
    expect(() => applyIntegrationPatch(current, body, LATER)).toThrow(ValidationError);
  });
});

describe("toIntegrationView", () => {
  it.each([
    [
      "Slack bot",
      aSlackBotIntegration(),
      { webhookUrl: { set: false }, botToken: { set: true, last4: "ijkl" } },
    ],
    [
      "Slack webhook",
      aSlackWebhookIntegration(),
      { webhookUrl: { set: true, last4: "WXYZ" }, botToken: { set: false } },
    ],
    ["Attio", anAttioIntegration(), { accessToken: { set: true, last4: "6789" } }],
  ])(
    "shows a %s integration's secrets only as set and their last 4 characters",
    (_label, integration, masked) => {
      const view = toIntegrationView(integration);

      expect(view).toEqual({
        id: integration.id,
        kind: integration.kind,
        name: integration.name,
        createdAt: integration.createdAt,
        updatedAt: integration.updatedAt,
        ...masked,
      });
    },
  );

  it("never carries a secret, whatever the kind", () => {
    for (const integration of [
      aSlackBotIntegration(),
      aSlackWebhookIntegration(),
      anAttioIntegration(),
      aWebhookIntegration(),
    ]) {
      const secretValue = Object.entries(integration).find(([k]) =>
        ["botToken", "webhookUrl", "accessToken", "signingSecret"].includes(k),
      )?.[1];
      expect(secretValue).toBeTypeOf("string");
      expect(JSON.stringify(toIntegrationView(integration))).not.toContain(String(secretValue));
      expect(JSON.stringify(toIntegrationView(integration))).not.toContain("workspaceId");
    }
  });
});

describe("secrets", () => {
  it("masks an unset secret as not set", () => {
    expect(maskSecret(undefined)).toEqual({ set: false });
    expect(maskSecret("")).toEqual({ set: false });
  });

  it("generates distinct Standard Webhooks secrets of 32 bytes", () => {
    const a = generateWebhookSigningSecret();
    const b = generateWebhookSigningSecret();

    expect(a).not.toBe(b);
    expect(isWebhookSigningSecret(a)).toBe(true);
    expect(webhookSecretBytes(a)?.length).toBe(32);
  });

  it("refuses base64 with characters Node would silently skip", () => {
    expect(webhookSecretBytes(`whsec_${Buffer.alloc(30, 1).toString("base64")}.`)).toBeUndefined();
    expect(webhookSecretBytes("whsec_")).toBeUndefined();
  });
});

describe("integrationIdOf", () => {
  it("finds the integration of the actions that use one", () => {
    expect(integrationIdOf({ type: "send_slack", integrationId: "i_1", text: "hi" })).toBe("i_1");
    expect(integrationIdOf({ type: "create_attio_task", integrationId: "i_2", content: "call" })).toBe("i_2");
    expect(integrationIdOf({ type: "send_webhook", method: "POST", url: "https://x.test/" })).toBeUndefined();
    expect(integrationIdOf({ type: "send_email", templateId: "t_1" })).toBeUndefined();
  });
});
