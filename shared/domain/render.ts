/**
 * Placeholder rendering for message templates.
 *
 * `{first_name}` reads the triggering user's traits, then the account's; `{user.email}` and
 * `{account.plan}` read one of them explicitly; `{event.cart_total}` reads the trigger event's
 * properties; dotted paths descend into objects. A
 * `|default` renders when the value is missing (`{first_name|there}`). A missing value renders as an
 * empty string. Rendering is a lookup, never evaluation: no code runs, nothing outside the given
 * data is read.
 */
export interface RenderData {
  /** The account's traits. */
  traits: Record<string, unknown>;
  event: Record<string, unknown>;
  /** The triggering user's traits (person: first_name, email...), when the run has a user. */
  user?: Record<string, unknown>;
}

/**
 * How a value is written into its place:
 * - `text`: as is (plain-text bodies, titles);
 * - `html`: HTML-escaped (HTML bodies);
 * - `json`: escaped as the inside of a JSON string, so `{"name": "{first_name}"}` stays valid JSON
 *   whatever the value holds (webhook bodies);
 * - `url`: percent-encoded, so a value cannot change a URL's host, path or query structure (and a
 *   value that is a whole `.` or `..` path segment is refused: see UnsafeValueError);
 * - `form`: percent-encoded, for `application/x-www-form-urlencoded` bodies;
 * - `header`: line breaks removed, so a value cannot add a header line (subjects, HTTP headers);
 * - `slack`: Slack's control characters (`&`, `<`, `>`) escaped, so a value cannot ping
 *   `<!channel>` or forge a link.
 */
export type RenderMode = "text" | "html" | "json" | "url" | "form" | "header" | "slack";

/**
 * What a step does when a placeholder without a default has no value: render it `empty` (the
 * default), `skip` the step (recorded with the missing placeholders), or `fail` it.
 */
export const onMissingPolicies = ["empty", "skip", "fail"] as const;
export type OnMissing = (typeof onMissingPolicies)[number];

/** A placeholder had no value and no default, under the `skip` or `fail` policy. */
export class MissingValueError extends Error {
  override readonly name = "MissingValueError";
  constructor(
    readonly placeholders: string[],
    readonly policy: Exclude<OnMissing, "empty">,
  ) {
    super(`missing_value: ${placeholders.map((p) => `{${p}}`).join(", ")}`);
  }
}

/**
 * A value that cannot be written safely where it goes: `.` or `..` as a URL path segment would move
 * the request to another path of the same host (percent-encoding does not help: URL parsers read
 * `%2e` as a dot too), with the step's credentials. The step fails rather than send it.
 */
export class UnsafeValueError extends Error {
  override readonly name = "UnsafeValueError";
  constructor(readonly placeholder: string) {
    super(`unsafe_value: {${placeholder}} renders to a dot segment ("." or "..") in a URL`);
  }
}

/** Renders one template in a mode; throws MissingValueError when the step's policy says so. */
export type Renderer = (template: string, mode?: RenderMode) => string;

const PLACEHOLDER = /\{\s*([A-Za-z_][\w-]*(?:\.[\w-]+)*)\s*(?:\|([^{}]*))?\}/g;

