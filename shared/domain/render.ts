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

export type RenderMode = "text" | "html";

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

export function render(template: string, data: RenderData, mode: RenderMode = "text"): string {
  return template.replace(PLACEHOLDER, (_match, expression: string, fallback: string | undefined) => {
    const value = stringify(resolvePlaceholder(expression, data));
    const text = value === undefined || value === "" ? (fallback?.trim() ?? "") : value;
    return mode === "html" ? escapeHtml(text) : text;
  });
}
