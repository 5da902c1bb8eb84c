import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
} from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { DynamoEmailTemplateRepository } from "../../../../shared/adapters/dynamodb/email-template-repository.js";
import { DynamoMomentRepository } from "../../../../shared/adapters/dynamodb/moment-repository.js";
import { DynamoSourceRepository } from "../../../../shared/adapters/dynamodb/source-repository.js";
import { keys } from "../../../../shared/contracts/table.js";
import { aMoment, aSource } from "../../../support/fakes.js";

const db = mockClient(DynamoDBDocumentClient);
const TABLE = "moments-test";
const AT = "2026-11-21T10:00:00.000Z";
const momentKey = keys.moment("ws_1", "m_1");
const runningGsi = { gsi1pk: "WS#ws_1#RUNNING#payment_failed", gsi1sk: "MOMENT#m_1" };

const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} });

const documentClient = () => DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1" }));
const moments = () => new DynamoMomentRepository(documentClient(), TABLE);
const sources = () => new DynamoSourceRepository(documentClient(), TABLE);
const templates = () => new DynamoEmailTemplateRepository(documentClient(), TABLE);

beforeEach(() => {
  db.reset();
});

afterAll(() => {
  db.restore();
});

describe("DynamoConfigRepository.createMoment", () => {
  it("puts a draft moment without the running index, refusing to overwrite", async () => {
    db.on(PutCommand).resolves({});

    await moments().createMoment(aMoment({ id: "m_1", status: "draft" }));

    const put = db.commandCalls(PutCommand)[0]?.args[0].input;
    expect(put).toMatchObject({
      Item: { ...momentKey, type: "moment", status: "draft" },
      ConditionExpression: "attribute_not_exists(pk)",
    });
    expect(put?.Item).not.toHaveProperty("gsi1pk");
  });

  it("indexes a running moment by its start event", async () => {
    db.on(PutCommand).resolves({});

    await moments().createMoment(aMoment({ id: "m_1", status: "running" }));

    expect(db.commandCalls(PutCommand)[0]?.args[0].input.Item).toMatchObject(runningGsi);
  });
});

describe("DynamoConfigRepository.setMomentStatus", () => {
  it("changes the status only at the expected version and answers the stored moment", async () => {
    // Prepare
    const moment = aMoment({ id: "m_1", status: "draft", version: 3 });
    db.on(UpdateCommand).resolves({
      Attributes: {
        ...momentKey,
        type: "moment",
        ...moment,
        status: "running",
        version: 4,
        updatedAt: AT,
        ...runningGsi,
      },
    });

    // Act
    const updated = await moments().setMomentStatus(moment, "running", AT);

    // Assess
    expect(updated).toEqual({ ...moment, status: "running", version: 4, updatedAt: AT });
    const update = db.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(update).toMatchObject({
      Key: momentKey,
      ConditionExpression: "#version = :expected",
      ExpressionAttributeValues: {
        ":status": "running",
        ":expected": 3,
        ":next": 4,
        ":at": AT,
        ":gsi1pk": runningGsi.gsi1pk,
      },
    });
    // Starting opens a new running period: runs from before it stay ended.
    expect(update?.UpdateExpression).toContain("runningSince = :at");
  });

  it("removes the running index when the moment stops", async () => {
    db.on(UpdateCommand).resolves({ Attributes: { ...aMoment({ id: "m_1" }), status: "stopped" } });

    await moments().setMomentStatus(aMoment({ id: "m_1", status: "running" }), "stopped", AT);

    expect(db.commandCalls(UpdateCommand)[0]?.args[0].input.UpdateExpression).toMatch(
      /REMOVE gsi1pk, gsi1sk$/,
    );
  });

  it("answers undefined when someone else changed the moment first", async () => {
    db.on(UpdateCommand).rejects(conditionFailed());

    await expect(moments().setMomentStatus(aMoment({ id: "m_1" }), "stopped", AT)).resolves.toBeUndefined();
  });

  it("lets throttling propagate", async () => {
    db.on(UpdateCommand).rejects(
      new ProvisionedThroughputExceededException({ message: "slow down", $metadata: {} }),
    );

    await expect(moments().setMomentStatus(aMoment({ id: "m_1" }), "stopped", AT)).rejects.toBeInstanceOf(
      ProvisionedThroughputExceededException,
    );
  });
});

describe("DynamoConfigRepository reads", () => {
  it("strips storage attributes from what it answers", async () => {
    const source = aSource({ id: "src_1" });
    db.on(GetCommand, { Key: keys.source("ws_1", "src_1") }).resolves({
      Item: { ...keys.source("ws_1", "src_1"), type: "source", ...source },
    });

    await expect(sources().getSource("ws_1", "src_1")).resolves.toEqual(source);
  });

  it("answers undefined for a missing item", async () => {
    db.on(GetCommand).resolves({});

    await expect(templates().getEmailTemplate("ws_1", "t_x")).resolves.toBeUndefined();
  });

  it("reads every page of running moments for an event", async () => {
    // Prepare
    const lastKey = { pk: "WS#ws_1", sk: "MOMENT#m_1", ...runningGsi };
    db.on(QueryCommand)
      .resolvesOnce({
        Items: [{ ...aMoment({ id: "m_1" }), ...momentKey, ...runningGsi }],
        LastEvaluatedKey: lastKey,
      })
      .resolvesOnce({
        Items: [
          { ...aMoment({ id: "m_2" }), ...keys.moment("ws_1", "m_2"), ...runningGsi, gsi1sk: "MOMENT#m_2" },
        ],
      });

    // Act
    const found = await moments().findRunningMomentsStartingOn("ws_1", "payment_failed");

    // Assess
    expect(found.map((m) => m.id)).toEqual(["m_1", "m_2"]);
    const queries = db.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(queries[0]).toMatchObject({
      IndexName: "gsi1",
      ExpressionAttributeValues: { ":pk": runningGsi.gsi1pk },
    });
    expect(queries[1]?.ExclusiveStartKey).toEqual(lastKey);
  });
});

