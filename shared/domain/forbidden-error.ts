import { DomainError } from "./errors.js";

/**
 * The caller is who they say, but may not do this. Only for permissions, never for another
 * workspace's objects: those are simply not found (404), so ids leak nothing across tenants.
 */
export class ForbiddenError extends DomainError {
  override readonly name: string = "ForbiddenError";
  readonly statusCode = 403;
  constructor(
    message: string,
    readonly code: string = "forbidden",
  ) {
    super(message);
  }
}

/** A browser on an origin the source does not list in its allowedDomains sent an event. */
export class OriginNotAllowedError extends ForbiddenError {
  override readonly name = "OriginNotAllowedError";
  constructor(message: string) {
    super(message, "origin_not_allowed");
  }
}
