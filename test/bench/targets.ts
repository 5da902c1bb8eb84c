/**
 * Issue 14's targets, checked against what this run measured: `npm run bench` ends with one row
 * per target (measured, target, met or not). A target whose section did not run is "not measured".
 *
 * The cold-import target is relative to the figures of 2026-12-06 (the "before" run): each
 * function's extra CPU over a bare node start, as a multiple of that start, so it holds on a
 * machine of any speed or load. The bench measures the baseline commit's own bundles side by side
 * in the same run (test/bench/bundles.ts); the stored figures count only where it could not.
 */
import type { BundleReport, BundleRow } from "./bundles.js";
import type { LoadReport } from "./load.js";
import type { CostResult } from "./report.js";
import type { ScenarioResult } from "./scenarios.js";

/** Ingestion requests per phase that reach the steady state the p99 target is about. */
export const STEADY_INGEST_REQUESTS = 10_000;

/** The commit of issue 14's "today": its bundles are the baseline of the cold-import target. */
export const BASELINE_COMMIT = "10ad48f";

/** (import CPU / bare node CPU) - 1, per function, measured 2026-12-06 at BASELINE_COMMIT. */
export const BASELINE_EXTRA_CPU: Record<string, number> = {
  ingest: 3.38,
  inbox: 3.8,
  admin: 4.62,
  match: 3.57,
  action: 3.9,
  "run-state": 3.42,
  bootstrap: 3.34,
  "ses-feedback": 3.16,
};

export interface TargetRow {
  target: string;
  measured: string;
  goal: string;
  /** undefined: not measured in this run. */
  met: boolean | undefined;
}

export interface BenchResults {
  bundles?: BundleReport;
  scenarios?: ScenarioResult[];
  cost?: CostResult;
  deployment?: { stateMachine: { logLevel: string; includeExecutionData: boolean } };
  load?: LoadReport;
}

const notMeasured = (target: string, goal: string): TargetRow => ({
  target,
  goal,
  measured: "not measured",
  met: undefined,
});

/**
 * The baseline's extra CPU over a bare node start, as a multiple of that start: measured side by side
 * in this run where it was, else the stored figure.
 */
export function baselineExtra(row: BundleRow): number | undefined {
  const b = row.baseline;
  if (b && "cpuMs" in b && b.bareCpuMs > 0) return b.cpuMs / b.bareCpuMs - 1;
  return BASELINE_EXTRA_CPU[row.id];
}

/**
 * The function with the lightest cold import among those that bundle an AWS client: CPU as a
 * multiple of the bare node next to it (each function's own), tracing on as deployed by default.
 */
export function lightestCaller(rows: BundleRow[]): BundleRow {
  const ratio = (r: BundleRow) => (r.importCpuMs ?? Number.POSITIVE_INFINITY) / (r.bareCpuMs || 1);
  const callers = rows.filter((r) => r.sdkBytes > 0);
  return callers.reduce((a, b) => (ratio(b) < ratio(a) ? b : a));
}

