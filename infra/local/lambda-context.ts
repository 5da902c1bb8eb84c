import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";
import {
  LAMBDA_SYNC_REQUEST_MAX_BYTES,
  LAMBDA_SYNC_RESPONSE_MAX_BYTES,
} from "../../shared/contracts/functions.js";
import { jsonBytes } from "../../shared/domain/response-budget.js";

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

/** The name of Invoke's refusal of a payload over its quota (HTTP 413), as the SDK names the error. */
export const REQUEST_TOO_LARGE = "RequestEntityTooLargeException";

/**
 * Runs a synchronous invocation within Lambda's payload quotas (LAMBDA_SYNC_*_MAX_BYTES in
 * shared/contracts/functions.ts), measured on the JSON Lambda would carry. An event over the request
 * quota is refused before the function runs, with Invoke's own error; an answer over the response
 * quota is a function error (the work was done, the answer is lost), as Lambda reports it.
 */
export async function withinPayloadQuotas<E, R>(event: E, invoke: (event: E) => Promise<R>): Promise<R> {
  if (jsonBytes(event) > LAMBDA_SYNC_REQUEST_MAX_BYTES) {
    const error = new Error(
      `Request must be smaller than ${LAMBDA_SYNC_REQUEST_MAX_BYTES} bytes for the InvokeFunction operation`,
    );
    error.name = REQUEST_TOO_LARGE;
    throw error;
  }
  const answer = await invoke(event);
  if (jsonBytes(answer ?? null) > LAMBDA_SYNC_RESPONSE_MAX_BYTES) {
    const error = new Error(
      `Response payload size exceeded maximum allowed payload size (${LAMBDA_SYNC_RESPONSE_MAX_BYTES} bytes).`,
    );
    error.name = "Function.ResponseSizeTooLarge";
    throw error;
  }
  return answer;
}
