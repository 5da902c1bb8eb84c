import { describe, expect, it } from "vitest";
import { escapeHtml, type RenderData, render, resolvePlaceholder } from "../../../shared/domain/render.js";

const data: RenderData = {
  traits: {
    first_name: "Ada",
    email: "ada@example.com",
    plan: "pro",
    company: { name: "Acme", size: 40 },
    empty: "",
    nothing: null,
    active: true,
    tags: ["a", "b"],
  },
  event: { cart_total: 42.5, items: 3, coupon: { code: "WELCOME" }, note: "<b>hi</b> & 'bye'" },
};

describe("render", () => {
  it("reads a bare placeholder from the account's traits", () => {
    expect(render("Hi {first_name}!", data)).toBe("Hi Ada!");
  });

  it("reads {event.x} from the trigger event's properties", () => {
    expect(render("Total: {event.cart_total} for {event.items} items", data)).toBe("Total: 42.5 for 3 items");
  });

  it("reads {account.x} from the traits explicitly", () => {
    expect(render("Plan: {account.plan}", data)).toBe("Plan: pro");
  });

  it("descends into objects along a dotted path", () => {
    expect(render("{company.name} / {account.company.size} / {event.coupon.code}", data)).toBe(
      "Acme / 40 / WELCOME",
    );
  });

  it("tolerates whitespace inside the braces", () => {
    expect(render("Hi { first_name }", data)).toBe("Hi Ada");
  });

  it("renders a missing value as an empty string", () => {
    expect(render("Hi {last_name}.", data)).toBe("Hi .");
    expect(render("[{event.missing.deeper}]", data)).toBe("[]");
  });

  it("renders the default when the value is missing, empty or null", () => {
    expect(render("Hi {last_name|there}", data)).toBe("Hi there");
    expect(render("Hi {empty|there}", data)).toBe("Hi there");
    expect(render("Hi {nothing|there}", data)).toBe("Hi there");
  });

  it("trims the default", () => {
    expect(render("Hi {last_name | dear customer }!", data)).toBe("Hi dear customer!");
  });

  it("prefers the value over the default when there is one", () => {
    expect(render("Hi {first_name|there}", data)).toBe("Hi Ada");
  });

  it("stringifies booleans and renders objects and arrays as JSON", () => {
    expect(render("{active} {tags} {company}", data)).toBe('true ["a","b"] {"name":"Acme","size":40}');
  });

  it("leaves text that is not a placeholder alone", () => {
    expect(render("{ } {1abc} {} {a b} plain", data)).toBe("{ } {1abc} {} {a b} plain");
  });

  it("does not read inherited properties (a lookup, never evaluation)", () => {
    expect(render("[{constructor}][{__proto__}][{event.toString}][{first_name.length}]", data)).toBe(
      "[][][][]",
    );
  });

  it("does not escape values in text mode", () => {
    expect(render("{event.note}", data)).toBe("<b>hi</b> & 'bye'");
  });

  it("escapes values in html mode but not the template's own markup", () => {
    expect(render("<p>{event.note}</p>", data, "html")).toBe(
      "<p>&lt;b&gt;hi&lt;/b&gt; &amp; &#39;bye&#39;</p>",
    );
  });

  it("escapes the default in html mode too", () => {
    expect(render("<p>{missing|<i>you</i>}</p>", data, "html")).toBe("<p>&lt;i&gt;you&lt;/i&gt;</p>");
  });
});

describe("resolvePlaceholder", () => {
  it("answers the raw value, not its string form", () => {
    expect(resolvePlaceholder("event.items", data)).toBe(3);
    expect(resolvePlaceholder("company", data)).toEqual({ name: "Acme", size: 40 });
  });

  it("does not descend into arrays", () => {
    expect(resolvePlaceholder("tags.0", data)).toBeUndefined();
  });
});

describe("escapeHtml", () => {
  it("escapes the five HTML-significant characters", () => {
    expect(escapeHtml(`<a href="x">Tom & Jerry's</a>`)).toBe(
      "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;",
    );
  });
});

describe("render: user and account traits", () => {
  const data = {
    traits: { first_name: "Acme team", plan: "pro", email: "billing@acme.com" },
    user: { first_name: "Ada", email: "ada@acme.com" },
    event: {},
  };

  it.each([
    ["a bare name reads the user's trait first", "{first_name}", "Ada"],
    ["a bare name falls back to the account's trait", "{plan}", "pro"],
    ["{user.x} reads the user only", "{user.plan|none}", "none"],
    ["{account.x} reads the account only", "{account.first_name}", "Acme team"],
    ["the default recipient is the user's address", "{email}", "ada@acme.com"],
  ])("%s", (_rule, template, expected) => {
    expect(render(template, data)).toBe(expected);
  });

  it("uses the account's address when the run has no user", () => {
    expect(render("{email}", { traits: data.traits, event: {} })).toBe("billing@acme.com");
  });
});
