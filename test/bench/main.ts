/**
 * `npm run bench`: the figures behind the README's cost, size and speed claims. It prints tables
 * and writes them all to a JSON file; it asserts nothing.
 *
 *   npm run bench                          # every section
 *   npm run bench -- --only=cost           # bundles | requests | cost | load | console | widget, comma-separated
 *   npm run bench -- --start-rate=0.1 --events=1000000 --out=bench-results.json
 *   npm run bench -- --ingest-requests=500 --e2e-events=200 --e2e-warmup=100 --mix-events=2000
 *   npm run bench -- --only=requests,cost --tracing=off --events-per-month=50000000   # as `cdk deploy -c tracing=off`
 *   npm run bench -- --only=requests,cost --events-per-second=20 --match-batching-window=1 --system-log-level=INFO
 *
 * Sections: `bundles` (size and cold import per function), `requests` (AWS requests, capacity
 * units and state transitions per scenario on the local stack), `cost` (the cost model per 1M
 * events, priced from the `requests` scenarios and the synthesized stack), `load` (local
 * throughput, latency and memory), `console` (the console's first page size and first render),
 * `widget` (a prompt caused by Moments.track() on screen; the widget's size is in `bundles`).
 * Everything runs on loopback and stops by itself.
 */
// Every SDK client is counted from its next request on, the functions thread's too (thread-requests.ts).
import { instrumentAwsClients, receiveThreadRequest, requestLog } from "./aws-requests.js";
import { instrumentStepFunctions } from "./state-transitions.js";

instrumentAwsClients();
instrumentStepFunctions();

const { execFileSync } = await import("node:child_process");
const { writeFileSync } = await import("node:fs");
const os = await import("node:os");
const { parseArgs } = await import("node:util");

const SECTIONS = ["bundles", "requests", "cost", "load", "console", "widget"] as const;
type Section = (typeof SECTIONS)[number];

const { values } = parseArgs({
  options: {
    only: { type: "string" },
    "start-rate": { type: "string", default: "0.05" },
    events: { type: "string", default: "1000000" },
    "events-per-month": { type: "string", default: "1000000" },
    "events-per-second": { type: "string" },
    tracing: { type: "string", default: "active" },
    "system-log-level": { type: "string" },
    "match-batching-window": { type: "string" },
    "batch-size": { type: "string", default: "15" },
    "ingest-requests": { type: "string", default: "500" },
    "e2e-events": { type: "string", default: "200" },
    "e2e-warmup": { type: "string", default: "100" },
    "mix-events": { type: "string", default: "2000" },
    out: { type: "string", default: "bench-results.json" },
  },
});
const only = (values.only?.split(",").map((s) => s.trim()) ?? [...SECTIONS]) as Section[];
const unknown = only.filter((s) => !SECTIONS.includes(s));
if (unknown.length > 0) {
  console.error(`Unknown section(s) ${unknown.join(", ")}; choose from ${SECTIONS.join(", ")}`);
  process.exit(2);
}
const wants = (section: Section) => only.includes(section);
const number = (name: keyof typeof values, min: number, max: number) => {
  const value = Number(values[name]);
  if (!Number.isFinite(value) || value < min || value > max) {
    console.error(`--${name} must be a number from ${min} to ${max}, got ${values[name]}`);
    process.exit(2);
  }
  return value;
};
const startRate = number("start-rate", 0, 1);
const events = number("events", 1, 1e12);
// One traffic rate: --events-per-second, when given, is the same figure as a month of it (30 days).
const eventsPerMonth =
  values["events-per-second"] === undefined
    ? number("events-per-month", 1, 1e12)
    : number("events-per-second", 1e-6, 1e6) * 30 * 24 * 3600;
if (values.tracing !== "active" && values.tracing !== "off") {
  console.error(`--tracing must be active or off (the stack's -c tracing), got ${values.tracing}`);
  process.exit(2);
}
const tracing = values.tracing;
const batchSize = number("batch-size", 1, 100);
const ingestRequests = number("ingest-requests", 10, 20_000);
const e2eEvents = number("e2e-events", 10, 5_000);
const e2eWarmup = number("e2e-warmup", 0, 5_000);
const mixEvents = number("mix-events", 0, 50_000);

const loadAverage = () =>
  `${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(", ")} (1/5/15 min) on ${os.cpus().length} CPUs`;
const commit = (() => {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
})();

const { heading } = await import("./format.js");
const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  commit,
  node: process.version,
  loadAverageAtStart: loadAverage(),
  sections: only,
};
console.log(`Moments bench — commit ${commit}, node ${process.version}, load average ${loadAverage()}`);
const started = performance.now();

if (wants("bundles")) {
  heading("1. Bundles and cold import, per function");
  const { runBundleBench, printBundleReport } = await import("./bundles.js");
  const report = await runBundleBench();
  printBundleReport(report);
  results.bundles = report;
}

