/**
 * The local DynamoDB (dynalite behind the transaction layer, see dynamodb.ts) on its own thread.
 *
 * Every DynamoDB request of the functions (40-odd per emailed run) costs the server side as much
 * again as the SDK call: HTTP parsing, dynalite's validation, LevelDB, the transaction layer. On
 * the functions' thread that work queued behind the handlers and the handlers behind it; here it
 * runs on the second core, and the functions still reach it over HTTP with the real SDK client,
 * exactly as before. The undo journal and the TTL file live in the data directory as before: the
 * thread dies with the process (kill -9 included), and the next start replays them.
 *
 * Tests of the engine itself (seams, open iterators) use `startLocalDynamo` in their own thread.
 */
import { readFileSync, readlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import type { IamPlaceholders } from "./iam.js";

interface TsxManifest {
  exports: { "./esm/api": { import: { default: string } } };
}

interface ThreadData {
  host: string;
  dataDir?: string;
  /** Enforce the functions' IAM grants (iam.ts) in this deployment. */
  iam?: IamPlaceholders;
}

type FromThread =
  | { t: "started"; endpoint: string; tid?: number }
  | { t: "collected" }
  | { t: "failed"; error: string }
  | { t: "stopped" };

type ToThread = { t: "stop" } | { t: "gc" };

export interface LocalDynamoThread {
  endpoint: string;
  /** The thread's Linux id (/proc/self/task/<tid>), for the bench's CPU breakdown; absent elsewhere. */
  tid?: number;
  /** A full GC of the thread's heap when node runs with --expose-gc (the bench's settled RSS); else nothing. */
  collectGarbage(): Promise<void>;
  stop(): Promise<void>;
}

/** This thread's id on Linux (/proc/thread-self links to <pid>/task/<tid>); undefined elsewhere. */
export function linuxThreadId(): number | undefined {
  try {
    const tid = Number(/task\/(\d+)$/.exec(readlinkSync("/proc/thread-self"))?.[1]);
    return Number.isInteger(tid) ? tid : undefined;
  } catch {
    return undefined;
  }
}

/** The worker's code runs when this module is the thread's entry. */
const isEntry =
  !isMainThread && (workerData as { __momentsDynamo?: boolean } | null)?.__momentsDynamo === true;

if (isEntry && parentPort) {
  const port = parentPort;
  const { host, dataDir, iam } = workerData as ThreadData;
  const { startLocalDynamo } = await import("./dynamodb.js");
  try {
    const access = iam ? (await import("./iam.js")).localAccess(iam).dynamodb : undefined;
    const dynamo = await startLocalDynamo(host, dataDir, access ? { access } : {});
    port.on("message", (message: ToThread) => {
      if (message.t === "gc") {
        // Only when node runs with --expose-gc (the bench): a settled heap before it reads RSS.
        (globalThis as { gc?: () => void }).gc?.();
        port.postMessage({ t: "collected" } satisfies FromThread);
        return;
      }
      if (message.t !== "stop") return;
      void dynamo.stop().finally(() => {
        port.postMessage({ t: "stopped" } satisfies FromThread);
        port.close();
      });
    });
    const tid = linuxThreadId();
    port.postMessage({
      t: "started",
      endpoint: dynamo.endpoint,
      ...(tid === undefined ? {} : { tid }),
    } satisfies FromThread);
  } catch (error) {
    port.postMessage({
      t: "failed",
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    } satisfies FromThread);
    port.close();
  }
}

/**
 * The thread's entry: registers tsx's loader, then loads this TypeScript module, whoever started
 * the process (`npm start` and the bench run under tsx; vitest transforms only its own thread's
 * modules, and a loader given to a worker in `execArgv` does not reach its entry on Node 20).
 */
const THREAD_ENTRY = (() => {
  // The ESM build of tsx/esm/api, as its package.json exports it to `import` (require.resolve would
  // give the CommonJS one).
  const manifest = createRequire(import.meta.url).resolve("tsx/package.json");
  const exported = (JSON.parse(readFileSync(manifest, "utf8")) as TsxManifest).exports["./esm/api"].import
    .default;
  const tsxApi = pathToFileURL(join(dirname(manifest), exported)).href;
  return `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); });`;
})();

export function startLocalDynamoThread(
  host: string,
  dataDir?: string,
  iam?: IamPlaceholders,
): Promise<LocalDynamoThread> {
  const worker = new Worker(THREAD_ENTRY, {
    eval: true,
    workerData: { __momentsDynamo: true, host, ...(dataDir ? { dataDir } : {}), ...(iam ? { iam } : {}) },
    execArgv: [],
    // Its output (dynalite logs nothing; a crash's stack) goes where the process's goes.
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
  return new Promise<LocalDynamoThread>((resolve, reject) => {
    const fail = (error: Error) => {
      void worker.terminate();
      reject(error);
    };
    const exitedEarly = (code: number) =>
      fail(new Error(`The local DynamoDB thread exited (code ${code}) before it started`));
    worker.once("error", fail);
    worker.once("exit", exitedEarly);
    worker.once("message", (message: FromThread) => {
      worker.removeListener("exit", exitedEarly);
      worker.removeListener("error", fail);
      if (message.t !== "started") {
        fail(
          new Error(
            `The local DynamoDB thread did not start: ${message.t === "failed" ? message.error : message.t}`,
          ),
        );
        return;
      }
      worker.on("error", (error) => {
        console.error("The local DynamoDB thread failed:", error);
      });
      // It never keeps the process alive by itself: the servers and timers of the main thread do
      // while the stack runs, and a test that forgets stop() must not hang its worker process. A
      // process that ends without stop() ends the thread as kill -9 would (the undo journal and
      // LevelDB's log cover that).
      worker.unref();
      resolve({
        endpoint: message.endpoint,
        ...(message.tid === undefined ? {} : { tid: message.tid }),
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
          // Stopped cleanly (LevelDB closed) or, after a grace, ended: it must never hang a test run.
          const grace = setTimeout(() => void worker.terminate(), 5_000);
          await exit;
          clearTimeout(grace);
        },
      });
    });
  });
}
