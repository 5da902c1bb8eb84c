/**
 * Local throughput and latency (section `load` of `npm run bench`), on the same local stack as
 * the scenarios, over loopback only and bounded by event counts (it stops by itself):
 * - ingestion: closed-loop POST /v1/events at 10 and then 50 connections (requests/s, p50/p99),
 *   with events no moment uses, each connection opened by one request before the clock starts (as
 *   a client that keeps its connections does; that first round is reported apart); then how long
 *   the matcher takes to drain them;
 * - end to end: events that start a moment whose single email step has no delay, from the POST to
 *   the SES request (events/s, event -> email p50/p99);
 * - the cost model's traffic end to end: the same email moment started by `startShare` of the
 *   events (5 %, as in the cost model), the rest events no moment uses, from the first POST until
 *   every email is sent and the stack is idle (events/s);
 * - the process's RSS before and after.
 * The load generator runs in a worker thread so it does not share the stack's event loop.
 */
import { readdirSync, readFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { requestsSignedAs } from "../../infra/local/caller.js";
import type { LocalStack } from "../../infra/local/stack.js";
import { apiClient, sentEmails } from "../support/local-api.js";
import { requestLog } from "./aws-requests.js";
import { quantile } from "./format.js";
import { executionLog } from "./state-transitions.js";

export interface LoadOptions {
  /** Ingestion requests per connection setting. */
  ingestRequests: number;
  /** Events (each one run and one email) for the end-to-end phase. */
  endToEndEvents: number;
  /**
   * Events of the same kind sent first and not measured: the end-to-end paths (a moment's start,
   * Step Functions, the action, SES, its feedback) are cold after the ingestion runs, and V8 compiles
   * their code once per thread: without a warm-up that one-off compiling (on V8's helper threads) is
   * a large and variable part of a short run's CPU per event.
   */
  endToEndWarmup: number;
  /** Events of the cost model's traffic (see `startShare`), measured end to end; 0 skips it. */
  mixedEvents: number;
  /** The share of those that start the email moment (the cost model's start rate). */
  startShare: number;
  /** Give up waiting for the stack to drain after this long. */
  drainTimeoutMs: number;
}

export const defaultLoadOptions: LoadOptions = {
  ingestRequests: 10_000,
  endToEndEvents: 300,
  endToEndWarmup: 100,
  mixedEvents: 2_000,
  startShare: 0.05,
  drainTimeoutMs: 300_000,
};

export interface IngestRun {
  connections: number;
  requests: number;
  errors: number;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /**
   * The round that opened the connections (one request each, sent together before the clock
   * started): not in the figures above, which are a kept-alive client's. A short run would
   * otherwise count one connection set-up in every tenth request.
   */
  openingRound: { requests: number; p99Ms: number };
}

/**
 * Where the CPU per event goes, by thread (Linux only, from /proc/self/task): the main thread (the
 * emulators: the HTTP API, the local bus, queue, Step Functions and SES), the API functions thread
 * (health, ingest, inbox, admin, console and their SDK clients), the functions thread (match,
 * action, run-state, ses-feedback and theirs), the DynamoDB thread (dynalite and the transaction
 * layer), the load generator, and the rest: V8's
 * helper threads (parallel and concurrent GC, background compiling) and libuv's pool (LevelDB's
 * reads and writes).
 */
export interface CpuByThread {
  mainMsPerEvent: number;
  apiFunctionsMsPerEvent: number;
  functionsMsPerEvent: number;
  dynamodbMsPerEvent: number;
  loadGeneratorMsPerEvent: number;
  otherMsPerEvent: number;
}

/**
 * AWS requests per event that the functions sent (every thread; counted by the local runtime as it
 * signs each one as its function, see infra/local/caller.ts), in total and by function: what most
 * of the CPU per event is spent on, on both sides of each request.
 */
export interface AwsRequestsPerEvent {
  total: number;
  byFunction: Record<string, number>;
}

function requestsPerEventSince(
  before: ReturnType<typeof requestsSignedAs>,
  events: number,
): AwsRequestsPerEvent {
  const byFunction: Record<string, number> = {};
  let total = 0;
  for (const [fn, count] of Object.entries(requestsSignedAs())) {
    const sent = count - (before[fn as keyof typeof before] ?? 0);
    if (sent <= 0) continue;
    byFunction[fn] = sent / Math.max(1, events);
    total += sent;
  }
  return { total: total / Math.max(1, events), byFunction };
}

/** What a phase that runs until the stack is idle measures. */
interface DrainFigures {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  drained: boolean;
  /** Process CPU (every thread, the load generator's included) per event: what a shared machine does not skew. */
  cpuMsPerEvent: number;
  cpuByThread?: CpuByThread;
  awsRequestsPerEvent: AwsRequestsPerEvent;
}

export interface LoadReport {
  ingest: IngestRun[];
  /** Events the matcher drained after the ingestion runs, and how fast (from the first POST). */
  matcherDrain: DrainFigures;
  endToEnd: {
    events: number;
    /** Events sent before the measured ones, not counted in any figure but memory's. */
    warmupEvents: number;
    /** POSTs not answered 202. */
    errors: number;
    /** SES requests that failed on the client's side (a request timeout under load: see above). */
    sesErrors: number;
    emails: number;
    seconds: number;
    eventsPerSecond: number;
    p50Ms: number;
    p99Ms: number;
    drained: boolean;
    cpuMsPerEvent: number;
    cpuByThread?: CpuByThread;
    awsRequestsPerEvent: AwsRequestsPerEvent;
  };
  /** The cost model's traffic end to end (see LoadOptions.startShare); absent when not run. */
  mixed?: DrainFigures & {
    /** The events that start the email moment, and those of them that got exactly one email. */
    startingEvents: number;
    emails: number;
    /** Starting events whose recipient got more than one email (never, if sends are exactly once). */
    doubled: number;
    /** POSTs not answered 202. */
    errors: number;
  };
  memory: { rssBeforeMb: number; rssAfterMb: number; heapBeforeMb: number; heapAfterMb: number; gc: boolean };
  loadAverage: string;
}

/** The worker: `connections` loops, each posting its share of `bodies` one after another. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const http = require("node:http");
const { url, key, bodies, connections, opening } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const target = new URL(url);
const now = () => performance.timeOrigin + performance.now();
function post(body) {
  return new Promise((resolve) => {
    const data = Buffer.from(JSON.stringify(body));
    const started = now();
    const req = http.request({ host: target.hostname, port: target.port, path: "/v1/events", method: "POST", agent,
      headers: { authorization: "Bearer " + key, "content-type": "application/json", "content-length": data.length } },
      (res) => { res.resume(); res.on("end", () => resolve({ started, ended: now(), status: res.statusCode })); });
    req.on("error", () => resolve({ started, ended: now(), status: 0 }));
    req.end(data);
  });
}
(async () => {
  // One request per connection, together: the connections are open before the clock starts.
  const opened = await Promise.all(opening.map(post));
  let next = 0;
  const results = new Array(bodies.length);
  const first = now();
  await Promise.all(Array.from({ length: connections }, async () => {
    while (next < bodies.length) { const i = next++; results[i] = await post(bodies[i]); }
  }));
  // Its own CPU (Linux): the bench's share of the process's, not the stack's.
  let cpuMs;
  try {
    const stat = require("node:fs").readFileSync("/proc/thread-self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    cpuMs = (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {}
  parentPort.postMessage({ first, last: now(), results, opened, cpuMs });
  agent.destroy();
})();
`;

interface WorkerResult {
  first: number;
  last: number;
  /** The load generator thread's CPU (Linux only). */
  cpuMs?: number;
  results: Array<{ started: number; ended: number; status: number }>;
  /** The answers to `opening`, sent before `first`. */
  opened: Array<{ started: number; ended: number; status: number }>;
}

