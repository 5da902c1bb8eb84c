/**
 * Typed errors the use cases throw. The HTTP wrapper maps each to its status and the error envelope
 * `{ error: { code, message, details? } }`; anything else becomes a 500 that leaks nothing.
 */
export interface FieldProblem {
  /** Dotted path of the failing field, e.g. `steps.0.delay.unit`; empty for the whole body. */
  path: string;
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly statusCode: number;
  abstract readonly code: string;
  /** The fields at fault, when the error is about some. */
  readonly details?: FieldProblem[];
}

/** The `error` of the API's envelope for a known error: `{ code, message, details? }`. */
/** The `error` of the API's error envelope. */
export type ErrorBody = { code: string; message: string; details?: FieldProblem[] };

export function errorBody(error: DomainError): ErrorBody {
  return { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) };
}

export class ValidationError extends DomainError {
  override readonly name = "ValidationError";
  readonly statusCode = 400;
  readonly code = "invalid_request";
  constructor(
    override readonly details: FieldProblem[],
    message = `Invalid request: ${details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join("; ")}`,
  ) {
    super(message);
  }
}

export class UnauthorizedError extends DomainError {
  override readonly name = "UnauthorizedError";
  readonly statusCode = 401;
  readonly code = "unauthorized";
}

export class NotFoundError extends DomainError {
  override readonly name = "NotFoundError";
  readonly statusCode = 404;
  readonly code = "not_found";
}

export class ConflictError extends DomainError {
  override readonly name = "ConflictError";
  readonly statusCode = 409;
  readonly code = "conflict";
  constructor(
    message: string,
    override readonly details?: FieldProblem[],
  ) {
    super(message);
  }
}

/** An update named a version (If-Match) that is no longer current: read again, then retry. */
export class PreconditionFailedError extends DomainError {
  override readonly name = "PreconditionFailedError";
  readonly statusCode = 412;
  readonly code = "precondition_failed";
}

/** An update that must name the version it changes (If-Match) did not. */
export class PreconditionRequiredError extends DomainError {
  override readonly name = "PreconditionRequiredError";
  readonly statusCode = 428;
  readonly code = "precondition_required";
}

export class PayloadTooLargeError extends DomainError {
  override readonly name = "PayloadTooLargeError";
  readonly statusCode = 413;
  readonly code = "payload_too_large";
}

/**
 * How long a client should wait before retrying after a 503 (`Retry-After`). The SDK clients inside
 * the function already retried the dependency for about a second, so an immediate resend would most
 * likely meet the same throttling; a couple of seconds lets DynamoDB's or the bus's capacity catch up.
 */
export const RETRY_AFTER_SECONDS = 2;

/** A dependency failed in a way the caller should retry (the request was not accepted). */
export class ServiceUnavailableError extends DomainError {
  override readonly name = "ServiceUnavailableError";
  readonly statusCode = 503;
  readonly code = "service_unavailable";
  /** Sent as `Retry-After`. */
  readonly retryAfterSeconds = RETRY_AFTER_SECONDS;
}

/** The headers an error's answer carries besides the envelope: `Retry-After` on a 503. */
export function errorHeaders(error: DomainError): Record<string, string> | undefined {
  return error instanceof ServiceUnavailableError
    ? { "retry-after": String(error.retryAfterSeconds) }
    : undefined;
}
