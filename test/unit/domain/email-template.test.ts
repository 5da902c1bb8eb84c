import { describe, expect, it } from "vitest";
import {
  applyEmailTemplatePatch,
  type EmailTemplate,
  emailTemplateInputSchema,
  missingPlaceholders,
  renderEmailPreview,
} from "../../../shared/domain/email-template.js";
import { ValidationError } from "../../../shared/domain/errors.js";
import { render } from "../../../shared/domain/render.js";

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

const stored: EmailTemplate = {
  ...valid,
  id: "t_1",
  workspaceId: "ws_1",
  html: "<p>Hi {first_name}</p>",
  createdAt: "2026-11-01T00:00:00.000Z",
  updatedAt: "2026-11-01T00:00:00.000Z",
};
const LATER = "2026-11-02T00:00:00.000Z";

describe("applyEmailTemplatePatch", () => {
  it("changes only the given fields and stamps updatedAt", () => {
    const next = applyEmailTemplatePatch(stored, { subject: "New subject" }, LATER);

    expect(next).toEqual({ ...stored, subject: "New subject", updatedAt: LATER });
  });

  it("removes the html part when html is null", () => {
    const next = applyEmailTemplatePatch(stored, { html: null }, LATER);

    expect(next).not.toHaveProperty("html");
    expect(next.text).toBe(stored.text);
  });

  it("validates the merged template as a whole, naming the failing field", () => {
    expect(() => applyEmailTemplatePatch(stored, { from: "Anna" }, LATER)).toThrow(
      expect.objectContaining({ statusCode: 400, details: [expect.objectContaining({ path: "from" })] }),
    );
  });

  it.each([
    ["an id", { id: "t_2" }],
    ["a workspace", { workspaceId: "ws_2" }],
    ["an unknown field", { bcc: "eve@evil.com" }],
  ])("refuses %s", (_label, patch) => {
    expect(() => applyEmailTemplatePatch(stored, patch, LATER)).toThrow(ValidationError);
  });

  it.each([
    ["a list", []],
    ["a string", "subject"],
    ["null", null],
  ])("refuses a body that is %s", (_l, body) => {
    expect(() => applyEmailTemplatePatch(stored, body, LATER)).toThrow(ValidationError);
  });

  it("treats a missing body as no change", () => {
    expect(applyEmailTemplatePatch(stored, undefined, LATER)).toEqual({ ...stored, updatedAt: LATER });
  });
});

describe("renderEmailPreview", () => {
  const template = {
    ...valid,
    subject: "Hi {first_name|there}, your {event.plan} plan\r\nBcc: eve@evil.com",
    text: "Hello {first_name}, {company} is on {event.plan}. {last_name}{first_name}",
    html: "<p>{company}</p>",
  };

  it("renders as the send_email action would: html escaped, subject on one line", () => {
    const preview = renderEmailPreview(template, {
      traits: { first_name: "Ada", company: "<b>Acme & Co</b>" },
      event: { plan: "Pro" },
    });

    expect(preview).toEqual({
      from: valid.from,
      subject: "Hi Ada, your Pro plan Bcc: eve@evil.com",
      text: "Hello Ada, <b>Acme & Co</b> is on Pro. Ada",
      html: "<p>&lt;b&gt;Acme &amp; Co&lt;/b&gt;</p>",
      missing: ["last_name"],
    });
  });

  it("lists each placeholder that rendered empty once, in order, but not one with a default", () => {
    const preview = renderEmailPreview(template, { traits: {}, event: {} });

    expect(preview.subject).toBe("Hi there, your  plan Bcc: eve@evil.com");
    expect(preview.missing).toEqual(["event.plan", "first_name", "company", "last_name"]);
  });

  it("counts an empty string or null as missing, and zero or false as present", () => {
    expect(
      missingPlaceholders(["{a}{b}{c}{d}{e|}"], { traits: { a: "", b: null, c: 0, d: false }, event: {} }),
    ).toEqual(["a", "b", "e"]);
  });

  // Each row shows what render makes of a text next to what is reported missing: they must agree.
  it.each([
    ["{first_name}", "", ["first_name"]],
    ["{ first_name }", "", ["first_name"]],
    ["{account.plan|free}", "free", []],
    ["{event.items.0.sku}", "", ["event.items.0.sku"]],
    ["{event.cart-total}", "", ["event.cart-total"]],
    ["{first_name|  }", "", ["first_name"]],
    ["{ {nested} }", "{  }", ["nested"]],
    ["{not a placeholder}", "{not a placeholder}", []],
    ["{1abc}", "{1abc}", []],
    ["{a.b.c|x|y}", "x|y", []],
    ["{}", "{}", []],
  ])("agrees with render on %s", (text, rendered, missing) => {
    const data = { traits: { other: "x" }, event: {} };

    expect(render(text, data)).toBe(rendered);
    expect(missingPlaceholders([text], data)).toEqual(missing);
  });
});