/** `bodies` over `connections` kept-alive connections, after `opening` (at most one per connection). */
function drive(
  url: string,
  key: string,
  bodies: unknown[],
  connections: number,
  opening: unknown[] = [],
): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { url, key, bodies, connections, opening: opening.slice(0, connections) },
    });
    worker.once("message", (message: WorkerResult) => {
      resolve(message);
      void worker.terminate();
    });
    worker.once("error", reject);
  });
}

const absoluteNow = () => performance.timeOrigin + performance.now();
/** Milliseconds of CPU (user + system, every thread) the process used since `since`. */
const cpuMsSince = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};
/** CPU milliseconds of each thread of this process, by Linux thread id; undefined off Linux. */
function threadCpuMs(): Map<number, number> | undefined {
  try {
    const cpu = new Map<number, number>();
    for (const tid of readdirSync("/proc/self/task")) {
      try {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
        // utime and stime, in clock ticks (USER_HZ, 100 on Linux), after the command name.
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        cpu.set(Number(tid), (Number(fields[11]) + Number(fields[12])) * 10);
      } catch {
        // The thread ended in between.
      }
    }
    return cpu;
  } catch {
    return undefined;
  }
}

/** Splits the CPU a phase used between the stack's threads (see CpuByThread). */
function cpuByThread(
  stack: LocalStack,
  before: Map<number, number> | undefined,
  totalMs: number,
  loadGeneratorMs: number | undefined,
  events: number,
): CpuByThread | undefined {
  const after = threadCpuMs();
  if (before === undefined || after === undefined || loadGeneratorMs === undefined) return undefined;
  const used = (tid: number | undefined) =>
    tid === undefined ? 0 : (after.get(tid) ?? 0) - (before.get(tid) ?? 0);
  const main = used(process.pid);
  const apiFunctions = used(stack.threadIds.apiFunctions);
  const functions = used(stack.threadIds.functions);
  const dynamodb = used(stack.threadIds.dynamodb);
  const per = (ms: number) => ms / Math.max(1, events);
  return {
    mainMsPerEvent: per(main),
    apiFunctionsMsPerEvent: per(apiFunctions),
    functionsMsPerEvent: per(functions),
    dynamodbMsPerEvent: per(dynamodb),
    loadGeneratorMsPerEvent: per(loadGeneratorMs),
    otherMsPerEvent: per(Math.max(0, totalMs - main - apiFunctions - functions - dynamodb - loadGeneratorMs)),
  };
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

async function settledMemory(stack: LocalStack) {
  const gc = (globalThis as { gc?: () => void }).gc;
  await stack.collectGarbage();
  gc?.();
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed, gc: gc !== undefined };
}

