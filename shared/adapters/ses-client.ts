import { Agent } from "node:https";
import type { Tracer } from "@aws-lambda-powertools/tracer";
import { SESClient } from "@aws-sdk/client-ses";
import { CACHED_MIDDLEWARE, sdkClient } from "./sdk-client.js";

/**
 * The SES client that sends email. SES takes no idempotency key, so a send must only ever be
 * repeated when SES certainly did not take it (see SesMailer's classify):
 * - maxAttempts 1: the SDK does not resend on its own after an ambiguous failure; the state machine
 *   retries what is safe to retry;
 * - no keep-alive: a pooled connection that went stale while the Lambda was frozen fails after the
 *   request was written, which would read as "may have been sent" and lose an email that was not;
 * - a connection timeout (nothing sent: retried) and a request timeout that throws (may have been
 *   sent: not retried), well inside the function's own timeout.
 */
export function sesClient(tracer?: Tracer): SESClient {
  const client = new SESClient({
    ...CACHED_MIDDLEWARE,
    maxAttempts: 1,
    requestHandler: {
      httpsAgent: new Agent({ keepAlive: false }),
      connectionTimeout: 3_000,
      requestTimeout: 10_000,
      throwOnRequestTimeout: true,
    },
  });
  return sdkClient(client, tracer);
}
