import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import type * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import { lambdaRuleTargets } from "../../shared/contracts/async-invocation.js";
import { REDRIVES_EXHAUSTED_METRIC } from "../../shared/contracts/bus.js";
import { POWERTOOLS_METRICS_NAMESPACE } from "./moments-function.js";

export interface AlarmsProps {
  deadLetterQueue: sqs.IQueue;
  stateMachine: sfn.IStateMachine;
  /** SES bounce and complaint events that could not be recorded (their addresses are not suppressed). */
  feedbackDeadLetterQueue: sqs.IQueue;
  /** Failed-execution events that could not be handled (their runs may still show active). */
  failedExecutionsDeadLetterQueue: sqs.IQueue;
  /** The account's quota of open Standard executions in this region (1,000,000 unless raised). */
  openExecutionQuota: number;
}

/** Share of the open-executions quota at which the OpenExecutions alarm fires. */
export const OPEN_EXECUTIONS_ALARM_SHARE = 0.8;

/** Any message in the queue, for 5 minutes: zero when healthy. */
function queueNotEmpty(scope: Construct, id: string, queue: sqs.IQueue, alarmDescription: string) {
  return new cloudwatch.Alarm(scope, id, {
    alarmDescription,
    metric: queue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(5),
      statistic: "Maximum",
    }),
    threshold: 0,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}

/**
 * The signals that mean "something was lost or broke", all zero in a healthy deployment: an event
 * parked in the dead-letter queue (it started nothing yet), a run whose execution failed, an SES
 * bounce or complaint that could not be recorded, and a failed execution whose run could not be
 * ended; and one that warns before a limit: open executions nearing the account's quota. Attach an
 * action (SNS, chatbot) to them in your account; the stack does not guess where to page.
 */
export class Alarms extends Construct {
  readonly deadLetters: cloudwatch.Alarm;
  readonly failedRuns: cloudwatch.Alarm;
  readonly feedbackDeadLetters: cloudwatch.Alarm;
  readonly failedExecutionsDeadLetters: cloudwatch.Alarm;
  readonly openExecutions: cloudwatch.Alarm;
  readonly redrivesExhausted: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    this.deadLetters = queueNotEmpty(
      this,
      "DeadLetters",
      props.deadLetterQueue,
      "Events could not be matched after every retry and wait in the dead-letter queue",
    );
    // Aborted executions are not in it: stopping or archiving a moment and a run's end event abort executions
    // on purpose, every day. A failed or timed-out one is always a fault.
    const period = Duration.minutes(5);
    this.failedRuns = new cloudwatch.Alarm(this, "FailedRuns", {
      alarmDescription:
        "Run executions failed or timed out (aborts are how moment stops and end events end runs, so they are not counted)",
      metric: new cloudwatch.MathExpression({
        expression: "FILL(failed, 0) + FILL(timedOut, 0)",
        usingMetrics: {
          failed: props.stateMachine.metricFailed({ period, statistic: "Sum" }),
          timedOut: props.stateMachine.metricTimedOut({ period, statistic: "Sum" }),
        },
        label: "Failed or timed-out run executions",
        period,
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // Named and described by the contract: the local runtime warns with the same words when a message
    // lands in its copy of the queue.
    const { sesFeedback, failedExecutions } = lambdaRuleTargets;
    this.feedbackDeadLetters = queueNotEmpty(
      this,
      sesFeedback.alarm.id,
      props.feedbackDeadLetterQueue,
      sesFeedback.alarm.description,
    );
    this.failedExecutionsDeadLetters = queueNotEmpty(
      this,
      failedExecutions.alarm.id,
      props.failedExecutionsDeadLetterQueue,
      failedExecutions.alarm.description,
    );
    // A failed end execution, gate or lookup execution is re-driven (FailedRuns counts each failure); this one
    // means the work was given up after every re-drive: steps recorded failed (execution_failed, or
    // outcome_unknown for a lookup), or an abandonment start not opened.
    this.redrivesExhausted = new cloudwatch.Alarm(this, "RedrivesExhausted", {
      alarmDescription:
        "Completion or exit steps, an abandonment start, or the lookup of a send in doubt failed through every re-drive of their execution and were given up (see the run-state function's logs)",
      metric: new cloudwatch.Metric({
        namespace: POWERTOOLS_METRICS_NAMESPACE,
        metricName: REDRIVES_EXHAUSTED_METRIC,
        dimensionsMap: { service: "moments-run-state" },
        statistic: "Sum",
        period,
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // Every in-flight run holds an open execution (and a pending abandonment gate another) for as long as its
    // delays and timeouts last. At the quota StartExecution fails: new runs cannot start (the matcher retries,
    // then dead-letters). Step Functions publishes the account's count (no dimension) in AWS/States.
    const threshold = Math.floor(props.openExecutionQuota * OPEN_EXECUTIONS_ALARM_SHARE);
    this.openExecutions = new cloudwatch.Alarm(this, "OpenExecutions", {
      alarmDescription:
        `Open Step Functions executions in this account and region passed ${threshold.toLocaleString("en-US")} ` +
        `(${OPEN_EXECUTIONS_ALARM_SHARE * 100} % of the ${props.openExecutionQuota.toLocaleString("en-US")} quota): ` +
        "ask for a quota increase (then set openExecutionQuota) or shorten long waits and end timeouts",
      metric: new cloudwatch.Metric({
        namespace: "AWS/States",
        metricName: "OpenExecutionCount",
        statistic: "Maximum",
        period: Duration.minutes(5),
      }),
      threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
