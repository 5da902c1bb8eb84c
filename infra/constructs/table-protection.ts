import { CustomResource, Duration, type Stack } from "aws-cdk-lib";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import { Construct } from "constructs";
import { TABLE_PROTECTION_RESOURCE_TYPE } from "../../shared/use-cases/table-protection.js";

export interface TableProtectionProps {
  /** The bootstrap function (functions/bootstrap): answers the custom resource. */
  function: lambda.IFunction;
  table: dynamodb.ITableV2;
  /** DynamoDB deletion protection on the table (the stack's `deletionProtection` setting). */
  enabled: boolean;
}

/**
 * Turns the table's deletion protection on as the stack's LAST resource (see
 * shared/use-cases/table-protection.ts for why it is not declared on the table): it depends on every
 * other resource of the stack, so a first deploy that fails anywhere rolls back before it, with the
 * table still deletable, and CloudFormation's rollback deletes the new table (RetainExceptOnCreate)
 * instead of failing on it. Changing the stack's `deletionProtection` setting updates it.
 */
export class TableProtection extends Construct {
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: TableProtectionProps) {
    super(scope, id);
    iam.Grant.addToPrincipal({
      grantee: props.function,
      actions: ["dynamodb:UpdateTable"],
      resourceArns: [props.table.tableArn],
    });
    this.resource = new CustomResource(this, "Resource", {
      serviceToken: props.function.functionArn,
      // If the function never answers, CloudFormation fails the resource after this, not after an hour.
      serviceTimeout: Duration.minutes(5),
      resourceType: TABLE_PROTECTION_RESOURCE_TYPE,
      properties: {
        TableName: props.table.tableName,
        DeletionProtection: String(props.enabled),
      },
    });
  }

  /** Makes this the stack's last resource: after every other construct of `stack`. */
  dependOnEverythingIn(stack: Stack) {
    for (const child of stack.node.children) {
      if (child !== this) {
        this.node.addDependency(child);
      }
    }
  }
}
