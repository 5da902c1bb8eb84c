import {
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from "@aws-sdk/lib-dynamodb";
/** True for DynamoDB's ConditionalCheckFailedException, from the client or the document client. */
export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === "ConditionalCheckFailedException";
}

/** True when a TransactWriteItems was cancelled (a condition failed, or a conflicting transaction). */
function isTransactionCanceled(error: unknown): boolean {
  return error instanceof Error && error.name === "TransactionCanceledException";
}

/**
 * True when a transaction was cancelled only because a condition did not hold: the answer the
 * caller asked for. Anything else (TransactionConflict with a concurrent writer, throttling,
 * validation) is not an answer about the data and must be retried or raised, never read as "no".
 */
export function isConditionalCancellation(error: unknown): boolean {
  if (!isTransactionCanceled(error)) return false;
  const reasons = (error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? [];
  return (
    reasons.some((reason) => reason.Code === "ConditionalCheckFailed") &&
    reasons.every(
      (reason) =>
        reason.Code === "None" || reason.Code === "ConditionalCheckFailed" || reason.Code === undefined,
    )
  );
}

/**
 * Whether each item of a cancelled transaction failed its condition, in the items' order; undefined
 * for any other error (or a cancellation for another reason, which is not an answer about the data).
 */
export function failedConditions(error: unknown): boolean[] | undefined {
  if (!isConditionalCancellation(error)) return undefined;
  const reasons = (error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? [];
  return reasons.map((reason) => reason.Code === "ConditionalCheckFailed");
}

/** True when a transaction lost a race with another writer of one of its items: worth retrying. */
export function isTransactionConflict(error: unknown): boolean {
  if (!isTransactionCanceled(error))
    return error instanceof Error && error.name === "TransactionConflictException";
  const reasons = (error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? [];
  return reasons.some((reason) => reason.Code === "TransactionConflict");
}

/**
 * Runs a transaction, retrying (with full jitter) when it lost a race with a concurrent transaction
 * on a shared item, such as a busy moment's stats shard. The SDK does not retry those.
 */
export async function withConflictRetries<T>(
  attempt: () => Promise<T>,
  attempts = 6,
  baseMs = 20,
): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (i >= attempts || !isTransactionConflict(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * baseMs * 2 ** i));
    }
  }
}

/**
 * One transaction, retried on conflicts with other transactions; false when one of its conditions
 * failed (nothing was written). Any other failure is thrown.
 */
export async function transactWrite(
  db: DynamoDBDocumentClient,
  items: NonNullable<TransactWriteCommandInput["TransactItems"]>,
): Promise<boolean> {
  try {
    await withConflictRetries(() => db.send(new TransactWriteCommand({ TransactItems: items })));
    return true;
  } catch (error) {
    if (isConditionalCancellation(error)) return false;
    throw error;
  }
}
