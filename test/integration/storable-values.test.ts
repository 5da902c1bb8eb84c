/**
 * Values DynamoDB cannot store are refused at the door with a 400 naming the field, never accepted
 * and then lost: a number JSON parses to Infinity, nesting deeper than DynamoDB allows. An integer
 * beyond 2^53 (an order id) is stored, with the precision JSON.parse left it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Scenario, startSharedScenario, unique } from "../support/scenario.js";
import { waitFor } from "../support/wait-for.js";

let s: Scenario;

beforeAll(async () => {
  s = await startSharedScenario("Storable values");
});

afterAll(async () => {
  await s?.stop();
});

const post = (path: string, rawBody: string) =>
  s.api<{ error?: { details?: Array<{ path: string }> } }>("POST", path, {
    key: s.writeKey,
    rawBody,
    headers: { "content-type": "application/json" },
  });

const nested = (depth: number): unknown => (depth === 0 ? 1 : { deeper: nested(depth - 1) });

describe("values DynamoDB cannot store", () => {
  it("refuses an event property that parses to Infinity, naming it", async () => {
    const response = await post(
      "/v1/events",
      `{"event":"order_placed","accountId":"${unique("acct")}","properties":{"total":1e999}}`,
    );

    expect(response.status).toBe(400);
    expect(response.body.error?.details).toEqual([expect.objectContaining({ path: "properties.total" })]);
  });

  it("refuses a trait nested deeper than DynamoDB allows, naming it", async () => {
    const response = await post(
      "/v1/identify",
      JSON.stringify({ accountId: unique("acct"), traits: { settings: nested(20) } }),
    );

    expect(response.status).toBe(400);
    expect(response.body.error?.details?.[0]?.path).toMatch(/^traits\.settings(\.deeper)+$/);
  });

  it("refuses only the bad item of a batch", async () => {
    const accountId = unique("acct");
    const response = await s.api<{ accepted: unknown[]; rejected: Array<{ index: number }> }>(
      "POST",
      "/v1/batch",
      {
        key: s.writeKey,
        rawBody: `{"batch":[{"type":"track","event":"a","accountId":"${accountId}","properties":{"n":-1e999}},{"type":"track","event":"b","accountId":"${accountId}"}]}`,
        headers: { "content-type": "application/json" },
      },
    );

    expect(response.status).toBe(202);
    expect(response.body.rejected).toEqual([expect.objectContaining({ index: 0 })]);
    expect(response.body.accepted).toHaveLength(1);
  });

  it("stores an integer beyond 2^53, as JSON.parse left it", async () => {
    const accountId = unique("acct");

    const response = await post(
      "/v1/identify",
      `{"accountId":"${accountId}","traits":{"order_id":12345678901234567890}}`,
    );

    expect(response.status).toBe(202);
    const traits = await waitFor(
      async () => {
        const view = await s.admin<{ traits: Record<string, unknown> }>(
          "GET",
          `/v1/admin/accounts/${accountId}`,
        );
        return view.status === 200 ? view.body.traits : undefined;
      },
      { timeoutMs: 10_000, description: "the identified account" },
    );
    expect(traits.order_id).toBe(12345678901234567000);
  });
});
