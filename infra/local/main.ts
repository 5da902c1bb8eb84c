/**
 * `npm start`: the whole stack on localhost. Environment:
 *   PORT                 HTTP port (default 3000)
 *   MOMENTS_ADMIN_KEY    seed this admin key for the default workspace (else one is generated)
 *   MOMENTS_TIME_SCALE   multiply every delay (1 = real time, 0.001 = a day in ~86 s, 0 = no wait)
 *   MOMENTS_DATA_DIR     persist everything in this folder: DynamoDB, the queue, the buses' pending
 *                        deliveries and running executions, so a restart (even after kill -9) keeps
 *                        every accepted event and resumes every run (default: in memory, nothing kept)
 *   MOMENTS_MATCH_CONCURRENCY  match queue batches processed at once, like Lambda's concurrency (default 4)
 *   MOMENTS_BACK_END_NICE  how much lower the CPU priority of the back end's threads (the queue's
 *                        matcher, the runs' actions, DynamoDB) is than the HTTP API's, 0 to 19
 *                        (default 10; Linux only): a drain then never slows a request
 *   MOMENTS_LOG_LEVEL    handler log level (default INFO)
 *   MOMENTS_DEMO_PORT    port of the widget demo app (default PORT + 1; 0 = any free port)
 *   MOMENTS_FAULTS       inject faults in front of the emulators, e.g. dynamodb=0.1/0.03,ses=0.1/0.03
 *                        (10 % throttling/500/503 answers, 3 % responses lost after being applied;
 *                        services: dynamodb, sfn, ses, eventbridge, lambda (task invokes);
 *                        see infra/local/faults.ts)
 */
import { readTimeScale } from "../../shared/config.js";
import { type Demo, startDemo } from "./demo.js";
import { Faults, parseFaultPlan } from "./faults.js";
import { DEFAULT_MATCH_CONCURRENCY, readBackEndNice, startLocalStack } from "./stack.js";

const port = Number(process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number, got "${process.env.PORT}"`);
  process.exit(1);
}
const logLevel = (process.env.MOMENTS_LOG_LEVEL ?? "INFO").toUpperCase();
const LEVELS = ["DEBUG", "INFO", "WARN", "ERROR", "CRITICAL", "SILENT"];
const threshold = Math.max(0, LEVELS.indexOf(logLevel));

/** The emulators' own log lines, filtered by the same level as the handlers' logs. */
function emulatorLog(entry: Record<string, unknown>) {
  const level = String(entry.level ?? "info").toUpperCase();
  if (Math.max(0, LEVELS.indexOf(level)) >= threshold) {
    console.log(JSON.stringify({ component: "local-runtime", ...entry }));
  }
}

const matchConcurrency = Number(process.env.MOMENTS_MATCH_CONCURRENCY ?? DEFAULT_MATCH_CONCURRENCY);
if (!Number.isInteger(matchConcurrency) || matchConcurrency < 1 || matchConcurrency > 1000) {
  console.error(
    `MOMENTS_MATCH_CONCURRENCY must be a whole number from 1 to 1000, got "${process.env.MOMENTS_MATCH_CONCURRENCY}"`,
  );
  process.exit(1);
}

let faultPlan: ReturnType<typeof parseFaultPlan>;
let backEndNice: number;
try {
  faultPlan = parseFaultPlan(process.env.MOMENTS_FAULTS);
  backEndNice = readBackEndNice(process.env.MOMENTS_BACK_END_NICE);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}

const started = Date.now();
let stack: Awaited<ReturnType<typeof startLocalStack>>;
try {
  stack = await startLocalStack({
    port,
    timeScale: readTimeScale(process.env.MOMENTS_TIME_SCALE),
    ...(process.env.MOMENTS_ADMIN_KEY ? { adminKey: process.env.MOMENTS_ADMIN_KEY } : {}),
    ...(process.env.MOMENTS_DATA_DIR ? { dataDir: process.env.MOMENTS_DATA_DIR } : {}),
    matchConcurrency,
    backEndNice,
    logLevel,
    onLog: emulatorLog,
    ...(faultPlan ? { faults: new Faults(faultPlan) } : {}),
  });
} catch (error) {
  const code = (error as { code?: string }).code;
  console.error(
    code === "EADDRINUSE"
      ? `Port ${port} is already in use: stop what is using it, or start on another port with PORT=<port> npm start`
      : `Could not start the local stack: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
}

// The widget demo is a convenience: the stack runs without it if its port is taken.
const demoPort = Number(process.env.MOMENTS_DEMO_PORT ?? (port === 0 ? 0 : port + 1));
let demo: Demo | undefined;
let demoLine: string;
try {
  demo = await startDemo({
    apiUrl: stack.apiUrl,
    adminKey: stack.adminKey,
    host: "127.0.0.1",
    port: demoPort,
  });
  demoLine = `${demo.url}   (the in-app widget in a pretend app: click "Export report")`;
} catch (error) {
  demoLine = `not started: ${error instanceof Error ? error.message : String(error)} (set MOMENTS_DEMO_PORT)`;
}

console.log(`
Moments is running locally (started in ${Date.now() - started} ms)

  API        ${stack.apiUrl}
  Console    ${stack.consoleUrl}   (sign in with the admin key below)
  Inbox      ${stack.inboxUrl}   (emails sent through the local SES)
  Demo       ${demoLine}
  Admin key  ${stack.adminKey}
  Workspace  ${stack.workspaceId}
  Time scale ${process.env.MOMENTS_TIME_SCALE ?? "1"}   Data: ${process.env.MOMENTS_DATA_DIR ?? "in memory"}${faultPlan ? `\n  Faults     ${process.env.MOMENTS_FAULTS}` : ""}

Try:  curl ${stack.apiUrl}/health
Press Ctrl-C to stop.
`);

/** How long Ctrl-C waits for the work in flight before stopping anyway. */
const DRAIN_TIMEOUT_MS = 10_000;
const dataDir = process.env.MOMENTS_DATA_DIR;

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) {
    console.log("Stopping now.");
    process.exit(1);
  }
  stopping = true;
  console.log(`\n${signal}: no new requests; finishing the work in flight (Ctrl-C again to stop at once)`);
  await demo?.stop();
  const left = await stack.drain(DRAIN_TIMEOUT_MS, (message) => console.log(message));
  if (left.retrying > 0) {
    console.log(
      dataDir
        ? `${left.retrying} bus delivery(ies) waiting for a retry: kept in ${dataDir}, retried at the next start.`
        : `${left.retrying} bus delivery(ies) waiting for a retry: lost (in memory; set MOMENTS_DATA_DIR to keep them; the log names each event).`,
    );
  }
  if (left.drained) {
    console.log("Nothing left in flight.");
  } else {
    const what = `${left.queued} queued event(s), ${left.deliveries} bus delivery(ies) and ${left.tasks} task(s)`;
    console.log(
      dataDir
        ? `Stopping with ${what} still in flight: kept in ${dataDir}, they run at the next start.`
        : `Stopping with ${what} still in flight: lost (in memory; set MOMENTS_DATA_DIR to keep them).`,
    );
  }
  await stack.stop();
  console.log(
    dataDir
      ? `Stopped. Runs waiting for a step or a timeout resume at the next start with MOMENTS_DATA_DIR=${dataDir}.`
      : "Stopped. Nothing was kept (in memory).",
  );
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