if (wants("requests") || wants("cost") || wants("load") || wants("console") || wants("widget")) {
  const { DEFAULT_MATCH_CONCURRENCY, readBackEndNice, startLocalStack } = await import(
    "../../infra/local/stack.js"
  );
  const backEndNice = readBackEndNice(process.env.MOMENTS_BACK_END_NICE);
  results.backEndNice = backEndNice;
  const { SCENARIO_TIME_SCALE, runScenarios } = await import("./scenarios.js");
  const { printScenarios } = await import("./report.js");
  // One local stack per process (handlers read their environment at import): every section shares it.
  // As `npm start` runs it: the match queue drained by parallel consumers, like Lambda's concurrency.
  const stack = await startLocalStack({
    port: 0,
    timeScale: SCENARIO_TIME_SCALE,
    logLevel: "INFO",
    matchConcurrency: Number(process.env.MOMENTS_MATCH_CONCURRENCY ?? DEFAULT_MATCH_CONCURRENCY),
    // As `npm start` runs it: the back end's threads below the HTTP API's (backEndNice).
    backEndNice,
    // Metrics on, as on Lambda: their EMF lines are CloudWatch Logs bytes the cost model must count.
    env: { POWERTOOLS_METRICS_DISABLED: "false" },
    // The back end's functions run on a thread of their own: their SDK clients are counted there too.
    threadPreload: [new URL("./thread-requests.ts", import.meta.url).href],
    onThreadRelay: receiveThreadRequest,
  });
  try {
    let scenarios: Awaited<ReturnType<typeof runScenarios>> | undefined;
    if (wants("requests") || wants("cost")) {
      scenarios = await runScenarios(stack);
      if (!requestLog.records.some((r) => r.fn === "match")) {
        throw new Error(
          "The SDK instrumentation saw no request from the match function: it was installed too late",
        );
      }
      results.scenarios = scenarios;
      if (wants("requests")) {
        heading("2-3. AWS requests and state transitions per scenario (local stack)");
        printScenarios(scenarios);
      }
    }
    // Load before the cost model: synthesizing the CDK app in this process would inflate the RSS figures.
    let load: Awaited<ReturnType<typeof import("./load.js").runLoad>> | undefined;
    if (wants("load")) {
      const { runLoad } = await import("./load.js");
      const { captureHandlerLogs } = await import("./scenarios.js");
      const logs = captureHandlerLogs();
      try {
        load = await runLoad(stack, loadAverage, {
          ingestRequests,
          endToEndEvents: e2eEvents,
          endToEndWarmup: e2eWarmup,
          mixedEvents: mixEvents,
          startShare: startRate,
          drainTimeoutMs: 300_000,
        });
        results.load = load;
      } finally {
        logs.restore();
      }
    }
    if (wants("cost") && scenarios) {
      heading(
        `4. Cost per ${events.toLocaleString("en-US")} events, ${startRate * 100} % starting a 3-step email moment`,
      );
      const { readDeploymentConfig } = await import("./deployment.js");
      const { costFromScenarios, printCost } = await import("./report.js");
      // CDK context as `cdk deploy -c` would give it; unset keys keep the stack's defaults.
      const deployment = readDeploymentConfig({
        tracing,
        ...(values["system-log-level"] ? { systemLogLevel: values["system-log-level"] } : {}),
        ...(values["match-batching-window"] ? { matchBatchingWindow: values["match-batching-window"] } : {}),
      });
      const cost = costFromScenarios(scenarios, deployment, { events, startRate, batchSize, eventsPerMonth });
      printCost(cost, deployment);
      results.deployment = deployment;
      results.cost = cost;
    }
    if (load) {
      heading("5. Local throughput, latency and memory (loopback; the figures depend on the machine's load)");
      const { printLoad } = await import("./report.js");
      console.log(
        `The back end's threads (its functions, DynamoDB) ran ${backEndNice} nice levels below the HTTP API's, as \`npm start\` ` +
          "runs them (MOMENTS_BACK_END_NICE; 0: the same priority).",
      );
      printLoad(load);
    }
    if (wants("console")) {
      heading("6. The console: first page size and first render (local stack, headless Chromium)");
      const { runConsoleBench, printConsoleReport } = await import("./console.js");
      const report = await runConsoleBench(stack);
      printConsoleReport(report);
      results.console = report;
    }
    if (wants("widget")) {
      heading("7. The widget: a prompt caused by Moments.track() on screen (local stack, headless Chromium)");
      const { runWidgetBench, printWidgetReport } = await import("./widget.js");
      const report = await runWidgetBench(stack);
      printWidgetReport(report);
      results.widget = report;
    }
  } finally {
    await stack.stop();
  }
}

{
  const { checkTargets } = await import("./targets.js");
  const { table } = await import("./format.js");
  const targets = checkTargets(results);
  heading("Targets of issue 14 (met / NOT met / not measured in this run)");
  table(
    ["target", "measured", "goal", ""],
    targets.map((t) => [
      t.target,
      t.measured,
      t.goal,
      t.met === undefined ? "not measured" : t.met ? "met" : "NOT met",
    ]),
    [1, 2, 3],
  );
  results.targets = targets;
}

results.seconds = (performance.now() - started) / 1000;
results.loadAverageAtEnd = loadAverage();
writeFileSync(values.out ?? "bench-results.json", `${JSON.stringify(results, null, 2)}\n`);
console.log(
  `\nDone in ${(results.seconds as number).toFixed(0)} s; load average now ${loadAverage()}. Figures in ${values.out}.`,
);
