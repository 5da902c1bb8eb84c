/** The Moments console: the shell (navigation, session) and the page for the current URL. */
import "./styles.css";
import { signal } from "@preact/signals";
import type { ComponentChildren, ComponentType } from "preact";
import { Component, render } from "preact";
import { lazy, Suspense } from "preact/compat";
import { useLayoutEffect, useRef } from "preact/hooks";
import { api, whenSignedOut } from "./api/client.js";
import { AccountPage } from "./pages/account.js";
import { AdminKeysPage } from "./pages/admin-keys.js";
import { EmailTemplatesPage } from "./pages/email-templates.js";
import { IntegrationsPage } from "./pages/integrations.js";
import { MomentPage } from "./pages/moment.js";
import { MomentAccountsPage } from "./pages/moment-accounts.js";
import { MomentsPage } from "./pages/moments.js";
import { NewMomentPage } from "./pages/new-moment.js";
import { NotFoundPage } from "./pages/not-found.js";
import { ObservedEventsPage } from "./pages/observed-events.js";
import { RunPage } from "./pages/run.js";
import { SignInPage } from "./pages/sign-in.js";
import { SourcePage } from "./pages/source.js";
import { SourcesPage } from "./pages/sources.js";
import { SuppressionsPage } from "./pages/suppressions.js";
import { href, location, match, navigate, startRouter } from "./router.js";
import { ErrorBox, focusHeadingOnNextPage, LOCALE, setDocumentTitle } from "./ui.js";

// uPlot formats numbers with navigator.language when its module loads, which throws for a tag Intl
// rejects ("en-US@posix") and failed the reporting page: the page's scripts see the locale the
// console uses instead. Before any page (and its chunk) loads.
if (navigator.language !== LOCALE) {
  Object.defineProperty(navigator, "language", { value: LOCALE, configurable: true });
}

// Charts (uPlot) load only with the reporting page: the first page stays small.
const ReportingPage = lazy(() => import("./pages/reporting.js").then((m) => m.ReportingPage));
type Params = { params: Record<string, string> };

/** [route, page, its section in the navigation, the page's title until it names itself]. */
const pages: [string, ComponentType<Params>, string, string][] = [
  ["/moments", MomentsPage, "moments", "Moments"],
  ["/moments/new", NewMomentPage, "moments", "New moment"],
  ["/moments/:id", MomentPage, "moments", "Moment"],
  ["/moments/:id/reporting", ReportingPage as ComponentType<Params>, "moments", "Reporting"],
  ["/moments/:id/accounts", MomentAccountsPage, "moments", "Accounts in a moment"],
  ["/accounts/:accountId", AccountPage, "moments", "Account"],
  ["/runs/:runId", RunPage, "moments", "Run"],
  ["/observed-events", ObservedEventsPage, "observed-events", "Observed events"],
  ["/sources", SourcesPage, "sources", "Sources"],
  ["/sources/:id", SourcePage, "sources", "Source"],
  ["/email-templates", EmailTemplatesPage, "email-templates", "Email templates"],
  ["/integrations", IntegrationsPage, "integrations", "Integrations"],
  ["/suppressions", SuppressionsPage, "suppressions", "Suppressions"],
  ["/admin-keys", AdminKeysPage, "admin-keys", "Admin keys"],
];

const NAV: [string, string][] = [
  ["moments", "Moments"],
  ["observed-events", "Observed events"],
  ["sources", "Sources"],
  ["email-templates", "Email templates"],
  ["integrations", "Integrations"],
  ["suppressions", "Suppressions"],
  ["admin-keys", "Admin keys"],
];

/**
 * Assumed until the API says otherwise: the session cookie is HttpOnly, so the only way to know
 * whether it is valid is to use it, and the page's own first request does (a 401 shows the sign-in
 * page). No separate check before the first render: one round trip less.
 */
const signedIn = signal(true);
whenSignedOut(() => {
  signedIn.value = false;
});

async function signOut() {
  await api.DELETE("/console/session").catch(() => undefined);
  signedIn.value = false;
}

/**
 * A page that fails to load or render (its chunk gone after a deploy, the network down, a bug) says
 * so with what failed and a way out, instead of leaving the page blank. Keyed by path: another page
 * starts clean.
 */
class PageBoundary extends Component<{ children: ComponentChildren }, { error?: Error }> {
  override state: { error?: Error } = {};
  static override getDerivedStateFromError(error: unknown) {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }
  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <ErrorBox error={error} title="This page could not be shown">
        <button type="button" onClick={() => globalThis.location.reload()}>
          Reload
        </button>
      </ErrorBox>
    );
  }
}

function Shell() {
  const { path } = location.value;
  let Page: ComponentType<Params> = NotFoundPage;
  let params: Record<string, string> = {};
  let section = "";
  let title = "Page not found";
  for (const [pattern, component, nav, name] of pages) {
    const m = match(pattern, path);
    if (m) {
      Page = component;
      params = m.params;
      section = nav;
      title = name;
      break;
    }
  }
  const shown = useRef<string | undefined>(undefined);
  // Another page: its title until it names itself (PageHeader, whose effect runs after this one),
  // and focus to its heading once it shows. Not on the first page: a page that just loaded starts
  // at its top, as any other.
  useLayoutEffect(() => {
    if (!signedIn.value) {
      setDocumentTitle("Sign in");
      return;
    }
    if (path === "/" || path === "/sign-in") return; // redirected to the moments: the first page still
    setDocumentTitle(title);
    if (shown.current !== undefined && shown.current !== path) focusHeadingOnNextPage();
    shown.current = path;
  }, [path, signedIn.value]);
  if (!signedIn.value) {
    return (
      <SignInPage
        onSignedIn={() => {
          signedIn.value = true;
          if (path === "/" || path === "/sign-in") navigate("/moments", { replace: true });
        }}
      />
    );
  }
  if (path === "/" || path === "/sign-in") {
    queueMicrotask(() => navigate("/moments", { replace: true }));
    return null;
  }
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href={href("/moments")}>
          <span class="logo" aria-hidden="true">
            ◆
          </span>{" "}
          Moments
        </a>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([key, label]) => (
              <li key={key}>
                <a href={href(`/${key}`)} aria-current={section === key ? "page" : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" class="ghost" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabindex={-1}>
        <PageBoundary key={path}>
          <Suspense fallback={<p class="loading">Loading…</p>}>
            <Page params={params} />
          </Suspense>
        </PageBoundary>
      </main>
    </div>
  );
}

function boot() {
  startRouter();
  const root = document.getElementById("app");
  if (!root) return;
  root.textContent = "";
  render(<Shell />, root);
}

boot();
