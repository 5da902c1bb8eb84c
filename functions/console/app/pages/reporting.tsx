/**
 * A moment's reporting, live while open: headline counts, how runs ended, the per-step funnel and
 * feedback with the latest comments. The time chart plots entered/active/succeeded/failed/stopped
 * as sampled every few seconds while the page is open. Loaded on demand with its chart library.
 */
import "uplot/dist/uPlot.min.css";
import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import { api, call } from "../api/client.js";
import { href } from "../router.js";
import { Async, Empty, formatTime, LOCALE, PageHeader, percent, useInterval, useResource } from "../ui.js";

const REFRESH_MS = 5000;
const SERIES = [
  ["entered", "Entered", "#3b3bd4"],
  ["active", "Active", "#0e7490"],
  ["succeeded", "Succeeded", "#146c2e"],
  ["failed", "Failed", "#b42318"],
  ["stopped", "Stopped", "#6b7280"],
] as const;

type Stats = Awaited<ReturnType<typeof loadStats>>;
const loadStats = (id: string) => call(api.GET("/v1/admin/moments/{id}/stats", { params: { path: { id } } }));

export function ReportingPage({ params }: { params: Record<string, string> }) {
  const id = params.id ?? "";
  const moment = useResource(
    () => call(api.GET("/v1/admin/moments/{id}", { params: { path: { id } } })),
    [id],
  );
  const stats = useResource(() => loadStats(id), [id]);
  const feedback = useResource(
    () =>
      call(api.GET("/v1/admin/moments/{id}/feedback", { params: { path: { id }, query: { limit: "5" } } })),
    [id],
  );
  const [samples, setSamples] = useState<{ at: number; stats: Stats }[]>([]);
  const [updatedAt, setUpdatedAt] = useState<Date | undefined>();
  useInterval(() => {
    stats.reload();
    feedback.reload();
  }, REFRESH_MS);
  useEffect(() => {
    if (!stats.data) return;
    const data = stats.data;
    setUpdatedAt(new Date());
    setSamples((s) => [...s.slice(-359), { at: Date.now() / 1000, stats: data }]);
  }, [stats.data]);

  return (
    <>
      <PageHeader
        crumbs={[
          { label: "Moments", href: href("/moments") },
          { label: moment.data?.name ?? "Moment", href: href(`/moments/${id}`) },
        ]}
        title={`Reporting${moment.data ? `: ${moment.data.name}` : ""}`}
        subtitle={
          <span aria-live="polite">
            Live: refreshes every {REFRESH_MS / 1000} s
            {updatedAt ? ` · updated ${updatedAt.toLocaleTimeString(LOCALE)}` : ""}
          </span>
        }
        actions={
          <a class="button secondary" href={href(`/moments/${id}/accounts`)}>
            Accounts
          </a>
        }
      />
      <Async resource={stats} what="reporting">
        {(s) => (
          <>
            <div class="kpis">
              <Kpi label="Entered (total fires)" value={s.entered} />
              <Kpi label="Active now" value={s.active} href={href(`/moments/${id}/accounts`)} />
              <Kpi label="Succeeded" value={s.succeeded} />
              <Kpi label="Failed" value={s.failed} />
              <Kpi label="Stopped" value={s.stopped} />
              <Kpi label="Success rate" value={percent(s.successRate)} />
            </div>
            <div class="grid">
              <section class="card" aria-labelledby="over-time">
                <h2 id="over-time">Over time</h2>
                <TimeChart samples={samples} />
              </section>
              <section class="card" aria-labelledby="outcomes">
                <h2 id="outcomes">How runs ended</h2>
                <Bars
                  label="How runs ended"
                  rows={[
                    ["Succeeded", s.succeeded, "success"],
                    ["Failed", s.failed, "failed"],
                    ["Completed (no end rule)", s.completed, "neutral"],
                    ["Stopped", s.stopped, "stopped"],
                    ["Still active", s.active, "active"],
                  ]}
                />
              </section>
            </div>
            <section class="card" aria-labelledby="funnel">
              <h2 id="funnel">Steps</h2>
              {Object.keys(s.steps).length === 0 ? (
                <p class="muted">This moment has no step.</p>
              ) : (
                <div class="table-wrap">
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">Step</th>
                        <th scope="col">Executed</th>
                        <th scope="col" class="num">
                          Skipped
                        </th>
                        <th scope="col" class="num">
                          Failed
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {Object.entries(s.steps).map(([stepId, step]) => (
                        <tr key={stepId}>
                          <td>
                            <code>{stepId}</code>
                          </td>
                          <td>
                            <Meter
                              value={step.executed}
                              max={Math.max(1, s.entered)}
                              label={`${stepId} executed`}
                            />
                          </td>
                          <td class="num">{step.skipped}</td>
                          <td class="num">{step.failed}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </section>
            <section class="card" aria-labelledby="feedback">
              <h2 id="feedback">Feedback</h2>
              <Bars
                label="Feedback"
                rows={[
                  ["Positive", s.feedback.positive, "success"],
                  ["Neutral", s.feedback.neutral, "neutral"],
                  ["Frustrated", s.feedback.frustrated, "failed"],
                ]}
              />
              <h3>Latest comments</h3>
              {(feedback.data?.items ?? []).filter((f) => f.comment).length === 0 ? (
                <Empty>No comment yet.</Empty>
              ) : (
                <ul class="plain">
                  {feedback.data?.items
                    .filter((f) => f.comment)
                    .map((f) => (
                      <li key={f.promptId}>
                        “{f.comment}”{" "}
                        <span class="muted small">
                          — {f.accountId}, {formatTime(f.answeredAt)}
                        </span>
                      </li>
                    ))}
                </ul>
              )}
            </section>
          </>
        )}
      </Async>
    </>
  );
}

function Kpi({ label, value, href: link }: { label: string; value: number | string; href?: string }) {
  return (
    <div class="kpi">
      <div class="value">{link ? <a href={link}>{value}</a> : value}</div>
      <div class="label">{label}</div>
    </div>
  );
}

function Meter({ value, max, label }: { value: number; max: number; label: string }) {
  return (
    <div class="meter">
      <div class="bar" role="img" aria-label={`${label}: ${value}`}>
        <span ref={(el) => el?.style.setProperty("width", `${Math.min(100, (value / max) * 100)}%`)} />
      </div>
      <span class="num">{value}</span>
    </div>
  );
}

/** Horizontal bars, widths set through the CSSOM (the CSP allows no inline style attribute). */
function Bars({ rows, label }: { rows: [string, number, string][]; label: string }) {
  const max = Math.max(1, ...rows.map((r) => r[1]));
  return (
    <ul class="bars" aria-label={label}>
      {rows.map(([name, value, tone]) => (
        <li key={name}>
          <span class="bar-label">{name}</span>
          <span class={`bar bar-${tone}`} role="img" aria-label={`${name}: ${value}`}>
            <span ref={(el) => el?.style.setProperty("width", `${(value / max) * 100}%`)} />
          </span>
          <span class="num">{value}</span>
        </li>
      ))}
    </ul>
  );
}

function TimeChart({ samples }: { samples: { at: number; stats: Stats }[] }) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | undefined>(undefined);
  const data: uPlot.AlignedData = [
    samples.map((s) => s.at),
    ...SERIES.map(([key]) => samples.map((s) => s.stats[key])),
  ];
  useEffect(() => {
    const el = container.current;
    if (!el) return;
    chart.current = new uPlot(
      {
        width: Math.max(280, el.clientWidth),
        height: 240,
        series: [{}, ...SERIES.map(([, label, stroke]) => ({ label, stroke, width: 2 }))],
        axes: [{}, { label: "runs" }],
        legend: { show: true },
      },
      data,
      el,
    );
    const resize = () => chart.current?.setSize({ width: Math.max(280, el.clientWidth), height: 240 });
    addEventListener("resize", resize);
    return () => {
      removeEventListener("resize", resize);
      chart.current?.destroy();
    };
  }, []);
  useEffect(() => {
    chart.current?.setData(data);
  });
  return (
    <figure class="chart-figure">
      <div
        ref={container}
        class="chart"
        role="img"
        aria-label="Entered, active, succeeded, failed and stopped runs over time"
      />
      <figcaption class="muted small">Sampled while this page is open.</figcaption>
    </figure>
  );
}
