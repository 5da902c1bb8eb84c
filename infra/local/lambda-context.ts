import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";
import {
  LAMBDA_SYNC_REQUEST_MAX_BYTES,
  LAMBDA_SYNC_RESPONSE_MAX_BYTES,
} from "../../shared/contracts/functions.js";

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

/** The exact size of a value as the JSON Lambda carries (UTF-8). */
const jsonSize = (value: unknown): number => Buffer.byteLength(JSON.stringify(value) ?? "null");

/**
 * The size of `value` as JSON, compared with `limit`, when its string field `field` holds nearly all
 * of it (an HTTP API event's body, an answer's body): by bounds first, since JSON escaping never makes
 * text shorter and turns no UTF-16 unit into more than 6 bytes, and exactly only in between. A body
 * the API takes (at most 512 KB) is never serialized again just to be measured.
 */
function jsonSizeOver(value: unknown, field: string, limit: number): boolean {
  const text =
    typeof value === "object" && value !== null ? (value as Record<string, unknown>)[field] : undefined;
  if (typeof text !== "string" || text.length < 4096) return jsonSize(value) > limit;
  const rest = jsonSize({ ...(value as object), [field]: "" });
  if (rest + 6 * text.length <= limit) return false;
  if (rest + Buffer.byteLength(text) > limit) return true;
  return jsonSize(value) > limit;
}

/**
 * Whether Lambda would refuse an event for a synchronous invocation as too large (Invoke's
 * RequestEntityTooLargeException: the request "must be smaller than" LAMBDA_SYNC_REQUEST_MAX_BYTES), so
 * that the caller answers as Lambda's caller does, without running the function.
 */
export function overRequestQuota(event: { body?: string }): boolean {
  return jsonSizeOver(event, "body", LAMBDA_SYNC_REQUEST_MAX_BYTES - 1);
}

/**
 * A function's answer past Lambda's response quota is a function error: the work was done, the answer
 * is lost, and the caller gets the error Lambda reports.
 */
export function checkResponseQuota(answer: unknown): void {
  if (!jsonSizeOver(answer ?? null, "body", LAMBDA_SYNC_RESPONSE_MAX_BYTES)) return;
  const error = new Error(
    `Response payload size exceeded maximum allowed payload size (${LAMBDA_SYNC_RESPONSE_MAX_BYTES} bytes).`,
  );
  error.name = "Function.ResponseSizeTooLarge";
  throw error;
}
