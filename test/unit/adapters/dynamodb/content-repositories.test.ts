import { ConditionalCheckFailedException, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { DynamoEmailTemplateRepository } from "../../../../shared/adapters/dynamodb/email-template-repository.js";
import { DynamoIntegrationRepository } from "../../../../shared/adapters/dynamodb/integration-repository.js";
import { keys } from "../../../../shared/contracts/table.js";
import { ValidationError } from "../../../../shared/domain/errors.js";
import { aTemplate } from "../../../support/fakes.js";
import { aSlackBotIntegration } from "../../../support/fakes-content.js";

const db = mockClient(DynamoDBDocumentClient);
const TABLE = "moments-test";
const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} });
const documentClient = () => DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1" }));
const templates = () => new DynamoEmailTemplateRepository(documentClient(), TABLE);
const integrations = () => new DynamoIntegrationRepository(documentClient(), TABLE);
const cursorOf = (key: object) => Buffer.from(JSON.stringify(key)).toString("base64url");

beforeEach(() => {
  db.reset();
});

afterAll(() => {
  db.restore();
});

describe("DynamoEmailTemplateRepository", () => {
  it("creates a template item with its type, refusing to overwrite", async () => {
    db.on(PutCommand).resolves({});

    await templates().putEmailTemplate(aTemplate());

    expect(db.commandCalls(PutCommand)[0]?.args[0].input).toMatchObject({
      TableName: TABLE,
      Item: { ...keys.emailTemplate("ws_1", "t_1"), type: "email_template", name: "Card failed" },
      ConditionExpression: "attribute_not_exists(pk)",
    });
  });

  it("replaces only an existing template still at the expected updatedAt", async () => {
    db.on(PutCommand).resolves({});
    const next = aTemplate({ subject: "New", updatedAt: "2026-11-02T00:00:00.000Z" });

    await expect(templates().replaceEmailTemplate(next, "2026-11-01T00:00:00.000Z")).resolves.toBe(true);

    expect(db.commandCalls(PutCommand)[0]?.args[0].input).toMatchObject({
      Item: { ...keys.emailTemplate("ws_1", "t_1"), subject: "New" },
      ConditionExpression: "attribute_exists(pk) AND updatedAt = :expected",
      ExpressionAttributeValues: { ":expected": "2026-11-01T00:00:00.000Z" },
    });
  });

  it("answers false when the template changed or disappeared since it was read", async () => {
    db.on(PutCommand).rejects(conditionFailed());

    await expect(templates().replaceEmailTemplate(aTemplate(), "2026-11-01T00:00:00.000Z")).resolves.toBe(
      false,
    );
  });

  it("deletes an existing template, and answers false when there was none", async () => {
    db.on(DeleteCommand).resolvesOnce({}).rejectsOnce(conditionFailed());

    await expect(templates().deleteEmailTemplate("ws_1", "t_1")).resolves.toBe(true);
    await expect(templates().deleteEmailTemplate("ws_1", "t_1")).resolves.toBe(false);
    expect(db.commandCalls(DeleteCommand)[0]?.args[0].input).toMatchObject({
      Key: keys.emailTemplate("ws_1", "t_1"),
      ConditionExpression: "attribute_exists(pk)",
    });
  });

  it("rethrows other DynamoDB errors", async () => {
    db.on(DeleteCommand).rejects(new Error("throttled"));

    await expect(templates().deleteEmailTemplate("ws_1", "t_1")).rejects.toThrow("throttled");
  });

  it("reads a template without its storage attributes", async () => {
    db.on(GetCommand).resolves({
      Item: { ...keys.emailTemplate("ws_1", "t_1"), type: "email_template", ...aTemplate() },
    });

    await expect(templates().getEmailTemplate("ws_1", "t_1")).resolves.toEqual(aTemplate());
  });

  it("lists one page of the workspace's templates and hands out an opaque cursor", async () => {
    const lastKey = keys.emailTemplate("ws_1", "t_1");
    db.on(QueryCommand).resolves({
      Items: [{ ...lastKey, type: "email_template", ...aTemplate() }],
      LastEvaluatedKey: lastKey,
    });

    const page = await templates().listEmailTemplates("ws_1", { limit: 1 });

    expect(page).toEqual({ items: [aTemplate()], nextCursor: cursorOf(lastKey) });
    expect(db.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
      ExpressionAttributeValues: { ":pk": "WS#ws_1", ":prefix": "TEMPLATE#" },
      Limit: 1,
    });
  });

  it("continues from a cursor it handed out", async () => {
    const lastKey = keys.emailTemplate("ws_1", "t_1");
    db.on(QueryCommand).resolves({ Items: [] });

    await expect(
      templates().listEmailTemplates("ws_1", { limit: 5, cursor: cursorOf(lastKey) }),
    ).resolves.toEqual({
      items: [],
    });
    expect(db.commandCalls(QueryCommand)[0]?.args[0].input.ExclusiveStartKey).toEqual(lastKey);
  });

  it.each([
    ["another workspace's cursor", cursorOf(keys.emailTemplate("ws_2", "t_1"))],
    ["a cursor of another kind of item", cursorOf(keys.integration("ws_1", "i_1"))],
    ["a cursor that is not JSON", Buffer.from("nope").toString("base64url")],
    ["a cursor whose key is not a string pair", cursorOf({ pk: 1, sk: "TEMPLATE#t" })],
  ])("refuses %s without querying", async (_label, cursor) => {
    await expect(templates().listEmailTemplates("ws_1", { limit: 5, cursor })).rejects.toThrow(
      ValidationError,
    );
    expect(db.commandCalls(QueryCommand)).toHaveLength(0);
  });
});

