/**
 * Any JSON key is stored and read back as it was given, through the document client every repository
 * uses, on a real DynamoDB engine (dynalite). Before the key codec, `constructor` made the document
 * client refuse the item ("Unsupported type passed"), `{ "constructor": { "name": "String" } }` was
 * stored as the string "[object Object]", `__proto__` vanished in the SDK's serializer, and `""` is
 * refused by DynamoDB on AWS (dynalite accepts it).
 */

import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoProfileRepository } from "../../../../shared/adapters/dynamodb/profile-repository.js";
import { readKey, storedKey, storedRequest } from "../../../../shared/adapters/dynamodb/storable-keys.js";
import { unstorableJson } from "../../../../shared/domain/primitives.js";
import { startDynaliteTable } from "../../../support/dynalite.js";
import { canonicalJson, jsonObjectOf, NAMED_KEYS } from "../../../support/json-keys.js";

const TABLE = "moments-storable-keys";
let db: DynamoDBDocumentClient;
let stop: (() => Promise<void>) | undefined;
let items = 0;

beforeAll(async () => {
  ({ db, stop } = await startDynaliteTable(TABLE));
});

afterAll(async () => {
  await stop?.();
});

async function roundTrip(value: unknown): Promise<unknown> {
  const key = { pk: `ITEM#${++items}`, sk: "ITEM" };
  await db.send(new PutCommand({ TableName: TABLE, Item: { ...key, value } }));
  const { Item } = await db.send(new GetCommand({ TableName: TABLE, Key: key, ConsistentRead: true }));
  return Item?.value;
}

describe("storedKey / readKey", () => {
  it.each(NAMED_KEYS)("stores %j in a form every layer carries, and reads it back", (key) => {
    const stored = storedKey(key);

    expect(stored).not.toBe("");
    expect(["__proto__", "constructor"]).not.toContain(stored);
    expect(readKey(stored)).toBe(key);
  });

  it("leaves ordinary keys as they are, so the table stays readable", () => {
    expect(["plan", "first_name", "Order Completed", "é✓😀", "toString"].map(storedKey)).toEqual([
      "plan",
      "first_name",
      "Order Completed",
      "é✓😀",
      "toString",
    ]);
  });

  it("escapes the names an expression uses, in a command and in each part of a transaction", () => {
    const request = storedRequest({
      ExpressionAttributeNames: { "#t0": "constructor", "#type": "type" },
      TransactItems: [{ Update: { ExpressionAttributeNames: { "#t": "" } } }],
    });

    expect(request).toEqual({
      ExpressionAttributeNames: { "#t0": "~constructor", "#type": "type" },
      TransactItems: [{ Update: { ExpressionAttributeNames: { "#t": "~" } } }],
    });
  });
});

describe("the document client on dynalite", () => {
  it.each(NAMED_KEYS)("stores and reads back an object keyed %j, nested and at the top", async (key) => {
    const value = JSON.parse(
      `{${JSON.stringify(key)}: {${JSON.stringify(key)}: [1, "x", null]}, "plan": "pro"}`,
    );

    const read = await roundTrip(value);

    expect(canonicalJson(read)).toBe(canonicalJson(value));
    expect(Object.keys(read as object)).toContain(key);
  });

  it("stores an object whose constructor key looks like a type name as that object, not as the type", async () => {
    const value = { constructor: { name: "String" }, other: { constructor: { name: "Set" } } };

    expect(canonicalJson(await roundTrip(value))).toBe(canonicalJson(value));
  });

  it("sets and answers trait names of every kind through update expressions (UPDATED_OLD)", async () => {
    const profiles = new DynamoProfileRepository(db, TABLE);
    const traits = Object.fromEntries(NAMED_KEYS.filter((k) => k !== "").map((k, i) => [k, { v: i }]));

    await expect(profiles.mergeTraits("ws_1", "acct_keys", traits, "t1")).resolves.toEqual({});
    const previous = await profiles.mergeTraits("ws_1", "acct_keys", traits, "t2");

    expect(canonicalJson(previous)).toBe(canonicalJson(traits));
    expect(canonicalJson((await profiles.get("ws_1", "acct_keys"))?.traits)).toBe(canonicalJson(traits));
  });

  it("round-trips arbitrary storable JSON objects with arbitrary keys (fast-check, 100 runs)", async () => {
    const storableObject = jsonObjectOf(fc.jsonValue({ maxDepth: 4 })).filter(
      (value) => unstorableJson(value) === undefined,
    );

    await fc.assert(
      fc.asyncProperty(storableObject, async (value) => {
        expect(canonicalJson(await roundTrip(value))).toBe(canonicalJson(value));
      }),
      { numRuns: 100 },
    );
  });

  it("leaves an update of one of our attributes alone", async () => {
    const key = { pk: "PLAIN", sk: "PLAIN" };
    await db.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: key,
        UpdateExpression: "SET #type = :type",
        ExpressionAttributeNames: { "#type": "type" },
        ExpressionAttributeValues: { ":type": "plain" },
      }),
    );

    const { Item } = await db.send(new GetCommand({ TableName: TABLE, Key: key }));
    expect(Item).toEqual({ ...key, type: "plain" });
  });
});
