/** The tables `npm run bench` prints for the scenarios, the cost model and the load test. */
import {
  type Assumptions,
  type CostReport,
  costModel,
  type DeploymentForCost,
  defaultAssumptions,
  PRICES_READ_ON,
  prices,
  type ScenarioUsage,
} from "./cost-model.js";
import { num, table, usd } from "./format.js";
import type { LoadReport } from "./load.js";
import type { ScenarioResult } from "./scenarios.js";

export function printScenarios(scenarios: ScenarioResult[]): void {
  console.log(
    "Each scenario runs alone on the local stack, from its first HTTP request until the stack is idle.",
  );
  console.log("RRU/WRU: DynamoDB on-demand read/write request units (reported by the emulator, or computed");
  console.log("from item sizes for transactions and failed conditions). Sequential round trips: the longest");
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
}

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
  return {
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
  console.log(
    `Per event: ${(1 - one.params.startRate) * 100} % cost what "an event no moment uses" measured, ${one.params.startRate * 100} % what ` +
      `"a 3-step email run" measured (its start event included). AWS list prices, us-east-1, read ${cost.pricesReadOn}; no free tier.\n`,
  );
  table(
    ["item", "units", "unit price", "USD", "share", `USD, ${batched.params.eventsPerRequest} events/request`],
    [
      ...one.lines.map((line, i) => [
        line.item,
        units(line.units, line.unitLabel),
        unitPrice(line.price),
        usd(line.usd),
        `${((line.usd / one.totalWithoutSes) * 100).toFixed(0)} %`,
        usd(batched.lines[i]?.usd ?? 0),
      ]),
      ["total without SES", "", "", usd(one.totalWithoutSes), "100 %", usd(batched.totalWithoutSes)],
      [
        one.ses.item,
        units(one.ses.units, one.ses.unitLabel),
        unitPrice(one.ses.price),
        usd(one.ses.usd),
        "",
        usd(batched.ses.usd),
      ],
    ],
  );
  const a = cost.assumptions;
  const sm = deployment.stateMachine;
  console.log(
    `\nDeployed configuration (synthesized): state machine logging ${sm.logLevel}` +
      `${sm.includeExecutionData ? " with execution data" : ""}, X-Ray ${sm.tracing ? "on" : "off"}; functions ` +
      Object.entries(deployment.functions)
        .map(([fn, f]) => `${fn} ${f.memoryMb} MB ${f.architecture}${f.tracing ? " traced" : ""}`)
        .join(", ") +
      ".",
  );
  console.log(
    `Modelled (not measured): Lambda duration = critical-path round trips x typical latency ` +
      `(${Object.entries(a.latencyMs)
        .map(([s, ms]) => `${s} ${ms} ms`)
        .join(
          ", ",
        )}) + ${a.cpuMsPerInvocation} ms CPU per invocation; ${a.messagesPerMatchBatch} message per match batch ` +
      `(3 SQS requests per message); ${a.platformLogBytesPerInvocation} B of Lambda platform log per invocation; ` +
      `X-Ray records the first ${a.xraySampling.reservoirPerSecond} request(s) each second then ` +
      `${a.xraySampling.rate * 100} % at each trace entry (ingest requests, match invocations; executions join ` +
      `the matcher's trace), for ${a.eventsPerMonth.toLocaleString("en-US")} events a month spread evenly ` +
      `(less traffic: the reservoir takes everything; -c tracing=off: no traces).`,
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
  const d = load.matcherDrain;
  console.log(
    `\nMatcher drain: ${num(d.events)} events no moment uses, ingested and matched in ${num(d.seconds, 1)} s ` +
      `= ${num(d.eventsPerSecond, 1)} events/s end to end${d.drained ? "" : " (NOT drained before the deadline)"}; ` +
      `${num(d.cpuMsPerEvent, 1)} ms of CPU per event.`,
  );
  const e = load.endToEnd;
  console.log(
    `End to end (a moment whose one email step has no delay, 10 connections): ${num(e.events)} events -> ` +
      `${num(e.emails)} emails in ${num(e.seconds, 1)} s = ${num(e.eventsPerSecond, 1)} events/s; ` +
      `event -> email p50 ${num(e.p50Ms, 0)} ms, p99 ${num(e.p99Ms, 0)} ms${e.drained ? "" : " (NOT drained before the deadline)"}; ` +
      `${num(e.cpuMsPerEvent, 1)} ms of CPU per event (every thread), so at most ${num(1000 / e.cpuMsPerEvent, 0)} events/s per core.`,
  );
  const m = load.memory;
  console.log(
    `Memory (process RSS${m.gc ? ", after a forced GC" : "; run node with --expose-gc for settled figures"}): ` +
      `${m.rssBeforeMb} MB before, ${m.rssAfterMb} MB after ` +
      `(heap ${m.heapBeforeMb} -> ${m.heapAfterMb} MB), ` +
      `${num(((m.rssAfterMb - m.rssBeforeMb) * 1024) / (d.events + e.events), 0)} KB more per event handled.`,
  );
}
