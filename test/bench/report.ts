/** The tables `npm run bench` prints for the scenarios, the cost model and the load test. */
import {
  type Assumptions,
  type CostLine,
  type CostReport,
  costModel,
  type DeploymentForCost,
  defaultAssumptions,
  ingestColdPaths,
  PRICES_READ_ON,
  prices,
  type QueueBatching,
  type ScenarioUsage,
  SECONDS_PER_MONTH,
} from "./cost-model.js";
import { num, table, usd } from "./format.js";
import type { AwsRequestsPerEvent, CpuByThread, LoadReport } from "./load.js";
import type { ScenarioResult } from "./scenarios.js";

export function printScenarios(scenarios: ScenarioResult[]): void {
  console.log(
    "Each scenario runs alone on the local stack, from its first HTTP request until the stack is idle.",
  );
  console.log("RRU/WRU: DynamoDB on-demand read/write request units (reported by the emulator, transactions");
  console.log("included: the larger of each item's old and new image; computed from the request for failed");
  console.log("conditions and TransactGetItems). Sequential round trips: the longest");
  console.log("chain of a function's requests made one after another, over the whole scenario.\n");
  table(
    [
      "scenario",
      "API reqs",
      "bus events",
      "invocations",
      "AWS reqs",
      "DynamoDB reqs",
      "RRU",
      "WRU",
      "transitions",
      "executions",
      "emails",
    ],
    scenarios.map((s) => [
      s.title,
      num(s.apiRequests),
      num(s.busEvents),
      num(s.functions.reduce((sum, f) => sum + f.invocations, 0)),
      num(s.operations.reduce((sum, o) => sum + o.count, 0)),
      num(s.operations.filter((o) => o.service === "DynamoDB").reduce((sum, o) => sum + o.count, 0)),
      num(
        s.operations.reduce((sum, o) => sum + o.readUnits, 0),
        1,
      ),
      num(
        s.operations.reduce((sum, o) => sum + o.writeUnits, 0),
        1,
      ),
      num(s.transitions),
      num(s.executions.length),
      num(s.emails),
    ]),
  );

  console.log("\nPer function");
  table(
    [
      "scenario / function",
      "invocations",
      "requests",
      "RRU",
      "WRU",
      "sequential round trips",
      "per invocation",
      "log bytes",
    ],
    scenarios.flatMap((s) =>
      s.functions.map((f) => [
        `${s.id} / ${f.fn}`,
        num(f.invocations),
        num(f.requests),
        num(f.readUnits, 1),
        num(f.writeUnits, 1),
        num(f.sequentialRoundTrips),
        f.invocations > 0 ? num(f.sequentialRoundTrips / f.invocations, 1) : "-",
        num(f.logBytes),
      ]),
    ),
  );

  console.log("\nPer operation");
  table(
    ["scenario / function", "operation", "count", "RRU", "WRU", "capacity", "errors"],
    scenarios.flatMap((s) =>
      s.operations.map((o) => [
        `${s.id} / ${o.fn}`,
        `${o.service} ${o.operation}`,
        num(o.count),
        num(o.readUnits, 1),
        num(o.writeUnits, 1),
        o.capacity,
        num(o.errors),
      ]),
    ),
    [1],
  );

  console.log("\nState transitions per execution (counted from the local Step Functions event log)");
  table(
    ["scenario", "execution", "transitions", "tasks", "states entered"],
    scenarios.flatMap((s) =>
      s.executions.length === 0
        ? [[s.id, "(none)", "0", "0", ""]]
        : s.executions.map((e) => [s.id, e.kind, num(e.transitions), num(e.tasks), e.states.join(" > ")]),
    ),
    [1, 4],
  );
}

export function usageOf(scenario: ScenarioResult): ScenarioUsage {
  return {
    apiRequests: scenario.apiRequests,
    busEvents: scenario.busEvents,
    emails: scenario.emails,
    transitions: scenario.transitions,
    executions: scenario.executions.length,
    stepFunctionsLogBytesAll: scenario.executions.reduce((sum, e) => sum + e.logBytesAll, 0),
    readUnits: scenario.functions.reduce((sum, f) => sum + f.readUnits, 0),
    writeUnits: scenario.functions.reduce((sum, f) => sum + f.writeUnits, 0),
    functions: scenario.functions.map(({ fn, invocations, chainByService, logBytes }) => ({
      fn,
      invocations,
      chainByService,
      logBytes,
    })),
  };
}

