/**
 * `@rudderstack/rudder-sdk-node` flushing 300 tracks in one gzip request (its default): every one
 * accepted, and they reach the matcher for the right account. See test/support/sdk-flush.ts.
 */
import { createRequire } from "node:module";
import { afterAll, beforeAll, it } from "vitest";
import { type Scenario, startScenario } from "../support/scenario.js";
import { expectFlushOf300, FLUSH_ITEMS } from "../support/sdk-flush.js";

// The RudderStack SDK is CommonJS (module.exports = class).
const RudderAnalytics = createRequire(import.meta.url)("@rudderstack/rudder-sdk-node") as new (
  writeKey: string,
  options: Record<string, unknown>,
) => { track(message: Record<string, unknown>): void; flush(): Promise<unknown> };

let scenario: Scenario;

beforeAll(async () => {
  scenario = await startScenario("RudderStack-instrumented app (bulk)");
});

afterAll(async () => {
  await scenario?.stop();
});

it("flushes 300 tracks in one gzip request, all accepted; they start the moment once for the group's account", async () => {
  const analytics = new RudderAnalytics(scenario.writeKey, {
    dataPlaneUrl: scenario.stack.apiUrl,
    flushAt: FLUSH_ITEMS,
    flushInterval: 10_000,
    logLevel: "error",
  });

  await expectFlushOf300(scenario, async (track) => {
    for (let i = 0; i < FLUSH_ITEMS; i++) analytics.track({ ...track(i) });
    await analytics.flush();
  });
});
