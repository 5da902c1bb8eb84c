/**
 * Any JSON the API accepts round-trips: event properties, account and user traits with any key and
 * any storable value go through ingestion, the bus, the matcher, the profiles, a run and a rendered
 * webhook body, and come back as they were sent; a moment's webhook headers and conditions with any
 * name are stored and used as given. Before, a `constructor` key sent the event to the dead-letter
 * queue after its 202, an identify with such a trait was lost whole, a moment with such a header was
 * a 500, and `__proto__` keys vanished silently.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unstorableJson } from "../../shared/domain/primitives.js";
import { webhookMessageId } from "../../shared/domain/webhook-signature.js";
import { type FakeWebhookReceiver, startFakeWebhookReceiver } from "../support/fake-webhook-receiver.js";
import { canonicalJson, jsonKey, jsonObjectOf, NAMED_KEYS } from "../support/json-keys.js";
import { type Scenario, startSharedScenario, unique } from "../support/scenario.js";
import { waitFor } from "../support/wait-for.js";

let s: Scenario;
let receiver: FakeWebhookReceiver;
let echoEvent = "";
let echoMoment = "";

beforeAll(async () => {
  s = await startSharedScenario("Any JSON");
  receiver = await startFakeWebhookReceiver();
  echoEvent = unique("json_echo");
  // `{event}`, `{account}` and `{user}` render the whole properties and traits as JSON.
  echoMoment = await s.runningMoment({
    name: unique("Echo"),
    goal: "other",
    start: { event: echoEvent },
    steps: [
      {
        id: "echo",
        delay: { amount: 0, unit: "hours" },
        action: {
          type: "send_webhook",
          method: "POST",
          url: `${receiver.url}/echo`,
          body: '{"event": "{event}", "account": "{account}", "user": "{user}"}',
        },
      },
    ],
  });
});

afterAll(async () => {
  await s?.stop();
  await receiver?.stop();
});

interface Sent {
  properties: Record<string, unknown>;
  traits: Record<string, unknown>;
  userTraits: Record<string, unknown>;
}

/** Sends the event for a fresh account and user; answers what the webhook and the account view got. */
async function echo(sent: Sent) {
  const accountId = unique("acct");
  const response = await s.api<{ messageId?: string; error?: unknown }>("POST", "/v1/events", {
    key: s.writeKey,
    body: { event: echoEvent, accountId, userId: unique("user"), ...sent },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(202);
  const runId = await s.runId(accountId, echoMoment);
  expect(await s.stepOutcome(runId, "echo")).toMatchObject({ status: "executed" });
  const webhookId = webhookMessageId(`${runId}:echo`);
  const request = receiver.requests.find((r) => r.headers["webhook-id"] === webhookId);
  const rendered = JSON.parse(request?.body ?? "{}") as Record<"event" | "account" | "user", string>;
  const view = await s.admin<{ traits: Record<string, unknown> }>(
    "GET",
    `/v1/admin/accounts/${encodeURIComponent(accountId)}`,
  );
  return {
    properties: JSON.parse(rendered.event) as unknown,
    traits: JSON.parse(rendered.account) as unknown,
    userTraits: JSON.parse(rendered.user) as unknown,
    viewTraits: view.body.traits,
  };
}

function expectRoundTrip(sent: Sent, got: Awaited<ReturnType<typeof echo>>) {
  expect(canonicalJson(got.properties)).toBe(canonicalJson(sent.properties));
  expect(canonicalJson(got.traits)).toBe(canonicalJson(sent.traits));
  expect(canonicalJson(got.userTraits)).toBe(canonicalJson(sent.userTraits));
  expect(canonicalJson(got.viewTraits)).toBe(canonicalJson(sent.traits));
}

/** Values as the API stores them: storable, and a trait set to null would clear it rather than store it. */
const value = fc.jsonValue({ maxDepth: 3 }).filter((v) => unstorableJson(v) === undefined && v !== null);
const traitName = jsonKey.filter((key) => key.length >= 1 && key.length <= 128);

describe("event properties and traits with any key", () => {
  it("round-trip every named key through the whole pipeline, nested and at the top", async () => {
    const nested = (key: string) =>
      JSON.parse(`{${JSON.stringify(key)}: {"name": "String"}, "plan": [1, true]}`);
    const keyed = (keys: readonly string[]) => Object.fromEntries(keys.map((key) => [key, nested(key)]));
    const sent = {
      properties: keyed(NAMED_KEYS),
      traits: keyed(NAMED_KEYS.filter((key) => key !== "")),
      userTraits: keyed(NAMED_KEYS.filter((key) => key !== "")),
    };

    expectRoundTrip(sent, await echo(sent));
  });

  // A run through the local stack takes about a second (the match queue handles one batch at a time),
  // so few runs here; the storage layer's own property test (storable-keys.test.ts) runs 100.
  it("round-trip arbitrary keys and values (fast-check: 6 events through the local stack)", async () => {
    const properties = jsonObjectOf(fc.jsonValue({ maxDepth: 3 }), 8).filter(
      (p) => unstorableJson(p) === undefined,
    );
    const traits = fc
      .uniqueArray(fc.tuple(traitName, value), { selector: ([key]) => key, maxLength: 6 })
      .map((entries) => Object.fromEntries(entries) as Record<string, unknown>);
    await fc.assert(
      fc.asyncProperty(fc.record({ properties, traits, userTraits: traits }), async (sent) => {
        expectRoundTrip(sent, await echo(sent));
      }),
      { numRuns: 6 },
    );
  });

  it("keeps an identify whose traits use every named key, and reads them back", async () => {
    const accountId = unique("acct");
    const traits = Object.fromEntries(NAMED_KEYS.filter((k) => k !== "").map((k) => [k, { [k]: k }]));

    const response = await s.api("POST", "/v1/identify", { key: s.writeKey, body: { accountId, traits } });

    expect(response.status).toBe(202);
    const stored = await waitFor(
      async () => {
        const view = await s.admin<{ traits?: Record<string, unknown> }>(
          "GET",
          `/v1/admin/accounts/${encodeURIComponent(accountId)}`,
        );
        return view.status === 200 && Object.keys(view.body.traits ?? {}).length > 0
          ? view.body.traits
          : undefined;
      },
      { timeoutMs: 10_000, description: "the identified traits" },
    );
    expect(canonicalJson(stored)).toBe(canonicalJson(traits));
  });

  it("refuses a lone UTF-16 surrogate up front with a 400 naming the field", async () => {
    const response = await s.api<{ error: { details: Array<{ path: string }> } }>("POST", "/v1/events", {
      key: s.writeKey,
      rawBody: `{"event":"e","accountId":"a","properties":{"note":"\\ud800"}}`,
      headers: { "content-type": "application/json" },
    });

    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([expect.objectContaining({ path: "properties.note" })]);
  });
});

describe("moment definitions with any name", () => {
  it("stores webhook headers and conditions named like Object's own members, and uses them", async () => {
    const event = unique("named");
    const definition = JSON.parse(
      JSON.stringify({
        name: unique("Named"),
        goal: "other",
        start: {
          event,
          where: [
            { field: "event.constructor", op: "eq", value: "yes" },
            { field: "event.toString", op: "exists" },
          ],
        },
        steps: [
          {
            id: "hook",
            delay: { amount: 0, unit: "hours" },
            action: { type: "send_webhook", method: "POST", url: `${receiver.url}/named`, body: "{}" },
          },
        ],
      }),
    );
    // JSON.stringify would not write a __proto__ key from an object literal: the header goes in as text.
    definition.steps[0].action.headers = JSON.parse(
      '{"constructor": "c", "__proto__": "p", "toString": "t", "hasOwnProperty": "h"}',
    );
    const momentId = await s.runningMoment(definition);

    const read = await s.admin<{ steps: Array<{ action: { headers: Record<string, string> } }> }>(
      "GET",
      `/v1/admin/moments/${momentId}`,
    );
    expect(canonicalJson(read.body.steps[0]?.action.headers)).toBe(
      canonicalJson(
        JSON.parse('{"constructor": "c", "__proto__": "p", "toString": "t", "hasOwnProperty": "h"}'),
      ),
    );

    const accountId = unique("acct");
    await s.track({ event, accountId, properties: { constructor: "yes", toString: 1 } });
    const runId = await s.runId(accountId, momentId);
    expect(await s.stepOutcome(runId, "hook")).toMatchObject({ status: "executed" });
    const request = receiver.requests.find(
      (r) => r.headers["webhook-id"] === webhookMessageId(`${runId}:hook`),
    );
    expect(request?.headers).toMatchObject({ constructor: "c", tostring: "t", hasownproperty: "h" });
    expect(Object.entries(request?.headers ?? {})).toContainEqual(["__proto__", "p"]);
  });

  it("does not start on a condition that only Object.prototype would satisfy", async () => {
    const event = unique("inherited");
    const momentId = await s.runningMoment({
      name: unique("Inherited"),
      goal: "other",
      start: { event, where: [{ field: "event.constructor", op: "exists" }] },
      steps: [],
    });
    const accountId = unique("acct");

    await s.track({ event, accountId, properties: { other: 1 } });

    const decision = await waitFor(
      async () => {
        const view = await s.admin<{
          decisions?: Array<{ momentId?: string; outcome: string; reason?: string }>;
        }>("GET", `/v1/admin/accounts/${encodeURIComponent(accountId)}`);
        return view.body.decisions?.find((d) => d.momentId === momentId);
      },
      { timeoutMs: 10_000, description: "the decision" },
    );
    expect(decision).toMatchObject({ outcome: "skipped", reason: "filter_failed" });
  });
});
