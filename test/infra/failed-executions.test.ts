/**
 * Point 6 of issue 9 on AWS: an execution of the state machine that fails, times out or is aborted
 * outside the engine is noticed. Step Functions publishes "Step Functions Execution Status Change"
 * on the default bus; one rule there (this state machine, those three statuses) invokes run-state,
 * which ends the run; both failure paths end in an alarmed dead-letter queue.
 */
import type { Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { POWERTOOLS_METRICS_NAMESPACE } from "../../infra/constructs/moments-function.js";
import type { MomentsStack } from "../../infra/moments-stack.js";
import { executionFailedPattern, REDRIVES_EXHAUSTED_METRIC } from "../../shared/contracts/bus.js";
import { arnOf, ref, sharedMoments } from "./support/synth.js";

const { template, stack }: { template: Template; stack: MomentsStack } = await sharedMoments();

const resources = (type: string) =>
  Object.entries(template.findResources(type)).map(([id, r]) => ({ id, props: r.Properties }));
const runState = () => stack.functions["run-state"].function;
const rules = () =>
  resources("AWS::Events::Rule").filter(
    (r) => r.props.EventBusName === "default" && r.props.EventPattern.source[0] === "aws.states",
  );
const dlqArn = () => rules()[0]?.props.Targets[0].DeadLetterConfig.Arn as { "Fn::GetAtt": [string, string] };

describe("failed executions end their runs", () => {
  it("routes this state machine's FAILED, TIMED_OUT and ABORTED status changes on the default bus to run-state", () => {
    expect(rules()).toHaveLength(1);
    const pattern = rules()[0]?.props.EventPattern;
    expect(pattern).toEqual(stack.resolve(executionFailedPattern(stack.workflow.stateMachineArn)));
    expect(pattern["detail-type"]).toEqual(["Step Functions Execution Status Change"]);
    expect(pattern.detail.status).toEqual(["FAILED", "TIMED_OUT", "ABORTED"]);
    // This state machine only: another application's executions in the account never reach it.
    expect(JSON.stringify(pattern.detail.stateMachineArn)).toContain(
      `stateMachine:${stack.workflow.stateMachineName}`,
    );
    expect(rules()[0]?.props.Targets).toEqual([
      {
        Id: "Target0",
        Arn: arnOf(runState()),
        DeadLetterConfig: { Arn: dlqArn() },
        RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
      },
    ]);
  });

  it("retries a failed asynchronous invocation of run-state twice, then sends it to the same dead-letter queue", () => {
    const configs = resources("AWS::Lambda::EventInvokeConfig").filter(
      (c) => JSON.stringify(c.props.FunctionName) === JSON.stringify(ref(runState())),
    );
    expect(configs.map((c) => c.props)).toEqual([
      {
        FunctionName: ref(runState()),
        Qualifier: "$LATEST",
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 21_600,
        DestinationConfig: { OnFailure: { Destination: dlqArn() } },
      },
    ]);
  });

  it("lets EventBridge invoke run-state from that rule only", () => {
    const permissions = resources("AWS::Lambda::Permission").filter(
      (p) =>
        p.props.Principal === "events.amazonaws.com" &&
        JSON.stringify(p.props.FunctionName) === JSON.stringify(arnOf(runState())),
    );
    expect(permissions).toHaveLength(1);
    expect(permissions[0]?.props.SourceArn).toEqual({ "Fn::GetAtt": [rules()[0]?.id, "Arn"] });
  });

  it("keeps the dead-letter queue encrypted, 14 days, TLS-only, and alarmed", () => {
    const queueId = dlqArn()["Fn::GetAtt"][0];
    expect(template.toJSON().Resources[queueId].Properties).toEqual({
      MessageRetentionPeriod: 1_209_600,
      SqsManagedSseEnabled: true,
    });
    const policy = resources("AWS::SQS::QueuePolicy").find(
      (p) => JSON.stringify(p.props.Queues) === JSON.stringify([{ Ref: queueId }]),
    );
    expect(policy?.props.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
    );
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ApproximateNumberOfMessagesVisible",
      Namespace: "AWS/SQS",
      Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [queueId, "QueueName"] } }],
      Threshold: 0,
    });
  });

  it("alarms when the work of a failed end execution or gate is given up after every re-drive", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: REDRIVES_EXHAUSTED_METRIC,
      // The run-state function's Powertools metrics: its namespace and service dimension.
      Namespace: POWERTOOLS_METRICS_NAMESPACE,
      Dimensions: [{ Name: "service", Value: "moments-run-state" }],
      Statistic: "Sum",
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
      TreatMissingData: "notBreaching",
    });
    const fn = resources("AWS::Lambda::Function").find(
      (f) => JSON.stringify({ Ref: f.id }) === JSON.stringify(ref(runState())),
    );
    expect(fn?.props.Environment.Variables).toMatchObject({
      POWERTOOLS_SERVICE_NAME: "moments-run-state",
      POWERTOOLS_METRICS_NAMESPACE,
    });
  });
});
