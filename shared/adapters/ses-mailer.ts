import { type SESClient, SendRawEmailCommand } from "@aws-sdk/client-ses";
import {
  AmbiguousDeliveryError,
  PermanentDeliveryError,
  TransientDeliveryError,
} from "../domain/delivery-errors.js";
import { buildMimeMessage, InvalidHeaderError } from "../domain/mime.js";
import type { Mailer, OutgoingEmail } from "../ports/delivery.js";

/** Errors by which SES says it did not take the message: sending again cannot duplicate it. */
const NOT_SENT_ERRORS = new Set([
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "RequestTimeout",
]);
/** HTTP statuses that mean the same: rate limited, not ready, or the request never fully arrived. */
const NOT_SENT_STATUSES = new Set([408, 429, 503]);
/** Network failures before a connection existed, so before the request was written. */
const NOT_CONNECTED_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
]);

/** SES message tags allow only [A-Za-z0-9_-], at most 256 characters. */
function tagValue(value: string) {
  return value.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 256);
}

/**
 * Sends through SES v1 SendRawEmail: SendEmail cannot set the List-Unsubscribe headers that large
 * mailbox providers require of bulk senders. The message is built here (shared/domain/mime.ts);
 * SES takes the sender from its From header and adds a Message-ID.
 */
export class SesMailer implements Mailer {
  constructor(
    private readonly client: SESClient,
    private readonly configurationSetName?: string,
  ) {}

  async send(email: OutgoingEmail) {
    let raw: string;
    try {
      raw = buildMimeMessage({
        from: email.from,
        to: [email.to],
        ...(email.cc && email.cc.length > 0 ? { cc: email.cc } : {}),
        ...(email.replyTo ? { replyTo: [email.replyTo] } : {}),
        subject: email.subject,
        text: email.text,
        ...(email.html !== undefined ? { html: email.html } : {}),
        date: email.date,
        ...(email.headers ? { headers: email.headers } : {}),
      });
    } catch (error) {
      // Nothing was sent, and the same content would fail the same way on every retry.
      if (error instanceof InvalidHeaderError)
        throw new PermanentDeliveryError(`invalid_message: ${error.message}`);
      throw error;
    }
    try {
      const result = await this.client.send(
        new SendRawEmailCommand({
          RawMessage: { Data: Buffer.from(raw, "ascii") },
          // Explicit, rather than read from the headers: exactly the recipients checked for suppression.
          Destinations: (email.deliverTo ? [email.deliverTo] : [email.to, ...(email.cc ?? [])]).map(
            (mailbox) => mailbox.address,
          ),
          ...(this.configurationSetName ? { ConfigurationSetName: this.configurationSetName } : {}),
          Tags: Object.entries(email.tags).map(([Name, Value]) => ({ Name, Value: tagValue(Value) })),
        }),
      );
      return { messageId: result.MessageId ?? "" };
    } catch (error) {
      throw classify(error);
    }
  }
}

/** Anything address-shaped: SES names unverified identities (sender and, in the sandbox, recipient). */
const ADDRESS = /[^\s@<>"'(),;:]+@[^\s@<>"'(),;:]+/g;

/**
 * SES's own words for the step record: addresses masked (step reasons are logged, and never name
 * an address), control characters out, at most 200 characters.
 */
function bounded(text: string): string {
  const clean = text
    .replace(ADDRESS, "[address]")
    .replace(/\p{Cc}+/gu, " ")
    .trim();
  return clean.length > 200 ? `${clean.slice(0, 199)}…` : clean;
}

/**
 * Which SES failures may be retried without risking a second copy of the email. SES takes no
 * idempotency key, so only failures that say the message was not taken are transient (throttling,
 * 503, 408, a connection that never opened). A 500, a 502/504 or a connection lost after the request
 * was written may have sent it: an AmbiguousDeliveryError, which the step reconciles from SES's own
 * Send event before it would send again (see executeStep). (The SES client is built with maxAttempts
 * 1, so the SDK does not resend it on its own.) Anything else SES refused for good, with its words.
 */
export function classify(error: unknown): Error {
  if (!(error instanceof Error)) return new TransientDeliveryError(String(error));
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const code = (error as { code?: unknown }).code;
  const message = `SES ${error.name}: ${bounded(error.message)}`;
  if (NOT_SENT_ERRORS.has(error.name) || (status !== undefined && NOT_SENT_STATUSES.has(status)))
    return new TransientDeliveryError(message);
  if (status === undefined && typeof code === "string" && NOT_CONNECTED_CODES.has(code))
    return new TransientDeliveryError(message);
  // The client's connection timeout (see ses-client.ts): no connection, so nothing was written.
  if (
    status === undefined &&
    error.name === "TimeoutError" &&
    /did not establish a connection/.test(error.message)
  )
    return new TransientDeliveryError(message);
  if (status === undefined || status >= 500)
    return new AmbiguousDeliveryError(`${message}; the email may have been sent`);
  return new PermanentDeliveryError(message);
}
