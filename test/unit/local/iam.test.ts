// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the grants' ARN patterns use CloudFormation-style ${Placeholder}s
import { describe, expect, it } from "vitest";
import {
  callerOf,
  dynamoAccessRequests,
  type FunctionGrants,
  type IamPlaceholders,
  LocalPolicies,
  localAccess,
  sesAccessRequests,
} from "../../../infra/local/iam.js";
import { grantsFromTemplate } from "../../../infra/local/iam-template.js";

const values: IamPlaceholders = {
  "AWS::Partition": "aws",
  "AWS::Region": "us-east-1",
  "AWS::AccountId": "000000000000",
  Table: "moments",
  EventBus: "moments",
  StateMachine: "moments-run",
  ConfigurationSet: "moments-local",
};
const table = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${Table}";
const tableArn = "arn:aws:dynamodb:us-east-1:000000000000:table/moments";
const none = {
  health: [],
  inbox: [],
  admin: [],
  match: [],
  action: [],
  "run-state": [],
  bootstrap: [],
  "ses-feedback": [],
  console: [],
};
const grants: FunctionGrants = {
  ...none,
  ingest: [
    { actions: ["dynamodb:GetItem"], resources: [table] },
    {
      actions: ["dynamodb:UpdateItem", "dynamodb:BatchWriteItem"],
      resources: [table],
      leadingKeys: ["WS#*#IDENTITY#*", "WS#*#SOURCEDEBUG#*"],
    },
  ],
  "run-state": [
    { actions: ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:PutItem"], resources: [table] },
    {
      actions: ["states:StartExecution"],
      resources: [
        "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${StateMachine}",
      ],
    },
  ],
  admin: [
    {
      actions: ["states:StopExecution"],
      resources: [
        "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:${StateMachine}:*",
      ],
    },
    { actions: ["dynamodb:Query"], resources: [table, `${table}/index/gsi1`] },
  ],
};
const policies = new LocalPolicies(grants, values);
const s = (value: string) => ({ S: value });
const requests = (operation: string, input: Record<string, unknown>) =>
  dynamoAccessRequests(policies, operation, input, "pk");

describe("the local IAM evaluation of a function's grants", () => {
  it("allows a granted action on a granted resource, and nothing else", () => {
    const get = requests("GetItem", { TableName: "moments", Key: { pk: s("WS#a#RUN#1"), sk: s("x") } });
    expect(policies.denied("ingest", get)).toBeUndefined();
    const put = requests("PutItem", { TableName: "moments", Item: { pk: s("WS#a#IDENTITY#1"), sk: s("x") } });
    expect(policies.denied("ingest", put)).toEqual({
      action: "dynamodb:PutItem",
      resource: tableArn,
      leadingKeys: ["WS#a#IDENTITY#1"],
    });
    const otherTable = requests("GetItem", { TableName: "other", Key: { pk: s("k"), sk: s("x") } });
    expect(policies.denied("ingest", otherTable)?.resource).toBe(
      "arn:aws:dynamodb:us-east-1:000000000000:table/other",
    );
    // A function with no statement may do nothing.
    expect(policies.denied("health", get)).toBeDefined();
  });

  it("holds item writes under a LeadingKeys condition to the matching partition keys, every one of them", () => {
    const update = (pk: string) =>
      requests("UpdateItem", { TableName: "moments", Key: { pk: s(pk), sk: s("x") } });
    expect(policies.denied("ingest", update("WS#a#IDENTITY#anon-1"))).toBeUndefined();
    expect(policies.denied("ingest", update("WS#a#SOURCEDEBUG#src"))).toBeUndefined();
    expect(policies.denied("ingest", update("WS#a#RUN#r1"))).toBeDefined();
    // Wildcards are IAM's: `*` spans any characters, the rest is literal and case-sensitive.
    expect(policies.denied("ingest", update("ws#a#identity#x"))).toBeDefined();
    const batch = (...pks: string[]) =>
      requests("BatchWriteItem", {
        RequestItems: { moments: pks.map((pk) => ({ PutRequest: { Item: { pk: s(pk), sk: s("x") } } })) },
      });
    expect(policies.denied("ingest", batch("WS#a#IDENTITY#1", "WS#a#SOURCEDEBUG#2"))).toBeUndefined();
    expect(policies.denied("ingest", batch("WS#a#IDENTITY#1", "WS#a#PROFILE#2"))).toMatchObject({
      action: "dynamodb:BatchWriteItem",
      leadingKeys: ["WS#a#IDENTITY#1", "WS#a#PROFILE#2"],
    });
  });

  it("authorizes a transaction per contained operation: one the role lacks refuses it", () => {
    const transaction = (...items: Record<string, unknown>[]) =>
      requests("TransactWriteItems", { TransactItems: items });
    const update = { Update: { TableName: "moments", Key: { pk: s("WS#a#RUN#1"), sk: s("x") } } };
    const put = { Put: { TableName: "moments", Item: { pk: s("WS#a#STATS#1"), sk: s("x") } } };
    const remove = { Delete: { TableName: "moments", Key: { pk: s("WS#a#RUN#1"), sk: s("y") } } };
    expect(policies.denied("run-state", transaction(update, put))).toBeUndefined();
    expect(policies.denied("run-state", transaction(update, remove, put))).toEqual({
      action: "dynamodb:DeleteItem",
      resource: tableArn,
      leadingKeys: ["WS#a#RUN#1"],
    });
    expect(
      requests("TransactGetItems", {
        TransactItems: [{ Get: { TableName: "moments", Key: { pk: s("p"), sk: s("x") } } }],
      }),
    ).toEqual([{ action: "dynamodb:GetItem", resource: tableArn, leadingKeys: ["p"] }]);
  });

  it("names an index as its own resource", () => {
    const query = (index?: string) =>
      requests("Query", {
        TableName: "moments",
        ...(index ? { IndexName: index } : {}),
        KeyConditionExpression: "pk = :p",
      });
    expect(policies.denied("admin", query())).toBeUndefined();
    expect(policies.denied("admin", query("gsi1"))).toBeUndefined();
    expect(policies.denied("admin", query("gsi2"))?.resource).toBe(`${tableArn}/index/gsi2`);
  });

  it("does not assume unknown partition keys match a LeadingKeys condition (stricter, never looser)", () => {
    const strict = new LocalPolicies(
      {
        ...none,
        ingest: [{ actions: ["dynamodb:Query"], resources: [table], leadingKeys: ["A*"] }],
        "run-state": [],
      },
      values,
    );
    expect(strict.denied("ingest", requests("Query", { TableName: "moments" }))).toBeDefined();
  });

  it("answers with AWS's AccessDeniedException: 400, the caller's role session, the action and resource", () => {
    const access = localAccess(values, grants);
    expect(
      access.dynamodb.check("ingest", "DeleteItem", {
        TableName: "moments",
        Key: { pk: s("WS#a#IDENTITY#1"), sk: s("x") },
      }),
    ).toEqual({
      status: 400,
      body: {
        __type: "com.amazon.coral.service#AccessDeniedException",
        message:
          "User: arn:aws:sts::000000000000:assumed-role/moments-ingest-role/moments-ingest is not authorized to perform: dynamodb:DeleteItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table/moments because no identity-based policy allows the dynamodb:DeleteItem action",
      },
    });
    const headers = (fn: string) => ({
      authorization: `AWS4-HMAC-SHA256 Credential=local-${fn}/20261206/us-east-1/states/aws4_request, SignedHeaders=host, Signature=x`,
    });
    const machine = "arn:aws:states:us-east-1:000000000000:stateMachine:moments-run";
    expect(
      access.stepFunctions(headers("run-state"), "StartExecution", { stateMachineArn: machine }),
    ).toBeUndefined();
    expect(
      access.stepFunctions(headers("admin"), "StartExecution", { stateMachineArn: machine })?.message,
    ).toContain(
      "not authorized to perform: states:StartExecution on resource: arn:aws:states:us-east-1:000000000000:stateMachine:moments-run",
    );
    const execution = "arn:aws:states:us-east-1:000000000000:execution:moments-run:r1";
    expect(
      access.stepFunctions(headers("admin"), "StopExecution", { executionArn: execution }),
    ).toBeUndefined();
    expect(
      access.stepFunctions(headers("admin"), "StopExecution", {
        executionArn: execution.replace("moments-run", "other"),
      })?.code,
    ).toBe("AccessDeniedException");
    // Not a function's key: a test's or a script's own client, not restricted.
    expect(
      access.stepFunctions({ authorization: "AWS4-HMAC-SHA256 Credential=local/2026" }, "StartExecution", {}),
    ).toBeUndefined();
  });

  it("knows the caller from the access key id of the request's signature", () => {
    expect(
      callerOf({
        authorization:
          "AWS4-HMAC-SHA256 Credential=local-ses-feedback/20261206/us-east-1/dynamodb/aws4_request",
      }),
    ).toBe("ses-feedback");
    expect(
      callerOf({ authorization: "AWS4-HMAC-SHA256 Credential=local-nobody/20261206/x" }),
    ).toBeUndefined();
    expect(callerOf({ authorization: "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261206/x" })).toBeUndefined();
    expect(callerOf({})).toBeUndefined();
  });

  it("names an SES send's sending identity (the From address's domain) and configuration set", () => {
    const raw = Buffer.from(
      'Subject: x\r\nFrom:\r\n "Moments" <hello@mail.example.com>\r\n\r\nFrom: not@this.one',
    ).toString("base64");
    const form = new URLSearchParams({
      Action: "SendRawEmail",
      "RawMessage.Data": raw,
      ConfigurationSetName: "moments-local",
    });
    expect(sesAccessRequests(policies, form)).toEqual([
      {
        action: "ses:SendRawEmail",
        resource: "arn:aws:ses:us-east-1:000000000000:identity/mail.example.com",
      },
      {
        action: "ses:SendRawEmail",
        resource: "arn:aws:ses:us-east-1:000000000000:configuration-set/moments-local",
      },
    ]);
  });
});

describe("the grants read from a template", () => {
  const template = (statements: unknown[]) => ({
    Resources: {
      Table: { Type: "AWS::DynamoDB::GlobalTable" },
      Bus: { Type: "AWS::Events::EventBus" },
      Machine: { Type: "AWS::StepFunctions::StateMachine", Properties: { StateMachineName: "Moments-run" } },
      Role: { Type: "AWS::IAM::Role" },
      Policy: {
        Type: "AWS::IAM::Policy",
        Properties: { Roles: [{ Ref: "Role" }], PolicyDocument: { Statement: statements } },
      },
    },
  });
  const roles = {
    ...Object.fromEntries(Object.keys(none).map((fn) => [fn, "Nobody"])),
    ingest: "Role",
    "run-state": "Nobody",
  } as never;
  const arnJoin = (...parts: unknown[]) => ({ "Fn::Join": ["", parts] });
  const account = [":", { Ref: "AWS::Region" }, ":", { Ref: "AWS::AccountId" }, ":"];

  it("keeps the emulated services' statements, with each deployment-specific part as a placeholder", () => {
    const grants = grantsFromTemplate(
      template([
        { Effect: "Allow", Action: ["logs:PutLogEvents"], Resource: { "Fn::GetAtt": ["Logs", "Arn"] } },
        {
          Effect: "Allow",
          Action: "dynamodb:UpdateItem",
          Resource: [
            { "Fn::GetAtt": ["Table", "Arn"] },
            arnJoin({ "Fn::GetAtt": ["Table", "Arn"] }, "/index/gsi1"),
          ],
          Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["WS#*"] } },
        },
        { Effect: "Allow", Action: "states:StartExecution", Resource: { Ref: "Machine" } },
        {
          Effect: "Allow",
          Action: ["states:StopExecution"],
          Resource: arnJoin(
            "arn:",
            { Ref: "AWS::Partition" },
            ":states",
            ...account,
            "execution:Moments-run:*",
          ),
        },
        { Effect: "Allow", Action: "events:PutEvents", Resource: { "Fn::GetAtt": ["Bus", "Arn"] } },
      ]),
      roles,
    );
    expect(grants.ingest).toEqual([
      {
        actions: ["dynamodb:UpdateItem"],
        resources: [table, `${table}/index/gsi1`],
        leadingKeys: ["WS#*"],
      },
      {
        actions: ["states:StartExecution"],
        resources: [
          "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${StateMachine}",
        ],
      },
      {
        actions: ["states:StopExecution"],
        resources: [
          "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:${StateMachine}:*",
        ],
      },
      {
        actions: ["events:PutEvents"],
        resources: ["arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/${EventBus}"],
      },
    ]);
    expect(grants.admin).toEqual([]);
  });

  it("refuses what it would enforce wrongly: a Deny, another condition, a resource it cannot name", () => {
    const read = (statement: unknown) => () => grantsFromTemplate(template([statement]), roles);
    expect(read({ Effect: "Deny", Action: "dynamodb:GetItem", Resource: "*" })).toThrow(/Allow only/);
    expect(
      read({
        Effect: "Allow",
        Action: "dynamodb:GetItem",
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceVpc": "v" } },
      }),
    ).toThrow(/not evaluated locally/);
    expect(read({ Effect: "Allow", Action: "dynamodb:GetItem", Resource: { Ref: "Unknown" } })).toThrow(
      /cannot resolve/,
    );
  });
});