describe("DynamoMomentRepository.findByEvent", () => {
  it("reads the moments an event starts and the moments it cancels in one Query", async () => {
    db.on(QueryCommand).resolves({
      Items: [
        { ...aMoment({ id: "m_1" }), ...momentKey, ...runningGsi },
        {
          pk: "WS#ws_1#MOMENT#m_9",
          sk: "UNLESSIDX#m_9",
          type: "unless_listener",
          momentId: "m_9",
          runKey: "cart_id",
          gsi1pk: runningGsi.gsi1pk,
          gsi1sk: "UNLESS#m_9",
        },
      ],
    });

    const found = await moments().findByEvent("ws_1", "payment_failed");

    expect(found.starting.map((m) => m.id)).toEqual(["m_1"]);
    expect(found.unlessListeners).toEqual([{ momentId: "m_9", key: "cart_id" }]);
    expect(db.commandCalls(QueryCommand)).toHaveLength(1);
  });
});

describe("DynamoMomentRepository.getMoment", () => {
  it("reads strongly consistently: a moment stopped a moment ago never reads as running", async () => {
    db.on(GetCommand).resolves({ Item: { ...momentKey, type: "moment", ...aMoment({ id: "m_1" }) } });

    await moments().getMoment("ws_1", "m_1");

    expect(db.commandCalls(GetCommand)[0]?.args[0].input).toMatchObject({
      Key: momentKey,
      ConsistentRead: true,
    });
  });
});

describe("DynamoMomentRepository.listMoments", () => {
  it("reads every page of the workspace's moment items, and only those", async () => {
    // Prepare
    const lastKey = { ...momentKey };
    db.on(QueryCommand)
      .resolvesOnce({
        Items: [{ ...momentKey, type: "moment", ...aMoment({ id: "m_1" }) }],
        LastEvaluatedKey: lastKey,
      })
      .resolvesOnce({
        Items: [{ ...keys.moment("ws_1", "m_2"), type: "moment", ...aMoment({ id: "m_2" }) }],
      });

    // Act
    const found = await moments().listMoments("ws_1");

    // Assess
    expect(found).toEqual([aMoment({ id: "m_1" }), aMoment({ id: "m_2" })]);
    const queries = db.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(queries[0]).toMatchObject({
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
      ExpressionAttributeValues: { ":pk": "WS#ws_1", ":prefix": "MOMENT#" },
    });
    expect(queries[0]).not.toHaveProperty("IndexName");
    expect(queries[1]?.ExclusiveStartKey).toEqual(lastKey);
  });
});

describe("DynamoMomentRepository.updateMoment", () => {
  it("replaces the whole item only at the expected version", async () => {
    db.on(PutCommand).resolves({});
    const next = aMoment({ id: "m_1", status: "draft", version: 5, name: "Edited" });

    await expect(moments().updateMoment(next, 4)).resolves.toEqual(next);

    const put = db.commandCalls(PutCommand)[0]?.args[0].input;
    expect(put).toMatchObject({
      Item: { ...momentKey, type: "moment", name: "Edited", version: 5 },
      ConditionExpression: "#version = :expected",
      ExpressionAttributeNames: { "#version": "version" },
      ExpressionAttributeValues: { ":expected": 4 },
    });
    expect(put?.Item).not.toHaveProperty("gsi1pk");
  });

  it("moves a running moment's index keys to its new start event", async () => {
    db.on(PutCommand).resolves({});

    await moments().updateMoment(
      aMoment({ id: "m_1", status: "running", start: { event: "invoice_overdue" } }),
      1,
    );

    expect(db.commandCalls(PutCommand)[0]?.args[0].input.Item).toMatchObject({
      gsi1pk: "WS#ws_1#RUNNING#invoice_overdue",
      gsi1sk: "MOMENT#m_1",
    });
  });

  it("answers undefined when the moment is no longer at that version", async () => {
    db.on(PutCommand).rejects(conditionFailed());

    await expect(moments().updateMoment(aMoment({ id: "m_1" }), 1)).resolves.toBeUndefined();
  });

  it("lets throttling propagate", async () => {
    db.on(PutCommand).rejects(
      new ProvisionedThroughputExceededException({ message: "slow down", $metadata: {} }),
    );

    await expect(moments().updateMoment(aMoment({ id: "m_1" }), 1)).rejects.toBeInstanceOf(
      ProvisionedThroughputExceededException,
    );
  });
});

describe("DynamoMomentRepository.deleteMoment", () => {
  it("deletes only at the expected version", async () => {
    db.on(DeleteCommand).resolves({});

    await expect(moments().deleteMoment("ws_1", "m_1", 3)).resolves.toBe(true);

    expect(db.commandCalls(DeleteCommand)[0]?.args[0].input).toMatchObject({
      Key: momentKey,
      ConditionExpression: "#version = :expected",
      ExpressionAttributeValues: { ":expected": 3 },
    });
  });

  it("answers false when the moment changed (or is gone)", async () => {
    db.on(DeleteCommand).rejects(conditionFailed());

    await expect(moments().deleteMoment("ws_1", "m_1", 3)).resolves.toBe(false);
  });

  it("lets throttling propagate", async () => {
    db.on(DeleteCommand).rejects(
      new ProvisionedThroughputExceededException({ message: "slow down", $metadata: {} }),
    );

    await expect(moments().deleteMoment("ws_1", "m_1", 3)).rejects.toBeInstanceOf(
      ProvisionedThroughputExceededException,
    );
  });
});