export interface CostResult {
  pricesReadOn: string;
  prices: typeof prices;
  assumptions: Assumptions;
  oneEventPerRequest: CostReport;
  batched: CostReport;
  /** The same traffic with other batching windows on the match queue (one event per request). */
  batchingOptions: Array<{
    windowSeconds: number;
    queue: QueueBatching;
    matchInvocations: number;
    totalWithoutSes: number;
  }>;
  /**
   * The same traffic with other holds of an unwatched source's accepted count (one event per
   * request): what its writes cost against how much a container holds when its traffic stops.
   */
  countHoldOptions: Array<{
    holdSeconds: number;
    countShare: number;
    debuggerUsd: number;
    heldRequests: number;
    totalWithoutSes: number;
  }>;
}

/** Batching windows the cost section compares (seconds). */
const BATCHING_WINDOWS = [0, 1, 5, 20];
/** Holds of an unwatched source's accepted count the cost section compares (seconds). */
const COUNT_HOLDS = [1, 10, 60];

export function costFromScenarios(
  scenarios: ScenarioResult[],
  deployment: DeploymentForCost,
  {
    events,
    startRate,
    batchSize,
    eventsPerMonth = defaultAssumptions.eventsPerMonth,
  }: { events: number; startRate: number; batchSize: number; eventsPerMonth?: number },
): CostResult {
  const assumptions = { ...defaultAssumptions, eventsPerMonth };
  const find = (id: ScenarioResult["id"]) => {
    const scenario = scenarios.find((s) => s.id === id);
    if (!scenario) throw new Error(`scenario ${id} was not measured`);
    return usageOf(scenario);
  };
  const unused = find("unused-event");
  const run = find("email-run");
  const deployedQueue = deployment.matchQueue ?? { batchSize: 10, batchingWindowSeconds: 0 };
  // The batch sizes the stack pairs with each kind of window (infra/constructs/event-routing.ts).
  const batchSizes = deployment.matchBatchSizes ?? { withoutWindow: 10, withWindow: 10 };
  const windows = [...new Set([...BATCHING_WINDOWS, deployedQueue.batchingWindowSeconds])].sort(
    (x, y) => x - y,
  );
  const batchingOptions = windows.map((windowSeconds) => {
    const report = costModel(
      unused,
      run,
      {
        ...deployment,
        matchQueue: {
          batchSize: windowSeconds > 0 ? batchSizes.withWindow : batchSizes.withoutWindow,
          batchingWindowSeconds: windowSeconds,
        },
      },
      { events, startRate, eventsPerRequest: 1 },
      assumptions,
    );
    return {
      windowSeconds,
      queue: report.queue,
      matchInvocations: report.matchInvocations,
      totalWithoutSes: report.totalWithoutSes,
    };
  });
  const holds = [...new Set([...COUNT_HOLDS, assumptions.ingest.countHoldSeconds])].sort((x, y) => x - y);
  const countHoldOptions = holds.map((holdSeconds) => {
    const held = { ...assumptions, ingest: { ...assumptions.ingest, countHoldSeconds: holdSeconds } };
    const report = costModel(unused, run, deployment, { events, startRate, eventsPerRequest: 1 }, held);
    const cold = ingestColdPaths(eventsPerMonth / SECONDS_PER_MONTH, 1, held.ingest);
    return {
      holdSeconds,
      countShare: cold.countShare,
      debuggerUsd: report.lines.find((line) => line.item.includes("debugger counts"))?.usd ?? 0,
      heldRequests: cold.heldRequests,
      totalWithoutSes: report.totalWithoutSes,
    };
  });
  return {
    batchingOptions,
    countHoldOptions,
    pricesReadOn: PRICES_READ_ON,
    prices,
    assumptions,
    oneEventPerRequest: costModel(
      unused,
      run,
      deployment,
      { events, startRate, eventsPerRequest: 1 },
      assumptions,
    ),
    batched: costModel(
      unused,
      run,
      deployment,
      { events, startRate, eventsPerRequest: batchSize },
      assumptions,
    ),
  };
}

const unitPrice = (id: keyof typeof prices) => {
  const p = prices[id];
  if (id === "cloudWatchLogsIngestion") return "$0.50 / GB";
  return `$${p.usd} / ${p.per === 1 ? "unit" : num(p.per)}`;
};

const units = (value: number, label: string) =>
  label === "bytes" ? `${num(value / 1024 ** 3, 2)} GB` : `${num(value, value < 100 ? 1 : 0)} ${label}`;

