/**
 * Who is calling, for the local services' IAM checks (iam.ts). On AWS each function calls with its
 * own role's credentials; here every handler runs in one process with the same environment, so the
 * local runtime runs each invocation as its function (`runAs`) and every AWS SDK client signs what
 * it sends in that invocation with the access key id `local-<function id>`: the request is what the
 * SDK would send to AWS, with the function's identity where AWS reads it.
 *
 * The key is set by a middleware the local runtime adds to every SDK client on its first send (the
 * clients are the functions' own, created as on Lambda). Code outside any invocation (a test's or a
 * script's admin client) keeps the environment's key, which the local services do not restrict.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { type FunctionId, functionIds } from "../../shared/contracts/functions.js";

const invocation = new AsyncLocalStorage<FunctionId>();

/** Runs `work` (one invocation of `fn`'s handler) as `fn`: its AWS calls are authorized as its role's. */
export function runAs<T>(fn: FunctionId, work: () => T): T {
  return invocation.run(fn, work);
}

/** The function whose invocation is running here, if any. */
export function currentFunction(): FunctionId | undefined {
  return invocation.getStore();
}

interface SignedRequest {
  headers: Record<string, string>;
}
type Next = (args: { request: unknown }) => Promise<unknown>;
interface MiddlewareStack {
  add(
    middleware: (next: Next) => (args: { request: unknown }) => Promise<unknown>,
    options: { step: string; name: string; priority: string },
  ): void;
}
interface SdkClient {
  middlewareStack: MiddlewareStack;
  send(...args: unknown[]): unknown;
}

const MIDDLEWARE_NAME = "momentsLocalCaller";

/**
 * After signing (the deserialize step sees the request exactly as it goes on the wire): the access
 * key id of the signature's credential scope becomes the calling function's.
 */
const callerMiddleware = (next: Next) => (args: { request: unknown }) => {
  const fn = invocation.getStore();
  const request = args.request as SignedRequest | undefined;
  const authorization = request?.headers?.authorization;
  if (request && fn !== undefined && typeof authorization === "string") {
    request.headers.authorization = authorization.replace(/Credential=[^/]*\//, `Credential=local-${fn}/`);
    Atomics.add(signed, functionIds.indexOf(fn), 1);
  }
  return next(args);
};

/**
 * Requests signed as each function (by its index in functionIds), in memory every thread of the
 * process can share: the functions thread counts into the main thread's (countSignedInto).
 */
let signed = new Int32Array(new SharedArrayBuffer(4 * functionIds.length));

/** This thread's counters of signed requests, for another thread to count into. */
export function signedCounters(): SharedArrayBuffer {
  return signed.buffer as SharedArrayBuffer;
}

/** Counts this thread's signed requests into another thread's counters (signedCounters()). */
export function countSignedInto(counters: SharedArrayBuffer): void {
  signed = new Int32Array(counters);
}

/**
 * How many AWS requests each function's invocations sent as that function, in this process: what
 * shows that the local runtime runs each invocation as its function (a handler invoked outside
 * `runAs`, or in a thread without this middleware, would call unrestricted and count nothing), the
 * functions thread's included.
 */
export function requestsSignedAs(): Partial<Record<FunctionId, number>> {
  return Object.fromEntries(
    functionIds.flatMap((fn, i) => {
      const count = Atomics.load(signed, i);
      return count > 0 ? [[fn, count]] : [];
    }),
  );
}

let installed = false;

/**
 * Adds the caller middleware to every AWS SDK v3 client of this thread at its first send. All the
 * SDK's clients share one `Client` class (@smithy/core/client); the document client shares its
 * client's middleware stack, hence one addition per stack. The class is read off a client's
 * prototype chain, so it is the one the functions' clients extend wherever this module is resolved:
 * by Node on the main thread, in the functions thread's bundle (its own copy of the SDK, thread.ts).
 */
export function installCallerIdentity(): void {
  if (installed) return;
  installed = true;
  const prototype = Object.getPrototypeOf(DynamoDBClient.prototype) as SdkClient;
  const withCaller = new WeakSet<MiddlewareStack>();
  const send = prototype.send;
  prototype.send = function (this: SdkClient, ...args: unknown[]) {
    const stack = this.middlewareStack;
    if (!withCaller.has(stack)) {
      withCaller.add(stack);
      stack.add(callerMiddleware, { step: "deserialize", name: MIDDLEWARE_NAME, priority: "low" });
    }
    return send.apply(this, args);
  };
}
