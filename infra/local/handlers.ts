/**
 * The functions' handlers as the local runtime loads them: imported on first use (a handler reads
 * its environment at import, which must be set up first) and kept, as a Lambda container keeps its
 * module. Used by the functions threads (the HTTP API's functions, the asynchronous back end's:
 * see functions-thread.ts).
 */
import type { FunctionId } from "../../shared/contracts/functions.js";
import type { LambdaHandler } from "./lambda-context.js";

const handlerModules: Record<FunctionId, () => Promise<unknown>> = {
  health: () => import("../../functions/health/handler.js"),
  ingest: () => import("../../functions/ingest/handler.js"),
  inbox: () => import("../../functions/inbox/handler.js"),
  admin: () => import("../../functions/admin/handler.js"),
  match: () => import("../../functions/match/handler.js"),
  action: () => import("../../functions/action/handler.js"),
  "run-state": () => import("../../functions/run-state/handler.js"),
  // Deploy-time only: the local stack seeds its admin key directly (see ensureAdminKey in stack.ts).
  bootstrap: () => import("../../functions/bootstrap/handler.js"),
  // SES's sending events on the local default bus (see ses-events.ts): Send events are the evidence
  // a step in doubt settles on. (Local SES never bounces: bounces are exercised in the use case's tests.)
  "ses-feedback": () => import("../../functions/ses-feedback/handler.js"),
  console: () => import("../../functions/console/handler.js"),
};

/** The Lambda function name of a function on the local stack. */
export const localFunctionName = (fn: FunctionId) => `moments-${fn}`;

/**
 * Each handler imported once and kept, as a Lambda container keeps it: a dynamic import() is not
 * free even when the module cache has it (under tsx every one is a round trip to its loader thread
 * to resolve the specifier: 1-2 ms of CPU per invocation under load). A failed import is
 * forgotten, so the next invocation tries again.
 */
export function handlerLoader() {
  const handlers = new Map<FunctionId, Promise<LambdaHandler<unknown, unknown>>>();
  return <E, R>(fn: FunctionId): Promise<LambdaHandler<E, R>> => {
    let handler = handlers.get(fn);
    if (handler === undefined) {
      handler = handlerModules[fn]().then(
        (module) => (module as { handler: LambdaHandler<unknown, unknown> }).handler,
      );
      handler.catch(() => handlers.delete(fn));
      handlers.set(fn, handler);
    }
    return handler as Promise<LambdaHandler<E, R>>;
  };
}
