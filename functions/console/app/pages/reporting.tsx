/**
 * A moment's reporting, live while open (refreshed every few seconds): headline counts; entered,
 * active, succeeded, failed and stopped per hour or per day (the engine's exactly-once time series);
 * how runs ended, split by end rule; the per-step funnel with the reasons steps were skipped or
 * failed; feedback counts and the latest comments. Loaded on demand with its chart library.
 */
import "uplot/dist/uPlot.min.css";
import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import { api, call } from "../api/client.js";
import type { components } from "../api/schema.js";
import { href } from "../router.js";
import {
  Async,
  Empty,
  Field,
  formatTime,
  LOCALE,
  PageHeader,
  percent,
  TableWrap,
  useInterval,
  useResource,
} from "../ui.js";

type Report = components["schemas"]["MomentReport"];
const REFRESH_MS = 5000;
/** A refresh on its way this long is given up for a new one (a connection that hung). */
const STALLED_MS = 60_000;
const SERIES = [
  ["entered", "Entered", "#3b3bd4"],
  ["active", "Active", "#0e7490"],
  ["succeeded", "Succeeded", "#146c2e"],
  ["failed", "Failed", "#b42318"],
  ["stopped", "Stopped", "#6b7280"],
] as const;

const REASONS: Record<string, string> = {
  actions_disabled: "actions off",
};
const reasonText = (reason: string) => REASONS[reason] ?? reason.replaceAll("_", " ");

export function ReportingPage({ params }: { params: Record<string, string> }) {
  const id = params.id ?? "";
  const [bucket, setBucket] = useState<"hour" | "day">("hour");
  const moment = useResource(
    () => call(api.GET("/v1/admin/moments/{id}", { params: { path: { id } } })),
    [id],
  );
  const report = useResource(
    () => call(api.GET("/v1/admin/moments/{id}/report", { params: { path: { id }, query: { bucket } } })),
    [id, bucket],
  );
  const [updatedAt, setUpdatedAt] = useState<Date | undefined>();
  // A load still on its way (the first, a refresh, one for another bucket) is let finish: starting
  // another would drop its answer, and on a link slower than the interval the page would never show
  // one. Unless it has hung (STALLED_MS).
  useInterval(() => {
    if (report.loading && Date.now() - report.loadingSince < STALLED_MS) return;
    report.reload();
  }, REFRESH_MS);
  useEffect(() => {
    if (report.data) setUpdatedAt(new Date());
  }, [report.data]);

  return (
    <>
      <PageHeader
        crumbs={[
          { label: "Moments", href: href("/moments") },
          { label: moment.data?.name ?? "Moment", href: href(`/moments/${id}`) },
        ]}
        title={`Reporting${moment.data ? `: ${moment.data.name}` : ""}`}
        // Not a live region: announcing the time every refresh would talk over everything else.
        subtitle={`Live: refreshes every ${REFRESH_MS / 1000} s${updatedAt ? ` · updated ${updatedAt.toLocaleTimeString(LOCALE)}` : ""}`}
        actions={
          <>
            <Field label="Per">
              <select value={bucket} onChange={(e) => setBucket(e.currentTarget.value as "hour" | "day")}>
                <option value="hour">Hour (last 48 hours)</option>
                <option value="day">Day (last 30 days)</option>
              </select>
            </Field>
            <a class="button secondary" href={href(`/moments/${id}/accounts`)}>
              Accounts
            </a>
          </>
        }
      />
      <Async resource={report} what="reporting">
        {(r) => <ReportView id={id} report={r} />}
      </Async>
    </>
  );
}

