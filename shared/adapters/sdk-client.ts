/**
 * What every AWS SDK client a function sends with is given, besides its own settings.
 *
 * - `cacheMiddleware` (the SDK's own option): a client resolves its middleware stack once per
 *   command type instead of on every send, where resolving (concatenating and ordering some twenty
 *   middleware) was a quarter to a third of the CPU a PutEvents cost without a network (216 -> 160
 *   and 396 -> 250 µs in two runs of a loop against a handler that answers at once). Safe because
 *   nothing changes a client's stack after its first send: the tracer's middleware is added when the
 *   client is made, the local runtime's caller identity and the bench's request counter before the
 *   first send. Not for DynamoDB: the document client refuses it (its commands add their marshalling
 *   to their own stacks on every send).
 * - No `loggerMiddleware`: it hands every request's input and every answer to the client's logger,
 *   and with none configured (ours never are: our own logs say what happened) it still walks both
 *   through the operation's sensitive-data filter first (`logger?.info?.(...)` builds its argument
 *   for the SDK's no-op logger), tens of microseconds an item-sized request, for nothing.
 * - The tracer's capture, when tracing is on (Powertools: one subsegment per AWS call).
 */
import type { Tracer } from "@aws-lambda-powertools/tracer";

/** The part of a client this needs: its middleware stack (every SDK v3 client has one). */
interface SdkClient {
  middlewareStack: { remove(toRemove: string): boolean };
}

/** Constructor settings for a client that caches its resolved middleware (see above). */
export const CACHED_MIDDLEWARE = { cacheMiddleware: true } as const;

/** The client without the SDK's logger middleware, traced when `tracer` is given. */
export function sdkClient<C extends SdkClient>(client: C, tracer?: Tracer): C {
  client.middlewareStack.remove("loggerMiddleware");
  tracer?.captureAWSv3Client(client);
  return client;
}
