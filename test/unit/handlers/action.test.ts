import { SESClient, SendEmailCommand } from "@aws-sdk/client-ses";
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ActionTaskPayload, StepOutcome } from "../../../shared/contracts/workflow.js";
import { context, setHandlerEnv } from "./env.js";

const ses = mockClient(SESClient);
const db = mockClient(DynamoDBDocumentClient);
let handler: (event: ActionTaskPayload, ctx: typeof context) => Promise<StepOutcome>;

const payload: ActionTaskPayload = {
  run: {
    workspaceId: "ws_1",
    momentId: "m1",
    momentVersion: 1,
    runId: "run1",
    accountId: "acct_1",
    startedAt: "2026-11-21T00:00:00.000Z",
    actionsEnabled: true,
    trigger: {
      event: "payment_failed",
      messageId: "msg-1",
      timestamp: "2026-11-21T00:00:00.000Z",
      properties: {},
    },
  },
  step: { id: "s1", delaySeconds: 0, action: { type: "send_email", templateId: "t1" } },
};

beforeAll(async () => {
  setHandlerEnv();
  ({ handler } = await import("../../../functions/action/handler.js"));
});

beforeEach(() => {
  ses.reset();
  db.reset();
  db.on(GetCommand, { Key: { pk: "WS#ws_1#RUN#run1", sk: "RUN" } }).resolves({ Item: { status: "active" } });
  // Every step re-reads its moment: only a running moment's runs act.
  db.on(GetCommand, { Key: { pk: "WS#ws_1", sk: "MOMENT#m1" } }).resolves({ Item: { status: "running" } });
  db.on(GetCommand, { Key: { pk: "WS#ws_1", sk: "TEMPLATE#t1" } }).resolves({
    Item: { id: "t1", from: "Anna <anna@acme.com>", subject: "Hi {first_name}", text: "Your card failed." },
  });
  db.on(GetCommand, { Key: { pk: "WS#ws_1#ACCOUNT#acct_1", sk: "PROFILE" } }).resolves({
    Item: { traits: { first_name: "Ada", email: "ada@example.com" } },
  });
  db.on(PutCommand).resolves({});
  db.on(UpdateCommand).resolves({});
  db.on(DeleteCommand).resolves({});
});

describe("action handler", () => {
  it("skips the step of a moment that was stopped, sending nothing", async () => {
    db.on(GetCommand, { Key: { pk: "WS#ws_1", sk: "MOMENT#m1" } }).resolves({ Item: { status: "stopped" } });

    const outcome = await handler(payload, context);

    expect(outcome).toEqual({ status: "skipped", reason: "moment_stopped" });
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it("sends the rendered email and records the step as executed", async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: "ses-1" });

    const outcome = await handler(payload, context);

    expect(outcome).toEqual({ status: "executed", detail: { messageId: "ses-1" } });
    const sent = ses.commandCalls(SendEmailCommand)[0]?.args[0].input;
    expect(sent?.Destination?.ToAddresses).toEqual(["ada@example.com"]);
    expect(sent?.Message?.Subject?.Data).toBe("Hi Ada");
  });

  it("on SES throttling gives the claim back and throws TransientActionError for the state machine to retry", async () => {
    ses.on(SendEmailCommand).rejects(
      Object.assign(new Error("Maximum sending rate exceeded."), {
        name: "Throttling",
        $metadata: { httpStatusCode: 400 },
      }),
    );

    await expect(handler(payload, context)).rejects.toMatchObject({ name: "TransientActionError" });

    const released = db.commandCalls(DeleteCommand)[0]?.args[0].input;
    expect(released?.Key).toEqual({ pk: "WS#ws_1#RUN#run1", sk: "STEP#s1" });
    // Nothing recorded as executed: the retry must be free to send.
    expect(db.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it("records a permanent SES refusal as failed, without retrying", async () => {
    ses.on(SendEmailCommand).rejects(
      Object.assign(new Error("Email address is not verified."), {
        name: "MessageRejected",
        $metadata: { httpStatusCode: 400 },
      }),
    );

    const outcome = await handler(payload, context);

    expect(outcome).toMatchObject({ status: "failed", reason: expect.stringContaining("MessageRejected") });
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
  });
});