function ReportView({ id, report: r }: { id: string; report: Report }) {
  const t = r.totals;
  const endRows = (outcome: "success" | "failed") =>
    r.ends[outcome].map(
      (e) =>
        [
          `${outcome === "success" ? "Success" : "Failed"}: ${e.rule === "event" ? `on ${e.event}` : e.rule === "timeout" ? "timeout" : e.rule === "execution_failed" ? "its execution failed" : "a step failed"}`,
          e.count,
          outcome === "success" ? "success" : "failed",
        ] as [string, number, string],
    );
  return (
    <>
      <div class="kpis">
        <Kpi label="Entered (total fires)" value={t.entered} />
        <Kpi label="Active now" value={t.active} href={href(`/moments/${id}/accounts`)} />
        <Kpi label="Succeeded" value={t.succeeded} />
        <Kpi label="Failed" value={t.failed} />
        <Kpi label="Stopped" value={t.stopped} />
        <Kpi label="Success rate" value={percent(t.successRate)} />
      </div>
      <div class="grid">
        <section class="card" aria-labelledby="over-time">
          <h2 id="over-time">Over time</h2>
          <TimeChart report={r} />
        </section>
        <section class="card" aria-labelledby="outcomes">
          <h2 id="outcomes">How runs ended</h2>
          {endRows("success").length + endRows("failed").length === 0 && t.stopped + t.completed === 0 ? (
            <p class="muted">No run has ended yet.</p>
          ) : null}
          <Bars
            label="How runs ended"
            rows={[
              ...endRows("success"),
              ...endRows("failed"),
              ["Completed (no end rule)", t.completed, "neutral"],
              ["Stopped", t.stopped, "stopped"],
              ["Still active", t.active, "active"],
            ]}
          />
        </section>
      </div>
      <section class="card" aria-labelledby="funnel">
        <h2 id="funnel">Steps</h2>
        {r.steps.length === 0 ? (
          <p class="muted">This moment has no step.</p>
        ) : (
          <TableWrap label="Steps">
            <table>
              <thead>
                <tr>
                  <th scope="col">Step</th>
                  <th scope="col">Executed</th>
                  <th scope="col">Skipped</th>
                  <th scope="col">Failed</th>
                </tr>
              </thead>
              <tbody>
                {r.steps.map((step) => (
                  <tr key={step.stepId}>
                    <td>
                      <code>{step.stepId}</code>
                    </td>
                    <td>
                      <Meter
                        value={step.executed}
                        max={Math.max(1, t.entered)}
                        label={`${step.stepId} executed`}
                      />
                    </td>
                    <td>
                      {step.skipped}
                      <Reasons byReason={step.skippedBy} />
                    </td>
                    <td>
                      {step.failed}
                      <Reasons byReason={step.failedBy} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>
      <section class="card" aria-labelledby="feedback">
        <h2 id="feedback">Feedback</h2>
        <dl class="props feedback-counts">
          <dt>Prompts shown</dt>
          <dd>{r.feedback.shown}</dd>
          <dt>Answered</dt>
          <dd>{r.feedback.answered}</dd>
          <dt>Dismissed</dt>
          <dd>{r.feedback.dismissed}</dd>
          <dt>Response rate</dt>
          <dd>{percent(r.feedback.responseRate)}</dd>
        </dl>
        <Bars
          label="Feedback"
          rows={[
            ["Positive", r.feedback.positive, "success"],
            ["Neutral", r.feedback.neutral, "neutral"],
            ["Frustrated", r.feedback.frustrated, "failed"],
          ]}
        />
        <h3>Latest comments</h3>
        {r.feedback.latestComments.length === 0 ? (
          <Empty>No comment yet.</Empty>
        ) : (
          <ul class="plain">
            {r.feedback.latestComments.map((f) => (
              <li key={f.promptId}>
                “{f.comment}”{" "}
                <span class="muted small">
                  — {f.accountId}, {f.reaction}, {formatTime(f.answeredAt)}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

function Reasons({ byReason }: { byReason: Record<string, number> }) {
  const entries = Object.entries(byReason);
  if (entries.length === 0) return null;
  return (
    <ul class="reasons">
      {entries.map(([reason, count]) => (
        <li key={reason} class="small muted">
          {reasonText(reason)}: {count}
        </li>
      ))}
    </ul>
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

function TimeChart({ report }: { report: Report }) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | undefined>(undefined);
  const data: uPlot.AlignedData = [
    report.series.map((b) => Date.parse(b.start) / 1000),
    ...SERIES.map(([key]) => report.series.map((b) => b[key])),
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
        aria-label={`Entered, active, succeeded, failed and stopped runs per ${report.bucket}`}
      />
      <figcaption class="muted small">
        Per {report.bucket}, {formatTime(report.from)} to {formatTime(report.to)}.
      </figcaption>
    </figure>
  );
}
