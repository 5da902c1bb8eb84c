import * as z from "zod/mini";
import { nameSchema } from "./primitives.js";

/**
 * A host name, optionally with a leading wildcard label and a port: `app.acme.com`, `*.acme.com`,
 * `localhost:3000` (see origin.ts for how they match). Stored lower-cased: hosts are case-insensitive.
 */
const domainSchema = z
  .string()
  .check(
    z.trim(),
    z.regex(
      /^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(:\d{1,5})?$/,
      "must be a host name such as app.acme.com or *.acme.com",
    ),
    z.toLowerCase(),
  );

const allowedDomainsSchema = z.array(domainSchema).check(z.maxLength(50));

/**
 * Who a source's messages are about when they name no account: `account` (B2B, the default: an
 * account is an organization, found from the message's group or its user's link), or `user`
 * (consumer mode: each person is an account of their own, as in cart abandonment).
 */
export const sourceSubjectSchema = z.enum(["account", "user"]);

/** A source is an audience configuration: where events come from and the keys they use. */
export const sourceInputSchema = z.strictObject({
  name: nameSchema,
  allowedDomains: z._default(allowedDomainsSchema, []),
  subject: z._default(sourceSubjectSchema, "account"),
});
export type SourceInput = z.infer<typeof sourceInputSchema>;

/** PATCH: the fields to change; at least one. */
export const sourcePatchSchema = z
  .strictObject({
    name: z.optional(nameSchema),
    allowedDomains: z.optional(allowedDomainsSchema),
    subject: z.optional(sourceSubjectSchema),
  })
  .check(
    z.refine((patch) => Object.values(patch).some((value) => value !== undefined), {
      message: "send name, allowedDomains or subject",
    }),
  );

export interface Source extends Omit<SourceInput, "subject"> {
  /** Absent on sources stored before sources had one: "account". */
  subject?: SourceInput["subject"];
  id: string;
  workspaceId: string;
  createdAt: string;
  /** Absent on sources stored before sources could change. */
  updatedAt?: string;
}

/** A source as the API shows it: without its workspace (the caller's, by construction). */
export function toSourceView(source: Source) {
  return {
    id: source.id,
    name: source.name,
    allowedDomains: source.allowedDomains,
    subject: source.subject ?? "account",
    createdAt: source.createdAt,
    updatedAt: source.updatedAt ?? source.createdAt,
  };
}
