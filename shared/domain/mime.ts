/**
 * Builds an email message as SES's SendRawEmail takes it: RFC 5322 headers, RFC 2045 MIME bodies,
 * RFC 2047 encoded words. The output is 7-bit ASCII with CRLF line ends, so no relay has to
 * re-encode it (which could break a signature) and any mail parser reads it the same way.
 *
 * Header injection is impossible by construction: every header value is checked for CR and LF and
 * refused (InvalidHeaderError), never cleaned, because a value that carries a line break was
 * produced by something that should not reach a recipient at all.
 */
import { createHash } from "node:crypto";
import { isEmailAddress, type Mailbox } from "./email.js";

export interface MimeMessage {
  from: Mailbox;
  to: readonly Mailbox[];
  cc?: readonly Mailbox[];
  replyTo?: readonly Mailbox[];
  subject: string;
  /** The plain-text body (always sent: it is what plain-text clients and spam filters read). */
  text: string;
  /** An HTML alternative; with it the message is multipart/alternative (text first, as RFC 2046 orders). */
  html?: string;
  date: Date;
  /** `<id@domain>`. Optional: SES assigns one when the message has none. */
  messageId?: string;
  /** Further fields (List-Unsubscribe...), in order. Printable ASCII; the structural ones are refused. */
  headers?: Readonly<Record<string, string>>;
}

/** A header could not be written safely (a line break, a structural name, a line over 998 octets). */
export class InvalidHeaderError extends Error {
  override readonly name = "InvalidHeaderError";
}

const CRLF = "\r\n";
/** RFC 5322: lines SHOULD stay within 78 characters and MUST stay within 998. */
const SOFT_LINE = 78;
const HARD_LINE = 998;
/** RFC 2047: an encoded word is at most 75 characters; "=?UTF-8?B?" and "?=" take 12 of them. */
const ENCODED_WORD_BYTES = 45;
/** RFC 2045: encoded body lines are at most 76 characters. */
const BODY_LINE = 76;

/** Fields this module writes itself: a caller's `headers` must not set (or duplicate) them. */
const STRUCTURAL = new Set([
  "from",
  "sender",
  "to",
  "cc",
  "bcc",
  "reply-to",
  "subject",
  "date",
  "message-id",
  "mime-version",
  "content-type",
  "content-transfer-encoding",
  "return-path",
]);

const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const LINE_BREAK = /[\r\n]/;

function refuseLineBreaks(field: string, value: string): void {
  if (LINE_BREAK.test(value)) throw new InvalidHeaderError(`${field} must not contain a line break`);
}

/**
 * Writes `Name: token token ...`, folding between tokens (never inside one) to keep lines within 78
 * characters where it can. Unfolding (RFC 5322 3.2.2) turns each CRLF+space back into the space.
 */
function foldHeader(name: string, tokens: readonly string[]): string {
  const lines: string[] = [];
  let line = `${name}:`;
  let empty = true;
  for (const token of tokens) {
    // A continuation line must not be whitespace only, so an empty token is never moved down.
    if (!empty && token !== "" && line.length + 1 + token.length > SOFT_LINE) {
      lines.push(line);
      line = ` ${token}`;
    } else {
      line += ` ${token}`;
    }
    empty = false;
  }
  lines.push(line);
  for (const written of lines) {
    if (written.length > HARD_LINE)
      throw new InvalidHeaderError(`${name} has a line over ${HARD_LINE} octets`);
  }
  return lines.join(CRLF);
}

/**
 * RFC 2047 B-encoded words for text that is not plain ASCII. Each word holds whole characters (a
 * multi-byte character is never split across two words, which decoders would garble).
 */
export function encodedWords(text: string): string[] {
  const words: string[] = [];
  let chunk: Buffer[] = [];
  let size = 0;
  const flush = () => {
    if (chunk.length === 0) return;
    words.push(`=?UTF-8?B?${Buffer.concat(chunk).toString("base64")}?=`);
    chunk = [];
    size = 0;
  };
  for (const char of text) {
    const bytes = Buffer.from(char, "utf8");
    if (size + bytes.length > ENCODED_WORD_BYTES) flush();
    chunk.push(bytes);
    size += bytes.length;
  }
  flush();
  return words;
}

/** Plain ASCII that no reader could mistake for an encoded word. */
function isPlainAscii(text: string): boolean {
  return PRINTABLE_ASCII.test(text) && !text.includes("=?");
}

/** An unstructured value (Subject): as is when plain ASCII, else encoded words. */
function unstructuredTokens(field: string, value: string): string[] {
  refuseLineBreaks(field, value);
  return isPlainAscii(value) ? value.split(" ") : encodedWords(value);
}

/** One mailbox as tokens: `"Anna at Acme" <anna@acme.com>`, or encoded words for a non-ASCII name. */
function mailboxTokens(field: string, mailbox: Mailbox): string[] {
  refuseLineBreaks(field, mailbox.address);
  if (!isEmailAddress(mailbox.address)) throw new InvalidHeaderError(`${field} has an invalid address`);
  const address = `<${mailbox.address}>`;
  if (!mailbox.name) return [mailbox.address];
  refuseLineBreaks(field, mailbox.name);
  if (isPlainAscii(mailbox.name)) {
    // A quoted string: commas, dots and "at" in a name are safe inside it.
    return [`"${mailbox.name.replace(/["\\]/g, "\\$&")}"`, address];
  }
  return [...encodedWords(mailbox.name), address];
}

function addressHeader(field: string, mailboxes: readonly Mailbox[]): string {
  const tokens: string[] = [];
  mailboxes.forEach((mailbox, i) => {
    const own = mailboxTokens(field, mailbox);
    if (i < mailboxes.length - 1) own[own.length - 1] += ",";
    tokens.push(...own);
  });
  return foldHeader(field, tokens);
}

