import type { Stack } from "aws-cdk-lib";

/**
 * A log group name under `/aws/vendedlogs/`, unique to the stack (and its region, as log groups are).
 * Log deliveries into such groups need no statement in the account's CloudWatch Logs resource policy.
 */
export function vendedLogGroupName(stack: Stack, purpose: string): string {
  return `/aws/vendedlogs/${stack.stackName}/${purpose}`;
}
