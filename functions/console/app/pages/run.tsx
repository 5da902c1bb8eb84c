/** One run: every step in the order it ran, with its status, reason and detail. */
import { api, call } from "../api/client.js";
import type { components } from "../api/schema.js";
import { href } from "../router.js";
import { Async, formatTime, PageHeader, StatusBadge, useResource } from "../ui.js";

export function RunPage({ params }: { params: Record<string, string> }) {
  const runId = params.runId ?? "";
  const run = useResource(
    () => call(api.GET("/v1/admin/runs/{runId}", { params: { path: { runId } } })),
    [runId],
  );
  return (
    <Async resource={run} what="the run" back={{ href: href("/moments"), label: "Back to the moments" }}>
      {(r) => <RunView run={r} />}
    </Async>
  );
}

function RunView({ run: r }: { run: components["schemas"]["Run"] }) {
  // The run names its moment by id: its name comes with the moment (the id until then, or if gone).
  const moment = useResource(
    () => call(api.GET("/v1/admin/moments/{id}", { params: { path: { id: r.momentId } } })),
    [r.momentId],
  );
  const momentName = moment.data?.name ?? (moment.loading ? "the moment" : `moment ${r.momentId}`);
  const title = `Run of ${momentName} for ${r.accountId}`;
  return (
    <>
      <PageHeader
        crumbs={[
          { label: "Moments", href: href("/moments") },
          { label: moment.data?.name ?? "Moment", href: href(`/moments/${r.momentId}`) },
          { label: `Account ${r.accountId}`, href: href(`/accounts/${encodeURIComponent(r.accountId)}`) },
        ]}
        title={title}
        badge={<StatusBadge status={r.status} />}
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
  );
}