function lookup(root: unknown, path: string[]): unknown {
  let current = root;
  for (const segment of path) {
    if (current === null || typeof current !== "object" || Array.isArray(current)) return undefined;
    if (!Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

export function resolvePlaceholder(expression: string, data: RenderData): unknown {
  const [head, ...rest] = expression.split(".");
  if (head === "event") return lookup(data.event, rest);
  if (head === "account") return lookup(data.traits, rest);
  if (head === "user") return lookup(data.user ?? {}, rest);
  // A bare name is about the person first: the user's trait, else the account's.
  const path = expression.split(".");
  const fromUser = lookup(data.user ?? {}, path);
  return fromUser === undefined || fromUser === null ? lookup(data.traits, path) : fromUser;
}

function stringify(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** Link schemes an email may carry; anything else (javascript:, data:, vbscript:, file:...) is neutralized. */
const SAFE_LINK_SCHEMES = new Set(["http", "https", "mailto", "tel"]);
const LINK_ATTRIBUTE = /(\s(?:href|src|action|formaction|xlink:href)\s*=\s*)("[^"]*"|'[^']*')/gi;

/** The scheme a browser would read from an attribute value: entities decoded, tabs and newlines ignored. */
function linkScheme(value: string): string | undefined {
  const decoded = value
    .replace(/&#x([0-9a-f]+);?/gi, (_, hex: string) =>
      String.fromCodePoint(Number.parseInt(hex, 16) % 0x110000),
    )
    .replace(/&#(\d+);?/g, (_, dec: string) => String.fromCodePoint(Number(dec) % 0x110000))
    .replace(/&colon;/gi, ":")
    .replace(/&tab;|&newline;/gi, "")
    // biome-ignore lint/suspicious/noControlCharactersInRegex: browsers drop these inside a URL scheme.
    .replace(/[\u0000-\u0020]/g, "");
  return /^([a-z][a-z0-9+.-]*):/i.exec(decoded)?.[1]?.toLowerCase();
}

/**
 * Rendered HTML whose links cannot run script: every href/src/action whose value names a scheme other than
 * http(s), mailto or tel becomes "#". Placeholders are HTML-escaped, but escaping cannot stop a trait such as
 * `javascript:alert(1)` filling `<a href="{link}">`; this does, whoever wrote the value.
 */
export function neutralizeUnsafeLinks(html: string): string {
  return html.replace(LINK_ATTRIBUTE, (whole, prefix: string, quoted: string) => {
    const scheme = linkScheme(quoted.slice(1, -1));
    return scheme === undefined || SAFE_LINK_SCHEMES.has(scheme)
      ? whole
      : `${prefix}${quoted[0]}#${quoted[0]}`;
  });
}

const SLACK_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };

/** Lone UTF-16 surrogates (which encodeURIComponent refuses) become U+FFFD. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Whether a placeholder at `offset` fills a whole path segment of a URL template: before any `?` or
 * `#`, between `/` and `/` (or the end). Only there can `.` or `..` move the request.
 */
function isWholePathSegment(template: string, offset: number, length: number): boolean {
  const before = template.slice(0, offset);
  if (/[?#]/.test(before)) return false;
  const next = template[offset + length];
  return before.endsWith("/") && (next === undefined || next === "/" || next === "?" || next === "#");
}

function encode(value: string, mode: RenderMode, expression: string, wholeSegment: boolean): string {
  switch (mode) {
    case "text":
      return value;
    case "html":
      return escapeHtml(value);
    case "json":
      return JSON.stringify(value).slice(1, -1);
    case "url":
      if (wholeSegment && (value === "." || value === "..")) throw new UnsafeValueError(expression);
      return encodeURIComponent(value.replace(LONE_SURROGATE, "\ufffd"));
    case "form":
      return encodeURIComponent(value.replace(LONE_SURROGATE, "\ufffd"));
    case "header":
      return value.replace(/[\r\n]+/g, " ");
    case "slack":
      return value.replace(/[&<>]/g, (c) => SLACK_ESCAPES[c] ?? c);
  }
}

/**
 * The placeholders of a template that render empty: no value (missing, null or "") and no default
 * (or an empty one), once each, in order of first appearance.
 */
export function missingPlaceholders(template: string, data: RenderData): string[] {
  const missing: string[] = [];
  for (const [, expression, fallback] of template.matchAll(PLACEHOLDER)) {
    if (expression === undefined || (fallback?.trim() ?? "") !== "") continue;
    const value = stringify(resolvePlaceholder(expression, data));
    if ((value === undefined || value === "") && !missing.includes(expression)) missing.push(expression);
  }
  return missing;
}

export function render(template: string, data: RenderData, mode: RenderMode = "text"): string {
  return template.replace(
    PLACEHOLDER,
    (match: string, expression: string, fallback: string | undefined, offset: number) => {
      const value = stringify(resolvePlaceholder(expression, data));
      const text = value === undefined || value === "" ? (fallback?.trim() ?? "") : value;
      const wholeSegment = mode === "url" && isWholePathSegment(template, offset, match.length);
      return encode(text, mode, expression, wholeSegment);
    },
  );
}

/**
 * A renderer over one profile and event with a step's `onMissing` policy: under `skip` or `fail`,
 * a template with a missing placeholder throws MissingValueError before anything is sent (every
 * action renders all its fields before it calls its provider).
 */
export function createRenderer(data: RenderData, onMissing: OnMissing = "empty"): Renderer {
  return (template, mode = "text") => {
    if (onMissing !== "empty") {
      const missing = missingPlaceholders(template, data);
      if (missing.length > 0) throw new MissingValueError(missing, onMissing);
    }
    return render(template, data, mode);
  };
}
