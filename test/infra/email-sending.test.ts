/**
 * The email feedback path in the synthesized template: the configuration set publishes bounces and
 * complaints to the default bus, one rule there (this configuration set only) invokes ses-feedback,
 * and both failure paths (delivery to Lambda, the function itself) end in an alarmed dead-letter
 * queue. ses-feedback may only read, put and update items.
 */
import type { Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import type { MomentsStack } from "../../infra/moments-stack.js";
import { sesFeedbackPattern } from "../../shared/contracts/bus.js";
import {
  actionsOf,
  arnOf,
  logicalId,
  ref,
  resourcesOf,
  roleStatements,
  sharedMoments,
} from "./support/synth.js";

// Top level, not a hook: the template is synthesized once per run and shared (see support/synth.ts).
const { template, stack }: { template: Template; stack: MomentsStack } = await sharedMoments();

const resources = (type: string) =>
  Object.entries(template.findResources(type)).map(([id, r]) => ({ id, props: r.Properties }));
const defaultBusArn = {
  "Fn::Join": [
    "",
    [
      "arn:",
      { Ref: "AWS::Partition" },
      ":events:",
      { Ref: "AWS::Region" },
      ":",
      { Ref: "AWS::AccountId" },
      ":event-bus/default",
    ],
  ],
};
const feedbackFn = () => stack.functions["ses-feedback"].function;
const dlq = () => stack.email.feedbackDeadLetterQueue;

describe("SES feedback", () => {
  it("has the configuration set publish bounces, complaints, and sends and rejects (a step's evidence), to the account's default bus", () => {
    const destinations = resources("AWS::SES::ConfigurationSetEventDestination");

    expect(destinations).toHaveLength(1);
    expect(destinations[0]?.props).toEqual({
      ConfigurationSetName: ref(stack.email.configurationSet),
      EventDestination: {
        Enabled: true,
        EventBridgeDestination: { EventBusArn: defaultBusArn },
        MatchingEventTypes: ["bounce", "complaint", "send", "reject"],
      },
    });
  });

  it("routes this configuration set's bounce and complaint events on the default bus to ses-feedback", () => {
    // The default bus also carries the failed-executions rule (test/infra/failed-executions.test.ts).
    const rules = resources("AWS::Events::Rule").filter(
      (r) => r.props.EventBusName === "default" && r.props.EventPattern.source[0] === "aws.ses",
    );

    expect(rules).toHaveLength(1);
    expect(rules[0]?.props.EventPattern).toEqual(
      stack.resolve(sesFeedbackPattern(stack.email.configurationSet.configurationSetName)),
    );
    expect(rules[0]?.props.EventPattern.detail.mail.tags["ses:configuration-set"]).toEqual([
      ref(stack.email.configurationSet),
    ]);
    expect(rules[0]?.props.Targets).toEqual([
      {
        Id: "Target0",
        Arn: arnOf(feedbackFn()),
        DeadLetterConfig: { Arn: arnOf(dlq()) },
        RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
      },
    ]);
  });

  it("retries a failed invocation, then sends it to the same dead-letter queue", () => {
    const configs = resources("AWS::Lambda::EventInvokeConfig").filter(
      (c) => JSON.stringify(c.props.FunctionName) === JSON.stringify(ref(feedbackFn())),
    );

    expect(configs).toHaveLength(1);
    expect(configs[0]?.props).toEqual({
      FunctionName: ref(feedbackFn()),
      Qualifier: "$LATEST",
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 21_600,
      DestinationConfig: { OnFailure: { Destination: arnOf(dlq()) } },
    });
  });

  it("lets EventBridge invoke ses-feedback from that rule only", () => {
    const fromEvents = resources("AWS::Lambda::Permission").filter(
      (p) =>
        p.props.Principal === "events.amazonaws.com" &&
        JSON.stringify(p.props.FunctionName) === JSON.stringify(arnOf(feedbackFn())),
    );

    expect(fromEvents.map((p) => p.props)).toEqual([
      {
        Action: "lambda:InvokeFunction",
        FunctionName: arnOf(feedbackFn()),
        Principal: "events.amazonaws.com",
        SourceArn: arnOf(stack.email.feedbackRule ?? feedbackFn()),
      },
    ]);
  });

  it("keeps the dead-letter queue encrypted, TLS-only, 14 days, writable by that rule, and alarmed", () => {
    expect(template.toJSON().Resources[logicalId(dlq())].Properties).toEqual({
      MessageRetentionPeriod: 1_209_600,
      SqsManagedSseEnabled: true,
    });
    const policy = resources("AWS::SQS::QueuePolicy").find(
      (p) => JSON.stringify(p.props.Queues) === JSON.stringify([ref(dlq())]),
    );
    const statements = policy?.props.PolicyDocument.Statement as Array<Record<string, unknown>>;
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: "Allow",
        Action: "sqs:SendMessage",
        Principal: { Service: "events.amazonaws.com" },
        Condition: { ArnEquals: { "aws:SourceArn": arnOf(stack.email.feedbackRule ?? dlq()) } },
      }),
    );
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ApproximateNumberOfMessagesVisible",
      Namespace: "AWS/SQS",
      Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [logicalId(dlq()), "QueueName"] } }],
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
    });
  });

  it("lets ses-feedback read, put and update items (a step in doubt is settled) and write to its dead-letter queue, nothing more", () => {
    const statements = roleStatements(template, logicalId(stack.functions["ses-feedback"].role)).filter(
      (s) => !actionsOf(s).every((a) => a.startsWith("logs:") || a.startsWith("xray:")),
    );

    expect(statements.map((s) => ({ actions: actionsOf(s), resources: resourcesOf(s) }))).toEqual([
      {
        actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
        resources: [arnOf(stack.dataTable.table)],
      },
      {
        actions: ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
        resources: [arnOf(dlq())],
      },
    ]);
  });

  it("lets the inbox function (the unsubscribe endpoint) read and put items, as suppressing needs", () => {
    const dynamo = roleStatements(template, logicalId(stack.functions.inbox.role))
      .filter((s) => actionsOf(s).some((a) => a.startsWith("dynamodb:")))
      .flatMap(actionsOf);

    expect(dynamo).toEqual(expect.arrayContaining(["dynamodb:GetItem", "dynamodb:PutItem"]));
  });
});