/** Resolves true when the stack is idle, false after `timeoutMs` (it never hangs the bench). */
async function idleWithin(stack: LocalStack, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([stack.idle().then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function runLoad(
  stack: LocalStack,
  loadAverage: () => string,
  options: LoadOptions = defaultLoadOptions,
): Promise<LoadReport> {
  const api = apiClient(stack.apiUrl);
  const admin = async <T>(method: string, path: string, body?: unknown) => {
    const response = await api<T>(method, path, { key: stack.adminKey, body });
    if (response.status >= 300)
      throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };
  const source = await admin<{ id: string; writeKey: string }>("POST", "/v1/admin/sources", { name: "Load" });
  const template = await admin<{ id: string }>("POST", "/v1/admin/email-templates", {
    name: "Load",
    from: "Load <load@example.com>",
    subject: "Welcome {first_name}",
    text: "Hi {first_name}.",
  });
  const moment = await admin<{ id: string }>("POST", "/v1/admin/moments", {
    name: "Load: welcome at once",
    goal: "activate",
    sourceIds: [source.id],
    start: { event: "load_signed_up" },
    steps: [
      {
        id: "welcome",
        delay: { amount: 0, unit: "minutes" },
        action: { type: "send_email", templateId: template.id },
      },
    ],
  });
  await admin("POST", `/v1/admin/moments/${moment.id}/status`, { status: "running" });
  await stack.idle();

  // Keep no per-request records while loading: the memory figures are the stack's, not the bench's.
  requestLog.keep = false;
  executionLog.keep = false;
  try {
    const before = await settledMemory(stack);
    const stamp = Date.now().toString(36);

    const ingestSigned = requestsSignedAs();
    const ingestCpu = process.cpuUsage();
    const ingestThreads = threadCpuMs();
    let ingestLoadGeneratorMs: number | undefined = 0;
    const ingest: IngestRun[] = [];
    let firstPost = Number.POSITIVE_INFINITY;
    let ingested = 0;
    for (const connections of [10, 50]) {
      const pageView = (i: number) => ({
        event: "load_page_viewed",
        accountId: `load-${stamp}-${connections}-${i % 100}`,
        properties: { path: `/page/${i}` },
      });
      const bodies = Array.from({ length: options.ingestRequests }, (_, i) => pageView(i));
      const opening = Array.from({ length: connections }, (_, i) => pageView(options.ingestRequests + i));
      const run = await drive(stack.apiUrl, source.writeKey, bodies, connections, opening);
      firstPost = Math.min(firstPost, run.opened[0]?.started ?? run.first);
      ingested += run.opened.filter((r) => r.status === 202).length;
      ingestLoadGeneratorMs =
        ingestLoadGeneratorMs === undefined || run.cpuMs === undefined
          ? undefined
          : ingestLoadGeneratorMs + run.cpuMs;
      const ok = run.results.filter((r) => r.status === 202);
      ingested += ok.length;
      const latencies = run.results.map((r) => r.ended - r.started).sort((a, b) => a - b);
      const seconds = (run.last - run.first) / 1000;
      ingest.push({
        connections,
        requests: run.results.length,
        errors: run.results.length - ok.length,
        seconds,
        requestsPerSecond: run.results.length / seconds,
        p50Ms: quantile(latencies, 0.5),
        p99Ms: quantile(latencies, 0.99),
        openingRound: {
          requests: run.opened.length,
          p99Ms: quantile(
            run.opened.map((r) => r.ended - r.started).sort((a, b) => a - b),
            0.99,
          ),
        },
      });
    }
    const drained = await idleWithin(stack, options.drainTimeoutMs);
    const drainSeconds = (absoluteNow() - firstPost) / 1000;
    const drainCpuMs = cpuMsSince(ingestCpu);
    const drainByThread = cpuByThread(stack, ingestThreads, drainCpuMs, ingestLoadGeneratorMs, ingested);
    const drainRequests = requestsPerEventSince(ingestSigned, ingested);

    const signUp = (accountId: string) => ({
      event: "load_signed_up",
      accountId,
      traits: { email: `${accountId}@example.com`, first_name: "Ada" },
    });
    if (options.endToEndWarmup > 0) {
      const warmup = Array.from({ length: options.endToEndWarmup }, (_, i) => signUp(`warm-${stamp}-${i}`));
      await drive(stack.apiUrl, source.writeKey, warmup, 10);
      await idleWithin(stack, options.drainTimeoutMs);
    }

    // End to end: each event starts a run whose one email goes out at once. An email is timed by
    // the end of its first SES request, and counted when it is in the local inbox: under heavy load
    // a send can outlast the SES client's connection timeout (3 s, retried) or request timeout
    // (10 s: the run settles it from SES's Send event instead of its answer, sent once all the
    // same), so an SDK error is not a missing email. Its time is then an upper bound.
    const sent = new Map<string, number>();
    let sesTimeouts = 0;
    requestLog.tapServices = new Set(["SES"]);
    requestLog.tap = (record, input) => {
      if (record.service !== "SES") return;
      if (record.error) sesTimeouts++;
      const to = (input.Destinations as string[] | undefined)?.[0];
      if (to && !sent.has(to)) sent.set(to, performance.timeOrigin + record.endMs);
    };
    const accounts = Array.from({ length: options.endToEndEvents }, (_, i) => `e2e-${stamp}-${i}`);
    const e2eSigned = requestsSignedAs();
    const e2eCpu = process.cpuUsage();
    const e2eThreads = threadCpuMs();
    const run = await drive(stack.apiUrl, source.writeKey, accounts.map(signUp), 10);
    const e2eDrained = await idleWithin(stack, options.drainTimeoutMs);
    const e2eCpuMs = cpuMsSince(e2eCpu);
    const e2eByThread = cpuByThread(stack, e2eThreads, e2eCpuMs, run.cpuMs, accounts.length);
    const e2eRequests = requestsPerEventSince(e2eSigned, accounts.length);
    requestLog.tap = undefined;
    requestLog.tapServices = undefined;
    const inbox = new Set((await sentEmails(stack.inboxUrl)).flatMap((email) => email.destination.to));
    for (const to of sent.keys()) if (!inbox.has(to)) sent.delete(to);
    const latencies: number[] = [];
    accounts.forEach((accountId, i) => {
      const emailedAt = sent.get(`${accountId}@example.com`);
      const postedAt = run.results[i]?.started;
      if (emailedAt !== undefined && postedAt !== undefined) latencies.push(emailedAt - postedAt);
    });
    latencies.sort((a, b) => a - b);
    const lastEmail = Math.max(...sent.values());
    const e2eSeconds = (lastEmail - run.first) / 1000;
    const mixed =
      options.mixedEvents > 0 ? await runMixed(stack, source.writeKey, options, stamp, signUp) : undefined;
    const after = await settledMemory(stack);
    return {
      ingest,
      matcherDrain: {
        events: ingested,
        seconds: drainSeconds,
        eventsPerSecond: ingested / drainSeconds,
        drained,
        cpuMsPerEvent: drainCpuMs / Math.max(1, ingested),
        ...(drainByThread ? { cpuByThread: drainByThread } : {}),
        awsRequestsPerEvent: drainRequests,
      },
      endToEnd: {
        events: accounts.length,
        warmupEvents: options.endToEndWarmup,
        errors: run.results.filter((r) => r.status !== 202).length,
        sesErrors: sesTimeouts,
        emails: sent.size,
        seconds: e2eSeconds,
        eventsPerSecond: sent.size / e2eSeconds,
        p50Ms: quantile(latencies, 0.5),
        p99Ms: quantile(latencies, 0.99),
        drained: e2eDrained,
        cpuMsPerEvent: e2eCpuMs / accounts.length,
        ...(e2eByThread ? { cpuByThread: e2eByThread } : {}),
        awsRequestsPerEvent: e2eRequests,
      },
      ...(mixed ? { mixed } : {}),
      memory: {
        rssBeforeMb: mb(before.rss),
        rssAfterMb: mb(after.rss),
        heapBeforeMb: mb(before.heapUsed),
        heapAfterMb: mb(after.heapUsed),
        gc: after.gc,
      },
      loadAverage: loadAverage(),
    };
  } finally {
    requestLog.keep = true;
    executionLog.keep = true;
    requestLog.tap = undefined;
    requestLog.tapServices = undefined;
  }
}

/**
 * The cost model's traffic end to end: `startShare` of `mixedEvents` (spread evenly) start the email
 * moment, the rest are events no moment uses, over 10 connections; from the first POST until the
 * stack is idle with every email sent. The paths are warm by then (the phases before ran both).
 */
async function runMixed(
  stack: LocalStack,
  writeKey: string,
  options: LoadOptions,
  stamp: string,
  signUp: (accountId: string) => { event: string; accountId: string; traits: { email: string } },
): Promise<NonNullable<LoadReport["mixed"]>> {
  const starts = (i: number) => Math.floor((i + 1) * options.startShare) > Math.floor(i * options.startShare);
  const bodies = Array.from({ length: options.mixedEvents }, (_, i) =>
    starts(i)
      ? signUp(`mix-${stamp}-${i}`)
      : {
          event: "load_page_viewed",
          accountId: `mix-view-${stamp}-${i % 100}`,
          properties: { path: `/mix/${i}` },
        },
  );
  const emailOf = (body: (typeof bodies)[number]) => ("traits" in body ? body.traits.email : undefined);
  const expected = new Set(bodies.map(emailOf).filter((email) => email !== undefined));
  const signed = requestsSignedAs();
  const cpu = process.cpuUsage();
  const threads = threadCpuMs();
  const run = await drive(stack.apiUrl, writeKey, bodies, 10);
  const drained = await idleWithin(stack, options.drainTimeoutMs);
  const seconds = (absoluteNow() - run.first) / 1000;
  const cpuMs = cpuMsSince(cpu);
  // One email per starting event, none twice: a second copy is a doubled send, not a faster run.
  const received = new Map<string, number>();
  for (const to of (await sentEmails(stack.inboxUrl)).flatMap((email) => email.destination.to))
    if (expected.has(to)) received.set(to, (received.get(to) ?? 0) + 1);
  const emails = [...received.values()].filter((count) => count === 1).length;
  const doubled = [...received.values()].filter((count) => count > 1).length;
  const byThread = cpuByThread(stack, threads, cpuMs, run.cpuMs, bodies.length);
  return {
    events: bodies.length,
    startingEvents: expected.size,
    emails,
    doubled,
    errors: run.results.filter((r) => r.status !== 202).length,
    seconds,
    eventsPerSecond: bodies.length / seconds,
    drained,
    cpuMsPerEvent: cpuMs / bodies.length,
    ...(byThread ? { cpuByThread: byThread } : {}),
    awsRequestsPerEvent: requestsPerEventSince(signed, bodies.length),
  };
}
