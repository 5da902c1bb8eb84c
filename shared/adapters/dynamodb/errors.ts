/** True for DynamoDB's ConditionalCheckFailedException, from the client or the document client. */
export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === "ConditionalCheckFailedException";
}
