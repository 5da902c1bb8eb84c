/**
 * The `?limit=` of every list. Apart from moment-list.ts, which imports the moment schemas: a
 * function that pages something else (the inbox) does not build them at its cold start (esbuild
 * keeps every module-level zod call of a module that is imported). moment-list.ts re-exports it.
 */
import { ValidationError } from "./errors.js";

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** `?limit=` of any list: a whole number from 1 to 200, default 50. */
export function parseLimit(value: string | undefined): number {
  if (value === undefined) return DEFAULT_PAGE_SIZE;
  const limit = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new ValidationError([
      { path: "limit", message: `must be a whole number from 1 to ${MAX_PAGE_SIZE}` },
    ]);
  }
  return limit;
}
