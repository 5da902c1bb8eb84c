/**
 * What one INFO line costs: Powertools' JSON without the fields every line of a log group repeats,
 * `cold_start` only on a cold start's lines, and the correlation keys the call adds.
 */
import middy from "@middy/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createObservability } from "../../../shared/observability.js";

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

function captureLines() {
  const lines: Array<Record<string, unknown>> = [];
  const keep = (chunk: unknown) => {
    for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
    return true;
  };
  vi.spyOn(process.stdout, "write").mockImplementation(keep as typeof process.stdout.write);
  vi.spyOn(console, "log").mockImplementation(keep);
  vi.spyOn(console, "info").mockImplementation(keep);
  return lines;
}

describe("log lines", () => {
  it("carry cold_start on the first invocation's lines only, and never the function's ARN, name or memory", async () => {
    // As Lambda sets it for an on-demand function: Powertools reports cold starts only then.
    vi.stubEnv("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
    const obs = createObservability("linetest");
    const lines = captureLines();
    const handler = middy(async () => {
      obs.logger.info("Event matched", { messageId: "m-1" });
    }).use(obs.middlewares());
    const context = {
      functionName: "moments-linetest",
      functionVersion: "$LATEST",
      invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:moments-linetest",
      memoryLimitInMB: "512",
      awsRequestId: "r-1",
    } as never;
    await handler({}, context);
    await handler({}, { ...(context as object), awsRequestId: "r-2" } as never);
    const info = lines.filter((line) => line.message === "Event matched");
    expect(info).toHaveLength(2);
    expect(info[0]).toMatchObject({
      level: "INFO",
      cold_start: true,
      function_request_id: "r-1",
      messageId: "m-1",
    });
    expect(info[1]).toMatchObject({ level: "INFO", function_request_id: "r-2", messageId: "m-1" });
    expect(info[1]).not.toHaveProperty("cold_start");
    for (const line of info) {
      expect(line).not.toHaveProperty("function_arn");
      expect(line).not.toHaveProperty("function_name");
      expect(line).not.toHaveProperty("function_memory_size");
    }
  });
});
