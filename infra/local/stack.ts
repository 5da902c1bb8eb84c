/**
 * The whole Moments stack on localhost, in one process, with no AWS and no Docker: dynalite
 * (DynamoDB), aws-ses-v2-local (SES), a local Step Functions API running the deployed state-machine
 * definition, a local EventBridge applying the deployed rule pattern, an SQS-like queue, and the
 * HTTP routes. Handlers are the real ones, with real SDK clients pointed here by the standard
 * AWS_ENDPOINT_URL_<SERVICE> variables. One local stack per process: handlers read their
 * environment once, at import, as they do in Lambda.
 */
import "./polyfills.js";
import { mkdtemp, rm } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MessageChannel } from "node:worker_threads";
import {
  type LambdaDeadLetterQueueName,
  type LambdaRuleTarget,
  type LambdaRuleTargetName,
  lambdaRuleTargets,
} from "../../shared/contracts/async-invocation.js";
import { busRules, executionFailedPattern, sesFeedbackPattern } from "../../shared/contracts/bus.js";
import { Env, type EnvName, type FunctionId } from "../../shared/contracts/functions.js";
import { routes } from "../../shared/contracts/routes.js";
import {
  RECONCILE_WAIT_SECONDS,
  reconcileWaitMs,
  resolveSubstitutions,
  runWorkflowDefinition,
} from "../../shared/contracts/workflow.js";
import { generateApiKey } from "../../shared/domain/api-keys.js";
import { cachedBuild } from "../build-cache.js";
import { buildConsole, CONSOLE_BASE_PATH } from "../console/build.js";
import { writeWidget } from "../widget-build.js";
import {
  createLocalDeadLetterQueue,
  type DeadLetterMessage,
  type LocalDeadLetterQueue,
  lambdaTarget,
} from "./async-invocation.js";
import { installCallerIdentity } from "./caller.js";
import { createAppTable, DynamoDBClient } from "./dynamodb.js";
import { startLocalDynamoThread } from "./dynamodb-thread.js";
import { startLocalEventBridge } from "./event-bridge.js";
import { type FaultService, type Faults, startFaultProxy } from "./faults.js";
import { startLocalFunctionsThread } from "./functions-thread.js";
import { localFunctionName } from "./handlers.js";
import { startLocalHttpApi } from "./http-api.js";
import { type IamPlaceholders, localAccess } from "./iam.js";
import { type MessageServers, messageServers, type RequestListener } from "./message-transport.js";
import { createLocalQueue, eventBridgeDeadLetter } from "./queue.js";
import { resumeRunInput, runTaskCheckpoint } from "./resume-run.js";
import { SES_EVENT_LATENCY_MS, type SesEventEntry, startLocalSesEvents } from "./ses-events.js";
import { type ExecutionStatusChangeEntry, startLocalStepFunctions } from "./step-functions.js";

export const LOCAL_REGION = "us-east-1";
export const LOCAL_ACCOUNT = "000000000000";
export const LOCAL_WORKSPACE = "default";
/** The local SES configuration set: its Send events reach the ses-feedback function. */
export const LOCAL_CONFIGURATION_SET = "moments-local";
/** Match queue batches `npm start` processes at once (the tests' stacks use 1: events in the order sent). */
export const DEFAULT_MATCH_CONCURRENCY = 4;

