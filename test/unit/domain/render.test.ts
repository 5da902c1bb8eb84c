import { describe, expect, it } from "vitest";
import {
  createRenderer,
  escapeHtml,
  MissingValueError,
  missingPlaceholders,
  neutralizeUnsafeLinks,
  type RenderData,
  render,
  resolvePlaceholder,
  UnsafeValueError,
} from "../../../shared/domain/render.js";

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

describe("render modes: a value cannot escape its place", () => {
  const hostile: RenderData = {
    traits: {
      name: 'Ada "the admin"\n\\ <b>',
      path: "../admin?x=1#frag",
      at: "@evil.example/x",
      header: "ok\r\nX-Injected: 1",
      ping: "<!channel> & <https://evil.example|click>",
    },
    event: { total: 42 },
  };

  it("json: escapes the value as the inside of a JSON string, so the body stays valid JSON", () => {
    const body = render('{"name": "{name}", "total": {event.total}}', hostile, "json");

    expect(JSON.parse(body)).toEqual({ name: 'Ada "the admin"\n\\ <b>', total: 42 });
  });

  it("url: percent-encodes the value, so it cannot change the host, path or query", () => {
    const url = new URL(render("https://api.example.com/users/{path}?ref={at}", hostile, "url"));

    expect(url.host).toBe("api.example.com");
    expect(url.pathname).toBe("/users/..%2Fadmin%3Fx%3D1%23frag");
    expect(url.searchParams.get("ref")).toBe("@evil.example/x");
    expect(url.hash).toBe("");
  });

  it("url: a value placed at the host cannot add userinfo or another host", () => {
    const rendered = render("https://{at}.example.com/", { traits: { at: "x@evil.com/" }, event: {} }, "url");

    // Percent signs are not valid in a host: the URL is refused rather than reaching evil.com.
    expect(rendered).toBe("https://x%40evil.com%2F.example.com/");
    expect(() => new URL(rendered)).toThrow();
  });

  it.each([".", ".."])("url: refuses %j, which a URL parser would read as a dot segment", (value) => {
    expect(() =>
      render("https://api.example.com/users/{id}/notes", { traits: { id: value }, event: {} }, "url"),
    ).toThrow(UnsafeValueError);
  });

  it.each([
    ["a query value", "https://api.example.com/search?q={id}"],
    ["a fragment", "https://api.example.com/page#{id}"],
    ["part of a segment", "https://api.example.com/v{id}/x"],
  ])("url: lets a dot value through in %s, where it cannot move the path", (_where, template) => {
    expect(() => render(template, { traits: { id: ".." }, event: {} }, "url")).not.toThrow();
  });

  it("form: percent-encodes, and a dot value is just a value", () => {
    expect(
      render("nick={nick}&note={note}", { traits: { nick: ".", note: "a&b=c" }, event: {} }, "form"),
    ).toBe("nick=.&note=a%26b%3Dc");
  });

  it("url: encodes dots inside a longer value and a lone surrogate without failing", () => {
    const rendered = render(
      "https://api.example.com/{a}/{b}",
      { traits: { a: "...x", b: "a\ud800" }, event: {} },
      "url",
    );

    expect(new URL(rendered).pathname).toBe("/...x/a%EF%BF%BD");
  });

  it("header: removes line breaks, so the value cannot add a header line", () => {
    expect(render("Bearer {header}", hostile, "header")).toBe("Bearer ok X-Injected: 1");
  });

  it("slack: escapes Slack's control characters, so a value cannot ping a channel or forge a link", () => {
    expect(render("Hi {ping}", hostile, "slack")).toBe(
      "Hi &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;",
    );
  });

  it("leaves the template's own text alone in every mode", () => {
    for (const mode of ["text", "html", "json", "url", "header", "slack"] as const) {
      expect(render("<b>{missing|x}</b> & co", hostile, mode)).toBe("<b>x</b> & co");
    }
  });
});

describe("onMissing", () => {
  const data: RenderData = { traits: { first_name: "Ada", empty: "" }, event: { plan: "pro" } };

  it("lists placeholders with no value and no default, once each", () => {
    expect(missingPlaceholders("{first_name} {arr} {arr} {empty} {nick|friend} {event.plan}", data)).toEqual([
      "arr",
      "empty",
    ]);
  });

  it("empty (the default) renders a missing value as nothing", () => {
    expect(createRenderer(data)("Hi {first_name}, ARR {arr}.")).toBe("Hi Ada, ARR .");
  });

  it.each(["skip", "fail"] as const)("%s throws MissingValueError naming the placeholders", (policy) => {
    const render = createRenderer(data, policy);

    const error = (() => {
      try {
        return render("ARR {account.arr}, seats {event.seats}");
      } catch (e) {
        return e;
      }
    })();

    expect(error).toBeInstanceOf(MissingValueError);
    expect(error).toMatchObject({ policy, placeholders: ["account.arr", "event.seats"] });
    expect((error as Error).message).toBe("missing_value: {account.arr}, {event.seats}");
  });

  it("an empty default renders empty, so it counts as missing", () => {
    expect(missingPlaceholders("{arr|} {nick| }", data)).toEqual(["arr", "nick"]);
  });

  it("a default satisfies the policy", () => {
    expect(createRenderer(data, "fail")("Hi {nick|there}")).toBe("Hi there");
  });
});

describe("neutralizeUnsafeLinks (rendered HTML email)", () => {
  const link = (href: string) => `<p><a class="btn" href="${href}">Open</a></p>`;
  it.each([
    ["javascript:alert(1)", "#"],
    ["JavaScript:alert(1)", "#"],
    [" java\tscript:alert(1)", "#"],
    ["javascript&#58;alert(1)", "#"],
    ["javascript&#x3A;alert(1)", "#"],
    ["javascript&colon;alert(1)", "#"],
    ["data:text/html;base64,PHNjcmlwdD4=", "#"],
    ["vbscript:msgbox(1)", "#"],
    ["https://app.example.com/billing?x=1&amp;y=2", "https://app.example.com/billing?x=1&amp;y=2"],
    ["http://example.com", "http://example.com"],
    ["mailto:help@example.com", "mailto:help@example.com"],
    ["tel:+15551234", "tel:+15551234"],
    ["/relative/path", "/relative/path"],
    ["#top", "#top"],
  ])("href %j becomes %j", (href, expected) => {
    expect(neutralizeUnsafeLinks(link(href))).toBe(link(expected));
  });

  it("neutralizes a trait rendered into a link, whatever the quotes and attribute", () => {
    const html = render(
      `<a href='{link}'>a</a><img src="{link}"><form action="{link}"></form>`,
      { traits: { link: "javascript:alert(document.cookie)" }, event: {} },
      "html",
    );
    expect(neutralizeUnsafeLinks(html)).toBe(`<a href='#'>a</a><img src="#"><form action="#"></form>`);
  });

  it("leaves text that merely mentions javascript: alone", () => {
    const html = "<p>Type javascript: in the console</p>";
    expect(neutralizeUnsafeLinks(html)).toBe(html);
  });
});
