import * as z from "zod/mini";
import { nameSchema } from "./primitives.js";

/** A hostname, optionally with a leading wildcard label: `app.acme.com`, `*.acme.com`, `localhost`. */
const domainSchema = z
  .string()
  .check(
    z.regex(
      /^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(:\d{1,5})?$/,
      "must be a host name such as app.acme.com or *.acme.com",
    ),
  );

/** A source is an audience configuration: where events come from and the keys they use. */
export const sourceInputSchema = z.strictObject({
  name: nameSchema,
  allowedDomains: z._default(z.array(domainSchema).check(z.maxLength(50)), []),
});
export type SourceInput = z.infer<typeof sourceInputSchema>;

export interface Source extends SourceInput {
  id: string;
  workspaceId: string;
  createdAt: string;
}
