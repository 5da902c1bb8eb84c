import type { EventReceivedDetail } from "../contracts/bus.js";

export interface EventPublisher {
  /** Puts events on the bus; throws ServiceUnavailableError if any could not be put after retries. */
  publish(details: EventReceivedDetail[]): Promise<void>;
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
