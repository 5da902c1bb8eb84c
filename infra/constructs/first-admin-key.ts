import { CustomResource, Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";

export interface FirstAdminKeyProps {
  /** The bootstrap function (functions/bootstrap): answers the custom resource. */
  function: lambda.IFunction;
  workspaceId: string;
}

/**
 * The deployment's first admin key: created once, at the first deploy, by the bootstrap function,
 * which keeps the key in this secret and only its hash in the table. Operators read it with
 * `aws secretsmanager get-secret-value`; more keys are issued (and this one revoked) through the API.
 */
export class FirstAdminKey extends Construct {
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: FirstAdminKeyProps) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, "Secret", {
      description: "Moments: the first admin key of this deployment (field adminKey)",
      // Replaced by the bootstrap function on create; this placeholder never works as a key.
      secretStringValue: undefined,
      // Kept with the table it unlocks: deleting the stack retains both; a failed first deploy removes both.
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    this.secret.grantWrite(props.function);
    Validations.of(this.secret.node.defaultChild as secretsmanager.CfnSecret).acknowledge({
      id: "AwsSolutions-SMG4",
      reason:
        "The secret holds an API admin key of Moments, not a credential Secrets Manager can rotate: keys are rotated " +
        "through the API (issue a new admin key, then revoke this one), which takes effect immediately.",
    });
    new CustomResource(this, "Resource", {
      serviceToken: props.function.functionArn,
      // If the function never answers (a crash before the response), CloudFormation fails the resource after
      // this instead of its default hour, and the deploy rolls back.
      serviceTimeout: Duration.minutes(5),
      resourceType: "Custom::MomentsFirstAdminKey",
      properties: { SecretArn: this.secret.secretArn, WorkspaceId: props.workspaceId },
    });
  }
}
