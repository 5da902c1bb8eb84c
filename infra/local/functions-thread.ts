/**
 * The functions on threads of their own, as Lambda runs them in containers of their own: one thread
 * for the asynchronous back end's (match, action, run-state, ses-feedback), another for the HTTP
 * API's (health, ingest, inbox, admin, console). The emulators that invoke them (the local HTTP API,
 * the queue's event source mapping, Step Functions, the bus's rules) stay on the main thread and
 * call them here by message.
 *
 * Why: on one event loop, an ingest request waited behind whatever the matcher and the runs were
 * doing (a queue of ready callbacks, their garbage), so its latency under load was the back end's,
 * not its own. And the emulated services shared their event loop with the functions that call them:
 * libuv accepts one new connection per turn of a loop (since 1.45), so while 50 ingest requests kept
 * the main thread's turns long, the 40 new connections their SDK client opened to the local bus were
 * accepted one per turn, 1-4 s for the last (AWS's front ends accept them at once). Here the
 * operating system shares the cores between the three, and the emulators' loop stays short.
 *
 * What a function sees is unchanged: the same handler, imported once and kept, the same real SDK
 * clients over HTTP, a Lambda context per invocation, the process's environment as it is now
 * (shared, not copied). Payloads and results cross by structured clone, as Lambda serialises them;
 * an error crosses with its name, message, stack and own fields, which is what Step Functions, the
 * queue and the HTTP API read from it.
 *
 * And its shutdown: Lambda sends SIGTERM to a container it shuts down when an extension is
 * registered, which the functions that hold counts in memory do (shared/adapters/shutdown.ts). Here
 * stopping the thread is that shutdown: it runs the hooks the loaded handlers registered, bounded as
 * on Lambda, each as the function that registered it (runAs), before the thread ends (the stack
 * stops the thread before DynamoDB, which they write to). A thread that ended unasked (a crash)
 * runs nothing, as a runtime killed by Lambda.
 */
import { isMainThread, type MessagePort, parentPort, SHARE_ENV, workerData } from "node:worker_threads";
import { runShutdownHooks } from "../../shared/adapters/shutdown.js";
import { type FunctionId, functionTimeoutSeconds } from "../../shared/contracts/functions.js";
import { countSignedInto, installCallerIdentity, runAs, signedCounters } from "./caller.js";
import { handlerLoader, localFunctionName } from "./handlers.js";
import { lambdaContext, withinTimeout } from "./lambda-context.js";
import { serveThread, startThread, type Thread, threadFailed } from "./thread.js";

interface ThreadData {
  region: string;
  accountId: string;
  /** Modules imported before any handler (the bench's SDK instrumentation), compiled with the thread. */
  preload: string[];
  /** The main thread's counters of requests signed as each function (caller.ts). */
  signed: SharedArrayBuffer;
  /** Emulators reached by message rather than by socket (message-transport.ts). */
  routes: LocalRoute[];
}

/** An emulator's endpoint and the port that answers its requests (message-transport.ts). */
export interface LocalRoute {
  endpoint: string;
  port: MessagePort;
}

/** An emulator's endpoint and how to open a new port to it (one per thread, a restarted one too). */
export interface LocalRouteSource {
  endpoint: string;
  connect(): MessagePort;
}

type ToFunctions =
  | { t: "invoke"; id: number; fn: FunctionId; payload: unknown; requestId?: string }
  | { t: "load"; id: number; fns: FunctionId[] }
  | { t: "route"; endpoint: string; port: MessagePort };

/** What crosses for a thrown value: an error-like's fields, or the value itself. */
type Thrown =
  | { name: string; message: string; stack?: string; props: Record<string, unknown> }
  | { value: unknown };

type FromFunctions =
  | { t: "result"; id: number; value?: unknown; thrown?: Thrown }
  | { t: "relay"; data: unknown }
  | { t: "output"; stream: "stdout" | "stderr"; text: string };

const cloneable = (value: unknown): boolean => {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
};

/** What crosses the thread boundary for a thrown value (exported for its unit test). */
export function toThrown(thrown: unknown): Thrown {
  if (thrown !== null && typeof thrown === "object" && typeof (thrown as Error).message === "string") {
    const error = thrown as Error;
    const props: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(error)) if (cloneable(value)) props[key] = value;
    return {
      name: typeof error.name === "string" ? error.name : "Error",
      message: error.message,
      ...(typeof error.stack === "string" ? { stack: error.stack } : {}),
      props,
    };
  }
  return { value: cloneable(thrown) ? thrown : String(thrown) };
}

/** The thrown value rebuilt on the other side: an Error with the same name, message, stack and fields. */
export function fromThrown(thrown: Thrown): unknown {
  if ("value" in thrown) return thrown.value;
  const error = Object.assign(new Error(thrown.message), thrown.props);
  error.name = thrown.name;
  if (thrown.stack !== undefined) error.stack = thrown.stack;
  return error;
}

