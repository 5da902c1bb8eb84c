/**
 * X-Ray keeps traces 30 days for anyone with X-Ray read access: no secret may reach them. The function's
 * trace segments are captured where Lambda would send them (the X-Ray daemon's UDP port, here a local
 * socket) from a handler wrapped exactly as every function is, answering with a new key and calling out
 * over HTTP with a token in the URL.
 */
import { createSocket, type Socket } from "node:dgram";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import middy from "@middy/core";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { waitFor } from "../../support/wait-for.js";
import { context } from "../handlers/env.js";

const NEW_KEY = "mk_admin_SECRET-new-key-8f2c";
const URL_TOKEN = "SECRET-url-token-77ad";

let daemon: Socket;
let target: Server;
const segments: string[] = [];

beforeAll(async () => {
  daemon = createSocket("udp4");
  daemon.on("message", (message) => segments.push(message.toString("utf8")));
  await new Promise<void>((resolve) => daemon.bind(0, "127.0.0.1", resolve));
  target = createServer((_req, res) => res.end("ok"));
  await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
  // What Lambda sets for an active-tracing function: the Tracer only traces inside Lambda.
  vi.stubEnv("AWS_EXECUTION_ENV", "AWS_Lambda_nodejs22.x");
  vi.stubEnv("LAMBDA_TASK_ROOT", "/var/task");
  vi.stubEnv("_HANDLER", "index.handler");
  vi.stubEnv("POWERTOOLS_TRACE_ENABLED", "true");
  vi.stubEnv("POWERTOOLS_LOG_LEVEL", "SILENT");
  vi.stubEnv("POWERTOOLS_METRICS_DISABLED", "true");
  vi.stubEnv("AWS_XRAY_DAEMON_ADDRESS", `127.0.0.1:${(daemon.address() as AddressInfo).port}`);
  vi.stubEnv("AWS_XRAY_CONTEXT_MISSING", "IGNORE_ERROR");
});

afterAll(async () => {
  vi.unstubAllEnvs();
  daemon.close();
  await new Promise((resolve) => target.close(resolve));
});

async function invokeTraced(traceRoot: string, wrap: "ours" | "powertools-defaults") {
  vi.stubEnv("_X_AMZN_TRACE_ID", `Root=${traceRoot};Parent=53995c3f42cd8ad8;Sampled=1`);
  vi.resetModules();
  const { createObservability } = await import("../../../shared/observability.js");
  const obs = createObservability("trace-test");
  const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/hook?token=${URL_TOKEN}`;
  const body = async () => {
    await fetch(url);
    return { statusCode: 201, body: JSON.stringify({ key: NEW_KEY }) };
  };
  if (wrap === "ours") {
    await middy().use(obs.middlewares()).handler(body)({}, context);
  } else {
    const { Tracer } = await import("@aws-lambda-powertools/tracer");
    const { captureLambdaHandler } = await import("@aws-lambda-powertools/tracer/middleware");
    await middy().use(captureLambdaHandler(new Tracer())).handler(body)({}, context);
  }
  return waitFor(
    () => {
      const mine = segments.filter((s) => s.includes(traceRoot));
      return mine.some((s) => s.includes("## index.handler")) && mine.join("\n");
    },
    { timeoutMs: 10_000, description: "the handler's subsegment at the X-Ray daemon" },
  );
}

it("the capture works: Powertools' defaults would send the response to X-Ray", async () => {
  const sent = await invokeTraced("1-5759e988-bd862e3fe1be46a994272791", "powertools-defaults");
  expect(sent).toContain(NEW_KEY);
});

it("our functions send neither a response body nor an outgoing request's URL to X-Ray", async () => {
  const sent = await invokeTraced("1-5759e988-bd862e3fe1be46a994272792", "ours");
  expect(sent).toContain("## index.handler");
  expect(sent).not.toContain(NEW_KEY);
  expect(sent).not.toContain(URL_TOKEN);
});
