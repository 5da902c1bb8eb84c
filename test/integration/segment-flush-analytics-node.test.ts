/**
 * `@segment/analytics-node` flushing 300 tracks in one request (Segment's limits: 500 KB a batch, no
 * item cap below that; ours used to be 100 items, a 413 the SDK dropped): every one accepted, and
 * they reach the matcher for the right account. See test/support/sdk-flush.ts.
 */
import { Analytics } from "@segment/analytics-node";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Scenario, startScenario } from "../support/scenario.js";
import { expectFlushOf300, FLUSH_ITEMS } from "../support/sdk-flush.js";

let scenario: Scenario;

beforeAll(async () => {
  scenario = await startScenario("Segment-instrumented app (bulk)");
});

afterAll(async () => {
  await scenario?.stop();
});

it("flushes 300 tracks in one request, all accepted; they start the moment once for the group's account", async () => {
  const analytics = new Analytics({
    writeKey: scenario.writeKey,
    host: scenario.stack.apiUrl,
    flushAt: FLUSH_ITEMS,
    flushInterval: 10_000,
  });
  const batches: number[] = [];
  const statuses: number[] = [];
  analytics.on("http_request", (request) => {
    batches.push((JSON.parse(request.body) as { batch: unknown[] }).batch.length);
  });
  analytics.on("http_response", (response) => statuses.push(response.status));

  await expectFlushOf300(scenario, async (track) => {
    for (let i = 0; i < FLUSH_ITEMS; i++) analytics.track(track(i));
    await analytics.closeAndFlush();
  });

  // One request of all 300 items (resent whole if a slow machine made the SDK time out: safe).
  expect(batches.length).toBeGreaterThanOrEqual(1);
  expect(batches.every((size) => size === FLUSH_ITEMS)).toBe(true);
  expect(statuses.at(-1)).toBe(202);
});
