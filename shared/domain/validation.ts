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
      return [{ path: at(), message: issue.message }];
    }),
  );
}
