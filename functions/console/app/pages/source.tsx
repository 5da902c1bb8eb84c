/**
 * One source: its settings and write keys, and its ingestion debugger (GET …/debugger): the latest
 * items it accepted and rejected, each with the account it reached or the reason it was not used.
 * Accepted items are sampled only while someone watches: each read marks the source watched for 5
 * minutes, so the page reads it again every few seconds while it is open and visible.
 */
import { useEffect, useState } from "preact/hooks";
import { api, call } from "../api/client.js";
import type { components } from "../api/schema.js";
import { href, navigate } from "../router.js";
import {
  Async,
  Empty,
  Field,
  formatTime,
  PageHeader,
  Pager,
  useInterval,
  usePager,
  useResource,
} from "../ui.js";
import { SourceCard } from "./sources.js";

type DebugItem = components["schemas"]["SourceDebugger"]["items"][number];

/** The API answers up to 100 items per verdict at once; the page shows them a page at a time. */
const PAGE = 20;
/**
 * How often the open page reads the debugger again: new items show without a click, and each read
 * keeps the source watched (its accepted items sampled). Not while the tab is hidden: a tab left in
 * the background stops sampling 5 minutes later.
 */
const POLL_MS = 10_000;

export function SourcePage({ params }: { params: Record<string, string> }) {
  const id = params.id ?? "";
  const source = useResource(
    () => call(api.GET("/v1/admin/sources/{id}", { params: { path: { id } } })),
    [id],
  );
  return (
    <Async resource={source} what="the source">
      {(s) => (
        <>
          <PageHeader
            crumbs={[{ label: "Sources", href: href("/sources") }]}
            title={s.name}
            subtitle={
              s.subject === "user"
                ? "Consumer mode: the person is the account."
                : "Events belong to the account they name."
            }
          />
          <SourceCard source={s} onChange={source.reload} onDeleted={() => navigate("/sources")} onOwnPage />
          <SourceDebugger sourceId={s.id} />
        </>
      )}
    </Async>
  );
}

function SourceDebugger({ sourceId }: { sourceId: string }) {
  // The API pages only when a page of kept items nears the response size limit.
  const pager = usePager();
  const debug = useResource(
    () =>
      call(
        api.GET("/v1/admin/sources/{id}/debugger", {
          params: { path: { id: sourceId }, query: pager.cursor ? { cursor: pager.cursor } : {} },
        }),
      ),
    [sourceId, pager.cursor],
  );
  const [verdict, setVerdict] = useState<"all" | DebugItem["verdict"]>("all");
  const [shown, setShown] = useState(PAGE);
  // Only a click says "Refreshing…": the background reads change nothing but the items.
  const [clicked, setClicked] = useState(false);
  useEffect(() => {
    if (!debug.loading) setClicked(false);
  }, [debug.loading]);
  useInterval(() => {
    if (document.visibilityState === "visible" && !debug.loading) debug.reload();
  }, POLL_MS);
  return (
    <section class="card" aria-labelledby="debugger-title">
      <div class="page-header-row">
        <div>
          <h2 id="debugger-title">Debugger</h2>
          <p class="muted small">
            What this source received in the last 7 days, newest first (the latest 100 of each kind): every
            item that could not be used is kept here with the reason, never dropped. Accepted items are
            sampled while this debugger is open: they show within seconds of opening it, and those sampled
            earlier are kept 7 days.
          </p>
        </div>
        <button
          type="button"
          class="secondary"
          onClick={() => {
            setClicked(true);
            debug.reload();
          }}
          disabled={clicked}
        >
          {clicked ? "Refreshing…" : "Refresh"}
        </button>
      </div>
      <Async resource={debug} what="the debugger">
        {(d) => {
          const items = d.items.filter((item) => verdict === "all" || item.verdict === verdict);
          return (
            <>
              <div class="kpis">
                <div class="kpi">
                  <div class="value">{d.counts.accepted}</div>
                  <div class="label">Accepted (all time)</div>
                  <div class="muted small">
                    Written about every 10 seconds (every second while this page is open): it can lag, and the
                    last seconds of it can be lost when Lambda recycles a container. Every accepted item is on
                    the bus.
                  </div>
                </div>
                <div class="kpi">
                  <div class="value">{d.counts.rejected}</div>
                  <div class="label">Rejected (all time)</div>
                </div>
              </div>
              <p class="muted small">
                Sampling accepted items until {formatTime(d.sampling.until)}, while this page is open (from
                within 5 seconds of opening it).
              </p>
              {d.items.length === 0 ? (
                <Empty>
                  Nothing kept yet. Send an event with one of this source's write keys while this page is open
                  and it shows here within seconds.
                </Empty>
              ) : (
                <>
                  <div class="toolbar">
                    <Field label="Show">
                      <select
                        value={verdict}
                        onChange={(e) => {
                          setVerdict(e.currentTarget.value as typeof verdict);
                          setShown(PAGE);
                        }}
                      >
                        <option value="all">All items</option>
                        <option value="accepted">Accepted</option>
                        <option value="rejected">Rejected</option>
                      </select>
                    </Field>
                  </div>
                  {items.length === 0 ? (
                    <Empty>No {verdict} item in the last 7 days.</Empty>
                  ) : (
                    <ol class="timeline" aria-label="Received items">
                      {items.slice(0, shown).map((item, i) => (
                        <DebugLine key={`${item.receivedAt}-${item.messageId ?? i}`} item={item} />
                      ))}
                    </ol>
                  )}
                  {items.length > shown && (
                    <button type="button" class="secondary" onClick={() => setShown(shown + PAGE)}>
                      Show {Math.min(PAGE, items.length - shown)} more (of {items.length - shown})
                    </button>
                  )}
                  <Pager pager={pager} nextCursor={d.nextCursor} label="Debugger" />
                </>
              )}
            </>
          );
        }}
      </Async>
    </section>
  );
}

function DebugLine({ item }: { item: DebugItem }) {
  return (
    <li class="debug-item">
      <details>
        <summary>
          <span class={`badge badge-${item.verdict}`}>{item.verdict}</span>
          <code>{item.type ?? "unknown call"}</code>
          {typeof (item.item as { event?: unknown } | null)?.event === "string" && (
            <code>{(item.item as { event: string }).event}</code>
          )}
          <span class="muted small">{formatTime(item.receivedAt)}</span>
          {item.accountId && <span class="small">account {item.accountId}</span>}
        </summary>
        {item.accountId && (
          <p class="small">
            Reached account{" "}
            <a href={href(`/accounts/${encodeURIComponent(item.accountId)}`)}>{item.accountId}</a>
          </p>
        )}
        {item.reason && (
          <div class={item.verdict === "rejected" ? "error" : "notice"}>
            <strong>{item.reason.code}</strong>: {item.reason.message}
            {item.reason.details && item.reason.details.length > 0 && (
              <ul class="error-details">
                {item.reason.details.map((problem) => (
                  <li key={`${problem.path}:${problem.message}`}>
                    {problem.path ? <code>{problem.path}</code> : null} {problem.message}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
        {item.messageId && (
          <p class="small muted">
            messageId <code>{item.messageId}</code>
          </p>
        )}
        <pre>
          {item.itemTruncated !== undefined
            ? `${item.itemTruncated}… (too large to keep whole)`
            : JSON.stringify(item.item, null, 2)}
        </pre>
      </details>
    </li>
  );
}
