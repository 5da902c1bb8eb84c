/**
 * `cdk deploy -c tracing=off` sets POWERTOOLS_TRACE_ENABLED=false: the functions then run without a
 * Tracer (none created, no tracing middleware) and still log and flush metrics per request.
 */
import middy from "@middy/core";
import { afterEach, expect, it, vi } from "vitest";
import { context } from "../handlers/env.js";

afterEach(() => vi.unstubAllEnvs());

async function observabilityWith(traceEnabled: string) {
  vi.stubEnv("POWERTOOLS_TRACE_ENABLED", traceEnabled);
  vi.stubEnv("POWERTOOLS_LOG_LEVEL", "SILENT");
  vi.stubEnv("POWERTOOLS_METRICS_DISABLED", "true");
  vi.resetModules();
  const module = await import("../../../shared/observability.js");
  return { ...module, obs: module.createObservability("tracing-test") };
}

it("creates no Tracer and no tracing middleware when tracing is off, and still serves requests", async () => {
  const { obs, tracingEnabled } = await observabilityWith("false");
  expect(tracingEnabled).toBe(false);
  expect(obs.tracer).toBeUndefined();
  expect(obs.middlewares()).toHaveLength(2);
  const response = await middy()
    .use(obs.middlewares())
    .handler(async () => ({ statusCode: 200 }))({}, context);
  expect(response).toEqual({ statusCode: 200 });
});

it("keeps the Powertools Tracer and its middleware first when tracing is on (the default)", async () => {
  const { obs, tracingEnabled } = await observabilityWith("true");
  expect(tracingEnabled).toBe(true);
  expect(obs.tracer?.constructor.name).toBe("Tracer");
  expect(obs.middlewares()).toHaveLength(3);
});
