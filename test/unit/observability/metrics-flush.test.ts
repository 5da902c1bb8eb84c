/**
 * Metrics are flushed after every invocation as EMF lines, and an invocation that added none logs
 * nothing at all (Powertools' own middleware logs a WARN for it on every such call).
 */

import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import middy from "@middy/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { flushMetrics } from "../../../shared/observability.js";

const context = { functionName: "moments-test", awsRequestId: "r-1" } as never;

afterEach(() => {
  vi.restoreAllMocks();
});

function capture() {
  const lines: string[] = [];
  const logger = { warn: (message: string) => lines.push(`WARN ${message}`) } as never;
  const metrics = new Metrics({ namespace: "MomentsTest", serviceName: "test", logger });
  // Powertools writes EMF through its own Console on stdout (console.log only in dev mode).
  const keep = (chunk: unknown) => {
    lines.push(...String(chunk).split("\n").filter(Boolean));
    return true;
  };
  vi.spyOn(process.stdout, "write").mockImplementation(keep as typeof process.stdout.write);
  vi.spyOn(console, "log").mockImplementation(keep);
  return { metrics, lines };
}

describe("flushMetrics", () => {
  it("writes the invocation's metrics once, after it", async () => {
    const { metrics, lines } = capture();
    const handler = middy(async () => {
      metrics.addMetric("StepsExecuted", MetricUnit.Count, 2);
      return "ok";
    }).use(flushMetrics(metrics));
    await handler({}, context);
    await handler({}, context);
    const emf = lines.filter((line) => line.includes("StepsExecuted"));
    expect(emf).toHaveLength(2);
    expect(JSON.parse(emf[0] ?? "{}")).toMatchObject({ StepsExecuted: 2 });
  });

  it("logs nothing for an invocation that added no metric", async () => {
    const { metrics, lines } = capture();
    const handler = middy(async () => "ok").use(flushMetrics(metrics));
    await handler({}, context);
    const afterCold = lines.length;
    await handler({}, context);
    expect(lines.slice(afterCold)).toEqual([]);
    expect(lines.join("\n")).not.toContain("WARN");
  });

  it("flushes what an invocation added before it threw", async () => {
    const { metrics, lines } = capture();
    const handler = middy(async () => {
      metrics.addMetric("StepsFailed", MetricUnit.Count, 1);
      throw new Error("boom");
    }).use(flushMetrics(metrics));
    await expect(handler({}, context)).rejects.toThrow("boom");
    expect(lines.filter((line) => line.includes("StepsFailed"))).toHaveLength(1);
  });
});
