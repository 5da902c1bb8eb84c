import { RemovalPolicy } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";
import { table } from "../../shared/contracts/table.js";

/** Item reads a function may be granted (no Scan: nothing in the single-table design scans). */
export const TABLE_READ_ACTIONS = [
  "dynamodb:GetItem",
  "dynamodb:BatchGetItem",
  "dynamodb:Query",
  "dynamodb:ConditionCheckItem",
] as const;
/** Item writes a function may be granted. */
export const TABLE_WRITE_ACTIONS = [
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
] as const;

/** The single table of `shared/contracts/table.ts`: keys, the sparse GSI1 and the TTL attribute. */
export class DataTable extends Construct {
  readonly table: dynamodb.TableV2;
  /** ARN of GSI1, for policies scoped to that index rather than `index/*`. */
  readonly gsi1Arn: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new dynamodb.TableV2(this, "Table", {
      partitionKey: { name: table.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: table.sortKey, type: dynamodb.AttributeType.STRING },
      globalSecondaryIndexes: [
        {
          indexName: table.gsi1.indexName,
          partitionKey: { name: table.gsi1.partitionKey, type: dynamodb.AttributeType.STRING },
          sortKey: { name: table.gsi1.sortKey, type: dynamodb.AttributeType.STRING },
        },
      ],
      timeToLiveAttribute: table.timeToLiveAttribute,
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Off here: the stack turns it on as its last resource (TableProtection), because a table protected from
      // its first second cannot be deleted by the rollback of a first deploy that fails later.
      deletionProtection: false,
      // The customer data outlives the stack: deleting the stack or replacing the table never deletes it. A
      // first deploy that fails and rolls back deletes it (RetainExceptOnCreate), so nothing is left behind.
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    this.gsi1Arn = `${this.table.tableArn}/index/${table.gsi1.indexName}`;
  }

  /**
   * Allows `actions` on the table and, with `gsi1`, on that index. The CDK grant helpers would
   * allow `index/*`; the table has one index, so the policy names it.
   */
  grant(grantee: iam.IGrantable, actions: readonly string[], options: { gsi1?: boolean } = {}): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [...actions],
      resourceArns: options.gsi1 ? [this.table.tableArn, this.gsi1Arn] : [this.table.tableArn],
    });
  }

  /**
   * Allows `actions` on the table's items whose partition key matches one of `leadingKeys` (IAM
   * wildcards) only: a function that writes a few kinds of item cannot touch any other.
   */
  grantOnItems(
    grantee: iam.IGrantable,
    actions: readonly string[],
    leadingKeys: readonly string[],
  ): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [...actions],
      resourceArns: [this.table.tableArn],
      conditions: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [...leadingKeys] } },
    });
  }
}
