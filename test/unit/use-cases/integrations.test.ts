import { beforeEach, describe, expect, it } from "vitest";
import { ConflictError, NotFoundError, ValidationError } from "../../../shared/domain/errors.js";
import { isWebhookSigningSecret } from "../../../shared/domain/secrets.js";
import { UpstreamError } from "../../../shared/domain/upstream-error.js";
import {
  createIntegration,
  deleteIntegration,
  getIntegration,
  type IntegrationDeps,
  listIntegrations,
  listSlackChannels,
  updateIntegration,
} from "../../../shared/use-cases/integrations.js";
import { aMoment, fixedClock } from "../../support/fakes.js";
import {
  anAttioIntegration,
  aSlackBotIntegration,
  aSlackWebhookIntegration,
  FakeIntegrationRepository,
  FakeMomentList,
  FakeSlackApi,
} from "../../support/fakes-content.js";

const BOT = "xoxb-123456789012-1234567890123-abcdefghijklmnopqrstuvwx";
const ATTIO = "attio-token-0123456789abcdef0123456789abcdef";

let integrations: FakeIntegrationRepository;
let moments: FakeMomentList;
let slack: FakeSlackApi;
let clock: ReturnType<typeof fixedClock>;
let deps: IntegrationDeps;

beforeEach(() => {
  integrations = new FakeIntegrationRepository();
  moments = new FakeMomentList();
  slack = new FakeSlackApi();
  clock = fixedClock("2026-11-21T10:00:00.000Z");
  deps = { integrations, moments, slack, clock };
});

describe("createIntegration", () => {
  it("stores the secret and answers only that it is set, with its last 4 characters", async () => {
    const view = await createIntegration(deps, "ws_1", { kind: "attio", name: "CRM", accessToken: ATTIO });

    expect(view).toEqual({
      id: expect.any(String),
      kind: "attio",
      name: "CRM",
      accessToken: { set: true, last4: "cdef" },
      createdAt: "2026-11-21T10:00:00.000Z",
      updatedAt: "2026-11-21T10:00:00.000Z",
    });
    expect(JSON.stringify(view)).not.toContain(ATTIO);
    expect(integrations.stored("ws_1", view.id)).toMatchObject({ accessToken: ATTIO, workspaceId: "ws_1" });
  });

  it("generates a webhook signing secret when none is given and returns it this once", async () => {
    const created = await createIntegration(deps, "ws_1", { kind: "webhook", name: "Hooks" });
    const stored = integrations.stored("ws_1", created.id);

    expect(stored?.kind).toBe("webhook");
    const secret = stored?.kind === "webhook" ? stored.signingSecret : "";
    expect(isWebhookSigningSecret(secret)).toBe(true);
    expect(created).toMatchObject({ signingSecret: { set: true, last4: secret.slice(-4), value: secret } });
    expect(JSON.stringify(await getIntegration(deps, "ws_1", created.id))).not.toContain(secret);
  });

  it("does not echo a signing secret the caller gave", async () => {
    const secret = `whsec_${Buffer.alloc(32, 9).toString("base64")}`;

    const created = await createIntegration(deps, "ws_1", {
      kind: "webhook",
      name: "Hooks",
      signingSecret: secret,
    });

    expect(JSON.stringify(created)).not.toContain(secret);
  });

  it("refuses an invalid body without storing anything", async () => {
    await expect(createIntegration(deps, "ws_1", { kind: "slack", name: "S" })).rejects.toThrow(
      ValidationError,
    );
    expect(integrations.collection.items.size).toBe(0);
  });
});

describe("reading and updating integrations", () => {
  it("lists the caller's integrations, masked, and none of another workspace's", async () => {
    await integrations.putIntegration(aSlackBotIntegration({ id: "i_1" }));
    await integrations.putIntegration(anAttioIntegration({ id: "i_2", workspaceId: "ws_2" }));

    const page = await listIntegrations(deps, "ws_1", {});

    expect(page).toEqual({
      items: [expect.objectContaining({ id: "i_1", botToken: { set: true, last4: "ijkl" } })],
    });
    await expect(getIntegration(deps, "ws_2", "i_1")).rejects.toThrow(NotFoundError);
  });

  it("replaces a secret: last4 changes, the stored secret is the new one", async () => {
    await integrations.putIntegration(aSlackBotIntegration({ id: "i_1" }));
    clock.advance(1000);

    const view = await updateIntegration(deps, "ws_1", "i_1", { botToken: `${BOT.slice(0, -4)}NEW4` });

    expect(view).toMatchObject({
      botToken: { set: true, last4: "NEW4" },
      updatedAt: "2026-11-21T10:00:01.000Z",
    });
    expect(integrations.stored("ws_1", "i_1")).toMatchObject({ botToken: `${BOT.slice(0, -4)}NEW4` });
  });

  it("answers another workspace's integration as not found on update and delete", async () => {
    await integrations.putIntegration(aSlackBotIntegration({ id: "i_1" }));

    await expect(updateIntegration(deps, "ws_2", "i_1", { name: "x" })).rejects.toThrow(NotFoundError);
    await expect(deleteIntegration(deps, "ws_2", "i_1")).rejects.toThrow(NotFoundError);
    expect(integrations.stored("ws_1", "i_1")).toBeDefined();
  });

  it("refuses an update that raced another one", async () => {
    await integrations.putIntegration(anAttioIntegration({ id: "i_1" }));
    const replace = integrations.replaceIntegration.bind(integrations);
    integrations.replaceIntegration = async (next, expected) => {
      await replace({ ...next, name: "theirs", updatedAt: "2026-11-21T09:59:59.000Z" }, expected);
      return replace(next, expected);
    };

    await expect(updateIntegration(deps, "ws_1", "i_1", { name: "ours" })).rejects.toThrow(ConflictError);
  });
});

