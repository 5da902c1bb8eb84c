/**
 * The local stack refuses what a function's deployed role would refuse, with the error AWS returns:
 * a call run as a function (as the local runtime runs every invocation) through the real SDK clients
 * and adapters, against the local DynamoDB, Step Functions, EventBridge and SES. The rest of the
 * integration suite is the proof that every normal flow stays within the grants.
 */
import { DynamoDBClient, QueryCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { SESClient, SendRawEmailCommand } from "@aws-sdk/client-ses";
import { TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestsSignedAs, runAs } from "../../infra/local/caller.js";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "../../infra/local/stack.js";
import { documentClient } from "../../shared/adapters/clients.js";
import { lazyStepFunctionsController } from "../../shared/adapters/lazy-clients.js";
import { executionArn } from "../../shared/adapters/step-functions-starter.js";
import { Env } from "../../shared/contracts/functions.js";
import { type SharedScenario, startSharedScenario, unique } from "../support/scenario.js";

let s: SharedScenario;
const tableArn = `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/moments`;
const role = (fn: string) => `arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/moments-${fn}-role/moments-${fn}`;
const denied = (fn: string, action: string, resource: string) =>
  `User: ${role(fn)} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;

beforeAll(async () => {
  s = await startSharedScenario("IAM grants");
});

afterAll(async () => {
  await s?.stop();
});

/** The SDK's error for `work`, or undefined when it succeeded. */
async function failure(work: () => Promise<unknown>) {
  try {
    await work();
    return undefined;
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
}

const key = (pk: string) => ({ pk: { S: pk }, sk: { S: "iam-test" } });

it("runs every invocation as its function: a run's calls are made as ingest, admin, match and action", async () => {
  const before = requestsSignedAs();
  const event = unique("iam_event");
  const momentId = await s.runningMoment({
    name: unique("IAM"),
    goal: "other",
    start: { event },
    steps: [
      {
        id: "mark",
        delay: { amount: 0, unit: "hours" },
        action: { type: "update_attribute", scope: "account", attribute: "iam_marked", value: true },
      },
    ],
  });
  const accountId = unique("acct");
  await s.track({ event, accountId });
  await s.recordedRun(await s.runId(accountId, momentId), ["mark"]);
  const after = requestsSignedAs();
  const unsigned = (["admin", "ingest", "match", "action"] as const).filter(
    (fn) => (after[fn] ?? 0) <= (before[fn] ?? 0),
  );
  expect(unsigned).toEqual([]);
});

describe("DynamoDB, as each function's role allows", () => {
  const dynamo = new DynamoDBClient({});
  const query = new QueryCommand({
    TableName: "moments",
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": { S: "WS#iam#NOTHING" } },
  });

  it("refuses an action the role lacks with AWS's AccessDeniedException (400) and message", async () => {
    expect(await failure(() => runAs("ses-feedback", () => dynamo.send(query)))).toEqual({
      name: "AccessDeniedException",
      status: 400,
      message: denied("ses-feedback", "dynamodb:Query", tableArn),
    });
    // The same call by a role that has it, and by code outside any function (a test's own client).
    expect(await failure(() => runAs("inbox", () => dynamo.send(query)))).toBeUndefined();
    expect(await failure(() => dynamo.send(query))).toBeUndefined();
  });

  it("refuses a GSI query to a role granted the table only", async () => {
    const onIndex = new QueryCommand({
      TableName: "moments",
      IndexName: "gsi1",
      KeyConditionExpression: "gsi1pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: "nothing" } },
    });
    expect(await failure(() => runAs("inbox", () => dynamo.send(onIndex)))).toMatchObject({
      name: "AccessDeniedException",
      message: denied("inbox", "dynamodb:Query", `${tableArn}/index/gsi1`),
    });
    expect(await failure(() => runAs("match", () => dynamo.send(onIndex)))).toBeUndefined();
  });

  it("holds ingest's item writes to the partition keys of its LeadingKeys condition", async () => {
    const update = (pk: string) =>
      new UpdateItemCommand({
        TableName: "moments",
        Key: key(pk),
        UpdateExpression: "SET n = :n",
        ExpressionAttributeValues: { ":n": { N: "1" } },
      });
    expect(
      await failure(() => runAs("ingest", () => dynamo.send(update("WS#iam#IDENTITY#anon")))),
    ).toBeUndefined();
    expect(await failure(() => runAs("ingest", () => dynamo.send(update("WS#iam#RUN#r1"))))).toMatchObject({
      name: "AccessDeniedException",
      message: denied("ingest", "dynamodb:UpdateItem", tableArn),
    });
  });

  it("authorizes a transaction per item: one operation the role lacks refuses it all, nothing written", async () => {
    const db = documentClient();
    const transaction = new TransactWriteCommand({
      TransactItems: [
        {
          Update: {
            TableName: "moments",
            Key: { pk: "WS#iam#TX", sk: "a" },
            UpdateExpression: "SET n = :n",
            ExpressionAttributeValues: { ":n": 1 },
          },
        },
        { Delete: { TableName: "moments", Key: { pk: "WS#iam#TX", sk: "b" } } },
      ],
    });
    // ses-feedback may update items (a step in doubt settled) but never delete one.
    expect(await failure(() => runAs("ses-feedback", () => db.send(transaction)))).toMatchObject({
      name: "AccessDeniedException",
      status: 400,
      message: denied("ses-feedback", "dynamodb:DeleteItem", tableArn),
    });
    const read = await dynamo.send(
      new QueryCommand({
        TableName: "moments",
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": { S: "WS#iam#TX" } },
      }),
    );
    expect(read.Items).toEqual([]);
    expect(await failure(() => runAs("run-state", () => db.send(transaction)))).toBeUndefined();
  });
});

describe("Step Functions, EventBridge and SES, as each function's role allows", () => {
  it("refuses StopExecution to a function not granted it, through the engine's own adapter", async () => {
    const stateMachineArn = process.env[Env.stateMachineArn] ?? "";
    const controller = lazyStepFunctionsController(stateMachineArn, undefined);
    const stop = () => controller.stop("iam-nothing", "test");
    expect(await failure(() => runAs("inbox", stop))).toEqual({
      name: "AccessDeniedException",
      status: 400,
      message: denied("inbox", "states:StopExecution", executionArn(stateMachineArn, "iam-nothing")),
    });
    // Granted to the admin function: an execution that does not exist has nothing to stop.
    expect(await runAs("admin", stop)).toBe("not_running");
  });

  it("refuses PutEvents on the bus to a function not granted it", async () => {
    const events = new EventBridgeClient({});
    const put = new PutEventsCommand({
      Entries: [{ EventBusName: "moments", Source: "iam.test", DetailType: "t", Detail: "{}" }],
    });
    expect(await failure(() => runAs("run-state", () => events.send(put)))).toEqual({
      name: "AccessDeniedException",
      status: 400,
      message: denied(
        "run-state",
        "events:PutEvents",
        `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:event-bus/moments`,
      ),
    });
  });

  it("refuses an SES send to a function not granted it, with SES's 403 AccessDenied", async () => {
    const ses = new SESClient({});
    const send = new SendRawEmailCommand({
      RawMessage: {
        Data: Buffer.from("From: Moments <hello@example.com>\r\nTo: a@example.net\r\nSubject: x\r\n\r\nhi"),
      },
      Destinations: ["a@example.net"],
    });
    expect(await failure(() => runAs("ingest", () => ses.send(send)))).toEqual({
      name: "AccessDenied",
      status: 403,
      message: `User \`${role("ingest")}' is not authorized to perform \`ses:SendRawEmail' on resource \`arn:aws:ses:${LOCAL_REGION}:${LOCAL_ACCOUNT}:identity/example.com'`,
    });
    expect(await failure(() => runAs("action", () => ses.send(send)))).toBeUndefined();
  });
});
