/**
 * The pure parts of `npm run bench` (the bench itself is not part of `npm test`): the request
 * counting middleware, on a real SDK client with a canned HTTP answer, and the cost model's
 * arithmetic. If these drift, the README's cost table is wrong.
 */
import { Readable } from "node:stream";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { HttpResponse } from "@smithy/core/transport";
import { describe, expect, it } from "vitest";
import {
  DEBUGGER_ACCEPTED_PER_REQUEST,
  DEBUGGER_ACCEPTED_SAMPLE_MS,
  DEBUGGER_COUNT_HOLD_MS,
  DEBUGGER_WRITE_THROUGH_ITEMS,
} from "../../../shared/adapters/dynamodb/ingestion-repository.js";
import { WRITE_KEY_TRUST_MS } from "../../../shared/adapters/write-key-cache.js";
import {
  type AwsRequestRecord,
  computedCapacity,
  itemSizeBytes,
  ownerFromStack,
  requestCountingMiddleware,
  sequentialRoundTrips,
} from "../../bench/aws-requests.js";
import type { BundleReport, BundleRow } from "../../bench/bundles.js";
import {
  accessLogLineBytes,
  costModel,
  type DeploymentForCost,
  defaultAssumptions,
  ingestColdPaths,
  queueBatching,
  type ScenarioUsage,
} from "../../bench/cost-model.js";
import type { LoadReport } from "../../bench/load.js";
import type { ScenarioResult } from "../../bench/scenarios.js";
import {
  type ExecutionRecord,
  executionKind,
  LOG_ENVELOPE_BYTES,
  recordEvent,
} from "../../bench/state-transitions.js";
import { checkTargets } from "../../bench/targets.js";

/** A DynamoDB client whose every request gets `answer` (status, JSON body), counted into `records`. */
function countedClient(
  answer: { status: number; body: Record<string, unknown> },
  records: AwsRequestRecord[],
) {
  const sent: Array<Record<string, unknown>> = [];
  const client = new DynamoDBClient({
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    endpoint: "http://127.0.0.1:1",
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { body?: string | Uint8Array }) => {
        const body = request.body ?? "{}";
        sent.push(JSON.parse(typeof body === "string" ? body : new TextDecoder().decode(body)));
        return {
          response: new HttpResponse({
            statusCode: answer.status,
            headers: { "content-type": "application/x-amz-json-1.0" },
            body: Readable.from([Buffer.from(JSON.stringify(answer.body))]),
          }),
        };
      },
    },
  });
  client.middlewareStack.add(requestCountingMiddleware((record) => records.push(record), "match") as never, {
    step: "initialize",
    priority: "high",
    name: "benchRequestCounter",
  });
  return { client, sent };
}