export function checkTargets(results: BenchResults): TargetRow[] {
  const rows: TargetRow[] = [];
  const scenario = (id: ScenarioResult["id"]) => results.scenarios?.find((s) => s.id === id);

  if (results.cost) {
    const { oneEventPerRequest: one, batched } = results.cost;
    // The issue's baseline ($25.65) left X-Ray out, so the target does too; X-Ray is printed beside it.
    rows.push({
      target: "cost per 1M events without SES and X-Ray (5 % start a 3-step email moment)",
      measured:
        `$${one.totalWithoutSes.toFixed(2)} ($${batched.totalWithoutSes.toFixed(2)} at ${batched.params.eventsPerRequest}/request); ` +
        `X-Ray as deployed adds $${one.xray.usd.toFixed(2)} (total $${one.totalWithXray.toFixed(2)})`,
      goal: "<= $14.00",
      met: one.totalWithoutSes <= 14,
    });
  } else rows.push(notMeasured("cost per 1M events without SES and X-Ray", "<= $14.00"));

  const run = scenario("email-run");
  rows.push(
    run
      ? {
          target: "state transitions of a 3-step email run with delays",
          measured: String(run.transitions),
          goal: "<= 7",
          met: run.transitions <= 7,
        }
      : notMeasured("state transitions of a 3-step email run", "<= 7"),
  );

  const timeout = scenario("timeout-run");
  rows.push(
    run && timeout
      ? {
          target: "transitions a timeout and an end rule add to that run",
          measured: String(timeout.transitions - run.transitions),
          goal: "<= 2",
          met: timeout.transitions - run.transitions <= 2,
        }
      : notMeasured("transitions a timeout and an end rule add", "<= 2"),
  );

  const cart = scenario("abandoned-cart");
  rows.push(
    cart
      ? {
          target: "executions for an abandoned cart with 5 adds",
          measured: String(cart.executions.length),
          goal: "O(1): <= 2 (one gate, one run)",
          met: cart.executions.length <= 2,
        }
      : notMeasured("executions for an abandoned cart with 5 adds", "<= 2"),
  );

  const unused = scenario("unused-event");
  const match = unused?.functions.find((f) => f.fn === "match");
  if (unused && match) {
    const dynamo = unused.operations
      .filter((o) => o.fn === "match" && o.service === "DynamoDB")
      .reduce((s, o) => s + o.count, 0);
    rows.push({
      target: "matcher, event no moment uses: DynamoDB requests",
      measured: String(dynamo),
      goal: "<= 3",
      met: dynamo <= 3,
    });
    rows.push({
      target: "matcher, event no moment uses: sequential round trips",
      measured: String(match.sequentialRoundTrips),
      goal: "<= 2",
      met: match.sequentialRoundTrips <= 2,
    });
  } else rows.push(notMeasured("matcher, event no moment uses", "<= 3 requests, <= 2 round trips"));

  const action = run?.functions.find((f) => f.fn === "action");
  if (action && action.invocations > 0) {
    const perStep = action.sequentialRoundTrips / action.invocations;
    rows.push({
      target: "round trips per email step",
      measured: perStep.toFixed(1),
      goal: "<= 4",
      met: perStep <= 4,
    });
  } else rows.push(notMeasured("round trips per email step", "<= 4"));

  const sm = results.deployment?.stateMachine;
  rows.push(
    sm
      ? {
          target: "Step Functions logging",
          measured: `${sm.logLevel}${sm.includeExecutionData ? " with execution data" : ""}`,
          goal: "ERROR (or less), no execution data",
          met: ["ERROR", "FATAL", "OFF"].includes(sm.logLevel) && !sm.includeExecutionData,
        }
      : notMeasured("Step Functions logging", "ERROR, no execution data"),
  );

  const bundles = results.bundles?.rows.filter((r) => r.importCpuMs !== undefined && r.bareCpuMs);
  if (bundles && bundles.length > 0) {
    // Tracing on is the default deployment; tracing off is what `-c tracing=off` deploys.
    for (const [mode, cpuOf] of [
      ["tracing on", (r: BundleRow) => r.importCpuMs],
      ["tracing off", (r: BundleRow) => r.untracedCpuMs],
    ] as const) {
      const extra = (r: BundleRow) => (cpuOf(r) ?? 0) / (r.bareCpuMs ?? 1) - 1;
      // The functions of the issue's figures (health imports nothing; console did not exist).
      const measured = bundles.filter(
        (r) => cpuOf(r) !== undefined && r.id in BASELINE_EXTRA_CPU && baselineExtra(r) !== undefined,
      );
      if (measured.length === 0) continue;
      // Side by side: the round-by-round share (test/bench/bundles.ts); else against the stored figure.
      const share = (r: BundleRow) => {
        const paired = r.baseline && "share" in r.baseline ? r.baseline.share : undefined;
        if (paired) return mode === "tracing on" ? paired.on : paired.off;
        return extra(r) / (baselineExtra(r) ?? 1);
      };
      const over = measured.filter((r) => share(r) > 0.6);
      const ratios = measured.map((r) => `${r.id} ${Math.round(share(r) * 100)} %`);
      const how = results.bundles?.baseline.sideBySide ? "side by side" : "stored figures";
      rows.push({
        target: `cold-import extra CPU vs ${BASELINE_COMMIT} (${how}), every function (${mode})`,
        measured: `${over.length === 0 ? "all within" : `${over.length} over`}: ${ratios.join(", ")}`,
        goal: "<= 60 %",
        met: over.length === 0,
      });
    }
    const lightest = lightestCaller(bundles);
    rows.push({
      target: "lightest cold import (CPU x bare node, tracing on) of the functions that call AWS",
      measured: lightest.id,
      goal: "ingest",
      met: lightest.id === "ingest",
    });
  } else rows.push(notMeasured("cold-import extra CPU vs 2026-12-06", "<= 60 %"));

  const load = results.load;
  if (load) {
    // The cost model's traffic (its start rate of events start the moment): every event emailed is
    // the worst case, printed beside it, not the traffic the issue's figures are about.
    const mixed = load.mixed;
    const everyEvent = `every event emailed: ${load.endToEnd.eventsPerSecond.toFixed(1)}`;
    rows.push({
      target: "local end to end, zero-delay email step, the cost model's traffic",
      measured: mixed
        ? `${mixed.eventsPerSecond.toFixed(1)} events/s, ${Math.round((mixed.startingEvents / mixed.events) * 1000) / 10} % emailed (${everyEvent})`
        : `not measured (--mix-events=0; ${everyEvent})`,
      goal: ">= 200 events/s",
      // Judged only with emails to send (not at --start-rate=0), each sent exactly once.
      met: mixed
        ? mixed.eventsPerSecond >= 200 &&
          mixed.startingEvents > 0 &&
          mixed.emails === mixed.startingEvents &&
          mixed.drained &&
          mixed.errors === 0
        : undefined,
    });
    // A steady-state figure, judged only from a run that reaches it: in a short one the tail is the
    // JIT still compiling the ingest path (500 requests a phase: 103-131 ms where 10,000 read 68-92).
    const fifty = load.ingest.find((r) => r.connections === 50);
    const steady = fifty !== undefined && fifty.requests >= STEADY_INGEST_REQUESTS;
    rows.push({
      target: "local ingestion p99 at 50 connections",
      measured: !fifty
        ? "not measured"
        : steady
          ? `${Math.round(fifty.p99Ms)} ms`
          : `${Math.round(fifty.p99Ms)} ms in a short run of ${fifty.requests} requests (the steady state: --ingest-requests=${STEADY_INGEST_REQUESTS})`,
      goal: "<= 100 ms",
      met: steady ? fifty.p99Ms <= 100 : undefined,
    });
    // Measured, not extrapolated: a short run's growth is mostly warm-up (caches, JIT, the first
    // LevelDB files), which a straight line from it multiplies into gigabytes.
    const events =
      load.matcherDrain.events +
      load.endToEnd.events +
      (load.endToEnd.warmupEvents ?? 0) +
      (load.mixed?.events ?? 0);
    const longEnough = events >= 20_000;
    rows.push({
      target: "local RSS after 20k events",
      measured: longEnough
        ? `${Math.round(load.memory.rssAfterMb)} MB after ${events} events`
        : `${Math.round(load.memory.rssAfterMb)} MB after only ${events} events (for 20k: --ingest-requests=10000 --e2e-events=300)`,
      goal: "<= 400 MB",
      met: longEnough ? load.memory.rssAfterMb <= 400 : undefined,
    });
  } else rows.push(notMeasured("local throughput and memory", ">= 200 events/s, p99 <= 100 ms, <= 400 MB"));
  return rows;
}