/** The worker's code runs when this module is the thread's entry. */
const isEntry =
  !isMainThread && (workerData as { __momentsFunctions?: boolean } | null)?.__momentsFunctions === true;

if (isEntry && parentPort) {
  const port = parentPort;
  const { region, accountId, preload, signed, routes } = workerData as ThreadData;
  // The functions' logs reach the process's stdout and stderr on the main thread in order with their
  // answers (Node's own forwarding of a thread's output is a separate channel that may lag them): what
  // waits for an invocation and then reads the process's output (the bench's log bytes) sees its logs.
  for (const stream of ["stdout", "stderr"] as const) {
    process[stream].write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
      port.postMessage({ t: "output", stream, text } satisfies FromFunctions);
      const done = rest.find((arg) => typeof arg === "function") as (() => void) | undefined;
      done?.();
      return true;
    }) as typeof process.stdout.write;
  }
  try {
    await import("./polyfills.js");
    const { routeByMessage } = await import("./message-transport.js");
    for (const { endpoint, port: routePort } of routes) routeByMessage(endpoint, routePort);
    for (const url of preload) await import(url);
    // Each invocation calls AWS as its function (caller.ts), counted with the main thread's.
    countSignedInto(signed);
    installCallerIdentity();
    const load = handlerLoader();
    const answer = (id: number, outcome: { value: unknown } | { thrown: unknown }) => {
      if ("thrown" in outcome) {
        port.postMessage({ t: "result", id, thrown: toThrown(outcome.thrown) } satisfies FromFunctions);
        return;
      }
      try {
        port.postMessage({ t: "result", id, value: outcome.value } satisfies FromFunctions);
      } catch (error) {
        // Lambda could not have serialised it either.
        port.postMessage({ t: "result", id, thrown: toThrown(error) } satisfies FromFunctions);
      }
    };
    port.on("message", (message: ToFunctions | { t: string }) => {
      if (message.t === "invoke") {
        const { id, fn, payload, requestId } = message as Extract<ToFunctions, { t: "invoke" }>;
        void load(fn)
          .then((handler) =>
            runAs(fn, () => {
              const timeoutMs = functionTimeoutSeconds[fn] * 1000;
              const context = lambdaContext(
                localFunctionName(fn),
                region,
                accountId,
                timeoutMs,
                ...(requestId === undefined ? [] : [requestId]),
              );
              return withinTimeout((ctx) => handler(payload, ctx), context, timeoutMs);
            }),
          )
          .then(
            (value) => answer(id, { value }),
            (thrown: unknown) => answer(id, { thrown }),
          );
      } else if (message.t === "route") {
        const { endpoint, port: routePort } = message as Extract<ToFunctions, { t: "route" }>;
        routeByMessage(endpoint, routePort);
      } else if (message.t === "load") {
        const { id, fns } = message as Extract<ToFunctions, { t: "load" }>;
        void Promise.all(fns.map((fn) => load(fn))).then(
          () => answer(id, { value: undefined }),
          (thrown: unknown) => answer(id, { thrown }),
        );
      }
    });
    // Stopping the thread shuts its functions down as Lambda shuts a container down.
    serveThread({}, () => runShutdownHooks({ runAs }));
  } catch (error) {
    threadFailed(error);
  }
}

export interface LocalFunctionsThread extends Omit<Thread, "worker"> {
  /**
   * Invokes the function's handler in the thread, as Lambda's Invoke: its result, or what it threw.
   * `requestId` is the context's awsRequestId (a fresh one when absent).
   */
  invoke(fn: FunctionId, payload: unknown, requestId?: string): Promise<unknown>;
  /** Imports these handlers now (their environment is ready), as a warm container has them. */
  load(fns: FunctionId[]): Promise<void>;
  /**
   * From now on (and in a restarted thread), the functions' requests to this emulator go by message
   * (message-transport.ts): for an emulator that starts after the thread.
   */
  route(source: LocalRouteSource): void;
}

/**
 * Starts the functions' thread. A thread that ends unasked (the runtime died: out of memory, an
 * exit) fails the invocations it was running, as a crashed Lambda container fails its own, and the
 * next invocation starts a new thread, as Lambda starts a new container (its handlers imported
 * again on first use: a cold start). Only stop() ends it for good.
 */