describe("the request counting middleware", () => {
  it("asks DynamoDB for its consumed capacity, records it, and hands the caller the usual output", async () => {
    const records: AwsRequestRecord[] = [];
    const { client, sent } = countedClient(
      {
        status: 200,
        body: { Item: { pk: { S: "a" } }, ConsumedCapacity: { TableName: "t", CapacityUnits: 1 } },
      },
      records,
    );
    const output = await client.send(
      new GetItemCommand({ TableName: "t", Key: { pk: { S: "a" } }, ConsistentRead: true }),
    );
    expect(sent[0]).toMatchObject({ ReturnConsumedCapacity: "TOTAL" });
    expect(output.Item).toEqual({ pk: { S: "a" } });
    expect(output.ConsumedCapacity).toBeUndefined();
    expect(records).toEqual([
      expect.objectContaining({
        fn: "match",
        service: "DynamoDB",
        operation: "GetItem",
        readUnits: 1,
        writeUnits: 0,
        capacity: "reported",
        attempts: 1,
      }),
    ]);
    expect(records[0]?.endMs).toBeGreaterThanOrEqual(records[0]?.startMs ?? Number.NaN);
  });

  it("counts a document client's command once, by the operation it sends, with the billing minimum", async () => {
    const records: AwsRequestRecord[] = [];
    const { client } = countedClient(
      { status: 200, body: { ConsumedCapacity: { CapacityUnits: 0 } } },
      records,
    );
    await DynamoDBDocumentClient.from(client).send(new PutCommand({ TableName: "t", Item: { pk: "a" } }));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ operation: "PutItem", writeUnits: 1, capacity: "reported" });
  });

  it("charges a failed conditional write one write unit and rethrows the error", async () => {
    const records: AwsRequestRecord[] = [];
    const { client } = countedClient(
      {
        status: 400,
        body: { __type: "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException", message: "no" },
      },
      records,
    );
    await expect(
      DynamoDBDocumentClient.from(client).send(
        new PutCommand({
          TableName: "t",
          Item: { pk: "a" },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      ),
    ).rejects.toMatchObject({ name: "ConditionalCheckFailedException" });
    expect(records[0]).toMatchObject({
      operation: "PutItem",
      writeUnits: 1,
      capacity: "computed",
      error: "ConditionalCheckFailedException",
    });
  });

  it("computes transactions as DynamoDB bills them: 2 units per KB written, 2 per 4 KB read", () => {
    const twoKb = { pk: "a", blob: "x".repeat(2000) };
    expect(
      computedCapacity(
        "TransactWriteItems",
        {
          TransactItems: [
            { Put: { Item: twoKb } },
            { Update: { Key: { pk: "b" } } },
            { ConditionCheck: { Key: { pk: "c" } } },
          ],
        },
        undefined,
        false,
      ),
    ).toEqual({ readUnits: 0, writeUnits: 2 * 2 + 2 + 2 });
    expect(
      computedCapacity(
        "TransactGetItems",
        { TransactItems: [{}, {}] },
        { Responses: [{ Item: twoKb }, {}] },
        false,
      ),
    ).toEqual({ readUnits: 4, writeUnits: 0 });
    expect(itemSizeBytes({ ab: "xyz", n: 12345, list: [true, null] })).toBe(2 + 3 + 1 + 4 + 4 + 3 + 2 + 2);
  });

  it("finds the longest chain of one-after-another requests and the function that built a client", () => {
    const r = (startMs: number, endMs: number) => ({ startMs, endMs });
    // Two sequential, then two concurrent, then one: 4 round trips.
    expect(sequentialRoundTrips([r(0, 5), r(6, 10), r(11, 20), r(12, 19), r(21, 25)])).toHaveLength(4);
    expect(ownerFromStack("at x (file:///repo/functions/run-state/handler.ts:3:1)")).toBe("run-state");
    expect(ownerFromStack("at y (/repo/infra/local/stack.ts:9:9)")).toBe("local-runtime");
  });
});

describe("state transitions from the event log", () => {
  it("counts every state entered and every retry, and names the execution's kind", () => {
    const record: ExecutionRecord = {
      name: "run-1",
      kind: executionKind("run-1"),
      transitions: 0,
      states: [],
      tasks: 0,
      logBytesAll: 0,
      startedAtMs: 0,
    };
    recordEvent(record, { type: "ExecutionStarted", input: {} });
    recordEvent(record, { type: "StateEntered", state: { name: "Wait", type: "Wait" } });
    recordEvent(record, {
      type: "StateEntered",
      state: { name: "RunAction", type: "Task" },
      input: { a: 1 },
    });
    recordEvent(record, {
      type: "StateRetried",
      state: { name: "RunAction", type: "Task" },
      input: { a: 1 },
    });
    recordEvent(record, { type: "StateExited", state: { name: "RunAction", type: "Task" }, output: {} });
    expect(record).toMatchObject({ transitions: 3, tasks: 2, states: ["Wait", "RunAction", "RunAction"] });
    expect(record.logBytesAll).toBeGreaterThan(5 * LOG_ENVELOPE_BYTES);
    expect([executionKind("gate-abc"), executionKind("abc-end"), executionKind("abc")]).toEqual([
      "gate",
      "end",
      "run",
    ]);
  });
});

