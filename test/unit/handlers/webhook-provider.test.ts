/**
 * The send_webhook wiring: the loopback opt-in is read from the environment, and only the exact
 * value "true" turns it on (the CDK app never sets it; a typo must not open loopback on AWS).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { WiringContext } from "../../../functions/action/providers/context.js";
import { webhookPerformers } from "../../../functions/action/providers/webhook.js";
import { PermanentDeliveryError, TransientDeliveryError } from "../../../shared/domain/delivery-errors.js";
import type { ActionPerformer } from "../../../shared/use-cases/actions/action.js";
import { performAction } from "../../support/actions.js";
import { type FakeWebhookReceiver, startFakeWebhookReceiver } from "../../support/fake-webhook-receiver.js";
import { aRun, FakeIntegrations, FakeProfiles } from "../../support/fakes.js";

let receiver: FakeWebhookReceiver;
const profiles = new FakeProfiles();
const integrations = new FakeIntegrations();
const clock = { now: () => new Date() };

beforeAll(async () => {
  receiver = await startFakeWebhookReceiver();
  integrations.add("ws_1", "int_hook", "webhook");
  const stored = await integrations.getIntegration("ws_1", "int_hook");
  receiver.useSecret(stored?.kind === "webhook" ? stored.signingSecret : undefined);
});
afterAll(() => receiver.stop());
beforeEach(() => {
  receiver.requests.length = 0;
});

function performer(
  env: Record<string, string | undefined>,
  budget: WiringContext["budget"] = "step",
): ActionPerformer {
  const context = { integrations, profiles, clock, env, budget } as unknown as WiringContext;
  const performers = webhookPerformers(context);
  if (!performers.send_webhook) throw new Error("send_webhook is expected to be wired");
  return performers.send_webhook as ActionPerformer;
}

const action = () => ({
  type: "send_webhook" as const,
  method: "POST" as const,
  url: `${receiver.url}/in`,
  body: '{"ok": true}',
  integrationId: "int_hook",
});

describe("webhookPerformers", () => {
  it("delivers a signed request to loopback when MOMENTS_WEBHOOK_ALLOW_LOOPBACK is true", async () => {
    const outcome = await performAction(
      performer({ MOMENTS_WEBHOOK_ALLOW_LOOPBACK: "true" }),
      { profiles, clock },
      aRun(),
      action(),
    );

    expect(outcome).toMatchObject({ status: "executed", detail: { status: "204" } });
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]?.signature).toBe("valid");
  });

  it.each([undefined, "false", "1", "TRUE", "yes"])(
    "refuses loopback when the opt-in is %s",
    async (value) => {
      const error = await performAction(
        performer({ MOMENTS_WEBHOOK_ALLOW_LOOPBACK: value }),
        { profiles, clock },
        aRun(),
        action(),
      ).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(PermanentDeliveryError);
      expect((error as Error).message).toBe("blocked_address: 127.0.0.1 is a loopback address");
      expect(receiver.requests).toEqual([]);
    },
  );

  it("tries a 429 again inline in a step, but never in a test send (an admin is waiting)", async () => {
    const allow = { MOMENTS_WEBHOOK_ALLOW_LOOPBACK: "true" };
    receiver.respondNext(1, { status: 429, headers: { "retry-after": "0" } });
    const step = await performAction(performer(allow, "step"), { profiles, clock }, aRun(), action());
    receiver.respondNext(1, { status: 429, headers: { "retry-after": "0" } });
    const interactive = await performAction(
      performer(allow, "interactive"),
      { profiles, clock },
      aRun(),
      action(),
    ).catch((e: unknown) => e);

    expect(step).toMatchObject({ status: "executed" });
    expect(interactive).toBeInstanceOf(TransientDeliveryError);
    expect(receiver.requests).toHaveLength(3);
  });
});
