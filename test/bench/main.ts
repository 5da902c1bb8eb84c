/**
 * `npm run bench`: the figures behind the README's cost, size and speed claims. It prints tables
 * and writes them all to a JSON file; it asserts nothing.
 *
 *   npm run bench                          # every section
 *   npm run bench -- --only=cost           # bundles | requests | cost | load | console | widget, comma-separated
 *   npm run bench -- --start-rate=0.1 --events=1000000 --out=bench-results.json
 *   npm run bench -- --only=load --ingest-requests=500 --e2e-events=200   # a short load run: p99 and RSS not judged
 *   npm run bench -- --only=requests,cost --tracing=off --events-per-month=50000000   # as `cdk deploy -c tracing=off`
 *   npm run bench -- --only=requests,cost --events-per-second=20 --match-batching-window=1 --system-log-level=INFO
 *
 * Sections: `bundles` (size and cold import per function), `requests` (AWS requests, capacity
 * units and state transitions per scenario on the local stack), `cost` (the cost model per 1M
 * events, priced from the `requests` scenarios and the synthesized stack), `load` (local
 * throughput, latency and memory), `console` (the console's first page size and first render),
 * `widget` (a prompt caused by Moments.track() on screen; the widget's size is in `bundles`).
 * `load` runs in a process of its own, on a stack of its own; by default long enough for its
 * steady-state targets (10,000 ingestion requests at each connection setting, 22,400 events in all):
 * about two and a half minutes of the bench's four on a 2-core machine.
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
// The load section runs in a process of its own, this script again with this set (see runLoadProcess):
// it then runs that section alone, prints nothing and writes its figures to --out.
const LOAD_CHILD = process.env.MOMENTS_BENCH_LOAD_CHILD === "1";
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
    "ingest-requests": { type: "string", default: "10000" },
    "e2e-events": { type: "string", default: "300" },
    "e2e-warmup": { type: "string", default: "100" },
    "mix-events": { type: "string", default: "2000" },
    out: { type: "string", default: "bench-results.json" },
  },
});
const only = (
  LOAD_CHILD ? ["load"] : (values.only?.split(",").map((s) => s.trim()) ?? [...SECTIONS])
) as Section[];
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
if (!LOAD_CHILD)
  console.log(`Moments bench — commit ${commit}, node ${process.version}, load average ${loadAverage()}`);
const started = performance.now();
const loadOptions = {
  ingestRequests,
  endToEndEvents: e2eEvents,
  endToEndWarmup: e2eWarmup,
  mixedEvents: mixEvents,
  startShare: startRate,
  drainTimeoutMs: 300_000,
};
type LoadReport = Awaited<ReturnType<typeof import("./load.js").runLoad>>;
let load: LoadReport | undefined;

/**
 * The load section in a new process (this script again, MOMENTS_BENCH_LOAD_CHILD=1) on a stack of its
 * own, as `npm start` runs one: its RSS is then the stack's after the section's events, not also what
 * the sections before it left in this process (the bundles' builds, the scenarios' request logs,
 * another stack's caches), which moved the figure by up to 100 MB from one selection of sections to
 * another. The same flags, and the same Node flags (--expose-gc for the settled RSS, --cpu-prof).
 */
async function runLoadProcess(): Promise<LoadReport> {
  const { spawn } = await import("node:child_process");
  const { mkdtempSync, readFileSync, rmSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { fileURLToPath } = await import("node:url");
  const dir = mkdtempSync(join(os.tmpdir(), "moments-bench-load-"));
  const out = join(dir, "load.json");
  try {
    const args = [
      ...process.execArgv,
      fileURLToPath(import.meta.url),
      `--out=${out}`,
      `--ingest-requests=${ingestRequests}`,
      `--e2e-events=${e2eEvents}`,
      `--e2e-warmup=${e2eWarmup}`,
      `--mix-events=${mixEvents}`,
      `--start-rate=${startRate}`,
    ];
    const child = spawn(process.execPath, args, {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, MOMENTS_BENCH_LOAD_CHILD: "1" },
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once("error", reject);
      child.once("exit", (exitCode, signal) => resolve(signal ? null : exitCode));
    });
    if (code !== 0) throw new Error(`The load section's process failed (exit ${code ?? "by a signal"})`);
    return (JSON.parse(readFileSync(out, "utf8")) as { load: LoadReport }).load;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (wants("bundles")) {
  heading("1. Bundles and cold import, per function");
  const { runBundleBench, printBundleReport } = await import("./bundles.js");
  const report = await runBundleBench();
  printBundleReport(report);
  results.bundles = report;
}

/** The functions' log lines kept off the tables while `work` runs (as the scenarios and load do). */
async function quietly<T>(work: () => Promise<T>): Promise<T> {
  const { captureHandlerLogs } = await import("./scenarios.js");
  const logs = captureHandlerLogs();
  try {
    return await work();
  } finally {
    logs.restore();
  }
}

async function printLoadSection(report: LoadReport) {
  heading("5. Local throughput, latency and memory (loopback; the figures depend on the machine's load)");
  const { readBackEndNice } = await import("../../infra/local/stack.js");
  const { printLoad } = await import("./report.js");
  console.log(
    `The back end's threads (its functions, DynamoDB) ran ${readBackEndNice(process.env.MOMENTS_BACK_END_NICE)} nice levels below the HTTP API's, as \`npm start\` ` +
      "runs them (MOMENTS_BACK_END_NICE; 0: the same priority). The section ran on a stack of its own, in a new process.",
  );
  printLoad(report);
}

// Before the stack below starts: this process is then idle while the load section's runs.
if (wants("load") && !LOAD_CHILD) {
  load = await runLoadProcess();
  results.load = load;
}

const stackSections = wants("requests") || wants("cost") || wants("console") || wants("widget");
if (stackSections || LOAD_CHILD) {
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
    if (LOAD_CHILD) {
      const { runLoad } = await import("./load.js");
      load = await quietly(() => runLoad(stack, loadAverage, loadOptions));
      results.load = load;
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
    if (load && !LOAD_CHILD) await printLoadSection(load);
    if (wants("console")) {
      heading("6. The console: first page size and first render (local stack, headless Chromium)");
      const { runConsoleBench, printConsoleReport } = await import("./console.js");
      const report = await quietly(() => runConsoleBench(stack));
      printConsoleReport(report);
      results.console = report;
    }
    if (wants("widget")) {
      heading("7. The widget: a prompt caused by Moments.track() on screen (local stack, headless Chromium)");
      const { runWidgetBench, printWidgetReport } = await import("./widget.js");
      const report = await quietly(() => runWidgetBench(stack));
      printWidgetReport(report);
      results.widget = report;
    }
  } finally {
    await stack.stop();
  }
}
if (load && !LOAD_CHILD && !stackSections) await printLoadSection(load);

if (LOAD_CHILD) {
  writeFileSync(values.out ?? "bench-results.json", `${JSON.stringify(results)}\n`);
  process.exit(0);
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