describe("the cost model", () => {
  const fn = (name: string, invocations: number, chain: Record<string, number>, logBytes = 0) => ({
    fn: name,
    invocations,
    chainByService: chain,
    logBytes,
  });
  const unused: ScenarioUsage = {
    apiRequests: 1,
    busEvents: 1,
    emails: 0,
    transitions: 0,
    executions: 0,
    stepFunctionsLogBytesAll: 0,
    readUnits: 4,
    writeUnits: 4,
    functions: [fn("ingest", 1, { DynamoDB: 1, EventBridge: 1 }, 500), fn("match", 1, { DynamoDB: 8 }, 500)],
  };
  const run: ScenarioUsage = {
    ...unused,
    emails: 3,
    transitions: 12,
    executions: 1,
    stepFunctionsLogBytesAll: 30_000,
    readUnits: 18,
    writeUnits: 37,
    functions: [...unused.functions, fn("action", 3, { DynamoDB: 21, SES: 3 })],
  };
  const deployment: DeploymentForCost = {
    functions: {
      ingest: { memoryMb: 256, architecture: "arm64", tracing: false },
      match: { memoryMb: 512, architecture: "arm64", tracing: false },
      action: { memoryMb: 1024, architecture: "x86_64", tracing: false },
    },
    stateMachine: { logLevel: "ALL", includeExecutionData: true, tracing: false },
  };
  const params = { events: 1_000_000, startRate: 0.05, eventsPerRequest: 1 };
  const line = (report: ReturnType<typeof costModel>, item: string) => {
    const found = report.lines.find((l) => l.item.startsWith(item));
    if (!found) throw new Error(`no line ${item}`);
    return found;
  };

  it("prices every line from the scenarios' units at list prices", () => {
    const report = costModel(unused, run, deployment, params);
    expect(line(report, "API Gateway")).toMatchObject({ units: 1_000_000, usd: 1 });
    expect(line(report, "EventBridge")).toMatchObject({ units: 1_000_000, usd: 1 });
    // 0.39 messages/s over 5 pollers: one message per batch, so a send, a receive and a delete each, plus
    // the idle pollers' empty 20 s long polls (5 x 0.05/s x e^(-0.077 x 20) = 0.053/s, 0.14 per message).
    expect(report.queue.messagesPerBatch).toBeCloseTo(1, 1);
    expect(report.queue.emptyReceivesPerMessage).toBeCloseTo(0.138, 2);
    expect(line(report, "SQS").units).toBeCloseTo(1_000_000 * 3.13, -4);
    // 50,000 runs x 12 transitions at $0.025 per 1,000.
    expect(line(report, "Step Functions")).toMatchObject({ units: 600_000, usd: 15 });
    expect(line(report, "DynamoDB writes").units).toBe(950_000 * 4 + 50_000 * 37);
    expect(line(report, "DynamoDB reads").usd).toBeCloseTo(((950_000 * 4 + 50_000 * 18) * 0.125) / 1e6);
    expect(line(report, "Lambda requests").units).toBeCloseTo(
      1_000_000 + 1_000_000 / report.queue.messagesPerBatch + 150_000,
    );
    // x86 action: (21 x 6 ms + 3 x 60 ms) per run plus 10 ms CPU per invocation, at 1 GB.
    const actionSeconds =
      (50_000 * (21 * 6 + 3 * 60) + 150_000 * defaultAssumptions.cpuMsPerInvocation) / 1000;
    expect(line(report, "Lambda duration (x86_64").units).toBeCloseTo(actionSeconds);
    expect(line(report, "CloudWatch Logs: Step Functions").units).toBe(50_000 * 30_000);
    expect(report.ses).toMatchObject({ units: 150_000, usd: 15 });
    expect(report.totalWithoutSes).toBeCloseTo(report.lines.reduce((sum, l) => sum + l.usd, 0));
    // X-Ray is its own line, outside the total the target is in, and inside the other total.
    expect(report.lines.some((l) => l.item.startsWith("X-Ray"))).toBe(false);
    expect(report.totalWithXray).toBeCloseTo(report.totalWithoutSes + report.xray.usd);
  });

  it("adds ingestion's key reads and debugger writes at the modelled traffic to the total", () => {
    const withCold = costModel(unused, run, deployment, params);
    const busy = costModel(unused, run, deployment, params, {
      ...defaultAssumptions,
      eventsPerMonth: 1e12,
    });
    const alwaysWatched = costModel(unused, run, deployment, params, {
      ...defaultAssumptions,
      ingest: { ...defaultAssumptions.ingest, watchedHoursPerMonth: 720 },
    });
    const coldLine = (r: typeof withCold) =>
      r.lines.find((l) => l.item.includes("debugger counts"))?.usd ?? 0;
    // 1M events a month: about one request in five writes the count (1 WRU), a few hours are sampled.
    expect(coldLine(withCold)).toBeGreaterThan(0.1);
    expect(coldLine(withCold)).toBeLessThan(0.2);
    // Watched all month, it is what every source paid before: a sample on most requests.
    expect(coldLine(alwaysWatched)).toBeGreaterThan(0.85);
    expect(coldLine(busy)).toBeLessThan(0.001);
  });
  it("prices Lambda's platform lines only at system log level INFO, and our own lines always", () => {
    const info = costModel(unused, run, deployment, params);
    const warn = costModel(
      unused,
      run,
      {
        ...deployment,
        functions: Object.fromEntries(
          Object.entries(deployment.functions).map(([fn, f]) => [fn, { ...f, systemLogLevel: "WARN" }]),
        ),
      },
      params,
    );
    expect(line(warn, "CloudWatch Logs: Lambda platform").units).toBe(0);
    expect(line(info, "CloudWatch Logs: Lambda platform").units).toBeCloseTo(
      line(info, "Lambda requests").units * defaultAssumptions.platformLogBytesPerInvocation,
    );
    expect(line(warn, "CloudWatch Logs: Lambda, our").units).toBe(1_000_000 * 1000);
  });

  it("prices the HTTP API's access log line per request from the deployed format, shared by a batch's events", () => {
    const format = JSON.stringify({
      requestId: "$context.requestId",
      routeKey: "$context.routeKey",
      gone: "$context.error.message",
    });
    const bytes =
      Buffer.byteLength('{"requestId":"EHs4Xj1ToAMEbnw=","routeKey":"POST /v1/events","gone":"-"}') + 1;
    expect(accessLogLineBytes(format, defaultAssumptions.accessLogValues)).toBe(bytes);
    const logged = { ...deployment, apiAccessLogFormat: format };
    expect(line(costModel(unused, run, logged, params), "CloudWatch Logs: HTTP API access").units).toBe(
      1_000_000 * bytes,
    );
    const batched = costModel(unused, run, logged, { ...params, eventsPerRequest: 15 });
    expect(line(batched, "CloudWatch Logs: HTTP API access").units).toBeCloseTo((1_000_000 / 15) * bytes);
    expect(costModel(unused, run, deployment, params).lines.some((l) => l.item.includes("access logs"))).toBe(
      false,
    );
  });

  it("derives the match queue's batches from the traffic rate, not from the batch size", () => {
    const noWindow = { batchSize: 10, batchingWindowSeconds: 0 };
    const oneSecond = { batchSize: 100, batchingWindowSeconds: 1 };
    // Sparse traffic: a window batches almost nothing, and each message still needs its own receive.
    const sparse = queueBatching(0.4, oneSecond, 0.05);
    expect(sparse.messagesPerBatch).toBeLessThan(1.1);
    expect(sparse.receivesPerMessage).toBeCloseTo(1, 1);
    // 20 messages/s over 5 pollers: a 1 s window gathers about 5, deleted in one request.
    const busy = queueBatching(20, oneSecond, 0.05);
    expect(busy.messagesPerBatch).toBeCloseTo(1 + 4 * 1.05);
    expect(busy.deletesPerMessage).toBeCloseTo(1 / busy.messagesPerBatch);
    expect(queueBatching(20, noWindow, 0.05).messagesPerBatch).toBeCloseTo(1.2);
    // Never more than the batch size; idle long polls vanish as traffic grows.
    expect(queueBatching(10_000, noWindow, 0.05).messagesPerBatch).toBe(10);
    expect(queueBatching(20, noWindow, 0.05).emptyReceivesPerMessage).toBeLessThan(1e-6);
    expect(queueBatching(0.01, noWindow, 0.05).emptyReceivesPerMessage).toBeGreaterThan(20);
  });

  it("shares the per-request costs among the events of a batch, and follows the logging level", () => {
    const single = costModel(unused, run, deployment, params);
    const batched = costModel(unused, run, deployment, { ...params, eventsPerRequest: 15 });
    expect(line(batched, "API Gateway").units).toBeCloseTo(1_000_000 / 15);
    expect(line(batched, "EventBridge").units).toBe(1_000_000);
    expect(batched.totalWithoutSes).toBeLessThan(single.totalWithoutSes);
    const errorsOnly = costModel(
      unused,
      run,
      { ...deployment, stateMachine: { logLevel: "ERROR", includeExecutionData: false, tracing: false } },
      params,
    );
    expect(line(errorsOnly, "CloudWatch Logs: Step Functions").usd).toBe(0);
    const traced = costModel(
      unused,
      run,
      { ...deployment, stateMachine: { ...deployment.stateMachine, tracing: true } },
      params,
    );
    // 50,000 executions a month: under X-Ray's reservoir of one a second, every one is recorded.
    expect(traced.xray.units).toBeCloseTo(50_000);
  });

  it("prices X-Ray by where traces start and how much traffic the 1/s reservoir takes", () => {
    const tracedEverywhere: DeploymentForCost = {
      functions: Object.fromEntries(
        Object.entries(deployment.functions).map(([fn, f]) => [fn, { ...f, tracing: true }]),
      ),
      stateMachine: { logLevel: "ERROR", includeExecutionData: false, tracing: true },
    };
    // 1M events a month (0.4/s): the reservoir records every ingest request and every match invocation;
    // executions join the matcher's trace.
    const low = costModel(unused, run, tracedEverywhere, params);
    expect(low.xray.units).toBeCloseTo(1_000_000 + 1_000_000 / low.queue.messagesPerBatch);
    expect(low.xray.usd).toBeCloseTo(10, 1);
    // 100M a month: 2,592,000 a month by the reservoir, then 5 % of the rest, per entry point.
    const busy = costModel(unused, run, tracedEverywhere, params, {
      ...defaultAssumptions,
      eventsPerMonth: 100_000_000,
    });
    const sampled = (requests: number) => {
      const monthly = requests * 100;
      return ((2_592_000 + 0.05 * (monthly - 2_592_000)) / monthly) * requests;
    };
    expect(busy.xray.units).toBeCloseTo(
      sampled(1_000_000) + sampled(1_000_000 / busy.queue.messagesPerBatch),
    );
    // Tracing off (-c tracing=off): nothing recorded.
    expect(
      costModel(
        unused,
        run,
        { ...deployment, stateMachine: { ...deployment.stateMachine, tracing: false } },
        params,
      ).xray.usd,
    ).toBe(0);
  });
});

