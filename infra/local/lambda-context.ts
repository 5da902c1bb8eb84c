import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";

/** A Lambda context for running a handler in-process, with the fields Powertools reads. */
export function lambdaContext(
  functionName: string,
  region: string,
  accountId: string,
  timeoutMs = 30_000,
): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${functionName}`,
    memoryLimitInMB: "512",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export type LambdaHandler<E = unknown, R = unknown> = (event: E, context: Context) => Promise<R>;
