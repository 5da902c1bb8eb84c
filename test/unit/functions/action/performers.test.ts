/**
 * The action function's performers load each provider on its first action: every action type is
 * routed to the provider that really wires it, and an action performs through its lazily loaded
 * provider.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { lazyProviders } from "../../../../functions/action/lazy-providers.js";
import { createPerformers, providerOf, type WiringContext } from "../../../../functions/action/performers.js";
import { providers } from "../../../../functions/action/providers/index.js";
import type { Action } from "../../../../shared/domain/actions.js";
import { prepareAction } from "../../../../shared/use-cases/execute-step.js";
import { aRun, FakeIntegrations, FakeProfiles } from "../../../support/fakes.js";

function context(): WiringContext {
  return {
    db: DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1" })),
    tracer: undefined,
    tableName: "moments-test",
    eventBusName: "moments-test",
    sesConfigurationSet: undefined,
    publicApiUrl: "https://api.example.com",
    integrations: new FakeIntegrations(),
    profiles: new FakeProfiles(),
    clock: { now: () => new Date() },
    env: {},
    budget: "step",
  };
}

describe("action performers", () => {
  it("route every action type to a provider whose wiring performs it", async () => {
    const wirings = {
      email: await lazyProviders.email(),
      inApp: await lazyProviders.inApp(),
      slack: await lazyProviders.slack(),
      attio: await lazyProviders.attio(),
      webhook: await lazyProviders.webhook(),
    };
    for (const [type, provider] of Object.entries(providerOf)) {
      expect(Object.keys(wirings[provider](context())), `${provider} wires ${type}`).toContain(type);
    }
    // And no provider wires a type routed elsewhere (it would never be called).
    for (const [provider, wiring] of Object.entries(wirings)) {
      for (const type of Object.keys(wiring(context()))) {
        expect(providerOf[type as Action["type"]], `${type} routed to ${provider}`).toBe(provider);
      }
    }
  });

  it("load the same wiring lazily (action function) and at once (test sends)", async () => {
    for (const name of Object.keys(providers) as Array<keyof typeof providers>) {
      expect(await lazyProviders[name]()).toBe(await providers[name]());
    }
  });

  it("perform an action through its provider, loaded by the first action and reused by the next", async () => {
    const performers = createPerformers(context(), lazyProviders);
    const run = aRun();
    const ctx = {
      run,
      stepId: "s1",
      idempotencyKey: `${run.runId}:s1`,
      data: { user: {}, account: {}, event: {} },
      render: (text: string) => text,
      test: false,
      now: new Date(),
    } as unknown as Parameters<typeof prepareAction>[1];
    // An unsafe link is refused while preparing, before any AWS call: the provider's own answer.
    const action = {
      type: "send_notification",
      title: "Hi",
      body: "Hello",
      url: "javascript:alert(1)",
    } as Action;
    const first = await prepareAction(performers, ctx, action);
    const second = await prepareAction(performers, ctx, action);
    expect(first).toEqual({ status: "failed", reason: expect.stringContaining("unsafe_url") });
    expect(second).toEqual(first);
  });
});
