/** One account: traits, recent events, runs, and the decision log as a timeline ("why didn't it enter?"). */
import { api, call } from "../api/client.js";
import { href } from "../router.js";
import { Async, Empty, formatTime, PageHeader, StatusBadge, TableWrap, useResource } from "../ui.js";

export function AccountPage({ params }: { params: Record<string, string> }) {
  const accountId = params.accountId ?? "";
  const account = useResource(
    () => call(api.GET("/v1/admin/accounts/{accountId}", { params: { path: { accountId } } })),
    [accountId],
  );
  return (
    <Async resource={account} what="the account">
      {(a) => (
        <>
          <PageHeader
            crumbs={[{ label: "Moments", href: href("/moments") }]}
            title={`Account ${a.accountId}`}
            subtitle={a.lastSeenAt ? `Last seen ${formatTime(a.lastSeenAt)}` : undefined}
          />
          <div class="grid">
            <section class="card" aria-labelledby="traits-title">
              <h2 id="traits-title">Traits</h2>
              {Object.keys(a.traits).length === 0 ? (
                <p class="muted">No trait yet.</p>
              ) : (
                <dl class="props">
                  {Object.entries(a.traits).map(([k, v]) => (
                    <>
                      <dt key={`k-${k}`}>{k}</dt>
                      <dd key={`v-${k}`}>{typeof v === "object" ? JSON.stringify(v) : String(v)}</dd>
                    </>
                  ))}
                </dl>
              )}
            </section>
            <section class="card" aria-labelledby="runs-title">
              <h2 id="runs-title">Runs</h2>
              {a.runs.length === 0 ? (
                <p class="muted">Not in any moment yet.</p>
              ) : (
                <ul class="plain">
                  {a.runs.map((r) => (
                    <li key={r.runId}>
                      <a href={href(`/runs/${r.runId}`)}>{r.momentName}</a>
                      {r.runKey ? <span class="muted small"> ({r.runKey})</span> : null}{" "}
                      <StatusBadge status={r.status} />{" "}
                      <span class="muted small">{formatTime(r.startedAt)}</span>
                    </li>
                  ))}
                </ul>
              )}
            </section>
          </div>
          <section class="card" aria-labelledby="decisions-title">
            <h2 id="decisions-title">Decision log</h2>
            <p class="muted small">What the engine decided for each event, newest first (the last 7 days).</p>
            {a.decisions.length === 0 ? (
              <Empty>No decision yet: no running moment starts on this account's events.</Empty>
            ) : (
              <ol class="timeline">
                {a.decisions.map((d) => (
                  <li key={`${d.messageId}-${d.momentId ?? ""}-${d.reason}`}>
                    <div class="when">
                      {formatTime(d.at)} · <code>{d.event}</code>
                    </div>
                    <div>
                      <span class={`badge badge-${d.outcome}`}>{d.outcome}</span>{" "}
                      {d.momentId ? (
                        <a href={href(`/moments/${d.momentId}`)}>{d.momentName ?? d.momentId}</a>
                      ) : null}
                    </div>
                    <div>{d.message}</div>
                    {"runId" in d && d.runId ? (
                      <a class="small" href={href(`/runs/${d.runId}`)}>
                        Open the run
                      </a>
                    ) : null}
                  </li>
                ))}
              </ol>
            )}
          </section>
          <section class="card" aria-labelledby="events-title">
            <h2 id="events-title">Recent events</h2>
            {a.recentEvents.length === 0 ? (
              <p class="muted">No event in the last 7 days.</p>
            ) : (
              <TableWrap label="Recent events">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Event</th>
                      <th scope="col">When</th>
                      <th scope="col">Properties</th>
                    </tr>
                  </thead>
                  <tbody>
                    {a.recentEvents.map((e) => (
                      <tr key={e.messageId}>
                        <td>
                          <code>{e.event}</code>
                        </td>
                        <td>{formatTime(e.timestamp)}</td>
                        <td class="small">{e.propertyNames.join(", ") || "—"}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
            )}
          </section>
        </>
      )}
    </Async>
  );
}