/** RFC 5322 date-time: `Tue, 03 Mar 2026 09:05:00 +0000`. */
export function formatDate(date: Date): string {
  return date.toUTCString().replace(/GMT$/, "+0000");
}

function normaliseLineEnds(text: string): string[] {
  return text.replace(/\r\n?/g, "\n").split("\n");
}

function isQuotedPrintableLiteral(byte: number): boolean {
  return (byte >= 33 && byte <= 126 && byte !== 61) || byte === 32 || byte === 9;
}

const hex = (byte: number) => `=${byte.toString(16).toUpperCase().padStart(2, "0")}`;

/**
 * RFC 2045 quoted-printable of UTF-8 text: lines within 76 characters (soft breaks never split an
 * escape), trailing whitespace escaped (relays strip it), and "From " at a line start escaped
 * (mbox stores would otherwise mangle it into ">From ").
 */
export function quotedPrintable(text: string): string {
  const out: string[] = [];
  for (const line of normaliseLineEnds(text)) {
    const bytes = Buffer.from(line, "utf8");
    const pieces: string[] = [];
    bytes.forEach((byte, i) => {
      const last = i === bytes.length - 1;
      const literal =
        isQuotedPrintableLiteral(byte) &&
        !(last && (byte === 32 || byte === 9)) &&
        !(i === 0 && line.startsWith("From "));
      pieces.push(literal ? String.fromCharCode(byte) : hex(byte));
    });
    let current = "";
    for (const piece of pieces) {
      // Room for the soft break's "=" at the end of a full line.
      if (current.length + piece.length > BODY_LINE - 1) {
        out.push(`${current}=`);
        current = "";
      }
      current += piece;
    }
    out.push(current);
  }
  return out.join(CRLF);
}

function base64Lines(text: string): string {
  const encoded = Buffer.from(text.replace(/\r\n?/g, "\n").replace(/\n/g, CRLF), "utf8").toString("base64");
  return encoded.match(new RegExp(`.{1,${BODY_LINE}}`, "g"))?.join(CRLF) ?? "";
}

/** The shorter of quoted-printable (readable, for mostly-ASCII text) and base64 (for other scripts). */
function encodeBody(text: string): { encoding: "quoted-printable" | "base64"; body: string } {
  const qp = quotedPrintable(text);
  const b64 = base64Lines(text);
  return qp.length <= b64.length
    ? { encoding: "quoted-printable", body: qp }
    : { encoding: "base64", body: b64 };
}

function part(type: "text/plain" | "text/html", content: string): string[] {
  const { encoding, body } = encodeBody(content);
  return [`Content-Type: ${type}; charset=UTF-8`, `Content-Transfer-Encoding: ${encoding}`, "", body];
}

/**
 * A boundary that cannot occur in the parts: "=_" never appears in quoted-printable (which writes
 * "=" as "=3D") nor in base64. Derived from the content, so the same message builds the same bytes.
 */
function boundaryFor(message: MimeMessage): string {
  const digest = createHash("sha256")
    .update(message.text)
    .update("\0")
    .update(message.html ?? "")
    .digest("hex")
    .slice(0, 32);
  return `=_moments_${digest}`;
}

function extraHeaders(headers: Readonly<Record<string, string>>): string[] {
  return Object.entries(headers).map(([name, value]) => {
    if (!FIELD_NAME.test(name)) throw new InvalidHeaderError(`"${name}" is not a header field name`);
    if (STRUCTURAL.has(name.toLowerCase()))
      throw new InvalidHeaderError(`${name} cannot be set as an extra header`);
    refuseLineBreaks(name, value);
    if (!PRINTABLE_ASCII.test(value)) throw new InvalidHeaderError(`${name} must be printable ASCII`);
    const line = `${name}: ${value}`;
    if (line.length > HARD_LINE) throw new InvalidHeaderError(`${name} has a line over ${HARD_LINE} octets`);
    return line;
  });
}

/** The whole message, ready to be sent as SendRawEmail's RawMessage.Data. */
export function buildMimeMessage(message: MimeMessage): string {
  if (message.to.length === 0) throw new InvalidHeaderError("To needs at least one address");
  const headers: string[] = [addressHeader("From", [message.from]), addressHeader("To", message.to)];
  if (message.cc && message.cc.length > 0) headers.push(addressHeader("Cc", message.cc));
  if (message.replyTo && message.replyTo.length > 0) headers.push(addressHeader("Reply-To", message.replyTo));
  headers.push(foldHeader("Subject", unstructuredTokens("Subject", message.subject)));
  headers.push(`Date: ${formatDate(message.date)}`);
  if (message.messageId !== undefined) {
    refuseLineBreaks("Message-ID", message.messageId);
    if (!/^<[\x21-\x3b\x3d\x3f-\x7e]+@[\x21-\x3b\x3d\x3f-\x7e]+>$/.test(message.messageId))
      throw new InvalidHeaderError("Message-ID must look like <id@domain>");
    headers.push(`Message-ID: ${message.messageId}`);
  }
  headers.push(...extraHeaders(message.headers ?? {}));
  headers.push("MIME-Version: 1.0");

  if (message.html === undefined) {
    return [...headers, ...part("text/plain", message.text), ""].join(CRLF);
  }
  const boundary = boundaryFor(message);
  return [
    ...headers,
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    "",
    `--${boundary}`,
    ...part("text/plain", message.text),
    `--${boundary}`,
    ...part("text/html", message.html),
    `--${boundary}--`,
    "",
  ].join(CRLF);
}
