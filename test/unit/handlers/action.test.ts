import { SESClient, SendRawEmailCommand } from "@aws-sdk/client-ses";
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ActionPayload, ActionTaskPayload } from "../../../shared/contracts/workflow.js";
import { context, setHandlerEnv } from "./env.js";

const ses = mockClient(SESClient);
const db = mockClient(DynamoDBDocumentClient);
let handler: (event: ActionPayload, ctx: typeof context) => Promise<unknown>;

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
  // Anything not seeded below is absent: no suppression, no unsubscribe key set yet (it is created).
  db.on(GetCommand).resolves({});
  db.on(GetCommand, { Key: { pk: "WS#ws_1#RUN#run1", sk: "RUN" } }).resolves({ Item: { status: "active" } });
  // Every step re-reads its moment: only a running moment's runs act.
  db.on(GetCommand, { Key: { pk: "WS#ws_1", sk: "MOMENT#m1" } }).resolves({ Item: { status: "running" } });
  db.on(GetCommand, { Key: { pk: "WS#ws_1", sk: "TEMPLATE#t1" } }).resolves({
    Item: { id: "t1", from: "Anna <anna@acme.com>", subject: "Hi {first_name}", text: "Your card failed." },
  });
  db.on(QueryCommand).resolves({ Items: [] });
  db.on(QueryCommand, {
    ExpressionAttributeValues: { ":pk": "WS#ws_1#ACCOUNT#acct_1", ":prefix": "PROFILE" },
  }).resolves({
    Items: [
      {
        pk: "WS#ws_1#ACCOUNT#acct_1",
        sk: "PROFILE",
        traits: { first_name: "Ada", email: "ada@example.com" },
      },
    ],
  });
  db.on(PutCommand).resolves({});
  db.on(UpdateCommand).resolves({});
  db.on(DeleteCommand).resolves({});
});

describe("action handler", () => {
  it("runs a wake-up's steps from the run's pinned steps (the payload names them only)", async () => {
    ses.on(SendRawEmailCommand).resolves({ MessageId: "ses-1" });
    db.on(GetCommand, { Key: { pk: "WS#ws_1#RUN#run1", sk: "RUN" } }).resolves({
      Item: {
        status: "active",
        momentId: "m1",
        accountId: "acct_1",
        startedAt: payload.run.startedAt,
        context: payload.run,
        entrySteps: [payload.step],
        endSteps: { completion: [], exit: [] },
      },
    });

    const result = await handler(
      {
        wake: {
          seconds: 0,
          run: { workspaceId: "ws_1", momentId: "m1", runId: "run1" },
          phase: "entry",
          steps: ["s1"],
        },
      },
      context,
    );

    expect(result).toEqual({ steps: { s1: { status: "executed", detail: { messageId: "ses-1" } } } });
    expect(ses.commandCalls(SendRawEmailCommand)[0]?.args[0].input.Destinations).toEqual(["ada@example.com"]);
  });

  it("skips the step of a moment that was stopped, sending nothing", async () => {
    db.on(GetCommand, { Key: { pk: "WS#ws_1", sk: "MOMENT#m1" } }).resolves({ Item: { status: "stopped" } });

    const outcome = await handler(payload, context);

    expect(outcome).toEqual({ status: "skipped", reason: "moment_stopped" });
    expect(ses.commandCalls(SendRawEmailCommand)).toHaveLength(0);
  });

  it("sends the rendered email and records the step as executed", async () => {
    ses.on(SendRawEmailCommand).resolves({ MessageId: "ses-1" });

    const outcome = await handler(payload, context);

    expect(outcome).toEqual({ status: "executed", detail: { messageId: "ses-1" } });
    const sent = ses.commandCalls(SendRawEmailCommand)[0]?.args[0].input;
    expect(sent?.Destinations).toEqual(["ada@example.com"]);
    const raw = Buffer.from(sent?.RawMessage?.Data ?? new Uint8Array()).toString("ascii");
    expect(raw).toContain("\r\nSubject: Hi Ada\r\n");
    expect(raw).toMatch(/\r\nList-Unsubscribe: <https:\/\/[^>]+\/v1\/unsubscribe\?token=[^>]+>\r\n/);
  });

  it("on SES throttling gives the claim back and throws TransientActionError for the state machine to retry", async () => {
    ses.on(SendRawEmailCommand).rejects(
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
    ses.on(SendRawEmailCommand).rejects(
      Object.assign(new Error("Email address is not verified."), {
        name: "MessageRejected",
        $metadata: { httpStatusCode: 400 },
      }),
    );

    const outcome = await handler(payload, context);

    expect(outcome).toMatchObject({ status: "failed", reason: expect.stringContaining("MessageRejected") });
    expect(ses.commandCalls(SendRawEmailCommand)).toHaveLength(1);
  });
});
