/**
 * Client-side routing under /console: every page is a real URL (bookmark it, share it, reload it);
 * links and navigate() push history entries without reloading.
 */
import { signal } from "@preact/signals";

export const BASE = "/console";

/** The current path below BASE ("/moments/abc") and its query. */
export const location = signal(current());

function current() {
  const path = globalThis.location?.pathname ?? "/";
  // "/console/moments/" is "/console/moments": a trailing slash names no other page.
  const below = (path.startsWith(BASE) ? path.slice(BASE.length) : path).replace(/\/+$/, "");
  return { path: below === "" ? "/" : below, query: new URLSearchParams(globalThis.location?.search ?? "") };
}

export function href(path: string): string {
  return `${BASE}${path}`;
}

export function navigate(path: string, options: { replace?: boolean } = {}) {
  const url = href(path);
  if (options.replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  location.value = current();
  globalThis.scrollTo?.(0, 0);
}

export function startRouter() {
  // One address per page: a URL typed or linked with a trailing slash shows without it.
  const { pathname, search, hash } = globalThis.location;
  if (/.\/+$/.test(pathname)) history.replaceState(null, "", pathname.replace(/\/+$/, "") + search + hash);
  addEventListener("popstate", () => {
    location.value = current();
  });
  // Same-origin links under BASE route in the page; modifier clicks still open a new tab.
  document.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey)
      return;
    const anchor = (event.target as Element | null)?.closest?.("a");
    if (!anchor || anchor.target || anchor.hasAttribute("download")) return;
    const url = new URL(anchor.href, globalThis.location.href);
    if (url.origin !== globalThis.location.origin || !url.pathname.startsWith(BASE)) return;
    // An in-page link ("Skip to content": #main) is the browser's: it scrolls and moves focus there.
    if (isInPageLink(url, globalThis.location)) return;
    event.preventDefault();
    navigate(url.pathname.slice(BASE.length) + url.search);
  });
}

/** A link to a fragment of the page shown (same path and query): not a navigation to route. */
export function isInPageLink(url: URL, here: { pathname: string; search: string }): boolean {
  return url.hash !== "" && url.pathname === here.pathname && url.search === here.search;
}

export interface Match {
  params: Record<string, string>;
}

/** "/moments/:id" against "/moments/abc" -> { params: { id: "abc" } }. */
export function match(pattern: string, path: string): Match | undefined {
  const want = pattern.split("/").filter(Boolean);
  const got = path.split("/").filter(Boolean);
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as string;
    const g = got[i] as string;
    if (w.startsWith(":")) params[w.slice(1)] = decodeURIComponent(g);
    else if (w !== g) return undefined;
  }
  return { params };
}
