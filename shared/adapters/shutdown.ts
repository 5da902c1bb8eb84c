/**
 * Work a container must do before Lambda shuts it down: writing the counts it holds in memory
 * (held-writes.ts). Lambda freezes a container between invocations and later reclaims it; it tells
 * the runtime first, with SIGTERM, only when at least one extension is registered. So a function that
 * holds something registers an *internal* extension from its own process at init, as AWS's
 * graceful-shutdown samples and the Rust runtime's `spawn_graceful_shutdown_handler` do: POST
 * `/2020-01-01/extension/register` to the Runtime API with the header `Lambda-Extension-Name` and
 * `{"events": []}` (an internal extension may not subscribe to SHUTDOWN, and needs no INVOKE), then
 * GET `/2020-01-01/extension/event/next` with the `Lambda-Extension-Identifier` it answered. Init
 * ends once the runtime and every extension called next; that call never answers (no events), and
 * stays open while the container is frozen. Then, at shutdown, Lambda sends SIGTERM and gives the
 * runtime 500 ms (with an internal extension) before SIGKILL: the hooks run for at most
 * SHUTDOWN_HOOKS_MS of it and the process exits.
 *
 * The cost: one HTTP round trip to the Runtime API on localhost at init (the register; next is not
 * awaited) and an idle connection. No billed duration beyond that: the extension subscribes to no
 * event, so it adds nothing after an invocation.
 *
 * The local runtime has no Runtime API: it runs the same hooks (`runShutdownHooks`) when it stops a
 * functions thread, so the same counts are written at `npm start`'s Ctrl-C, each hook as the function
 * that registered it (several share a thread there: their writes must be signed as their own role's).
 */
import { request } from "node:http";
import type { FunctionId } from "../contracts/functions.js";

/** Of the 500 ms Lambda gives the runtime to shut down with an internal extension: the rest is to exit. */
export const SHUTDOWN_HOOKS_MS = 400;

/** Unique among the function's extensions (an internal extension's name is its own; no file bears it). */
export const EXTENSION_NAME = "moments-graceful-shutdown";

const EXTENSIONS_API = "2020-01-01/extension";
const REGISTER_TIMEOUT_MS = 2_000;

export interface ShutdownLogger {
  warn(message: string, extra: Record<string, unknown>): void;
}

type Hook = () => Promise<unknown>;

interface Platform {
  /** The Runtime API's host:port; none off Lambda (the local runtime, tests): nothing to register. */
  runtimeApi?: string | undefined;
  /** Ends the process once the hooks ran (a test passes its own). */
  exit?: (code: number) => void;
}

const hooks: Array<{ fn: FunctionId; hook: Hook; logger: ShutdownLogger }> = [];
let armed: Promise<void> | undefined;
let running: Promise<void> | undefined;
let sigterm: (() => void) | undefined;

/**
 * Runs `hook` when the container shuts down (errors logged, never thrown; cut at SHUTDOWN_HOOKS_MS
 * with the others). The first call on Lambda registers the extension: await it at init (top-level),
 * since registering after init is refused. Resolves once registered, or once registration failed
 * (logged: the function works as before, without the shutdown).
 */
export function onShutdown(
  fn: FunctionId,
  hook: Hook,
  logger: ShutdownLogger,
  { runtimeApi = process.env.AWS_LAMBDA_RUNTIME_API, exit = (code) => process.exit(code) }: Platform = {},
): Promise<void> {
  hooks.push({ fn, hook, logger });
  armed ??= runtimeApi ? armLambda(runtimeApi, logger, exit) : Promise.resolve();
  return armed;
}

/** Runs a hook as its function (the local runtime's caller identity); on Lambda, just runs it. */
type RunAs = (fn: FunctionId, work: () => Promise<unknown>) => Promise<unknown>;

/**
 * Runs every hook registered, at once, for at most `budgetMs`; resolves when all ended or the budget
 * ran out (what still runs is left behind, logged). Runs them once: a second call waits for the first.
 */
