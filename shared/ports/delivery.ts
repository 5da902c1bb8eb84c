import type { BusDetail } from "../contracts/bus-details.js";
import type { Mailbox } from "../domain/email.js";

export interface EventPublisher {
  /**
   * Puts details on the bus, each under its detail-type (busDetailType: Event Received, Identify
   * Received or Attribute Changed); throws ServiceUnavailableError if any could not be put after
   * retries (some others may have been: resending them is safe, their messageIds dedupe).
   */
  publish(details: BusDetail[]): Promise<void>;
}

export interface OutgoingEmail {
  from: Mailbox;
  to: Mailbox;
  /** Copied recipients, already checked against the suppression list. */
  cc?: Mailbox[];
  replyTo?: Mailbox;
  subject: string;
  text: string;
  html?: string;
  /** Extra header fields (List-Unsubscribe, List-Unsubscribe-Post): printable ASCII. */
  headers?: Record<string, string>;
  /** The Date header. */
  date: Date;
  /** SES message tags (our workspace, moment and run): bounce and complaint events carry them back. */
  tags: Record<string, string>;
  /**
   * The one mailbox this copy is delivered to (the envelope recipient), when not every address in
   * To and Cc: each recipient gets a copy with its own unsubscribe link. Absent: To and Cc.
   */
  deliverTo?: Mailbox;
}

export interface Mailer {
  /** Throws TransientDeliveryError (retry later) or PermanentDeliveryError (do not retry). */
  send(email: OutgoingEmail): Promise<{ messageId: string }>;
}
