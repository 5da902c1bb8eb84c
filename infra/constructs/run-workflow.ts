import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import { SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";
import * as logs from "aws-cdk-lib/aws-logs";
import * as sqs from "aws-cdk-lib/aws-sqs";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import { lambdaRuleTargets } from "../../shared/contracts/async-invocation.js";
import { executionFailedPattern } from "../../shared/contracts/bus.js";
import {
  runWorkflowDefinition,
  type WorkflowSubstitution,
  workflowSubstitutions,
} from "../../shared/contracts/workflow.js";
import { toEventPattern } from "./event-routing.js";
import { vendedLogGroupName } from "./vended-logs.js";

const PARTITION_SUBSTITUTION = "Partition";

/**
 * The contract names service integrations with `arn:aws:states:::…`, which is right locally and in the aws
 * partition only; deployed, the partition is whatever the stack's region is in (aws-cn, aws-us-gov).
 */
export function partitionNeutral(definition: string): string {
  return definition.replaceAll('"arn:aws:states:::', `"arn:\${${PARTITION_SUBSTITUTION}}:states:::`);
}

export interface RunWorkflowProps {
  /** Runs one step of a run. */
  readonly actionFunction: lambda.IFunction;
  /** Records run lifecycle changes. */
  readonly runStateFunction: lambda.IFunction;
  /** Physical name: known before the resource exists, so functions can name its ARN (see stateMachineArn). */
  readonly stateMachineName: string;
  /** X-Ray tracing of executions (sampled by the account's X-Ray sampling rules). @default true */
  readonly tracing?: boolean;
}

/**
 * The one Standard state machine that runs every moment, deployed from the contract's ASL document
 * (`shared/contracts/workflow.ts`) so the cloud and the local runtime execute the same definition.
 */
export class RunWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;
  /**
   * The state machine's ARN, built from its name rather than read from the resource: the run-state
   * function (invoked by the state machine) also starts executions of it, and a reference to the
   * resource would make CloudFormation see a cycle.
   */
  readonly stateMachineArn: string;
  readonly stateMachineName: string;

  constructor(scope: Construct, id: string, props: RunWorkflowProps) {
    super(scope, id);
    this.stateMachineName = props.stateMachineName;
    this.stateMachineArn = RunWorkflow.arnOf(Stack.of(this), props.stateMachineName);

    this.logGroup = new logs.LogGroup(this, "LogGroup", {
      logGroupName: vendedLogGroupName(Stack.of(this), "run-executions"),
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const substitutions: Record<WorkflowSubstitution | typeof PARTITION_SUBSTITUTION, string> = {
      [workflowSubstitutions.actionFunctionArn]: props.actionFunction.functionArn,
      [workflowSubstitutions.runStateFunctionArn]: props.runStateFunction.functionArn,
      [PARTITION_SUBSTITUTION]: Stack.of(this).partition,
    };

    this.stateMachine = new sfn.StateMachine(this, "StateMachine", {
      stateMachineName: props.stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      comment: "Runs one account through one moment",
      definitionBody: sfn.DefinitionBody.fromString(
        partitionNeutral(JSON.stringify(runWorkflowDefinition())),
      ),
      definitionSubstitutions: substitutions,
      // Errors only, and without execution data: state inputs pin whole actions (webhook URLs and headers,
      // which often hold tokens) and trigger properties, which logs kept a month must not carry.
      logs: { destination: this.logGroup, level: sfn.LogLevel.ERROR, includeExecutionData: false },
      tracingEnabled: props.tracing ?? true,
    });

    // The definition invokes the unqualified function ARNs, so no `:*` (version/alias) grant as
    // `grantInvoke` would add: exactly these two functions and nothing else.
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ["lambda:InvokeFunction"],
        resources: [props.actionFunction.functionArn, props.runStateFunction.functionArn],
      }),
    );

    Validations.of(this.stateMachine.node.defaultChild as sfn.CfnStateMachine).acknowledge({
      id: "AwsSolutions-SF1",
      reason:
        "Execution logs keep errors only, without execution data: every state's input pins whole actions (webhook " +
        "URLs and headers, often tokens) and trigger properties, which must not sit in logs for a month. What each " +
        `step did is recorded in the table (GET /v1/admin/runs/{runId})${props.tracing === false ? "" : " and traced in X-Ray"}.`,
    });
    if (props.tracing === false) {
      Validations.of(this.stateMachine.node.defaultChild as sfn.CfnStateMachine).acknowledge({
        id: "AwsSolutions-SF2",
        reason:
          "X-Ray tracing is off because the deployer chose it (-c tracing=off): no function is traced either, so an " +
          "execution trace would join nothing. Failed executions still log their errors and alarm; each step is " +
          "recorded in the table.",
      });
    }
    Validations.of(this.stateMachine.role.node.findChild("DefaultPolicy")).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "Only the CloudWatch Logs delivery actions (logs:CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, " +
        "DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups) that " +
        `execution logging needs${props.tracing === false ? "" : " and X-Ray's PutTraceSegments/PutTelemetryRecords/GetSamplingRules/GetSamplingTargets"} ` +
        "use Resource '*': these actions support no resource-level permissions. A test asserts no other statement does.",
    });
  }

  /**
   * Makes `fn` end the runs of executions that failed, timed out or were aborted outside the engine
   * (see shared/use-cases/execution-failed.ts): a rule on the default bus, where Step Functions
   * publishes every execution's status changes, takes this state machine's FAILED, TIMED_OUT and
   * ABORTED ones. As for SES feedback, two failure paths end in a dead-letter queue: EventBridge
   * failing to invoke the function (retried for up to a day), and the function failing on an event
   * (Lambda retries an asynchronous invocation twice). `role` may read an execution's input (an
   * event leaves out inputs over 248 KB).
   */
  endRunsOfFailedExecutions(
    fn: lambda.IFunction,
    role: iam.Role,
  ): { rule: events.Rule; deadLetterQueue: sqs.Queue } {
    // Retries, event ages and the queue both failure paths end in: the contract the local runtime
    // applies too (shared/contracts/async-invocation.ts).
    const contract = lambdaRuleTargets.failedExecutions;
    const deadLetterQueue = new sqs.Queue(this, contract.deadLetterQueue, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // The longest SQS allows: time to notice, fix and replay an event that ended no run.
      retentionPeriod: Duration.days(14),
    });
    Validations.of(deadLetterQueue.node.defaultChild as sqs.CfnQueue).acknowledge({
      id: "AwsSolutions-SQS3",
      reason:
        "This queue is itself the dead-letter queue of the failed-executions rule's target and of the run-state " +
        "function's asynchronous invocations; nothing consumes it automatically, so it needs no dead-letter queue of its own.",
    });
    const rule = new events.Rule(this, "FailedExecutionsRule", {
      eventBus: events.EventBus.fromEventBusName(this, "DefaultBus", "default"),
      description:
        "Executions of the Moments state machine that failed, timed out or were aborted: end their runs",
      eventPattern: toEventPattern(executionFailedPattern(this.stateMachineArn)),
      targets: [
        new targets.LambdaFunction(fn, {
          deadLetterQueue,
          maxEventAge: Duration.seconds(contract.targetRetryPolicy.maxEventAgeSeconds),
          retryAttempts: contract.targetRetryPolicy.retryAttempts,
        }),
      ],
    });
    fn.configureAsyncInvoke({
      retryAttempts: contract.asyncInvoke.retryAttempts,
      maxEventAge: Duration.seconds(contract.asyncInvoke.maxEventAgeSeconds),
      onFailure: new SqsDestination(deadLetterQueue),
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["states:DescribeExecution"],
        resources: [this.executionsArn()],
      }),
    );
    Validations.of(role.node.findChild("DefaultPolicy")).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${this.stateMachineName}:*]`,
      reason:
        "A failed execution's input is read back when its status-change event left it out; execution names are run " +
        "ids made at run time, so the grant is DescribeExecution on the executions of this one state machine only.",
    });
    return { rule, deadLetterQueue };
  }

  /** The ARN of every execution of this state machine (execution names are made at run time). */
  private executionsArn(): string {
    return Stack.of(this).formatArn({
      service: "states",
      resource: "execution",
      resourceName: `${this.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /** The ARN a state machine of this name has in `stack`'s account and region. */
  static arnOf(stack: Stack, stateMachineName: string): string {
    return stack.formatArn({
      service: "states",
      resource: "stateMachine",
      resourceName: stateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /** Lets `grantee` start executions of this state machine (and nothing else on it). */
  grantStartExecution(grantee: iam.IGrantable): void {
    this.stateMachine.grantStartExecution(grantee);
  }

  /**
   * Lets `grantee` stop (and describe) executions of this state machine: stopping or archiving a
   * moment ends its runs. Execution names are run ids made at run time, so the grant names this
   * state machine's executions with a wildcard for the name, and nothing wider.
   */
  grantStopExecution(role: iam.Role): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["states:StopExecution", "states:DescribeExecution"],
        resources: [this.executionsArn()],
      }),
    );
    Validations.of(role.node.findChild("DefaultPolicy")).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${this.stateMachineName}:*]`,
      reason:
        "Ending or stopping runs stops their executions, whose names are run ids made at run time; the grant is " +
        "StopExecution/DescribeExecution on the executions of this one state machine and nothing else.",
    });
  }

  /** Lets `grantee` start executions of this state machine by ARN (no reference to the resource). */
  grantStartExecutionByArn(role: iam.Role): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ["states:StartExecution"], resources: [this.stateMachineArn] }),
    );
  }
}