export async function startLocalFunctionsThread(options: {
  region: string;
  accountId: string;
  /** Names the thread in errors ("local functions thread"). */
  what?: string;
  preload?: string[];
  /** Hears what the thread's modules relay (relayToMainThread), in order with the invocations' answers. */
  onRelay?: (data: unknown) => void;
  /** Added to the process's nice value for the thread, a restarted one too (see startThread). */
  nice?: number;
  /** Its young generation's cap in MB (see startThread). */
  youngGenerationMb?: number;
  /** Emulators each thread (a restarted one too) reaches by message (message-transport.ts). */
  routes?: LocalRouteSource[];
}): Promise<LocalFunctionsThread> {
  const what = options.what ?? "local functions thread";
  const sources = [...(options.routes ?? [])];
  const connectAll = () => sources.map((source) => ({ endpoint: source.endpoint, port: source.connect() }));
  let stopped = false;
  let current = await startFunctionsWorker(options, what, connectAll);
  const first = current.thread;
  /** One restart at a time, whoever finds the thread ended first starts it. */
  let restarting: Promise<FunctionsWorker> | undefined;
  /** The live thread, or a new one when the last ended unasked. */
  const live = (): Promise<FunctionsWorker> => {
    if (!current.exited()) return Promise.resolve(current);
    if (stopped) return Promise.reject(new Error(`The ${what} stopped`));
    // A restart that fails fails this invocation (as a container that cannot start); the next tries again.
    restarting ??= startFunctionsWorker(options, what, connectAll).then(
      (instance) => {
        current = instance;
        restarting = undefined;
        return instance;
      },
      (error: unknown) => {
        restarting = undefined;
        throw error;
      },
    );
    return restarting;
  };
  return {
    // (the first thread's: the bench reads it once, at start)
    ...(first.tid === undefined ? {} : { tid: first.tid }),
    collectGarbage: () => current.thread.collectGarbage(),
    stop: async () => {
      stopped = true;
      await restarting?.catch(() => undefined);
      await current.thread.stop();
    },
    invoke: async (fn, payload, requestId) =>
      (await live()).call({ t: "invoke", fn, payload, ...(requestId === undefined ? {} : { requestId }) }),
    load: async (fns) => {
      await (await live()).call({ t: "load", fns });
    },
    route: (source) => {
      sources.push(source);
      const send = (instance: FunctionsWorker) =>
        instance.send({ t: "route", endpoint: source.endpoint, port: source.connect() });
      // A thread starting now connected the routes it was started with; an ended one gets them all
      // when it is replaced.
      if (restarting) void restarting.then(send, () => undefined);
      else if (!current.exited()) send(current);
    },
  };
}

type Call =
  Exclude<ToFunctions, { t: "route" }> extends infer M
    ? M extends ToFunctions
      ? Omit<M, "id">
      : never
    : never;

interface FunctionsWorker {
  thread: Omit<Thread, "worker">;
  exited(): boolean;
  call(message: Call): Promise<unknown>;
  /** Hands the thread a route's port (transferred). */
  send(message: Extract<ToFunctions, { t: "route" }>): void;
}

/** One thread of the functions, with its calls by message. */
async function startFunctionsWorker(
  options: {
    region: string;
    accountId: string;
    preload?: string[];
    onRelay?: (data: unknown) => void;
    nice?: number;
    youngGenerationMb?: number;
  },
  what: string,
  connectRoutes: () => LocalRoute[],
): Promise<FunctionsWorker> {
  const routes = connectRoutes();
  const {
    worker,
    started: _started,
    ...thread
  } = await startThread({
    moduleUrl: import.meta.url,
    ...(options.preload ? { preload: options.preload } : {}),
    workerData: {
      __momentsFunctions: true,
      region: options.region,
      accountId: options.accountId,
      signed: signedCounters(),
      routes,
    } satisfies Omit<ThreadData, "preload"> & { __momentsFunctions: true },
    transferList: routes.map((route) => route.port),
    what,
    env: SHARE_ENV,
    bundlePackages: true,
    ...(options.nice ? { nice: options.nice } : {}),
    ...(options.youngGenerationMb ? { youngGenerationMb: options.youngGenerationMb } : {}),
  });
  let nextId = 0;
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (reason: unknown) => void }>();
  worker.on("message", (message: FromFunctions | { t: string }) => {
    if (message.t === "output") {
      const { stream, text } = message as Extract<FromFunctions, { t: "output" }>;
      process[stream].write(text);
      return;
    }
    if (message.t === "relay") {
      options.onRelay?.((message as Extract<FromFunctions, { t: "relay" }>).data);
      return;
    }
    if (message.t !== "result") return;
    const { id, value, thrown } = message as Extract<FromFunctions, { t: "result" }>;
    const call = waiting.get(id);
    if (!call) return;
    waiting.delete(id);
    if (thrown !== undefined) call.reject(fromThrown(thrown));
    else call.resolve(value);
  });
  let exited = false;
  worker.once("exit", () => {
    exited = true;
    for (const call of waiting.values()) call.reject(new Error(`The ${what} stopped`));
    waiting.clear();
  });
  const call = (message: Call) =>
    new Promise<unknown>((resolve, reject) => {
      if (exited) {
        reject(new Error(`The ${what} stopped`));
        return;
      }
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      try {
        worker.postMessage({ ...message, id });
      } catch (error) {
        // A payload Lambda could not have serialised either.
        waiting.delete(id);
        reject(error);
      }
    });
  const send = (message: Extract<ToFunctions, { t: "route" }>) => worker.postMessage(message, [message.port]);
  return { thread, exited: () => exited, call, send };
}