describe("ingestion at a traffic rate (what the busy-source scenarios leave out)", () => {
  it("uses the function's own bounds", () => {
    expect(defaultAssumptions.ingest).toEqual({
      keyTrustSeconds: WRITE_KEY_TRUST_MS / 1000,
      sampleSeconds: DEBUGGER_ACCEPTED_SAMPLE_MS / 1000,
      countHoldSeconds: DEBUGGER_COUNT_HOLD_MS / 1000,
      keptPerRequest: DEBUGGER_ACCEPTED_PER_REQUEST,
      writeThroughItems: DEBUGGER_WRITE_THROUGH_ITEMS,
      watchedHoursPerMonth: expect.any(Number),
    });
  });

  it("writes the count on some requests of a quiet unwatched source, samples only while watched", () => {
    const unwatched = { ...defaultAssumptions.ingest, watchedHoursPerMonth: 0 };
    const watched = { ...defaultAssumptions.ingest, watchedHoursPerMonth: 720 };
    // 1M events a month from one source: 0.39 requests/s.
    const quiet = ingestColdPaths(0.386, 1, unwatched);
    expect(quiet.keyReadShare).toBeCloseTo(1 / 2.93, 3);
    expect(quiet.countShare).toBeCloseTo(1 / 4.86, 3);
    expect(quiet.writeUnits).toBeCloseTo(quiet.countShare, 6);
    // Watched all the time: a sample (count and one kept item) on the first request of each second.
    const looked = ingestColdPaths(0.386, 1, watched);
    expect(looked.sampledShare).toBeCloseTo(1 / 1.386, 3);
    expect(looked.writeUnits).toBeCloseTo(2 * looked.sampledShare, 6);
    // 100M a month: 38.6/s.
    expect(ingestColdPaths(38.6, 1, unwatched).writeUnits).toBeLessThan(0.003);
    // Batches of 15: every request writes its count; a sample keeps 10 items.
    const batched = ingestColdPaths(0.0257, 15, watched);
    expect(batched.writeUnits).toBeCloseTo(1 + 10 * batched.sampledShare, 6);
    expect(ingestColdPaths(0.0257, 15, unwatched).writeUnits).toBe(1);
  });

  it("holds more when the count is written less often: what a container recycle can lose", () => {
    const at = (holdSeconds: number) =>
      ingestColdPaths(0.386, 1, { ...defaultAssumptions.ingest, countHoldSeconds: holdSeconds }).heldRequests;
    // Renewal: (λH²/2 + H) / (H + 1/λ).
    expect(at(10)).toBeCloseTo((0.386 * 50 + 10) / (10 + 1 / 0.386), 6);
    expect(at(1)).toBeLessThan(at(10));
    expect(at(10)).toBeLessThan(at(60));
  });
});

