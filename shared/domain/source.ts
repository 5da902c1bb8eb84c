import * as z from "zod/mini";
import { nameSchema } from "./primitives.js";
import { type StoredIdentitySecret, toIdentitySecretView } from "./user-token.js";

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
  /**
   * Browser track and identify calls (those with an Origin) must carry a user token for their
   * account and user, so a copied write key cannot change another account's traits. On for new
   * sources; sources created before it existed read as off until changed.
   */
  requireUserToken: z._default(z.boolean(), true),
});
export type SourceInput = z.infer<typeof sourceInputSchema>;

/** PATCH: the fields to change; at least one. */
export const sourcePatchSchema = z
  .strictObject({
    name: z.optional(nameSchema),
    allowedDomains: z.optional(allowedDomainsSchema),
    subject: z.optional(sourceSubjectSchema),
    requireUserToken: z.optional(z.boolean()),
  })
  .check(
    z.refine((patch) => Object.values(patch).some((value) => value !== undefined), {
      message: "send name, allowedDomains, subject or requireUserToken",
    }),
  );

export interface Source extends Omit<SourceInput, "subject" | "requireUserToken"> {
  /** Absent on sources stored before sources had one: "account". */
  subject?: SourceInput["subject"];
  /** Absent on sources stored before identity verification: off. */
  requireUserToken?: boolean;
  /** The identity secret (current first) and, for a day after a rotation, the previous one. */
  identitySecrets?: StoredIdentitySecret[];
  id: string;
  workspaceId: string;
  createdAt: string;
  /** Absent on sources stored before sources could change. */
  updatedAt?: string;
  /**
   * Until when the source's debugger is watched: its accepted items are sampled until then (see
   * debugger-watch.ts). Absent: never watched. Not a setting: not in the source's view.
   */
  debuggerWatchedUntil?: string;
}

/** A source as the API shows it: without its workspace (the caller's, by construction). */
export function toSourceView(source: Source) {
  return {
    id: source.id,
    name: source.name,
    allowedDomains: source.allowedDomains,
    subject: source.subject ?? "account",
    requireUserToken: source.requireUserToken ?? false,
    ...toIdentitySecretView(source.identitySecrets),
    createdAt: source.createdAt,
    updatedAt: source.updatedAt ?? source.createdAt,
  };
}

/**
 * What each write key's lookup item carries of its source, so a browser request is authenticated,
 * origin-checked and identity-verified with one read, and ingestion knows whether the source's
 * debugger is watched (whether to sample its accepted items) without a read of its own.
 */
export interface WriteKeyPolicy {
  allowedDomains: string[];
  requireUserToken: boolean;
  identitySecrets: Array<Pick<StoredIdentitySecret, "secret" | "validUntil">>;
  debuggerWatchedUntil?: string;
}

export function writeKeyPolicy(source: Source): WriteKeyPolicy {
  return {
    allowedDomains: source.allowedDomains,
    requireUserToken: source.requireUserToken ?? false,
    identitySecrets: (source.identitySecrets ?? []).map(({ secret, validUntil }) => ({
      secret,
      ...(validUntil !== undefined ? { validUntil } : {}),
    })),
    ...(source.debuggerWatchedUntil !== undefined
      ? { debuggerWatchedUntil: source.debuggerWatchedUntil }
      : {}),
  };
}
