import { createRequire } from "node:module";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildMimeMessage,
  encodedWords,
  formatDate,
  InvalidHeaderError,
  type MimeMessage,
  quotedPrintable,
} from "../../../shared/domain/mime.js";

// An independent reader: the parser aws-ses-v2-local uses (pinned in package.json's overrides).
const require = createRequire(import.meta.url);
interface Parsed {
  subject?: string;
  text?: string;
  html?: string | false;
  from?: { value: Array<{ name: string; address: string }> };
  to?: { value: Array<{ name: string; address: string }> };
  cc?: { value: Array<{ name: string; address: string }> };
  replyTo?: { value: Array<{ name: string; address: string }> };
  date?: Date;
  headerLines: Array<{ key: string; line: string }>;
}
const { simpleParser } = require("mailparser") as { simpleParser: (source: string) => Promise<Parsed> };

const base: MimeMessage = {
  from: { name: "Anna at Acme", address: "anna@mail.acme.com" },
  to: [{ address: "ada@example.com" }],
  subject: "Your trial ends soon",
  text: "Hi Ada,\n\nYour trial ends in 3 days.\n\nAnna",
  date: new Date("2026-03-03T09:05:00.000Z"),
};

const headerBlock = (raw: string) => raw.slice(0, raw.indexOf("\r\n\r\n"));
const lines = (raw: string) => raw.split("\r\n");

