import * as z from "zod/mini";

// Printable ASCII only: SES's SendEmail takes no internationalized local parts (a domain must be punycode).
const ADDRESS = /^[\x21-\x7e]+@[\x21-\x7e]+\.[A-Za-z0-9-]{2,}$/;
const ADDRESS_FORBIDDEN = /[@<>()",;:\\[\]]/;
const NAMED = /^\s*(?:"((?:[^"\\]|\\.)*)"|([^"<>]*?))\s*<([^<>]+)>\s*$/;

export interface Mailbox {
  name?: string;
  address: string;
}

export function isEmailAddress(value: string): boolean {
  if (value.length > 254 || !ADDRESS.test(value)) return false;
  const at = value.lastIndexOf("@");
  return !ADDRESS_FORBIDDEN.test(value.slice(0, at)) && !ADDRESS_FORBIDDEN.test(value.slice(at + 1));
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
  // A line break in a name would end the From header and start another (header injection).
  if (/\p{Cc}/u.test(name)) return undefined;
  return name ? { name, address } : { address };
}

export const mailboxSchema = z.string().check(
  z.refine((v) => parseMailbox(v) !== undefined, {
    message: 'must be an email address, optionally with a name: "Anna at Acme" <anna@mail.acme.com>',
  }),
);
