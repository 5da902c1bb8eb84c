import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import type * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";

export interface AlarmsProps {
  deadLetterQueue: sqs.IQueue;
  stateMachine: sfn.IStateMachine;
}

/**
 * The two signals that mean "something was lost or broke", both zero in a healthy deployment: an
 * event parked in the dead-letter queue (it started nothing yet), and a run whose execution failed.
 * Attach an action (SNS, chatbot) to them in your account; the stack does not guess where to page.
 */
export class Alarms extends Construct {
  readonly deadLetters: cloudwatch.Alarm;
  readonly failedRuns: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    this.deadLetters = new cloudwatch.Alarm(this, "DeadLetters", {
      alarmDescription: "Events could not be matched after every retry and wait in the dead-letter queue",
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: "Maximum",
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.failedRuns = new cloudwatch.Alarm(this, "FailedRuns", {
      alarmDescription: "Run executions failed, timed out or were aborted outside a moment stop",
      metric: props.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: "Sum" }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