export interface LocalStackOptions {
  host?: string;
  port?: number;
  /** Seeded admin key for the default workspace; generated when absent. */
  adminKey?: string;
  /**
   * Multiplies every step delay, and the waits between retries (Step Functions', and Lambda's
   * between the attempts of a function a rule invokes): 1 = real time, 0 = no waiting.
   */
  timeScale?: number;
  /**
   * Persist here: DynamoDB (LevelDB), and journals of the match queue, the buses' pending deliveries
   * and the running executions, so a restart (after Ctrl-C or kill -9) loses nothing accepted and
   * resumes every run in flight. Everything lives in memory when absent.
   */
  dataDir?: string;
  /** Batches of the match queue processed at once (Lambda's concurrency); default 1. */
  matchConcurrency?: number;
  /** Powertools log level of the handlers (default INFO). */
  logLevel?: string;
  onLog?: (entry: Record<string, unknown>) => void;
  /**
   * Optional variables of the functions' contract (provider base URLs pointing at local fakes, the
   * webhook loopback opt-in...), set before any handler is imported. The webhook loopback opt-in is
   * on by default here (local receivers listen on 127.0.0.1); pass "false" to test the guard.
   * Powertools' own variables too (the bench turns metrics on to count their EMF bytes).
   */
  env?: Partial<Record<EnvName, string>> & { POWERTOOLS_METRICS_DISABLED?: "true" | "false" };
  /**
   * Fault injection (see faults.ts): with it, the functions reach DynamoDB, Step Functions, SES and
   * EventBridge (or those `faultProxies` names) through fault proxies that follow this plan, changeable
   * while the stack runs, and the local Step Functions applies its `lambda` faults to the task
   * functions it invokes.
   */
  faults?: Faults;
  /**
   * With `faults`, the emulators the functions reach through a fault proxy (default: all four; `[]`:
   * none). The others they reach as without a plan, by message: a test that only needs the bus to
   * refuse a PutEvents need not send every DynamoDB call over HTTP through a proxy, a third more CPU
   * per API request. The plan then refuses faults for the others (`Faults.withoutProxies`), which would
   * never fire. The `lambda` faults (asked by the local Step Functions) do not depend on it.
   */
  faultProxies?: readonly ProxiedService[];
  /**
   * Modules the functions thread imports before any handler (the bench's SDK instrumentation, which
   * must wrap the SDK's client class before a handler builds its clients), as file URLs.
   */
  threadPreload?: string[];
  /** Hears what those modules relay to the main thread (relayToMainThread in thread.ts). */
  onThreadRelay?: (data: unknown) => void;
  /**
   * Added to the process's nice value (up to 19) for the asynchronous back end's threads: its
   * functions' (match, action, run-state, ses-feedback) and DynamoDB's, which mostly serves them. On
   * AWS the HTTP API's front ends and functions never wait for a core behind the matcher; here, with
   * a lower priority, a queue drain takes what the request path leaves, and its delay shows as queue
   * age instead of request latency. Linux only (elsewhere a nice value is the whole process's). Default 0:
   * where other processes share the cores (test files in parallel), a niced back end would wait
   * behind their work, not the stack's own front end. `npm start` and the bench use BACK_END_NICE.
   */
  backEndNice?: number;
}

/** The emulators a fault plan can put a proxy in front of (see `faultProxies`). */
const PROXIED_SERVICES = ["dynamodb", "sfn", "ses", "eventbridge"] as const satisfies readonly FaultService[];
export type ProxiedService = (typeof PROXIED_SERVICES)[number];

/** The HTTP API functions thread's young generation, in MB (see startThread's youngGenerationMb). */
const API_YOUNG_GENERATION_MB = 32;

/** The back end's nice value in `npm start` and the bench (see backEndNice). */
export const BACK_END_NICE = 10;

/** MOMENTS_BACK_END_NICE as `npm start` and the bench read it: 0 to 19, BACK_END_NICE when unset. */
export function readBackEndNice(value: string | undefined): number {
  if (value === undefined || value === "") return BACK_END_NICE;
  const nice = Number(value);
  if (!Number.isInteger(nice) || nice < 0 || nice > 19)
    throw new Error(`MOMENTS_BACK_END_NICE must be a whole number from 0 to 19, got "${value}"`);
  return nice;
}

