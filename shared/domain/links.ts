import { render } from "./render.js";

/**
 * Links the app renders from a notification (the in-app inbox's `url`): an absolute http(s) URL or
 * a path relative to the app, never a scheme that runs something (javascript:, data:, vbscript:...).
 */

/** An absolute http(s) URL, or a path relative to the app ("/billing", "settings?tab=plan"). */
export function isSafeLink(url: string): boolean {
  if (/^https?:\/\//i.test(url)) return true;
  // Anything with a scheme (javascript:, data:, vbscript:...) or protocol-relative (//host) is out.
  // A backslash counts as a slash in browsers: "/\\evil.example" is protocol-relative too.
  return !/^[a-z][a-z0-9+.-]*:/i.test(url) && !/^[/\\]{2}/.test(url) && !/\p{Cc}/u.test(url);
}

/**
 * Whether a link template (placeholders rendered when the step runs) can still render to a safe
 * link for an account that has none of its values: rendered with every placeholder empty or at its
 * `|default`. "javascript:{x}" and "{x|javascript:alert(1)}" never can; "{account.link}" is judged
 * once rendered with the account's value.
 */
export function mayRenderSafeLink(template: string): boolean {
  return isSafeLink(render(template, { traits: {}, event: {} }).trim());
}
