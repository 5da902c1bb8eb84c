import type { BusDetail } from "../contracts/bus-details.js";

export interface EventPublisher {
  /**
   * Puts details on the bus, each under its detail-type (busDetailType: Event Received, Identify
   * Received or Attribute Changed); throws ServiceUnavailableError if any could not be put after
   * retries (some others may have been: resending them is safe, their messageIds dedupe).
   */
  publish(details: BusDetail[]): Promise<void>;
}

export interface OutgoingEmail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
  tags: Record<string, string>;
}

export interface Mailer {
  /** Throws TransientSendError (retry later) or PermanentSendError (do not retry). */
  send(email: OutgoingEmail): Promise<{ messageId: string }>;
}