export interface LocalStack {
  apiUrl: string;
  /** The console (same origin as the API). */
  consoleUrl: string;
  inboxUrl: string;
  adminKey: string;
  workspaceId: string;
  /** The fault plan the stack was started with, if any. */
  faults?: Faults;
  /**
   * Events the match queue gave up on (dead letters), with their messageId when they carry one and
   * why their last attempt failed, and the events the bus could not put on the queue (the same queue
   * on AWS, the match rule target's dead-letter queue), with EventBridge's message `attributes`. With
   * a data dir they are kept across restarts.
   */
  deadLetters(): Array<{
    messageId?: string;
    body: string;
    reason: string;
    attributes?: Record<string, string>;
  }>;
  /**
   * The messages of a dead-letter queue of a function EventBridge invokes (FeedbackDeadLetterQueue for
   * ses-feedback, FailedExecutionsDeadLetterQueue for run-state): each body is Lambda's invocation
   * record (the event in `requestPayload`, the last error in `responsePayload`), sent once every
   * attempt Lambda's asynchronous retries allow failed. With a data dir they are kept across restarts.
   */
  invocationDeadLetters(queue: LambdaDeadLetterQueueName): DeadLetterMessage[];
  /**
   * Resolves when nothing is in flight: no running or imminent bus delivery, queued message or running
   * execution. A bus delivery sleeping through a retry wait longer than a second (Lambda's minute,
   * scaled, when a function a rule invokes threw) is not waited for: at time scale 1 that is minutes;
   * a test that wants the retry polls for it (or runs at time scale 0, where the waits are none).
   */
  idle(): Promise<void>;
  /**
   * Graceful stop's first half (Ctrl-C): refuses new requests, then waits, at most `timeoutMs`, until
   * the bus, the queue and the executions' tasks have nothing in flight (executions waiting out a
   * delay, and bus deliveries waiting for a retry, `retrying`, are not waited for: the data folder
   * keeps them). `progress` hears what it does. Resolves with what was left.
   */
  drain(
    timeoutMs: number,
    progress?: (message: string) => void,
  ): Promise<{ drained: boolean; queued: number; deliveries: number; retrying: number; tasks: number }>;
  /**
   * Linux thread ids (/proc/self/task/<tid>) of the stack's threads other than the main one: the
   * bench splits CPU per thread with them. Absent off Linux.
   */
  threadIds: { dynamodb?: number; functions?: number; apiFunctions?: number };
  /**
   * A full GC of the stack's other threads' heaps when node runs with --expose-gc (the bench's
   * settled RSS figures; the caller collects its own thread); nothing otherwise.
   */
  collectGarbage(): Promise<void>;
  /** The local gateway's one-shot fault: the next request to `path` is processed, then answered `status` (503). */
  failNextResponse(path: string, status?: number): void;
  /**
   * How many of the functions' requests each emulator answered by message rather than over HTTP
   * (message-transport.ts; none of one behind a fault proxy, which is reached over HTTP).
   */
  servedByMessage(): Promise<{ dynamodb: number; eventBridge: number; stepFunctions: number; ses: number }>;
  /**
   * Puts an SES sending event on the default bus as SES does (source `aws.ses`, which PutEvents
   * refuses to any caller): the events the local SES never publishes (a Reject, a bounce), for tests.
   */
  publishSesEvent(detailType: string, detail: Record<string, unknown>): Promise<void>;
  stop(): Promise<void>;
}

const functionArn = (fn: FunctionId) =>
  `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${localFunctionName(fn)}`;

/** The local inbox keeps the newest emails only: a long local run keeps flat memory. */
const INBOX_MAX_EMAILS = 10_000;

/** The local SES servers running in this process: their package keeps one inbox for all of them. */
let liveLocalSes = 0;

export async function startLocalSes(
  host: string,
): Promise<{ url: string; trimInbox(): void; stop(): Promise<void> }> {
  const mod = (await import("aws-ses-v2-local")) as unknown as {
    default: ((config: { host: string; port: number }) => Promise<Server>) & { default?: unknown };
  };
  const start = (typeof mod.default === "function" ? mod.default : mod) as (c: {
    host: string;
    port: number;
  }) => Promise<Server>;
  const server = await start({ host, port: 0 });
  const { port } = server.address() as AddressInfo;
  // The package's store is module-global, an array of every email ever sent.
  const { getStoreReadonly } = (await import("aws-ses-v2-local/dist/store.js")) as unknown as {
    getStoreReadonly(): { emails: unknown[] };
  };
  const trimInbox = () => {
    const store = getStoreReadonly();
    if (store.emails.length > INBOX_MAX_EMAILS)
      store.emails.splice(0, store.emails.length - INBOX_MAX_EMAILS);
  };
  liveLocalSes++;
  // The last one to stop empties the inbox, so a stack started after it in the same process (test
  // files run one after another in one) starts with an empty one, as with a process of its own; each
  // test's read of the inbox does not grow with every stack the process ran before.
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= new Promise<void>((resolve) => {
      server.closeAllConnections?.();
      server.close(() => {
        if (--liveLocalSes === 0) getStoreReadonly().emails.length = 0;
        resolve();
      });
    }));
  return { url: `http://${host}:${port}`, trimInbox, stop };
}