describe("the targets table", () => {
  it("says met, NOT met, or not measured when a section did not run", () => {
    const emailRun = {
      id: "email-run",
      transitions: 7,
      executions: [],
      functions: [{ fn: "action", invocations: 3, sequentialRoundTrips: 15 }],
      operations: [],
    } as unknown as ScenarioResult;
    const rows = checkTargets({ scenarios: [emailRun] });
    const row = (start: string) => rows.find((r) => r.target.startsWith(start));
    expect(row("state transitions")).toMatchObject({ measured: "7", met: true });
    expect(row("round trips per email step")).toMatchObject({ measured: "5.0", met: false });
    expect(row("cost per 1M")?.met).toBeUndefined();
    expect(row("local throughput")?.met).toBeUndefined();
  });

  it("judges cold imports against the baseline measured side by side, else its stored figures", () => {
    const row = (
      id: string,
      importCpuMs: number,
      baseline?: { cpuMs: number; bareCpuMs: number; share: { on: number; off: number } },
    ) =>
      ({
        id,
        sdkBytes: 1,
        importCpuMs,
        untracedCpuMs: importCpuMs,
        bareCpuMs: 20,
        ...(baseline ? { baseline: { bytes: 1, ...baseline } } : {}),
      }) as unknown as BundleRow;
    const bundles = (sideBySide: boolean, rows: BundleRow[]) =>
      ({ rows, baseline: { commit: "x", sideBySide, note: "" } }) as unknown as BundleReport;
    const coldImport = (report: BundleReport) =>
      checkTargets({ bundles: report }).find((r) => r.target.includes("(tracing on)"));
    // Side by side: the round-by-round share measured in the run, not a ratio of medians.
    const paired = { cpuMs: 100, bareCpuMs: 20, share: { on: 0.64, off: 0.5 } };
    const side = coldImport(bundles(true, [row("ingest", 60, paired)]));
    expect(side).toMatchObject({ measured: "1 over: ingest 64 %", met: false });
    expect(side?.target).toContain("side by side");
    // Without it, the stored figure (3.38x) is the baseline: 2 / 3.38 = 59 %.
    const stored = coldImport(bundles(false, [row("ingest", 60)]));
    expect(stored).toMatchObject({ measured: "all within: ingest 59 %", met: true });
    expect(stored?.target).toContain("stored figures");
    // Health is not one of the functions: never judged.
    expect(
      coldImport(bundles(true, [row("health", 60, { cpuMs: 21, bareCpuMs: 20, share: { on: 1, off: 1 } })])),
    ).toBeUndefined();
  });

  it("judges the local end to end from the cost model's traffic, and only when every email went out", () => {
    const mixed = (eventsPerSecond: number, emails = 100) => ({
      events: 2_000,
      startingEvents: 100,
      emails,
      doubled: 0,
      errors: 0,
      seconds: 2_000 / eventsPerSecond,
      eventsPerSecond,
      drained: true,
      cpuMsPerEvent: 8,
      awsRequestsPerEvent: { total: 5, byFunction: {} },
    });
    const load = (mix?: ReturnType<typeof mixed>) =>
      ({
        ingest: [],
        matcherDrain: { events: 1_000 },
        endToEnd: { events: 200, warmupEvents: 100, eventsPerSecond: 40 },
        ...(mix ? { mixed: mix } : {}),
        memory: { rssBeforeMb: 200, rssAfterMb: 300 },
      }) as unknown as LoadReport;
    const endToEnd = (report: LoadReport) =>
      checkTargets({ load: report }).find((r) => r.target.startsWith("local end to end"));
    expect(endToEnd(load(mixed(220)))).toMatchObject({
      measured: "220.0 events/s, 5 % emailed (every event emailed: 40.0)",
      met: true,
    });
    expect(endToEnd(load(mixed(180)))?.met).toBe(false);
    // Fast, but an email is missing: not met.
    expect(endToEnd(load(mixed(220, 99)))?.met).toBe(false);
    // Fast, with nothing to send (--start-rate=0): not met.
    expect(endToEnd(load({ ...mixed(220, 0), startingEvents: 0 }))?.met).toBe(false);
    // Without the phase, the worst case alone is shown, and nothing is judged from it.
    expect(endToEnd(load())).toMatchObject({ met: undefined });
    expect(endToEnd(load())?.measured).toContain("every event emailed: 40.0");
  });

  it("judges the ingestion p99 only from a run long enough for the steady state", () => {
    const load = (requests: number, p99Ms: number) =>
      ({
        ingest: [{ connections: 50, requests, p99Ms }],
        matcherDrain: { events: 1_000 },
        endToEnd: { events: 200, eventsPerSecond: 40 },
        memory: { rssBeforeMb: 200, rssAfterMb: 300 },
      }) as unknown as LoadReport;
    const p99 = (report: LoadReport) =>
      checkTargets({ load: report }).find((r) => r.target.startsWith("local ingestion p99"));
    expect(p99(load(500, 131))).toMatchObject({ met: undefined });
    expect(p99(load(500, 131))?.measured).toContain("short run of 500 requests");
    expect(p99(load(10_000, 72))).toMatchObject({ measured: "72 ms", met: true });
    expect(p99(load(10_000, 131))?.met).toBe(false);
  });

  it("judges memory after 20k events only from a run that long, never from a short run's line", () => {
    const load = (events: number, rssAfterMb: number) =>
      ({
        ingest: [],
        matcherDrain: { events: events - 200 },
        endToEnd: { events: 200, eventsPerSecond: 30 },
        memory: { rssBeforeMb: 200, rssAfterMb },
      }) as unknown as LoadReport;
    const memory = (report: LoadReport) =>
      checkTargets({ load: report }).find((r) => r.target.startsWith("local RSS"));
    // 1,200 events that grew 100 MB (warm-up): not "3.6 GB at 20k".
    expect(memory(load(1_200, 300))).toMatchObject({ met: undefined });
    expect(memory(load(20_200, 375))).toMatchObject({ measured: "375 MB after 20200 events", met: true });
    expect(memory(load(20_200, 450))?.met).toBe(false);
  });
});
