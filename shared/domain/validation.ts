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
    result.error.issues.map((issue) => {
      const path = [pathPrefix, ...issue.path.map(String)].filter(Boolean).join(".");
      return { path, message: issue.message };
    }),
  );
}
