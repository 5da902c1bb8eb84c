import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DynamoDBClient, ResourceInUseException, UpdateTableCommand } from "@aws-sdk/client-dynamodb";
import { PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CustomResourceEvent } from "../../../shared/adapters/cloudformation-response.js";
import { DynamoTableSettings } from "../../../shared/adapters/dynamodb/table-settings.js";
import { hashApiKey } from "../../../shared/domain/api-keys.js";
import { context, setHandlerEnv } from "./env.js";

const secrets = mockClient(SecretsManagerClient);
const db = mockClient(DynamoDBDocumentClient);
const dynamodb = mockClient(DynamoDBClient);
let handler: (event: CustomResourceEvent, ctx: typeof context) => Promise<void>;

// Stands in for CloudFormation's pre-signed response URL.
let server: Server;
let responses: Array<{ method: string; body: Record<string, unknown> }> = [];
let responseUrl = "";

beforeAll(async () => {
  setHandlerEnv();
  ({ handler } = await import("../../../functions/bootstrap/handler.js"));
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      responses.push({ method: req.method ?? "", body: JSON.parse(body) as Record<string, unknown> });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  responseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/response`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  responses = [];
  secrets.reset();
  db.reset();
  dynamodb.reset();
  dynamodb.on(UpdateTableCommand).resolves({});
  secrets.on(PutSecretValueCommand).resolves({});
  db.on(GetCommand).resolves({});
  db.on(PutCommand).resolves({});
});

function event(requestType: CustomResourceEvent["RequestType"]): CustomResourceEvent {
  return {
    RequestType: requestType,
    ResponseURL: responseUrl,
    StackId: "arn:aws:cloudformation:us-east-1:123456789012:stack/Moments/1",
    RequestId: "req-1",
    LogicalResourceId: "FirstAdminKey",
    ...(requestType === "Create" ? {} : { PhysicalResourceId: "first-admin-key" }),
    ResourceProperties: {
      SecretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:key",
      WorkspaceId: "default",
    },
  };
}

describe("bootstrap handler (CloudFormation custom resource)", () => {
  it("on create keeps a new admin key in the secret, stores only its hash, and answers SUCCESS", async () => {
    await handler(event("Create"), context);

    const stored = JSON.parse(
      secrets.commandCalls(PutSecretValueCommand)[0]?.args[0].input.SecretString ?? "{}",
    ) as {
      adminKey: string;
      workspaceId: string;
    };
    expect(stored.adminKey).toMatch(/^mk_admin_[A-Za-z0-9_-]{32}$/);
    expect(stored.workspaceId).toBe("default");
    const items = db.commandCalls(PutCommand).map((c) => JSON.stringify(c.args[0].input.Item));
    expect(items.some((item) => item.includes(hashApiKey(stored.adminKey)))).toBe(true);
    expect(items.some((item) => item.includes(stored.adminKey))).toBe(false);
    expect(responses).toEqual([
      {
        method: "PUT",
        body: expect.objectContaining({ Status: "SUCCESS", PhysicalResourceId: "first-admin-key" }),
      },
    ]);
  });

  it.each(["Update", "Delete"] as const)("on %s changes nothing and answers SUCCESS", async (type) => {
    await handler(event(type), context);

    expect(secrets.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    expect(db.commandCalls(PutCommand)).toHaveLength(0);
    expect(responses[0]?.body).toMatchObject({ Status: "SUCCESS", PhysicalResourceId: "first-admin-key" });
  });

  it("answers FAILED (never leaving the stack waiting) and puts no secret in the reason", async () => {
    db.on(PutCommand).rejects(Object.assign(new Error("denied"), { name: "AccessDeniedException" }));

    await handler(event("Create"), context);

    const stored = secrets.commandCalls(PutSecretValueCommand)[0]?.args[0].input.SecretString ?? "";
    expect(responses[0]?.body).toMatchObject({ Status: "FAILED" });
    expect(String(responses[0]?.body.Reason)).toContain("AccessDeniedException");
    expect(String(responses[0]?.body.Reason)).not.toContain(JSON.parse(stored).adminKey);
  });
});

describe("bootstrap handler: the table's deletion protection (the stack's last resource)", () => {
  const protection = (
    requestType: CustomResourceEvent["RequestType"],
    enabled = "true",
  ): CustomResourceEvent => ({
    RequestType: requestType,
    ResourceType: "Custom::MomentsTableProtection",
    ResponseURL: responseUrl,
    StackId: "arn:aws:cloudformation:us-east-1:123456789012:stack/Moments/1",
    RequestId: "req-2",
    LogicalResourceId: "TableProtection",
    ...(requestType === "Create" ? {} : { PhysicalResourceId: "table-protection-Moments-Table" }),
    ResourceProperties: { TableName: "Moments-Table", DeletionProtection: enabled },
  });

  it.each([
    ["Create", "true", true],
    ["Update", "false", false],
  ] as const)("on %s sets it as configured (%s) and answers SUCCESS", async (type, setting, expected) => {
    await handler(protection(type, setting), context);

    expect(dynamodb.commandCalls(UpdateTableCommand).map((c) => c.args[0].input)).toEqual([
      { TableName: "Moments-Table", DeletionProtectionEnabled: expected },
    ]);
    expect(secrets.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    expect(responses[0]?.body).toMatchObject({ Status: "SUCCESS", LogicalResourceId: "TableProtection" });
  });

  it("on Delete leaves the (retained) table protected", async () => {
    await handler(protection("Delete"), context);

    expect(dynamodb.commandCalls(UpdateTableCommand)).toHaveLength(0);
    expect(responses[0]?.body).toMatchObject({ Status: "SUCCESS" });
  });

  it("answers FAILED when the table cannot be changed, so the deploy rolls back instead of hanging", async () => {
    dynamodb
      .on(UpdateTableCommand)
      .rejects(Object.assign(new Error("denied"), { name: "AccessDeniedException" }));

    await handler(protection("Create"), context);

    expect(responses[0]?.body).toMatchObject({ Status: "FAILED" });
    expect(String(responses[0]?.body.Reason)).toContain("AccessDeniedException");
  });

  it("waits out a table still busy with the same deploy's change, a few times", async () => {
    const busy = () =>
      new ResourceInUseException({
        message: "Attempt to change a resource which is still in use",
        $metadata: {},
      });
    dynamodb.on(UpdateTableCommand).rejectsOnce(busy()).rejectsOnce(busy()).resolves({});
    const settings = new DynamoTableSettings(new DynamoDBClient({}), { attempts: 3, waitMs: 1 });

    await settings.setDeletionProtection("Moments-Table", true);
    expect(dynamodb.commandCalls(UpdateTableCommand)).toHaveLength(3);

    dynamodb.reset();
    dynamodb.on(UpdateTableCommand).rejects(busy());
    await expect(settings.setDeletionProtection("Moments-Table", true)).rejects.toThrow(/still in use/);
    expect(dynamodb.commandCalls(UpdateTableCommand)).toHaveLength(3);
  });
});