describe("buildMimeMessage", () => {
  it("writes a plain-text message with CRLF line ends that a mail parser reads back exactly", async () => {
    const raw = buildMimeMessage(base);

    expect(raw).not.toMatch(/(?<!\r)\n/);
    expect(headerBlock(raw).split("\r\n")).toEqual([
      'From: "Anna at Acme" <anna@mail.acme.com>',
      "To: ada@example.com",
      "Subject: Your trial ends soon",
      "Date: Tue, 03 Mar 2026 09:05:00 +0000",
      "MIME-Version: 1.0",
      "Content-Type: text/plain; charset=UTF-8",
      "Content-Transfer-Encoding: quoted-printable",
    ]);
    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe(base.subject);
    expect(parsed.text?.replace(/\n$/, "")).toBe(base.text);
    expect(parsed.from?.value).toEqual([{ name: "Anna at Acme", address: "anna@mail.acme.com" }]);
    expect(parsed.date?.toISOString()).toBe("2026-03-03T09:05:00.000Z");
  });

  it("encodes a non-ASCII subject and display name as RFC 2047 words of at most 75 characters", async () => {
    const subject = "Zoë, votre essai se termine bientôt — 🎉 il vous reste trois jours pour décider";
    const raw = buildMimeMessage({
      ...base,
      from: { name: "Zoë at Café Acme", address: "zoe@acme.com" },
      subject,
    });

    for (const word of raw.match(/=\?[^?]+\?B\?[^?]*\?=/g) ?? []) expect(word.length).toBeLessThanOrEqual(75);
    for (const line of lines(headerBlock(raw))) expect(line.length).toBeLessThanOrEqual(78);
    expect(headerBlock(raw)).toMatch(/^\p{ASCII}*$/u);
    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe(subject);
    expect(parsed.from?.value).toEqual([{ name: "Zoë at Café Acme", address: "zoe@acme.com" }]);
  });

  it("never splits a multi-byte character across two encoded words", () => {
    const words = encodedWords("é".repeat(40) + "🎉".repeat(20));

    for (const word of words) {
      const payload = Buffer.from(word.slice(10, -2), "base64");
      expect(payload.toString("utf8")).not.toContain("\uFFFD");
      expect(Buffer.from(payload.toString("utf8"), "utf8")).toEqual(payload);
    }
    expect(words.map((w) => Buffer.from(w.slice(10, -2), "base64").toString("utf8")).join("")).toBe(
      "é".repeat(40) + "🎉".repeat(20),
    );
  });

  it("encodes an ASCII subject that looks like an encoded word, so no reader decodes it", async () => {
    const subject = "Literally =?UTF-8?B?aGk=?= here";

    const parsed = await simpleParser(buildMimeMessage({ ...base, subject }));

    expect(parsed.subject).toBe(subject);
  });

  it("folds a long ASCII subject at spaces, within 78 characters a line, and unfolds to the same text", async () => {
    const subject = Array.from({ length: 30 }, (_, i) => `word${i}`).join(" ");

    const raw = buildMimeMessage({ ...base, subject });

    const subjectLines = headerBlock(raw)
      .split("\r\n")
      .filter((l, i, all) => {
        const start = all.findIndex((x) => x.startsWith("Subject:"));
        return i >= start && (i === start || l.startsWith(" ")) && i < start + 10;
      });
    expect(subjectLines.length).toBeGreaterThan(1);
    for (const line of subjectLines) expect(line.length).toBeLessThanOrEqual(78);
    expect((await simpleParser(raw)).subject).toBe(subject);
  });

  it("writes cc and reply-to, each readable by a parser", async () => {
    const raw = buildMimeMessage({
      ...base,
      cc: [{ name: "Bo, CSM", address: "bo@acme.com" }, { address: "cy@acme.com" }],
      replyTo: [{ name: "Support", address: "support@acme.com" }],
    });

    expect(headerBlock(raw)).toContain('Cc: "Bo, CSM" <bo@acme.com>, cy@acme.com');
    const parsed = await simpleParser(raw);
    expect(parsed.cc?.value).toEqual([
      { name: "Bo, CSM", address: "bo@acme.com" },
      { name: "", address: "cy@acme.com" },
    ]);
    expect(parsed.replyTo?.value).toEqual([{ name: "Support", address: "support@acme.com" }]);
  });

  it("adds extra headers such as List-Unsubscribe as given", async () => {
    const raw = buildMimeMessage({
      ...base,
      headers: {
        "List-Unsubscribe": "<https://api.example.com/v1/unsubscribe?token=a.b>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
      },
    });

    expect(headerBlock(raw)).toContain(
      "\r\nList-Unsubscribe: <https://api.example.com/v1/unsubscribe?token=a.b>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
    );
    const parsed = await simpleParser(raw);
    expect(parsed.headerLines.map((h) => h.line)).toContain(
      "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
    );
  });

  it("writes a Message-ID only when given one", () => {
    expect(buildMimeMessage(base)).not.toMatch(/^Message-ID:/m);
    expect(buildMimeMessage({ ...base, messageId: "<run-1.s1@moments.example>" })).toMatch(
      /^Message-ID: <run-1\.s1@moments\.example>\r$/m,
    );
    expect(() => buildMimeMessage({ ...base, messageId: "no-brackets" })).toThrow(InvalidHeaderError);
  });

  it("makes text and HTML a multipart/alternative, text first, both decodable", async () => {
    const html = '<p>Hi Ada, <a href="https://acme.com/?a=1&amp;b=2">renew</a> — ça va?</p>';

    const raw = buildMimeMessage({ ...base, html });

    const boundary = /boundary="([^"]+)"/.exec(raw)?.[1] ?? "";
    expect(boundary).toMatch(/^=_moments_/);
    expect(raw.indexOf("Content-Type: text/plain")).toBeLessThan(raw.indexOf("Content-Type: text/html"));
    expect(raw.trimEnd().endsWith(`--${boundary}--`)).toBe(true);
    const parsed = await simpleParser(raw);
    expect(parsed.text?.replace(/\n$/, "")).toBe(base.text);
    expect(parsed.html).toBe(html);
  });

  it("builds the same bytes for the same message (a retry sends what the first attempt would have)", () => {
    const message = { ...base, html: "<p>x</p>" };

    expect(buildMimeMessage(message)).toBe(buildMimeMessage(structuredClone(message)));
  });

  it.each([
    ["the subject", { subject: "Hi\r\nBcc: eve@evil.example" }],
    ["the subject (bare LF)", { subject: "Hi\nBcc: eve@evil.example" }],
    ["a display name", { from: { name: "Anna\r\nBcc: eve@evil.example", address: "anna@acme.com" } }],
    ["a cc address", { cc: [{ address: "bo@acme.com\r\nBcc: eve@evil.example" }] }],
    ["a reply-to name", { replyTo: [{ name: "x\ny", address: "x@acme.com" }] }],
    ["an extra header", { headers: { "List-Unsubscribe": "<https://x.example>\r\nBcc: eve@evil.example" } }],
  ])("refuses a line break in %s (header injection)", (_label, overrides) => {
    expect(() => buildMimeMessage({ ...base, ...overrides } as MimeMessage)).toThrow(InvalidHeaderError);
  });

  it.each([
    ["a structural field", { Bcc: "eve@evil.example" }],
    ["a structural field in another case", { "content-type": "text/html" }],
    ["a name with a colon", { "X-A:B": "v" }],
    ["a name with a space", { "X A": "v" }],
    ["a non-ASCII value", { "X-Note": "café" }],
  ])("refuses %s as an extra header", (_label, headers) => {
    expect(() => buildMimeMessage({ ...base, headers })).toThrow(InvalidHeaderError);
  });

  it("refuses an invalid address and an empty To", () => {
    expect(() => buildMimeMessage({ ...base, to: [{ address: "not an address" }] })).toThrow(
      InvalidHeaderError,
    );
    expect(() => buildMimeMessage({ ...base, to: [] })).toThrow(InvalidHeaderError);
  });

  it("refuses a header line over 998 octets", () => {
    expect(() => buildMimeMessage({ ...base, headers: { "X-Long": "x".repeat(1000) } })).toThrow(/998/);
  });

  it("round-trips any subject, name and body through a mail parser", async () => {
    const text = fc.string({ unit: "grapheme", minLength: 1, maxLength: 200 });
    await fc.assert(
      fc.asyncProperty(
        text.map((s) => s.replace(/[\r\n]/g, " ")),
        text.map((s) => s.replace(/[\r\n]/g, " ").trim()),
        fc.string({ unit: "grapheme", maxLength: 500 }),
        async (subject, name, body) => {
          const trimmedSubject = subject.trim();
          fc.pre(trimmedSubject.length > 0 && !/\s{2}/.test(trimmedSubject) && name.length > 0);
          fc.pre(!/[\p{Cc}]/u.test(subject + name));
          const raw = buildMimeMessage({
            ...base,
            subject: trimmedSubject,
            from: { name, address: "anna@acme.com" },
            text: body,
          });
          expect(raw).toMatch(/^\p{ASCII}*$/u);
          for (const line of lines(raw)) expect(line.length).toBeLessThanOrEqual(998);
          const parsed = await simpleParser(raw);
          expect(parsed.subject).toBe(trimmedSubject);
          expect(parsed.from?.value[0]?.name).toBe(name);
          expect((parsed.text ?? "").replace(/\n$/, "")).toBe(
            body.replace(/\r\n?/g, "\n").replace(/\n$/, ""),
          );
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("quotedPrintable", () => {
  it("escapes '=', non-ASCII bytes, trailing whitespace and a leading 'From '", () => {
    expect(quotedPrintable("a=b")).toBe("a=3Db");
    expect(quotedPrintable("é")).toBe("=C3=A9");
    expect(quotedPrintable("end \nnext\t")).toBe("end=20\r\nnext=09");
    expect(quotedPrintable("From here")).toBe("=46rom here");
  });

  it("keeps lines within 76 characters with soft breaks that never split an escape", () => {
    const encoded = quotedPrintable(`${"é".repeat(30)}${"a".repeat(100)}`);

    for (const line of encoded.split("\r\n")) {
      expect(line.length).toBeLessThanOrEqual(76);
      // A split escape would leave "=" and one hex digit at a line end.
      expect(line).not.toMatch(/=[0-9A-F]$/);
      expect(line).not.toMatch(/=[0-9A-F]=$/);
    }
    expect(
      encoded
        .split("\r\n")
        .slice(0, -1)
        .every((l) => l.endsWith("=")),
    ).toBe(true);
  });
});

describe("formatDate", () => {
  it("writes RFC 5322 date-time in UTC", () => {
    expect(formatDate(new Date("2026-11-21T10:00:00.000Z"))).toBe("Sat, 21 Nov 2026 10:00:00 +0000");
  });
});
