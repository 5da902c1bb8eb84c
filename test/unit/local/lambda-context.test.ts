/**
 * The local runtime runs each invocation under its function's timeout, as Lambda does: the context's
 * remaining time counts down from it, and past it the caller gets Lambda's `Sandbox.Timedout`.
 */
import { describe, expect, it } from "vitest";
import { lambdaContext, withinTimeout } from "../../../infra/local/lambda-context.js";
import { functionIds, functionTimeoutSeconds } from "../../../shared/contracts/functions.js";

describe("withinTimeout", () => {
  it("answers a handler's result within its timeout, with the remaining time counting down from it", async () => {
    const context = lambdaContext("moments-ingest", "us-east-1", "123456789012", 10_000);
    const remaining = await withinTimeout(async (ctx) => ctx.getRemainingTimeInMillis(), context, 10_000);
    expect(remaining).toBeGreaterThan(9_000);
    expect(remaining).toBeLessThanOrEqual(10_000);
  });

  it("carries the request id it is given (an asynchronous invocation's, the same for each attempt), else a fresh one", () => {
    expect(lambdaContext("moments-run-state", "us-east-1", "123456789012", 1_000, "req-1").awsRequestId).toBe(
      "req-1",
    );
    const [a, b] = [1, 2].map(
      () => lambdaContext("moments-run-state", "us-east-1", "123456789012").awsRequestId,
    );
    expect(a).not.toBe(b);
  });

  it("fails an invocation past its timeout with Sandbox.Timedout, as Lambda reports it", async () => {
    const context = lambdaContext("moments-health", "us-east-1", "123456789012", 20);
    const never = new Promise<never>(() => undefined);

    const error = await withinTimeout(() => never, context, 20).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe("Sandbox.Timedout");
    expect((error as Error).message).toBe(
      `RequestId: ${context.awsRequestId} Error: Task timed out after 0.02 seconds`,
    );
  });

  it("keeps a handler's own error", async () => {
    const context = lambdaContext("moments-admin", "us-east-1", "123456789012", 1_000);
    await expect(
      withinTimeout(
        async () => {
          throw new Error("boom");
        },
        context,
        1_000,
      ),
    ).rejects.toThrow("boom");
  });

  it("has a timeout for every function, under API Gateway's 30 s for the HTTP API's", () => {
    for (const id of functionIds) expect(functionTimeoutSeconds[id]).toBeGreaterThan(0);
    for (const id of ["health", "ingest", "inbox", "admin", "console"] as const)
      expect(functionTimeoutSeconds[id]).toBeLessThan(30);
  });
});
