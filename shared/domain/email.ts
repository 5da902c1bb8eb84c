import * as z from "zod/mini";

const ADDRESS = /^[^\s@<>()",;:\\[\]]+@[^\s@<>()",;:\\[\]]+\.[A-Za-z0-9-]{2,}$/;
const NAMED = /^\s*(?:"((?:[^"\\]|\\.)*)"|([^"<>]*?))\s*<([^<>]+)>\s*$/;

export interface Mailbox {
  name?: string;
  address: string;
}

export function isEmailAddress(value: string): boolean {
  return value.length <= 254 && ADDRESS.test(value);
}

/** Parses `anna@acme.com`, `Anna <anna@acme.com>` or `"Anna at Acme" <anna@acme.com>`. */
export function parseMailbox(value: string): Mailbox | undefined {
  const trimmed = value.trim();
  if (isEmailAddress(trimmed)) return { address: trimmed };
  const match = NAMED.exec(trimmed);
  if (!match) return undefined;
  const address = (match[3] ?? "").trim();
  if (!isEmailAddress(address)) return undefined;
  const name = (match[1] ?? match[2] ?? "").replace(/\\(.)/g, "$1").trim();
  return name ? { name, address } : { address };
}

/** RFC 5322 form for SES: the display name is always quoted, so commas and dots are safe. */
export function formatMailbox(mailbox: Mailbox): string {
  if (!mailbox.name) return mailbox.address;
  return `"${mailbox.name.replace(/["\\]/g, "\\$&")}" <${mailbox.address}>`;
}

export const mailboxSchema = z.string().check(
  z.refine((v) => parseMailbox(v) !== undefined, {
    message: 'must be an email address, optionally with a name: "Anna at Acme" <anna@mail.acme.com>',
  }),
);
