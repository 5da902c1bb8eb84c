import { describe, expect, it } from "vitest";
import { isEmailAddress, mailboxSchema, parseMailbox } from "../../../shared/domain/email.js";

describe("isEmailAddress", () => {
  it.each(["anna@acme.com", "a.b+tag@mail.acme.co.uk", "x@sub-domain.io"])("accepts %s", (address) => {
    expect(isEmailAddress(address)).toBe(true);
  });

  it.each([
    ["no @", "anna.acme.com"],
    ["no top-level domain", "anna@localhost"],
    ["a one-letter top-level domain", "anna@acme.c"],
    ["two addresses", "anna@acme.com,bob@acme.com"],
    ["a space", "anna smith@acme.com"],
    ["a line break", "anna@acme.com\nBcc: eve@evil.com"],
    ["a display name", "Anna <anna@acme.com>"],
    ["an empty string", ""],
  ])("refuses %s", (_label, value) => {
    expect(isEmailAddress(value)).toBe(false);
  });

  it("refuses an address over 254 characters", () => {
    const long = `${"a".repeat(64)}@${"b".repeat(186)}.com`;
    expect(long.length).toBe(255);

    expect(isEmailAddress(long)).toBe(false);
    expect(isEmailAddress(long.slice(1))).toBe(true);
  });
});

describe("parseMailbox", () => {
  it("reads a bare address", () => {
    expect(parseMailbox("  anna@acme.com ")).toEqual({ address: "anna@acme.com" });
  });

  it("reads an unquoted display name", () => {
    expect(parseMailbox("Anna Smith <anna@acme.com>")).toEqual({
      name: "Anna Smith",
      address: "anna@acme.com",
    });
  });

  it("reads a quoted display name and unescapes it", () => {
    expect(parseMailbox('"Anna \\"AJ\\" Smith, Acme" <anna@acme.com>')).toEqual({
      name: 'Anna "AJ" Smith, Acme',
      address: "anna@acme.com",
    });
  });

  it("treats an empty display name as none", () => {
    expect(parseMailbox('"" <anna@acme.com>')).toEqual({ address: "anna@acme.com" });
    expect(parseMailbox("<anna@acme.com>")).toEqual({ address: "anna@acme.com" });
  });

  it.each([
    ["garbage", "not an address"],
    ["an invalid address in brackets", "Anna <anna@acme>"],
    ["two bracketed addresses", "Anna <a@acme.com> <b@acme.com>"],
    ["an unterminated quote", '"Anna <anna@acme.com>'],
  ])("refuses %s", (_label, value) => {
    expect(parseMailbox(value)).toBeUndefined();
  });

  // A header value cannot contain line breaks: a sender saved as "Anna\r\nBcc: x <anna@acme.com>"
  // would fail every send from its template (or worse).
  it("refuses a display name containing a line break", () => {
    expect(parseMailbox("Anna\r\nBcc: eve@evil.com <anna@acme.com>")).toBeUndefined();
  });
});

describe("mailboxSchema", () => {
  it("accepts a named sender", () => {
    expect(mailboxSchema.safeParse('"Anna at Acme" <anna@mail.acme.com>').success).toBe(true);
  });

  it("refuses a value that is not a mailbox, with a message showing the expected form", () => {
    const result = mailboxSchema.safeParse("anna at acme");

    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/email address/);
  });
});
