import { type SESClient, SendRawEmailCommand } from "@aws-sdk/client-ses";
import { PermanentDeliveryError, TransientDeliveryError } from "../domain/delivery-errors.js";
import { buildMimeMessage, InvalidHeaderError } from "../domain/mime.js";
import type { Mailer, OutgoingEmail } from "../ports/delivery.js";

const TRANSIENT_ERRORS = new Set([
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "InternalFailure",
  "RequestTimeout",
  "TimeoutError",
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
          Destinations: [email.to, ...(email.cc ?? [])].map((mailbox) => mailbox.address),
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

/** SES's own words for the step record: control characters out, at most 200 characters. */
function bounded(text: string): string {
  const clean = text.replace(/\p{Cc}+/gu, " ").trim();
  return clean.length > 200 ? `${clean.slice(0, 199)}…` : clean;
}

/** Throttling, 5xx and network errors are worth retrying; anything else SES refused for good. */
export function classify(error: unknown): Error {
  if (!(error instanceof Error)) return new TransientDeliveryError(String(error));
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const message = `SES ${error.name}: ${bounded(error.message)}`;
  if (TRANSIENT_ERRORS.has(error.name) || status === undefined || status >= 500 || status === 429) {
    return new TransientDeliveryError(message);
  }
  return new PermanentDeliveryError(message);
}
