import { DomainError } from "./errors.js";

/**
 * A service we called on the caller's behalf (Slack, Attio) refused or failed. 502: the request was
 * fine, the upstream answer was not; the message names what the upstream said (never a secret).
 */
export class UpstreamError extends DomainError {
  override readonly name = "UpstreamError";
  readonly statusCode = 502;
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