/** The messageId of an event on the match queue (a bus event whose detail carries it). */
function messageIdOf(body: string): { messageId?: string } {
  try {
    const messageId = (JSON.parse(body) as { detail?: { messageId?: unknown } }).detail?.messageId;
    return typeof messageId === "string" ? { messageId } : {};
  } catch {
    return {};
  }
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const host = options.host ?? "127.0.0.1";
  const timeScale = options.timeScale ?? 1;
  const stops: Array<() => Promise<void>> = [];
  // Each stop runs once, last-started first: a second stop() (a test's afterAll after its own, a
  // signal's handler) waits for the first instead of stopping everything again.
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
    })());
  // The stack sets the process's environment for its functions (endpoints, the CDK app's variables,
  // options.env): a stopped stack gives it back as it found it, so a stack started after it in the
  // same process (a test process runs several files) sees none of an earlier stack's settings.
  const environment = { ...process.env };
  stops.push(async () => {
    for (const name of Object.keys(process.env)) if (!(name in environment)) delete process.env[name];
    Object.assign(process.env, environment);
  });
  try {
    // Without a data dir the table still lives in LevelDB, in a folder deleted at stop: dynalite's
    // in-memory store keeps every item as a slice of a pooled 8 KB buffer, so memory grew by ~17 KB
    // per event for good; LevelDB keeps a bounded cache and is as fast here.
    const scratchDir = options.dataDir ? undefined : await mkdtemp(join(tmpdir(), "moments-dynamodb-"));
    if (scratchDir) stops.push(() => rm(scratchDir, { recursive: true, force: true }));
    const tableName = "moments";
    const eventBusName = "moments";
    const stateMachineName = "moments-run";
    const stateMachineArn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${stateMachineName}`;
    // Every service refuses what the calling function's deployed role would not allow (iam.ts).
    const iam: IamPlaceholders = {
      "AWS::Partition": "aws",
      "AWS::Region": LOCAL_REGION,
      "AWS::AccountId": LOCAL_ACCOUNT,
      Table: tableName,
      EventBus: eventBusName,
      StateMachine: stateMachineName,
      ConfigurationSet: LOCAL_CONFIGURATION_SET,
    };
    const access = localAccess(iam);
    installCallerIdentity();
    const dynamo = await startLocalDynamoThread(
      host,
      options.dataDir ? join(options.dataDir, "dynamodb") : scratchDir,
      iam,
      options.backEndNice,
    );
    stops.push(dynamo.stop);
    const ses = await startLocalSes(host);
    // Stopped after the SES front below (stops run last-started first), even if that fails to start.
    stops.push(ses.stop);
    // SES publishes its sending events to the default bus, which starts further down.
    let publishSesEvent: (entry: SesEventEntry) => Promise<void> = async () => {
      throw new Error("The local default bus is not started yet");
    };
    // Step Functions publishes its executions' status changes there too.
    let publishStatusChange: (entry: ExecutionStatusChangeEntry) => Promise<void> = async () => {
      throw new Error("The local default bus is not started yet");
    };
    const sesEvents = await startLocalSesEvents({
      target: ses.url,
      host,
      authorize: access.ses,
      publish: (entry) => {
        ses.trimInbox();
        return publishSesEvent(entry);
      },
    });
    let stopSes = sesEvents.stop;
    stops.push(() => stopSes());

    // Without a plan the functions talk to the emulators directly; with one, through a fault proxy
    // (those `faultProxies` names, when it names some).
    const proxied = (service: ProxiedService) =>
      options.faults !== undefined && (options.faultProxies?.includes(service) ?? true);
    options.faults?.withoutProxies(PROXIED_SERVICES.filter((service) => !proxied(service)));
    const faulty = async (service: ProxiedService, endpoint: string) => {
      if (!options.faults || !proxied(service)) return endpoint;
      const proxy = await startFaultProxy({ service, target: endpoint, faults: options.faults, host });
      stops.push(proxy.stop);
      return proxy.url;
    };

    // The widget is built as the CDK app builds it into the inbox function's asset (kept while its
    // sources and the build are unchanged: build-cache.ts).
    const { dir: widgetDir } = await cachedBuild("local widget", (dir) => ({
      inputs: [...writeWidget(dir), fileURLToPath(new URL("../widget-build.ts", import.meta.url))],
      data: null,
    }));

    // The same variables the CDK app sets on the functions, plus endpoints for the emulators. The
    // Step Functions and EventBridge endpoints are only known after their servers start, and the
    // handlers that need them are imported after that.
    Object.assign(process.env, {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
      AWS_ENDPOINT_URL_DYNAMODB: await faulty("dynamodb", dynamo.endpoint),
      AWS_ENDPOINT_URL_SES: await faulty("ses", sesEvents.url),
      // As the CDK app: sends go through a configuration set, whose Send events reach ses-feedback.
      [Env.sesConfigurationSet]: LOCAL_CONFIGURATION_SET,
      [Env.tableName]: tableName,
      [Env.eventBusName]: eventBusName,
      [Env.stateMachineArn]: stateMachineArn,
      [Env.timeScale]: String(timeScale),
      [Env.widgetDir]: widgetDir,
      // Lambda runs Node 22; on a Node 20 laptop the SDK's upgrade notice is noise in every run.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      POWERTOOLS_LOG_LEVEL: options.logLevel ?? "INFO",
      POWERTOOLS_TRACE_ENABLED: "false",
      // Tracing is off here, but the X-Ray SDK the Tracer imports still installs an async hook that
      // tracks the destruction of every promise in the process (its automatic context mode): 15-20 %
      // of the local stack's CPU under load, emulators included. Manual mode installs none.
      AWS_XRAY_MANUAL_MODE: "true",
      POWERTOOLS_METRICS_DISABLED: "true",
      // Local development opts in to webhook targets on this machine (off unless set; never on AWS).
      [Env.webhookAllowLoopback]: "true",
      ...options.env,
    });
    delete process.env.AWS_PROFILE;

    // The console is built from source (esbuild: well under a second), again when its sources or
    // its build changed (build-cache.ts).
    const { dir: consoleDir } = await cachedBuild("local console", (dir) => ({
      inputs: [
        ...Object.keys(buildConsole(dir).metafile.inputs),
        fileURLToPath(new URL("../console/build.ts", import.meta.url)),
      ],
      data: null,
    }));
    process.env[Env.consoleAssetsDir] = consoleDir;

    await createAppTable(new DynamoDBClient({ endpoint: dynamo.endpoint }), tableName);
    // The functions run on two threads of their own (see functions-thread.ts), as Lambda runs them
    // apart from the services that invoke them: the asynchronous back end's (match, action,
    // run-state, ses-feedback) on one, the HTTP API's (health, ingest, inbox, admin, console) on the
    // other, so neither waits behind the other's work nor keeps this thread's emulators (the HTTP
    // API, the bus, the queue, Step Functions, SES) from answering and accepting connections. They
    // share the process's environment, so they may start before every endpoint is known: a handler
    // is imported on first use, or when `load` says every variable it reads is set.
    // Unless a fault proxy stands in front of it (then they talk to the proxy over HTTP), the
    // functions reach DynamoDB by message (message-transport.ts).
    const dynamoByMessage = !proxied("dynamodb");
    const threadOptions = {
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT,
      routes: dynamoByMessage ? [{ endpoint: dynamo.endpoint, connect: () => dynamo.connect() }] : [],
      ...(options.threadPreload ? { preload: options.threadPreload } : {}),
      ...(options.onThreadRelay ? { onRelay: options.onThreadRelay } : {}),
    };
    const [functions, apiFunctions] = await Promise.all([
      startLocalFunctionsThread({
        ...threadOptions,
        ...(options.backEndNice ? { nice: options.backEndNice } : {}),
      }),
      // A larger young generation for the thread that answers requests (32 MB; V8's default is up to
      // 48): fewer scavenges, each a stall for every request in flight. At 50 connections, three
      // alternated pairs: p99 78-94 ms against 93-111 with 8 MB, RSS after 20,400 events unchanged.
      startLocalFunctionsThread({
        ...threadOptions,
        what: "local API functions thread",
        youngGenerationMb: API_YOUNG_GENERATION_MB,
      }),
    ]);
    stops.push(functions.stop, apiFunctions.stop);
    // An emulator on this thread, reached by message from both functions threads. Its stop closes
    // the ports first, as a stopped server closes its connections: the functions then reach its
    // endpoint over HTTP again, where nothing listens any more.
    const servedHere = new Map<string, MessageServers>();
    const byMessage = <E extends { endpoint: string; listener: RequestListener; stop(): Promise<void> }>(
      name: string,
      emulator: E,
    ): E => {
      const servers = messageServers(emulator.listener);
      servedHere.set(name, servers);
      for (const thread of [functions, apiFunctions])
        thread.route({
          endpoint: emulator.endpoint,
          connect: () => {
            const { port1, port2 } = new MessageChannel();
            servers.serve(port1);
            return port2;
          },
        });
      const stop = emulator.stop;
      emulator.stop = () => {
        servers.close();
        return stop();
      };
      return emulator;
    };
    // The SES front started before the functions threads: its entry in `stops` (above) stops it, and
    // with it its ports, after theirs, as over HTTP.
    if (!proxied("ses")) stopSes = byMessage("ses", { ...sesEvents, endpoint: sesEvents.url }).stop;
    const backEnd = (fn: FunctionId) => (payload: unknown, requestId?: string) =>
      functions.invoke(fn, payload, requestId);

    // The API listens first, its handlers imported on first request: its URL is part of the
    // functions' environment (unsubscribe links), which must be set before any handler is imported.
    const http = (fn: FunctionId) => (event: unknown) => apiFunctions.invoke(fn, event);
    // Settled once the admin key is seeded (at the end of this function): until then the API answers 503, so
    // a script that waits for GET /health and then calls the admin API at once never sees a 401.
    let markReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => {
      markReady = resolve;
    });
    const api = await startLocalHttpApi({
      ready,
      routes,
      handlers: {
        health: http("health"),
        ingest: http("ingest"),
        inbox: http("inbox"),
        admin: http("admin"),
        console: http("console"),
      } as Parameters<typeof startLocalHttpApi>[0]["handlers"],
      host,
      port: options.port ?? 3000,
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT,
      ...(options.onLog ? { onLog: options.onLog } : {}),
    });
    stops.push(api.stop);
    process.env[Env.publicApiUrl] ??= api.url;

    // Handlers read their endpoints at import, and some call Step Functions: the emulator starts
    // first and its task functions are imported after it.
    const definition = resolveSubstitutions(runWorkflowDefinition(), {
      ActionFunctionArn: functionArn("action"),
      RunStateFunctionArn: functionArn("run-state"),
    });
    const journal = (file: string) => (options.dataDir ? join(options.dataDir, file) : undefined);
    const stepFunctionsJournal = journal("step-functions/executions.jsonl");
    const stepFunctions = await startLocalStepFunctions({
      // Durable executions: resumed after a restart where their steps left off.
      ...(stepFunctionsJournal
        ? {
            persistence: {
              journalPath: stepFunctionsJournal,
              checkpoint: runTaskCheckpoint,
              resumeInput: resumeRunInput,
            },
          }
        : {}),
      stateMachines: [{ arn: stateMachineArn, definition }],
      authorize: access.stepFunctions,
      ...(options.faults ? { faults: options.faults } : {}),
      lambdas: {
        [functionArn("action")]: backEnd("action"),
        [functionArn("run-state")]: backEnd("run-state"),
      },
      host,
      port: 0,
      // Retry intervals are delays too: compress them with the time scale.
      ...(timeScale !== 1 ? { retryIntervalMs: Math.round(2000 * timeScale) } : {}),
      // A step in doubt waits for its evidence as long as the action function expects (scaled, with a
      // floor); any other fixed Wait is scaled like every delay.
      fixedWaitMs: (seconds) =>
        seconds === RECONCILE_WAIT_SECONDS ? reconcileWaitMs(timeScale) : seconds * 1000 * timeScale,
      ...(options.onLog ? { onLog: options.onLog } : {}),
      // As on AWS, every execution's end is an event on the default bus (published once the bus runs).
      onStatusChange: (entry) => {
        void publishStatusChange(entry).catch((error: unknown) =>
          options.onLog?.({
            level: "error",
            service: "local-sfn",
            message: "status change not published",
            error: String(error),
          }),
        );
      },
    });
    if (!proxied("sfn")) byMessage("stepFunctions", stepFunctions);
    stops.push(stepFunctions.stop);
    process.env.AWS_ENDPOINT_URL_SFN = await faulty("sfn", stepFunctions.endpoint);
    // Loaded now that every endpoint they use is known.
    await functions.load(["action", "run-state", "match"]);

    const log = options.onLog ?? (() => undefined);
    const queueJournal = journal("queue/moments-match.jsonl");
    const queue = createLocalQueue({
      ...(queueJournal ? { journalPath: queueJournal } : {}),
      concurrency: options.matchConcurrency ?? 1,
      onDeadLetter: (letter) =>
        log({
          level: "error",
          service: "local-sqs",
          message: "event dead-lettered",
          ...messageIdOf(letter.body),
          reason: letter.reason,
          receiveCount: letter.receiveCount,
        }),
      name: "moments-match",
      handler: backEnd("match") as Parameters<typeof createLocalQueue>[0]["handler"],
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT,
      retryDelayMs: Math.max(10, Math.round(30_000 * Math.min(timeScale, 1))),
      maxReceiveCount: 5,
      ...(options.onLog ? { onLog: options.onLog } : {}),
    });
    stops.push(queue.stop);
    // The queues the CDK app gives the functions rules invoke as on-failure destinations (and rule-target
    // dead-letter queues), with their alarms: a message in one is logged at warn level, as the alarm fires.
    const invocationDeadLetterQueues = new Map<string, LocalDeadLetterQueue>();
    const ruleTarget = (contract: LambdaRuleTarget) => {
      const deadLetterJournal = journal(`dead-letters/${contract.deadLetterQueue}.jsonl`);
      const deadLetterQueue = createLocalDeadLetterQueue({
        name: contract.deadLetterQueue,
        region: LOCAL_REGION,
        accountId: LOCAL_ACCOUNT,
        ...(deadLetterJournal ? { journalPath: deadLetterJournal } : {}),
        // A restart with dead letters still held: the alarm is still in ALARM on AWS.
        onKept: (messages) =>
          log({
            level: "warn",
            service: "local-sqs",
            message: `alarm ${contract.alarm.id}: ${messages.length} message(s) kept in ${contract.deadLetterQueue} from a previous run: ${contract.alarm.description}`,
            alarm: contract.alarm.id,
            queue: contract.deadLetterQueue,
            messages: messages.length,
          }),
        onMessage: (message) => {
          let record: { requestPayload?: { id?: unknown }; responsePayload?: { errorMessage?: unknown } } =
            {};
          try {
            record = JSON.parse(message.body) as typeof record;
          } catch {}
          log({
            level: "warn",
            service: "local-sqs",
            message: `alarm ${contract.alarm.id}: a message is in ${contract.deadLetterQueue}: ${contract.alarm.description}`,
            alarm: contract.alarm.id,
            queue: contract.deadLetterQueue,
            function: localFunctionName(contract.function),
            eventId: record.requestPayload?.id,
            error: record.responsePayload?.errorMessage,
          });
        },
      });
      invocationDeadLetterQueues.set(contract.deadLetterQueue, deadLetterQueue);
      stops.push(async () => deadLetterQueue.close());
      return lambdaTarget({
        contract,
        functionArn: functionArn(contract.function),
        invoke: backEnd(contract.function),
        timeScale,
        deadLetterQueue,
      });
    };
    const busJournal = journal("events/deliveries.jsonl");
    // Every rule of the contract, each with its pattern as the CDK app builds it (a contract entry
    // without one here does not compile): SES's sending events to ses-feedback, and failed, timed-out
    // or aborted executions, which end their runs (run-state).
    const lambdaRulePatterns: Record<LambdaRuleTargetName, Record<string, unknown>> = {
      sesFeedback: sesFeedbackPattern(LOCAL_CONFIGURATION_SET),
      failedExecutions: executionFailedPattern(stateMachineArn),
    };
    const eventBridge = await startLocalEventBridge({
      ...(busJournal ? { journalPath: busJournal } : {}),
      rules: [
        ...Object.entries(lambdaRuleTargets).map(([name, contract]) => ({
          name: contract.rule,
          eventBusName: "default",
          pattern: lambdaRulePatterns[name as LambdaRuleTargetName],
          ...ruleTarget(contract),
        })),
        {
          name: busRules.matchEvents.id,
          eventBusName,
          pattern: busRules.matchEvents.pattern,
          target: async (event) => queue.send(JSON.stringify(event)),
          // As the CDK app's rule target: what EventBridge cannot put on the match queue goes to the
          // match queue's dead-letter queue (the bare event, with why), not dropped.
          deadLetter: eventBridgeDeadLetter(queue, {
            ruleArn: `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:rule/${eventBusName}/${busRules.matchEvents.id}`,
            targetArn: `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:moments-match`,
          }),
        },
      ],
      accountId: LOCAL_ACCOUNT,
      region: LOCAL_REGION,
      authorize: access.eventBridge,
      host,
      port: 0,
      ...(options.onLog ? { onLog: options.onLog } : {}),
    });
    if (!proxied("eventbridge")) byMessage("eventBridge", eventBridge);
    stops.push(eventBridge.stop);
    // Stops run last-started first, but Step Functions must stop before the bus and the queue: until
    // it stops, a Wait can fall due and its run complete, and that execution's status change needs the
    // bus (it was lost, "status change not published", when the bus had stopped first). Its stop is
    // idempotent: the entry above still stops it when a later start-up step fails.
    stops.push(stepFunctions.stop);
    process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = await faulty("eventbridge", eventBridge.endpoint);
    // SES itself (not our code) publishes: as a service, not through a fault proxy.
    // SES publishes a sending event after the send, not with it: on AWS a Send event reaches the bus a
    // second or more after the sender had SES's answer, so the step has recorded its send by then.
    // Locally the answer and the event are a message apart: the event's delivery waits
    // SES_EVENT_LATENCY_MS (unscaled, so that the order normally holds at every time scale).
    publishSesEvent = (entry) =>
      eventBridge.publishAsService({ ...entry }, { latencyMs: SES_EVENT_LATENCY_MS });
    publishStatusChange = (entry) => eventBridge.publishAsService({ ...entry });
    // Imported now that every endpoint they use is known (the first request would import them anyway).
    await apiFunctions.load(["health", "ingest", "inbox", "admin"]);

    const adminKey = options.adminKey ?? generateApiKey("admin");
    const { ensureAdminKey } = await import("../../shared/use-cases/bootstrap.js");
    const { DynamoKeyStore } = await import("../../shared/adapters/dynamodb/key-store.js");
    const { documentClient } = await import("../../shared/adapters/clients.js");
    await ensureAdminKey(
      { keys: new DynamoKeyStore(documentClient(), tableName), clock: { now: () => new Date() } },
      LOCAL_WORKSPACE,
      adminKey,
    );
    // What a journal kept from the previous process runs now that every function can be reached.
    eventBridge.resume();
    queue.resume();
    stepFunctions.resume();
    markReady();

    return {
      apiUrl: api.url,
      consoleUrl: `${api.url}${CONSOLE_BASE_PATH}`,
      inboxUrl: ses.url,
      adminKey,
      workspaceId: LOCAL_WORKSPACE,
      ...(options.faults ? { faults: options.faults } : {}),
      threadIds: {
        ...(dynamo.tid === undefined ? {} : { dynamodb: dynamo.tid }),
        ...(functions.tid === undefined ? {} : { functions: functions.tid }),
        ...(apiFunctions.tid === undefined ? {} : { apiFunctions: apiFunctions.tid }),
      },
      collectGarbage: async () => {
        await Promise.all([
          dynamo.collectGarbage(),
          functions.collectGarbage(),
          apiFunctions.collectGarbage(),
        ]);
      },
      deadLetters: () =>
        queue.deadLetters().map(({ body, reason, attributes }) => ({
          body,
          reason,
          ...(attributes ? { attributes } : {}),
          ...messageIdOf(body),
        })),
      invocationDeadLetters: (name) => invocationDeadLetterQueues.get(name)?.messages() ?? [],
      async drain(timeoutMs, progress = () => undefined) {
        const deadline = Date.now() + timeoutMs;
        // Bus deliveries sleeping through a retry wait (a minute or two of Lambda's, scaled) are not
        // waited for: a stop keeps them in the journal, where the wait goes on at the next start (or
        // logs them lost without a data folder); `retrying` says how many.
        const left = () => ({
          queued: queue.pending(),
          deliveries: eventBridge.running(),
          retrying: eventBridge.sleeping(),
          tasks: stepFunctions.tasksInFlight(),
        });
        await api.stop();
        let now = left();
        if (now.queued + now.deliveries + now.tasks > 0) {
          progress(
            `Draining: ${now.queued} queued event(s), ${now.deliveries} bus delivery(ies), ${now.tasks} task(s) in flight (at most ${Math.round(timeoutMs / 1000)} s)…`,
          );
        }
        while (now.queued + now.deliveries + now.tasks > 0 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          now = left();
        }
        return { drained: now.queued + now.deliveries + now.tasks === 0, ...now };
      },
      failNextResponse: api.failNextResponse,
      servedByMessage: async () => {
        const sum = (name: string) => servedHere.get(name)?.served() ?? 0;
        return {
          dynamodb: await dynamo.servedByMessage(),
          eventBridge: sum("eventBridge"),
          stepFunctions: sum("stepFunctions"),
          ses: sum("ses"),
        };
      },
      publishSesEvent: (detailType, detail) =>
        eventBridge.publishAsService({
          Source: "aws.ses",
          DetailType: detailType,
          Detail: JSON.stringify(detail),
          EventBusName: "default",
        }),
      async idle() {
        // Work flows bus -> queue -> executions, and an execution can put more events on the bus
        // (later issues), so drain the chain until one full pass started nothing new.
        for (let pass = 0; pass < 3; pass++) {
          await eventBridge.idle();
          await queue.idle();
          await stepFunctions.idle();
        }
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
