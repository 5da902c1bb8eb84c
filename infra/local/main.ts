/**
 * `npm start`: the whole stack on localhost. Environment:
 *   PORT                 HTTP port (default 3000)
 *   MOMENTS_ADMIN_KEY    seed this admin key for the default workspace (else one is generated)
 *   MOMENTS_TIME_SCALE   multiply every delay (1 = real time, 0.001 = a day in ~86 s, 0 = no wait)
 *   MOMENTS_DATA_DIR     persist DynamoDB data in this folder (default: in memory)
 *   MOMENTS_LOG_LEVEL    handler log level (default INFO)
 *   MOMENTS_DEMO_PORT    port of the widget demo app (default PORT + 1; 0 = any free port)
 *   MOMENTS_FAULTS       inject faults in front of the emulators, e.g. dynamodb=0.1/0.03,ses=0.1/0.03
 *                        (10 % throttling/500/503 answers, 3 % responses lost after being applied;
 *                        services: dynamodb, sfn, ses, eventbridge; see infra/local/faults.ts)
 */
import { readTimeScale } from "../../shared/config.js";
import { type Demo, startDemo } from "./demo.js";
import { Faults, parseFaultPlan } from "./faults.js";
import { startLocalStack } from "./stack.js";

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

let faultPlan: ReturnType<typeof parseFaultPlan>;
try {
  faultPlan = parseFaultPlan(process.env.MOMENTS_FAULTS);
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

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping…`);
  await demo?.stop();
  await stack.stop();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
