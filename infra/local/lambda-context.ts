import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";

/** A Lambda context for running a handler in-process, with the fields Powertools reads. */
export function lambdaContext(
  functionName: string,
  region: string,
  accountId: string,
  timeoutMs = 30_000,
  /** The invocation's request id: an asynchronous invocation's is the same for each of its attempts. */
  requestId: string = randomUUID(),
): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${functionName}`,
    memoryLimitInMB: "512",
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export type LambdaHandler<E = unknown, R = unknown> = (event: E, context: Context) => Promise<R>;

/**
 * What Lambda reports for an invocation that ran past its function's timeout: the error type
 * `Sandbox.Timedout` (what a Step Functions task's Retry sees, see shared/contracts/workflow.ts), the
 * message with the request id and the timeout.
 */
export function timedOut(context: Context, timeoutMs: number): Error {
  const error = new Error(
    `RequestId: ${context.awsRequestId} Error: Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
  );
  error.name = "Sandbox.Timedout";
  return error;
}

/**
 * Runs an invocation under its function's timeout, as Lambda does: past it the caller gets
 * `Sandbox.Timedout` (an HTTP API answers 500, the queue redelivers the batch, Step Functions
 * retries the task), whatever the handler does later. Lambda also stops the handler there; locally
 * it runs on, its late writes included (one more reason for every write to be idempotent).
 */
export async function withinTimeout<R>(
  invocation: (context: Context) => Promise<R>,
  context: Context,
  timeoutMs: number,
): Promise<R> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut(context, timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([invocation(context), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