describe("deleteIntegration", () => {
  const slackStep = (integrationId: string) => ({
    id: "s1",
    phase: "entry" as const,
    delay: { amount: 0, unit: "minutes" as const },
    action: { type: "send_slack" as const, integrationId, channel: "#ops", text: "New trial" },
  });

  it("deletes an integration only archived moments use", async () => {
    await integrations.putIntegration(aSlackBotIntegration({ id: "i_1" }));
    moments.moments.push(aMoment({ status: "archived", steps: [slackStep("i_1")] }));

    await deleteIntegration(deps, "ws_1", "i_1");

    expect(integrations.stored("ws_1", "i_1")).toBeUndefined();
  });

  it("refuses while a moment that is not archived uses it, naming the moment", async () => {
    await integrations.putIntegration(aSlackBotIntegration({ id: "i_1" }));
    moments.moments.push(
      aMoment({ id: "m_9", name: "Trial alerts", status: "stopped", steps: [slackStep("i_1")] }),
    );

    const attempt = deleteIntegration(deps, "ws_1", "i_1");

    await expect(attempt).rejects.toThrow(ConflictError);
    await expect(attempt).rejects.toThrow(/"Trial alerts" \(m_9, stopped\)/);
    expect(integrations.stored("ws_1", "i_1")).toBeDefined();
  });

  it("finds webhook and Attio steps too", async () => {
    await integrations.putIntegration(anAttioIntegration({ id: "i_a" }));
    moments.moments.push(
      aMoment({
        status: "draft",
        steps: [
          {
            id: "s1",
            phase: "exit",
            delay: { amount: 0, unit: "minutes" },
            action: { type: "create_attio_task", integrationId: "i_a", content: "Call them" },
          },
        ],
      }),
    );

    await expect(deleteIntegration(deps, "ws_1", "i_a")).rejects.toThrow(ConflictError);
  });
});

describe("listSlackChannels", () => {
  it("lists the bot's channels sorted by name", async () => {
    await integrations.putIntegration(aSlackBotIntegration({ id: "i_1", botToken: BOT }));
    slack.channelsByToken.set(BOT, [
      { id: "C2", name: "sales", isMember: false },
      { id: "C1", name: "alerts", isMember: true },
    ]);

    await expect(listSlackChannels(deps, "ws_1", "i_1")).resolves.toEqual({
      items: [
        { id: "C1", name: "alerts", isMember: true },
        { id: "C2", name: "sales", isMember: false },
      ],
    });
    expect(slack.calls).toEqual([BOT]);
  });

  it("says when the list was cut short", async () => {
    await integrations.putIntegration(aSlackBotIntegration({ id: "i_1" }));
    slack.truncated = true;

    await expect(listSlackChannels(deps, "ws_1", "i_1")).resolves.toMatchObject({ truncated: true });
  });

  it("refuses a webhook-URL integration: listing needs a bot token", async () => {
    await integrations.putIntegration(aSlackWebhookIntegration({ id: "i_1" }));

    await expect(listSlackChannels(deps, "ws_1", "i_1")).rejects.toThrow(/needs a bot token/);
    expect(slack.calls).toEqual([]);
  });

  it("refuses an integration of another kind", async () => {
    await integrations.putIntegration(anAttioIntegration({ id: "i_1" }));

    await expect(listSlackChannels(deps, "ws_1", "i_1")).rejects.toThrow(ConflictError);
  });

  it("passes Slack's refusal on", async () => {
    await integrations.putIntegration(aSlackBotIntegration({ id: "i_1" }));
    slack.failWith = new UpstreamError("slack_error", "Slack said invalid_auth");

    await expect(listSlackChannels(deps, "ws_1", "i_1")).rejects.toThrow("Slack said invalid_auth");
  });

  it("answers another workspace's integration as not found without calling Slack", async () => {
    await integrations.putIntegration(aSlackBotIntegration({ id: "i_1" }));

    await expect(listSlackChannels(deps, "ws_2", "i_1")).rejects.toThrow(NotFoundError);
    expect(slack.calls).toEqual([]);
  });
});
