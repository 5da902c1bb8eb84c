/** The Moments console: the shell (navigation, session) and the page for the current URL. */
import "./styles.css";
import { signal } from "@preact/signals";
import type { ComponentType } from "preact";
import { render } from "preact";
import { lazy, Suspense } from "preact/compat";
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

// Charts (uPlot) load only with the reporting page: the first page stays small.
const ReportingPage = lazy(() => import("./pages/reporting.js").then((m) => m.ReportingPage));
type Params = { params: Record<string, string> };

const pages: [string, ComponentType<Params>, string][] = [
  ["/moments", MomentsPage, "moments"],
  ["/moments/new", NewMomentPage, "moments"],
  ["/moments/:id", MomentPage, "moments"],
  ["/moments/:id/reporting", ReportingPage as ComponentType<Params>, "moments"],
  ["/moments/:id/accounts", MomentAccountsPage, "moments"],
  ["/accounts/:accountId", AccountPage, "moments"],
  ["/runs/:runId", RunPage, "moments"],
  ["/observed-events", ObservedEventsPage, "observed-events"],
  ["/sources", SourcesPage, "sources"],
  ["/sources/:id", SourcePage, "sources"],
  ["/email-templates", EmailTemplatesPage, "email-templates"],
  ["/integrations", IntegrationsPage, "integrations"],
  ["/suppressions", SuppressionsPage, "suppressions"],
  ["/admin-keys", AdminKeysPage, "admin-keys"],
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

function Shell() {
  const { path } = location.value;
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
  let Page: ComponentType<Params> = NotFoundPage;
  let params: Record<string, string> = {};
  let section = "";
  for (const [pattern, component, nav] of pages) {
    const m = match(pattern, path);
    if (m) {
      Page = component;
      params = m.params;
      section = nav;
      break;
    }
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
      <main id="main">
        <Suspense fallback={<p class="loading">Loading…</p>}>
          <Page key={path} params={params} />
        </Suspense>
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
