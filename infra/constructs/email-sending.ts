import { Duration, Stack, Validations } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import { SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";
import * as ses from "aws-cdk-lib/aws-ses";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { lambdaRuleTargets } from "../../shared/contracts/async-invocation.js";
import { sesFeedbackPattern } from "../../shared/contracts/bus.js";
import { toEventPattern } from "./event-routing.js";

/** Actions a sender needs: the action function sends through SES v1 SendEmail / SendRawEmail. */
export const SES_SEND_ACTIONS = ["ses:SendEmail", "ses:SendRawEmail"] as const;

/**
 * Retries of a feedback event whose handler failed (Lambda's asynchronous retries), how long
 * EventBridge keeps trying to hand an event to Lambda at all, and the dead-letter queue both end in:
 * the contract the local runtime applies too (shared/contracts/async-invocation.ts).
 */
const FEEDBACK = lambdaRuleTargets.sesFeedback;

/**
 * The SES configuration set every send names, so bounce and complaint events and reputation
 * metrics are collected per deployment, and the path those events take back into the app: the
 * configuration set publishes BOUNCE and COMPLAINT to the account's default event bus (the only bus
 * SES can publish to), and a rule there hands this configuration set's events to the ses-feedback
 * function, which suppresses the addresses. Sender identities are not part of the stack: the user
 * verifies their own domain or address in SES after deploying.
 */
export class EmailSending extends Construct {
  readonly configurationSet: ses.ConfigurationSet;
  readonly configurationSetArn: string;
  /** Every SES identity of this account and region (see `grantSend`). */
  readonly identitiesArn: string;
  readonly defaultBus: events.IEventBus;
  /** Feedback events that could not be delivered or handled after every retry. */
  readonly feedbackDeadLetterQueue: sqs.Queue;
  feedbackRule?: events.Rule;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.configurationSet = new ses.ConfigurationSet(this, "ConfigurationSet", {
      reputationMetrics: true,
      sendingEnabled: true,
    });
    const stack = Stack.of(this);
    this.configurationSetArn = stack.formatArn({
      service: "ses",
      resource: "configuration-set",
      resourceName: this.configurationSet.configurationSetName,
    });
    this.identitiesArn = stack.formatArn({ service: "ses", resource: "identity", resourceName: "*" });

    this.defaultBus = events.EventBus.fromEventBusName(this, "DefaultBus", "default");
    this.configurationSet.addEventDestination("Feedback", {
      destination: ses.EventDestination.eventBus(this.defaultBus),
      // What feeds the suppression list, and the evidence a step in doubt settles on (Send, Reject):
      // deliveries, opens and clicks would cost invocations.
      events: [
        ses.EmailSendingEvent.BOUNCE,
        ses.EmailSendingEvent.COMPLAINT,
        ses.EmailSendingEvent.SEND,
        ses.EmailSendingEvent.REJECT,
      ],
    });

    this.feedbackDeadLetterQueue = new sqs.Queue(this, FEEDBACK.deadLetterQueue, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // The longest SQS allows: time to notice, fix and replay a bounce that suppressed nobody.
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.feedbackDeadLetterQueue.node.defaultChild as sqs.CfnQueue).acknowledge({
      id: "AwsSolutions-SQS3",
      reason:
        "This queue is itself the dead-letter queue of the SES feedback rule's target and of the ses-feedback " +
        "function's asynchronous invocations; nothing consumes it automatically, so it needs no dead-letter queue of its own.",
    });
  }

  /**
   * Makes `fn` the consumer of this configuration set's bounce and complaint events. Two failure
   * paths end in the dead-letter queue: EventBridge failing to invoke the function (retried for up
   * to a day), and the function failing on an event (Lambda retries an asynchronous invocation
   * twice, a minute then two minutes later; a throw from the handler is what triggers those retries;
   * the local runtime does the same, its waits scaled). The two leave different
   * records: EventBridge's message body is the event itself, Lambda's wraps it in `requestPayload`
   * (with the error in `responsePayload`); replaying either means invoking the function with the event.
   */
  consumeFeedback(fn: lambda.IFunction): events.Rule {
    this.feedbackRule = new events.Rule(this, "FeedbackRule", {
      eventBus: this.defaultBus,
      description: "SES bounces and complaints of the Moments configuration set, to the suppression list",
      eventPattern: toEventPattern(sesFeedbackPattern(this.configurationSet.configurationSetName)),
      targets: [
        new targets.LambdaFunction(fn, {
          deadLetterQueue: this.feedbackDeadLetterQueue,
          maxEventAge: Duration.seconds(FEEDBACK.targetRetryPolicy.maxEventAgeSeconds),
          retryAttempts: FEEDBACK.targetRetryPolicy.retryAttempts,
        }),
      ],
    });
    fn.configureAsyncInvoke({
      retryAttempts: FEEDBACK.asyncInvoke.retryAttempts,
      maxEventAge: Duration.seconds(FEEDBACK.asyncInvoke.maxEventAgeSeconds),
      onFailure: new SqsDestination(this.feedbackDeadLetterQueue),
    });
    return this.feedbackRule;
  }

  /** Lets `role` send email from any identity of the account, through this configuration set. */
  grantSend(role: iam.Role): void {
    const statement = new iam.PolicyStatement({
      actions: [...SES_SEND_ACTIONS],
      resources: [this.identitiesArn, this.configurationSetArn],
    });
    role.addToPrincipalPolicy(statement);
    Validations.of(role.node.findChild("DefaultPolicy")).acknowledge({
      id: "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*]",
      reason:
        "Sender identities (domains or addresses) are verified by the user in SES after deploying and are not known " +
        "to the stack, so ses:SendEmail/SendRawEmail is allowed on this account's identities in this region only.",
    });
  }
}
