import { describe, expect, it } from "vitest";
import { emailTemplateInputSchema } from "../../../shared/domain/email-template.js";

const valid = {
  name: "Card failed",
  from: '"Anna at Acme" <anna@mail.acme.com>',
  subject: "Hi {first_name|there}",
  text: "Your card failed.",
};

describe("emailTemplateInputSchema", () => {
  it("accepts a template without html", () => {
    expect(emailTemplateInputSchema.parse(valid)).toEqual(valid);
  });

  it("accepts an html body", () => {
    expect(emailTemplateInputSchema.parse({ ...valid, html: "<p>Hi</p>" }).html).toBe("<p>Hi</p>");
  });

  it.each([
    ["a sender that is not a mailbox", { from: "Anna" }, "from"],
    ["an empty subject", { subject: "" }, "subject"],
    ["a subject over 998 characters (one header line)", { subject: "s".repeat(999) }, "subject"],
    ["an empty text body", { text: "" }, "text"],
    ["an empty html body", { html: "" }, "html"],
  ])("refuses %s", (_label, override, path) => {
    const result = emailTemplateInputSchema.safeParse({ ...valid, ...override });

    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([path]);
  });

  it("refuses unknown fields", () => {
    expect(emailTemplateInputSchema.safeParse({ ...valid, bcc: "eve@evil.com" }).success).toBe(false);
  });
});
