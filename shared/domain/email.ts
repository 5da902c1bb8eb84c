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

/**
 * RFC 5322 form for SES. An ASCII display name is quoted, so commas and dots are safe; any other is
 * an RFC 2047 encoded word, which SES requires for non-ASCII names ("Zoë at Café Acme").
 */
export function formatMailbox(mailbox: Mailbox): string {
  if (!mailbox.name) return mailbox.address;
  if (/^[\x20-\x7e]*$/.test(mailbox.name)) {
    return `"${mailbox.name.replace(/["\\]/g, "\\$&")}" <${mailbox.address}>`;
  }
  return `=?UTF-8?B?${Buffer.from(mailbox.name, "utf8").toString("base64")}?= <${mailbox.address}>`;
}

export const mailboxSchema = z.string().check(
  z.refine((v) => parseMailbox(v) !== undefined, {
    message: 'must be an email address, optionally with a name: "Anna at Acme" <anna@mail.acme.com>',
  }),
);
