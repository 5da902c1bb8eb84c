/** One run: every step in the order it ran, with its status, reason and detail. */
import { api, call } from "../api/client.js";
import { href } from "../router.js";
import { Async, formatTime, PageHeader, StatusBadge, useResource } from "../ui.js";

export function RunPage({ params }: { params: Record<string, string> }) {
  const runId = params.runId ?? "";
  const run = useResource(
    () => call(api.GET("/v1/admin/runs/{runId}", { params: { path: { runId } } })),
    [runId],
  );
  return (
    <Async resource={run} what="the run">
      {(r) => (
        <>
          <PageHeader
            crumbs={[
              { label: "Moments", href: href("/moments") },
              { label: "Moment", href: href(`/moments/${r.momentId}`) },
              { label: `Account ${r.accountId}`, href: href(`/accounts/${encodeURIComponent(r.accountId)}`) },
            ]}
            title={
              <>
                Run <StatusBadge status={r.status} />
              </>
            }
            subtitle={`Started ${formatTime(r.startedAt)}${r.endedAt ? ` · ended ${formatTime(r.endedAt)}` : ""}${r.endedBy ? ` by ${r.endedBy}` : ""}${r.test ? " · test send" : ""}`}
          />
          {r.trigger && (
            <p>
              Started by <code>{r.trigger.event}</code> at {formatTime(r.trigger.timestamp)}.
            </p>
          )}
          <section class="card" aria-labelledby="steps-title">
            <h2 id="steps-title">Steps</h2>
            {r.steps.length === 0 ? (
              <p class="muted">No step has run yet.</p>
            ) : (
              <ol class="timeline">
                {r.steps.map((s) => (
                  <li key={s.stepId}>
                    <div>
                      <code>{s.stepId}</code> <span class={`badge badge-${s.status}`}>{s.status}</span>
                    </div>
                    {"outcome" in s ? (
                      <>
                        <div class="when">{formatTime(s.recordedAt)}</div>
                        {"reason" in s.outcome && <div>Reason: {s.outcome.reason}</div>}
                        {"detail" in s.outcome && s.outcome.detail && (
                          <dl class="props small">
                            {Object.entries(s.outcome.detail).map(([k, v]) => (
                              <>
                                <dt key={`k-${k}`}>{k}</dt>
                                <dd key={`v-${k}`}>{v}</dd>
                              </>
                            ))}
                          </dl>
                        )}
                      </>
                    ) : (
                      <div class="when">Running since {formatTime(s.claimedAt)}</div>
                    )}
                  </li>
                ))}
              </ol>
            )}
          </section>
        </>
      )}
    </Async>
  );
}
