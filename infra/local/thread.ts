/**
 * What the local runtime's worker threads share (the DynamoDB thread, the functions threads): a
 * TypeScript module as a thread's entry whoever started the process, the start handshake, a full GC
 * on request (the bench's settled RSS) and a stop that never hangs.
 */
import { readlinkSync } from "node:fs";
import { getPriority, setPriority } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isMainThread, parentPort, type SHARE_ENV, Worker } from "node:worker_threads";
import { cachedBuild } from "../build-cache.js";
import { esbuildSettings } from "../bundling.js";

/** This thread's id on Linux (/proc/thread-self links to <pid>/task/<tid>); undefined elsewhere. */
export function linuxThreadId(): number | undefined {
  try {
    const tid = Number(/task\/(\d+)$/.exec(readlinkSync("/proc/thread-self"))?.[1]);
    return Number.isInteger(tid) ? tid : undefined;
  } catch {
    return undefined;
  }
}

// In a thread running the compiled code, stack traces point into the TypeScript sources.
if (!isMainThread) process.setSourceMapsEnabled(true);

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * A thread's TypeScript modules compiled to JavaScript (esbuild: our code bundled, split at its
 * dynamic imports so a handler and its packages load on first use; the packages bundled too or left
 * to Node, see `bundlePackages`), kept
 * while their sources are unchanged (build-cache.ts: under node_modules/.cache, where Node resolves
 * the packages they import). Whoever started the process (`npm start` and the bench run under tsx,
 * vitest transforms only its own thread's modules), the thread then runs plain JavaScript: a thread
 * that registered tsx's loader instead carried a loader thread of its own (~27 MB of RSS each) and a
 * round trip to it for every module it resolved. Answers the compiled entries' file URLs, in order.
 */
async function compileForThread(moduleUrls: string[], bundlePackages: boolean): Promise<string[]> {
  const entryPoints = moduleUrls.map((url) => fileURLToPath(url));
  const packages = bundlePackages
    ? // As a function's bundle is built for Lambda (infra/bundling.ts): the packages' ESM builds, in.
      {
        mainFields: [...esbuildSettings.mainFields],
        banner: { js: esbuildSettings.banner },
        external: [...esbuildSettings.external],
      }
    : { packages: "external" as const };
  const options = {
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    ...packages,
    outExtension: { ".js": ".mjs" },
    entryNames: "[name]-[hash]",
    chunkNames: "chunk-[hash]",
    metafile: true,
    // Stacks name the TypeScript files: what a thrown error's trace shows, and how the bench tells
    // which function built an SDK client.
    sourcemap: true,
    sourcesContent: false,
    absWorkingDir: ROOT,
    logLevel: "silent",
  } as const;
  const key = JSON.stringify({ thread: entryPoints, options });
  const { dir, data } = await cachedBuild(key, async (outdir) => {
    const { build } = await import("esbuild");
    const result = await build({ ...options, entryPoints, outdir });
    // The metafile names files relative to the working directory.
    const outputs = Object.entries(result.metafile.outputs);
    const entries = entryPoints.map((entry) => {
      const output = outputs.find(([, meta]) => meta.entryPoint && resolve(ROOT, meta.entryPoint) === entry);
      if (!output) throw new Error(`esbuild produced no output for ${entry}`);
      return relative(outdir, resolve(ROOT, output[0]));
    });
    return { inputs: Object.keys(result.metafile.inputs), data: entries };
  });
  return data.map((entry) => pathToFileURL(join(dir, entry)).href);
}

/** Messages every thread understands, and the ones it answers with. */
export type ToThread = { t: "stop" } | { t: "gc" };
export type FromThread = { t: "failed"; error: string } | { t: "collected" } | { t: "stopped" };

export interface Thread {
  worker: Worker;
  /** The thread's Linux id (/proc/self/task/<tid>), for the bench's CPU breakdown; absent elsewhere. */
  tid?: number;
  /** A full GC of the thread's heap when node runs with --expose-gc (the bench's settled RSS); else nothing. */
  collectGarbage(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * In the thread: answers the common messages (gc; stop, which runs `stop` first) and tells the
 * main thread it started, with `started`'s fields.
 */
export function serveThread(started: Record<string, unknown>, stop: () => Promise<void>): void {
  const port = parentPort;
  if (!port) return;
  port.on("message", (message: ToThread | { t: string }) => {
    if (message.t === "gc") {
      // Only when node runs with --expose-gc (the bench): a settled heap before it reads RSS.
      (globalThis as { gc?: () => void }).gc?.();
      port.postMessage({ t: "collected" } satisfies FromThread);
      return;
    }
    if (message.t !== "stop") return;
    void stop().finally(() => {
      port.postMessage({ t: "stopped" } satisfies FromThread);
      port.close();
    });
  });
  const tid = linuxThreadId();
  port.postMessage({ t: "started", ...started, ...(tid === undefined ? {} : { tid }) });
}

/** In the thread: tells the main thread it could not start. */
export function threadFailed(error: unknown): void {
  parentPort?.postMessage({
    t: "failed",
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  } satisfies FromThread);
  parentPort?.close();
}

/** A thread's young generation unless it asks for another (see startThread's youngGenerationMb). */
const YOUNG_GENERATION_MB = 8;

/** A thread's nice value raised by `by` over the process's; a thread that ended meanwhile keeps none. */
function lowerPriority(tid: number, by: number): void {
  try {
    setPriority(tid, Math.min(19, getPriority() + by));
  } catch {
    // ESRCH: the thread is gone (it crashed as it started); the next one gets its own.
  }
}

/** Flags of --cpu-prof that take a value (also given as the next argument). */
const CPU_PROFILE_VALUE_FLAGS = new Set(["--cpu-prof-dir", "--cpu-prof-name", "--cpu-prof-interval"]);

/**
 * What a thread inherits of the process's flags: none of tsx's loader (the thread runs compiled
 * code), but `node --cpu-prof` profiles every thread, each to a file of its own (see
 * test/bench/cpu-profile.ts).
 */
export function profilingFlags(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  execArgv.forEach((arg, i) => {
    if (!arg.startsWith("--cpu-prof")) return;
    kept.push(arg);
    const next = execArgv[i + 1];
    if (CPU_PROFILE_VALUE_FLAGS.has(arg) && next !== undefined) kept.push(next);
  });
  return kept;
}

/**
 * Starts `moduleUrl` on a thread of its own and resolves once it said "started" (with the fields it
 * sent), or rejects with why it did not. `what` names it in errors.
 */
export async function startThread<S extends Record<string, unknown>>(options: {
  moduleUrl: string;
  /** TypeScript modules the thread imports itself, compiled with it: their URLs reach it as workerData.preload. */
  preload?: string[];
  workerData: Record<string, unknown>;
  /** What in workerData moves to the thread rather than being copied (MessagePorts). */
  transferList?: Transferable[];
  what: string;
  /** SHARE_ENV: the thread sees the process's environment as it changes (a handler reading it late). */
  env?: typeof SHARE_ENV;
  /**
   * Bundle the packages it imports into its compiled code, as a function's Lambda bundle does, rather
   * than leave them to Node: a thread then loads a few files, not the SDK's hundreds of modules one
   * resolution at a time (about a third of a stack's start-up CPU), and runs the packages' ESM builds
   * as Lambda does. Not for packages that must stay files of their own (dynalite's LevelDB addon).
   */
  bundlePackages?: boolean;
  /**
   * Added to the process's nice value for this thread (up to 19): the operating system gives a core
   * to a thread with a lower one first. Linux only, where a nice value belongs to each thread;
   * elsewhere (macOS sets it per process) the thread keeps the process's.
   */
  nice?: number;
  /**
   * The young generation's cap in MB (default 8, see below). A thread that answers requests as they
   * come (the HTTP API's functions) scavenges less often, and so stalls fewer of them, with more.
   */
  youngGenerationMb?: number;
}): Promise<Thread & { started: S }> {
  const [entry = "", ...preload] = await compileForThread(
    [options.moduleUrl, ...(options.preload ?? [])],
    options.bundlePackages ?? false,
  );
  const worker = new Worker(new URL(entry), {
    workerData: { ...options.workerData, preload },
    ...(options.transferList ? { transferList: options.transferList as never } : {}),
    execArgv: profilingFlags(process.execArgv),
    ...(options.env ? { env: options.env } : {}),
    // A smaller young generation than V8's default (up to 3 x 16 MB semi-spaces per isolate): each
    // thread's short-lived garbage (requests, items) is collected sooner, so the process's memory
    // stays flat with two more isolates than one thread had.
    resourceLimits: { maxYoungGenerationSizeMb: options.youngGenerationMb ?? YOUNG_GENERATION_MB },
    // Its output (a handler's logs, a crash's stack) goes where the process's goes.
    stdout: false,
    stderr: false,
  });
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    worker.once("exit", () => {
      exited = true;
      resolve();
    }),
  );
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => {
      void worker.terminate();
      reject(error);
    };
    const exitedEarly = (code: number) =>
      fail(new Error(`The ${options.what} exited (code ${code}) before it started`));
    worker.once("error", fail);
    worker.once("exit", exitedEarly);
    worker.once("message", (message: (S & { t: "started"; tid?: number }) | FromThread) => {
      worker.removeListener("exit", exitedEarly);
      worker.removeListener("error", fail);
      if (message.t !== "started") {
        fail(
          new Error(
            `The ${options.what} did not start: ${message.t === "failed" ? message.error : message.t}`,
          ),
        );
        return;
      }
      worker.on("error", (error) => {
        console.error(`The ${options.what} failed:`, error);
      });
      // It never keeps the process alive by itself: the servers and timers of the main thread do
      // while the stack runs, and a test that forgets stop() must not hang its worker process. A
      // process that ends without stop() ends the thread as kill -9 would.
      worker.unref();
      const { t: _t, tid, ...started } = message;
      if (options.nice && tid !== undefined) lowerPriority(tid, options.nice);
      resolve({
        worker,
        started: started as unknown as S,
        ...(tid === undefined ? {} : { tid }),
        collectGarbage: () =>
          exited
            ? Promise.resolve()
            : new Promise<void>((done) => {
                const collected = (reply: FromThread) => {
                  if (reply.t !== "collected") return;
                  worker.off("message", collected);
                  worker.off("exit", done);
                  done();
                };
                worker.on("message", collected);
                worker.once("exit", done);
                worker.postMessage({ t: "gc" } satisfies ToThread);
              }),
        stop: async () => {
          if (exited) return;
          worker.postMessage({ t: "stop" } satisfies ToThread);
          // Stopped cleanly or, after a grace, ended: it must never hang a test run.
          const grace = setTimeout(() => void worker.terminate(), 5_000);
          await exit;
          clearTimeout(grace);
        },
      });
    });
  });
}

/**
 * In a thread: hands `data` to the main thread's relay hook (the stack's `onThreadRelay`), in order
 * with the thread's answers. The bench's SDK instrumentation reports the functions' requests so.
 */
export function relayToMainThread(data: unknown): void {
  parentPort?.postMessage({ t: "relay", data });
}