export function printCost(cost: CostResult, deployment: DeploymentForCost): void {
  const { oneEventPerRequest: one, batched } = cost;
  const a = cost.assumptions;
  const perSecond = a.eventsPerMonth / SECONDS_PER_MONTH;
  console.log(
    `Per event: ${(1 - one.params.startRate) * 100} % cost what "an event no moment uses" measured, ${one.params.startRate * 100} % what ` +
      `"a 3-step email run" measured (its start event included). Traffic: ${num(a.eventsPerMonth)} events a month ` +
      `(${num(perSecond, 2)}/s spread evenly). AWS list prices, us-east-1, read ${cost.pricesReadOn}; no free tier.\n`,
  );
  const row = (line: CostLine, other: CostLine | undefined, total: number) => [
    line.item,
    units(line.units, line.unitLabel),
    unitPrice(line.price),
    usd(line.usd),
    `${((line.usd / total) * 100).toFixed(0)} %`,
    usd(other?.usd ?? 0),
  ];
  table(
    ["item", "units", "unit price", "USD", "share", `USD, ${batched.params.eventsPerRequest} events/request`],
    [
      ...one.lines.map((line, i) => row(line, batched.lines[i], one.totalWithoutSes)),
      [
        "total without SES and X-Ray (issue 14's figure)",
        "",
        "",
        usd(one.totalWithoutSes),
        "100 %",
        usd(batched.totalWithoutSes),
      ],
      [...row(one.xray, batched.xray, one.totalWithoutSes).slice(0, 4), "", usd(batched.xray.usd)],
      [
        "total without SES, with X-Ray as deployed",
        "",
        "",
        usd(one.totalWithXray),
        "",
        usd(batched.totalWithXray),
      ],
      [...row(one.ses, batched.ses, one.totalWithoutSes).slice(0, 4), "", usd(batched.ses.usd)],
    ],
  );
  const q = one.queue;
  const mq = deployment.matchQueue ?? { batchSize: 10, batchingWindowSeconds: 0 };
  console.log(
    `\nMatch queue (batch size ${mq.batchSize}, batching window ${mq.batchingWindowSeconds} s, ${a.sqsPollers} pollers): ` +
      `${num(q.messagesPerSecond, 2)} messages/s -> ${num(q.messagesPerBatch, 2)} messages per invocation; per message ` +
      `1 SendMessage (EventBridge), ${num(q.receivesPerMessage, 2)} ReceiveMessage, ${num(q.deletesPerMessage, 2)} ` +
      `DeleteMessageBatch, ${num(q.emptyReceivesPerMessage, 2)} empty long polls.`,
  );
  if (cost.batchingOptions.length > 0) {
    console.log(
      "What a batching window would change at this rate (`cdk deploy -c matchBatchingWindow=<seconds>`):\n",
    );
    table(
      [
        "window",
        "messages/invocation",
        "SQS requests/event",
        "match invocations",
        "wait added, up to",
        "USD total*",
      ],
      cost.batchingOptions.map((o) => [
        `${o.windowSeconds} s${o.windowSeconds === mq.batchingWindowSeconds ? " (deployed)" : ""}`,
        num(o.queue.messagesPerBatch, 2),
        num(1 + o.queue.receivesPerMessage + o.queue.deletesPerMessage + o.queue.emptyReceivesPerMessage, 2),
        num(o.matchInvocations),
        `${o.windowSeconds} s`,
        usd(o.totalWithoutSes),
      ]),
    );
    console.log("* without SES and X-Ray, one event per request.");
  }
  if (cost.countHoldOptions.length > 0) {
    console.log(
      "\nHow often an ingest container writes an unwatched source's accepted count (DEBUGGER_COUNT_HOLD_MS; " +
        "one source, one container, one event per request):\n",
    );
    table(
      [
        "hold",
        "requests that write it",
        "USD debugger line",
        "count lags, up to",
        "held when traffic stops",
        "USD total*",
      ],
      cost.countHoldOptions.map((o) => [
        `${o.holdSeconds} s${o.holdSeconds === a.ingest.countHoldSeconds ? " (deployed)" : ""}`,
        `${num(o.countShare * 100, 1)} %`,
        usd(o.debuggerUsd),
        `${o.holdSeconds} s`,
        `${num(o.heldRequests, 2)} requests`,
        usd(o.totalWithoutSes),
      ]),
    );
    console.log(
      "* without SES and X-Ray. What a container holds is written at its next request, or when Lambda shuts it down (SIGTERM: shared/adapters/shutdown.ts).",
    );
  }
  const sm = deployment.stateMachine;
  console.log(
    `\nDeployed configuration (synthesized): state machine logging ${sm.logLevel}` +
      `${sm.includeExecutionData ? " with execution data" : ""}, X-Ray ${sm.tracing ? "on" : "off"}; functions ` +
      Object.entries(deployment.functions)
        .map(
          ([fn, f]) =>
            `${fn} ${f.memoryMb} MB ${f.architecture}${f.tracing ? " traced" : ""}${f.systemLogLevel ? ` system log ${f.systemLogLevel}` : ""}`,
        )
        .join(", ") +
      ".",
  );
  console.log(
    `Modelled (not measured): Lambda duration = critical-path round trips x typical latency ` +
      `(${Object.entries(a.latencyMs)
        .map(([s, ms]) => `${s} ${ms} ms`)
        .join(
          ", ",
        )}) + ${a.cpuMsPerInvocation} ms CPU per invocation (a match invocation handles its batch ` +
      `concurrently); the match queue as above (Poisson arrivals spread evenly over the pollers, ${a.sqsLongPollSeconds} s ` +
      `long polls); ingest's write-key reads and debugger writes for one source in one container (Poisson ` +
      `arrivals; key trusted ${a.ingest.keyTrustSeconds} s; the accepted count written at most every ${a.ingest.countHoldSeconds} s; ` +
      `while the debugger is watched, ${a.ingest.watchedHoursPerMonth} h a month, a sample at most every ${a.ingest.sampleSeconds} s), which the ` +
      `busy-source scenarios do not pay; ${a.platformLogBytesPerInvocation} B of Lambda platform lines per invocation at system log level INFO ` +
      `(none at WARN); the HTTP API's access log line per request, its deployed format filled with an ingest request's ` +
      `values (a browser's user agent); X-Ray records the first ${a.xraySampling.reservoirPerSecond} request(s) each second then ` +
      `${a.xraySampling.rate * 100} % at each trace entry (ingest requests, match invocations; executions join ` +
      `the matcher's trace), for the traffic above (less traffic: the reservoir takes everything; -c tracing=off: no traces).`,
  );
  console.log(
    `Prices: ${Object.values(prices)
      .map((p) => p.source)
      .filter((s, i, all) => all.indexOf(s) === i)
      .join(", ")}`,
  );
}

