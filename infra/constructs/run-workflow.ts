import { ArnFormat, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import {
  runWorkflowDefinition,
  type WorkflowSubstitution,
  workflowSubstitutions,
} from "../../shared/contracts/workflow.js";

export interface RunWorkflowProps {
  /** Runs one step of a run. */
  readonly actionFunction: lambda.IFunction;
  /** Records run lifecycle changes. */
  readonly runStateFunction: lambda.IFunction;
}

/**
 * The one Standard state machine that runs every moment, deployed from the contract's ASL document
 * (`shared/contracts/workflow.ts`) so the cloud and the local runtime execute the same definition.
 */
export class RunWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: RunWorkflowProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, "LogGroup", {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const substitutions: Record<WorkflowSubstitution, string> = {
      [workflowSubstitutions.actionFunctionArn]: props.actionFunction.functionArn,
      [workflowSubstitutions.runStateFunctionArn]: props.runStateFunction.functionArn,
    };

    this.stateMachine = new sfn.StateMachine(this, "StateMachine", {
      stateMachineType: sfn.StateMachineType.STANDARD,
      comment: "Runs one account through one moment",
      definitionBody: sfn.DefinitionBody.fromString(JSON.stringify(runWorkflowDefinition())),
      definitionSubstitutions: substitutions,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });

    // The definition invokes the unqualified function ARNs, so no `:*` (version/alias) grant as
    // `grantInvoke` would add: exactly these two functions and nothing else.
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ["lambda:InvokeFunction"],
        resources: [props.actionFunction.functionArn, props.runStateFunction.functionArn],
      }),
    );

    Validations.of(this.stateMachine.role.node.findChild("DefaultPolicy")).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "Only the CloudWatch Logs delivery actions (logs:CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, " +
        "DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups) that " +
        "execution logging needs and X-Ray's PutTraceSegments/PutTelemetryRecords/GetSamplingRules/GetSamplingTargets " +
        "use Resource '*': these actions support no resource-level permissions. A test asserts no other statement does.",
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
    const stack = Stack.of(this);
    const cfn = this.stateMachine.node.defaultChild as sfn.CfnStateMachine;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["states:StopExecution", "states:DescribeExecution"],
        resources: [
          stack.formatArn({
            service: "states",
            resource: "execution",
            resourceName: `${cfn.attrName}:*`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    // cdk-nag names the resource with the state machine's logical id, known only once resolved.
    const logicalId = stack.resolve(stack.getLogicalId(cfn)) as string;
    Validations.of(role.node.findChild("DefaultPolicy")).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<${logicalId}.Name>:*]`,
      reason:
        "Stopping or archiving a moment stops its runs' executions, whose names are run ids made at run time; the " +
        "grant is StopExecution/DescribeExecution on the executions of this one state machine and nothing else.",
    });
  }
}
