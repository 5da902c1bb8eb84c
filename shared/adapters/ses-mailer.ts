import { type SESClient, SendEmailCommand } from "@aws-sdk/client-ses";
import { PermanentDeliveryError, TransientDeliveryError } from "../domain/delivery-errors.js";
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

export class SesMailer implements Mailer {
  constructor(
    private readonly client: SESClient,
    private readonly configurationSetName?: string,
  ) {}

  async send(email: OutgoingEmail) {
    try {
      const result = await this.client.send(
        new SendEmailCommand({
          Source: email.from,
          Destination: { ToAddresses: [email.to] },
          Message: {
            Subject: { Data: email.subject, Charset: "UTF-8" },
            Body: {
              Text: { Data: email.text, Charset: "UTF-8" },
              ...(email.html ? { Html: { Data: email.html, Charset: "UTF-8" } } : {}),
            },
          },
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

/** Throttling, 5xx and network errors are worth retrying; anything else SES refused for good. */
export function classify(error: unknown): Error {
  if (!(error instanceof Error)) return new TransientDeliveryError(String(error));
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const message = `SES ${error.name}: ${error.message}`;
  if (TRANSIENT_ERRORS.has(error.name) || status === undefined || status >= 500 || status === 429) {
    return new TransientDeliveryError(message);
  }
  return new PermanentDeliveryError(message);
}