export function printLoad(load: LoadReport): void {
  console.log(`Load average when done: ${load.loadAverage}. On a shared machine these figures are noisy.\n`);
  table(
    ["ingestion (POST /v1/events)", "requests", "errors", "seconds", "requests/s", "p50 ms", "p99 ms"],
    load.ingest.map((r) => [
      `${r.connections} connections`,
      num(r.requests),
      num(r.errors),
      num(r.seconds, 1),
      num(r.requestsPerSecond, 0),
      num(r.p50Ms, 1),
      num(r.p99Ms, 1),
    ]),
  );
  console.log(
    `Each connection was opened by one request before the clock started, as a client that keeps its connections (the ` +
      `Segment SDKs, a browser) sends; that opening round, all at once, is not counted above: p99 ${load.ingest
        .map((r) => `${num(r.openingRound.p99Ms, 0)} ms at ${r.connections} connections`)
        .join(", ")}.`,
  );
  const d = load.matcherDrain;
  // A closed loop of C connections waits C / throughput per request on average (Little's law): the
  // latency target is a throughput target, which the ingest path's CPU per request bounds.
  const widest = load.ingest.at(-1);
  if (widest && d.cpuByThread) {
    // The ingest path spans two threads, each on a core at best: the busier one bounds it.
    const { mainMsPerEvent: main, apiFunctionsMsPerEvent: api } = d.cpuByThread;
    const perCore = 1000 / Math.max(main, api);
    console.log(
      `\nIngestion's bound: ${widest.connections} connections in a closed loop wait ${widest.connections} / throughput per request on average, ` +
        `so p50 <= 100 ms needs >= ${num(widest.connections * 10)} requests/s. The ingest path used ${num(api, 1)} ms of CPU per request ` +
        `on the API functions thread (the ingest function and its SDK clients) and ${num(main, 1)} ms on the main thread (the local HTTP API ` +
        `and bus, and the queue and its matcher deliveries): the busier one allows at most ${num(perCore, 0)} requests/s on a core of its own, ` +
        `so at least ${num((widest.connections / perCore) * 1000, 0)} ms per request at ${widest.connections} connections on this machine.`,
    );
  }
  console.log(
    `\nMatcher drain: ${num(d.events)} events no moment uses, ingested and matched in ${num(d.seconds, 1)} s ` +
      `= ${num(d.eventsPerSecond, 1)} events/s end to end${d.drained ? "" : " (NOT drained before the deadline)"}; ` +
      `${num(d.cpuMsPerEvent, 1)} ms of CPU per event.`,
  );
  const e = load.endToEnd;
  console.log(
    `End to end (a moment whose one email step has no delay, 10 connections${e.warmupEvents > 0 ? `, after ${num(e.warmupEvents)} warm-up events not counted` : ""}): ${num(e.events)} events -> ` +
      `${num(e.emails)} emails${e.errors > 0 ? ` (${num(e.errors)} POSTs not accepted)` : ""}` +
      `${e.sesErrors > 0 ? ` (${num(e.sesErrors)} SES requests failed client-side: connection or request timeouts under load, which the runs retried or settled from SES's Send event)` : ""} in ${num(e.seconds, 1)} s = ${num(e.eventsPerSecond, 1)} events/s; ` +
      `event -> email p50 ${num(e.p50Ms, 0)} ms, p99 ${num(e.p99Ms, 0)} ms${e.drained ? "" : " (NOT drained before the deadline)"}; ` +
      `${num(e.cpuMsPerEvent, 1)} ms of CPU per event (every thread), so at most ${num(1000 / e.cpuMsPerEvent, 0)} events/s per core.`,
  );
  const split = (c: CpuByThread | undefined) =>
    c === undefined
      ? "not measured (Linux only)"
      : `main thread ${num(c.mainMsPerEvent, 1)}, API functions thread ${num(c.apiFunctionsMsPerEvent, 1)}, functions thread ${num(c.functionsMsPerEvent, 1)}, DynamoDB thread ${num(c.dynamodbMsPerEvent, 1)}, ` +
        `V8 helpers (GC, compiling) and libuv pool (LevelDB I/O) ${num(c.otherMsPerEvent, 1)}, load generator ${num(c.loadGeneratorMsPerEvent, 1)}`;
  const x = load.mixed;
  if (x)
    console.log(
      `The cost model's traffic end to end (${num((x.startingEvents / x.events) * 100, 1)} % of the events start that moment, the rest are ` +
        `events no moment uses; 10 connections): ${num(x.events)} events, ${num(x.emails)} of ${num(x.startingEvents)} emails sent` +
        `${x.doubled > 0 ? ` (${num(x.doubled)} recipients got more than one)` : ""}` +
        `${x.errors > 0 ? ` (${num(x.errors)} POSTs not accepted)` : ""}, from the first POST until the stack was idle in ${num(x.seconds, 1)} s ` +
        `= ${num(x.eventsPerSecond, 1)} events/s${x.drained ? "" : " (NOT drained before the deadline)"}; ${num(x.cpuMsPerEvent, 1)} ms of CPU per event.`,
    );
  console.log(`CPU ms per event by thread: matcher drain: ${split(d.cpuByThread)}.`);
  console.log(`                            end to end: ${split(e.cpuByThread)}.`);
  if (x) console.log(`                            cost model's traffic: ${split(x.cpuByThread)}.`);
  const requests = (r: AwsRequestsPerEvent, cpuMsPerEvent: number) =>
    `${num(r.total, 1)} (${Object.entries(r.byFunction)
      .sort((a, b) => b[1] - a[1])
      .map(([fn, n]) => `${fn} ${num(n, 1)}`)
      .join(", ")}), ${num(cpuMsPerEvent / Math.max(r.total, 1e-9), 1)} ms of CPU per request`;
  console.log(
    `AWS requests per event (the functions', through the real SDK clients, each served by a local emulator): ` +
      `matcher drain ${requests(d.awsRequestsPerEvent, d.cpuMsPerEvent)}; end to end ${requests(e.awsRequestsPerEvent, e.cpuMsPerEvent)}` +
      `${x ? `; cost model's traffic ${requests(x.awsRequestsPerEvent, x.cpuMsPerEvent)}` : ""}.`,
  );
  const m = load.memory;
  console.log(
    `Memory (process RSS${m.gc ? ", after a forced GC" : "; run node with --expose-gc for settled figures"}): ` +
      `${m.rssBeforeMb} MB before, ${m.rssAfterMb} MB after ` +
      `(heap ${m.heapBeforeMb} -> ${m.heapAfterMb} MB), ` +
      `${num(((m.rssAfterMb - m.rssBeforeMb) * 1024) / (d.events + e.events + (e.warmupEvents ?? 0) + (x?.events ?? 0)), 0)} KB more per event handled.`,
  );
}