describe("DynamoIntegrationRepository", () => {
  it("creates an integration item with its type and secret, refusing to overwrite", async () => {
    db.on(PutCommand).resolves({});

    await integrations().putIntegration(aSlackBotIntegration({ id: "i_1" }));

    expect(db.commandCalls(PutCommand)[0]?.args[0].input).toMatchObject({
      Item: {
        ...keys.integration("ws_1", "i_1"),
        type: "integration",
        kind: "slack",
        botToken: expect.any(String),
      },
      ConditionExpression: "attribute_not_exists(pk)",
    });
  });

  it("replaces the whole item at the expected updatedAt, so a dropped secret is gone", async () => {
    db.on(PutCommand).resolves({});
    const next = { ...aSlackBotIntegration({ id: "i_1" }), updatedAt: "2026-11-02T00:00:00.000Z" };

    await expect(integrations().replaceIntegration(next, "2026-11-01T00:00:00.000Z")).resolves.toBe(true);

    const input = db.commandCalls(PutCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      ConditionExpression: "attribute_exists(pk) AND updatedAt = :expected",
      ExpressionAttributeValues: { ":expected": "2026-11-01T00:00:00.000Z" },
    });
    expect(input?.Item).not.toHaveProperty("webhookUrl");
  });

  it("answers false on a lost race or a missing item", async () => {
    db.on(PutCommand).rejects(conditionFailed());
    db.on(DeleteCommand).rejects(conditionFailed());

    await expect(integrations().replaceIntegration(aSlackBotIntegration(), "x")).resolves.toBe(false);
    await expect(integrations().deleteIntegration("ws_1", "i_1")).resolves.toBe(false);
  });

  it("reads an integration with its secret, for the actions", async () => {
    const stored = aSlackBotIntegration({ id: "i_1" });
    db.on(GetCommand).resolves({
      Item: { ...keys.integration("ws_1", "i_1"), type: "integration", ...stored },
    });

    await expect(integrations().getIntegration("ws_1", "i_1")).resolves.toEqual(stored);
    expect(db.commandCalls(GetCommand)[0]?.args[0].input.Key).toEqual(keys.integration("ws_1", "i_1"));
  });

  it("lists integrations by their prefix", async () => {
    db.on(QueryCommand).resolves({ Items: [] });

    await integrations().listIntegrations("ws_1", { limit: 50 });

    expect(db.commandCalls(QueryCommand)[0]?.args[0].input.ExpressionAttributeValues).toEqual({
      ":pk": "WS#ws_1",
      ":prefix": "INTEGRATION#",
    });
  });
});
