import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import {
  ConflictError,
  DomainError,
  NotFoundError,
  PayloadTooLargeError,
  ServiceUnavailableError,
  UnauthorizedError,
  ValidationError,
} from "../../../shared/domain/errors.js";
import { parseOrThrow } from "../../../shared/domain/validation.js";

const schema = z.strictObject({
  name: z.string().check(z.minLength(1)),
  steps: z.array(z.strictObject({ delay: z.strictObject({ amount: z.int() }) })),
});

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("parseOrThrow", () => {
  it("answers the parsed value", () => {
    expect(parseOrThrow(schema, { name: "x", steps: [] })).toEqual({ name: "x", steps: [] });
  });

  it("throws a ValidationError naming each failing field with a dotted path", () => {
    const error = caught(() =>
      parseOrThrow(schema, { name: "", steps: [{ delay: { amount: 1 } }, { delay: { amount: "1" } }] }),
    );

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details.map((d) => d.path)).toEqual(["name", "steps.1.delay.amount"]);
  });

  it("prefixes paths when given a prefix", () => {
    const error = caught(() => parseOrThrow(schema, { name: 1, steps: [] }, "body")) as ValidationError;

    expect(error.details.map((d) => d.path)).toEqual(["body.name"]);
  });

  it("uses English messages that say what was expected", () => {
    const error = caught(() => parseOrThrow(schema, { name: 1, steps: [] })) as ValidationError;

    expect(error.details[0]?.message).toMatch(/expected string/i);
  });

  it("names an unknown field by its own path, nested ones included", () => {
    const strict = z.strictObject({ name: z.string(), inner: z.strictObject({ a: z.number() }) });
    const error = caught(() =>
      parseOrThrow(strict, { name: "x", bogus: 1, other: 2, inner: { a: 1, b: 2 } }, "body"),
    ) as ValidationError;

    expect(error.details).toEqual(
      expect.arrayContaining([
        { path: "body.bogus", message: "is not a known field" },
        { path: "body.other", message: "is not a known field" },
        { path: "body.inner.b", message: "is not a known field" },
      ]),
    );
    expect(error.details).toHaveLength(3);
  });

  it("says a missing field with a fixed set of values is required, and a wrong one is not one of them", () => {
    const statuses = z.strictObject({ status: z.enum(["draft", "running"]) });
    const missing = caught(() => parseOrThrow(statuses, {})) as ValidationError;
    const wrong = caught(() => parseOrThrow(statuses, { status: "done" })) as ValidationError;

    expect(missing.details).toEqual([
      { path: "status", message: 'is required: expected one of "draft"|"running"' },
    ]);
    expect(wrong.details).toEqual([
      { path: "status", message: 'Invalid option: expected one of "draft"|"running"' },
    ]);
  });

  it("reports a problem with the whole body at the empty path", () => {
    const error = caught(() => parseOrThrow(schema, "not an object")) as ValidationError;

    expect(error.details).toEqual([{ path: "", message: expect.any(String) }]);
  });

  it("summarises every problem in the message", () => {
    const error = caught(() => parseOrThrow(schema, { name: "", steps: "x" })) as ValidationError;

    expect(error.message).toMatch(/^Invalid request: name: .+; steps: .+$/);
  });
});

describe("domain errors", () => {
  it.each([
    [new ValidationError([{ path: "a", message: "b" }]), 400, "invalid_request"],
    [new UnauthorizedError("no key"), 401, "unauthorized"],
    [new NotFoundError("none"), 404, "not_found"],
    [new ConflictError("busy"), 409, "conflict"],
    [new PayloadTooLargeError("big"), 413, "payload_too_large"],
    [new ServiceUnavailableError("later"), 503, "service_unavailable"],
  ])("%s maps to HTTP %i with code %s", (error, status, code) => {
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toBeInstanceOf(Error);
    expect(error.statusCode).toBe(status);
    expect(error.code).toBe(code);
  });

  it("keeps a conflict's details", () => {
    const details = [{ path: "status", message: "no" }];

    expect(new ConflictError("busy", details).details).toBe(details);
  });

  it("lets a ValidationError carry its own message", () => {
    expect(new ValidationError([], "The request body is not valid JSON").message).toBe(
      "The request body is not valid JSON",
    );
  });
});
