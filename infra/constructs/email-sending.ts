import { Stack, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as ses from "aws-cdk-lib/aws-ses";
import { Construct } from "constructs";

/** Actions a sender needs: the action function sends through SES v1 SendEmail / SendRawEmail. */
export const SES_SEND_ACTIONS = ["ses:SendEmail", "ses:SendRawEmail"] as const;

/**
 * The SES configuration set every send names, so bounce and complaint events and reputation
 * metrics are collected per deployment. Sender identities are not part of the stack: the user
 * verifies their own domain or address in SES after deploying.
 */
export class EmailSending extends Construct {
  readonly configurationSet: ses.ConfigurationSet;
  readonly configurationSetArn: string;
  /** Every SES identity of this account and region (see `grantSend`). */
  readonly identitiesArn: string;

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