export function runShutdownHooks({
  budgetMs = SHUTDOWN_HOOKS_MS,
  runAs = (_fn, work) => work(),
}: {
  budgetMs?: number;
  runAs?: RunAs;
} = {}): Promise<void> {
  running ??= runBounded(budgetMs, runAs);
  return running;
}

async function runBounded(budgetMs: number, runAs: RunAs) {
  const pending = new Set(hooks);
  const all = Promise.all(
    hooks.map(async (entry) => {
      try {
        await runAs(entry.fn, entry.hook);
      } catch (error) {
        entry.logger.warn("A shutdown hook failed", { function: entry.fn, error: describe(error) });
      } finally {
        pending.delete(entry);
      }
    }),
  );
  let timer: NodeJS.Timeout | undefined;
  const outOfTime = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), budgetMs);
  });
  const outcome = await Promise.race([all, outOfTime]);
  clearTimeout(timer);
  if (outcome === "late") {
    for (const entry of pending)
      entry.logger.warn("A shutdown hook did not end in time; left behind", { function: entry.fn, budgetMs });
  }
}

async function armLambda(runtimeApi: string, logger: ShutdownLogger, exit: (code: number) => void) {
  // Installed whether the register succeeds or not: another extension (a layer's) also brings SIGTERM.
  sigterm = () => {
    void runShutdownHooks().finally(() => exit(0));
  };
  process.once("SIGTERM", sigterm);
  try {
    const id = await register(runtimeApi);
    awaitNext(runtimeApi, id, logger);
  } catch (error) {
    logger.warn("Could not register the graceful-shutdown extension: held counts are lost at shutdown", {
      error: describe(error),
    });
  }
}

/** POST /extension/register: answers the extension's identifier. */
function register(runtimeApi: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ events: [] });
    const req = request(
      `http://${runtimeApi}/${EXTENSIONS_API}/register`,
      {
        method: "POST",
        // A connection of its own, closed after: nothing of it outlives the call.
        agent: false,
        headers: {
          "Lambda-Extension-Name": EXTENSION_NAME,
          "Content-Type": "application/json",
          "Content-Length": Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        const id = res.headers["lambda-extension-identifier"];
        if (res.statusCode === 200 && typeof id === "string" && id !== "") resolve(id);
        else
          reject(
            new Error(
              `register answered ${res.statusCode}${typeof id === "string" ? "" : " without an identifier"}`,
            ),
          );
      },
    );
    // Init fails after 10 s anyway: a Runtime API that does not answer costs a warning, not the init.
    req.setTimeout(REGISTER_TIMEOUT_MS, () =>
      req.destroy(new Error(`register timed out after ${REGISTER_TIMEOUT_MS} ms`)),
    );
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * GET /extension/event/next, not awaited: it ends init and stays open (no timeout, as the API asks).
 * Its socket is unref'd, so it never keeps the process (or a test) alive, and its errors are logged,
 * never thrown: an invocation never fails for it. An answer (never expected: no events) is read and
 * the next asked for, as the protocol wants.
 */
function awaitNext(runtimeApi: string, id: string, logger: ShutdownLogger) {
  const req = request(
    `http://${runtimeApi}/${EXTENSIONS_API}/event/next`,
    { method: "GET", agent: false, headers: { "Lambda-Extension-Identifier": id } },
    (res) => {
      res.resume();
      res.on("error", () => undefined);
      if (res.statusCode === 200) res.on("end", () => awaitNext(runtimeApi, id, logger));
      else
        logger.warn("The graceful-shutdown extension's next answered an error", { status: res.statusCode });
    },
  );
  req.on("socket", (socket) => socket.unref());
  req.on("error", (error) => {
    logger.warn("The graceful-shutdown extension's next failed", { error: describe(error) });
  });
  req.end();
}

function describe(error: unknown) {
  return error instanceof Error ? error.message : String(error);
}

/** Forgets the hooks and the registration (unit tests only: a container has one life). */
export function resetShutdownForTests(): void {
  hooks.length = 0;
  armed = undefined;
  running = undefined;
  if (sigterm) process.off("SIGTERM", sigterm);
  sigterm = undefined;
}
