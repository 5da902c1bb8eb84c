import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";
import { ValidationError } from "./errors.js";

// zod/mini ships without messages ("Invalid input"); English messages name what was expected.
z.config(en());

/** Parses with a zod schema; a failure becomes a ValidationError naming each failing field. */
export function parseOrThrow<T extends z.ZodMiniType>(
  schema: T,
  input: unknown,
  pathPrefix = "",
): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.flatMap((issue) => {
      const at = (...more: PropertyKey[]) =>
        [pathPrefix, ...issue.path.map(String), ...more.map(String)].filter(Boolean).join(".");
      // An unknown field is named by its own path, as every other problem is (zod reports it at
      // its object's path, the body's "" for a top-level one).
      if (issue.code === "unrecognized_keys")
        return issue.keys.map((key) => ({ path: at(key), message: "is not a known field" }));
      // A missing field with a fixed set of values: zod says "Invalid option", as for a wrong one.
      if (issue.code === "invalid_value" && issue.path.length > 0 && valueAt(input, issue.path) === undefined)
        return [{ path: at(), message: `is required: ${issue.message.replace(/^Invalid option: /, "")}` }];
      return [{ path: at(), message: issue.message }];
    }),
  );
}

/** The value at `path` in `input`, or undefined where the path leads nowhere. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
