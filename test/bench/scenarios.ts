/**
 * Requests and state transitions per scenario, measured on the local stack (the real handlers, their
 * real SDK clients, the deployed state machine): each scenario runs alone, from its first HTTP call
 * until the stack is idle, and everything the instrumented SDK clients and the local Step Functions
 * event log saw in between is its cost.
 */
import type { LocalStack } from "../../infra/local/stack.js";
import { runWorkflowDefinition } from "../../shared/contracts/workflow.js";
import { apiClient } from "../support/local-api.js";
import { waitFor } from "../support/wait-for.js";
import { type AwsRequestRecord, requestLog, sequentialRoundTrips } from "./aws-requests.js";
import { type ExecutionRecord, executionLog } from "./state-transitions.js";

/** 1 hour = 3.6 s: long enough for 5 cart adds to land inside one abandonment window. */
export const SCENARIO_TIME_SCALE = 0.001;

export type ScenarioId =
  | "unused-event"
  | "email-run"
  | "timeout-run"
  | "end-event"
  | "identify"
  | "abandoned-cart";

export const scenarioTitles: Record<ScenarioId, string> = {
  "unused-event": "an event no moment uses",
  "email-run": "a 3-step email run, start event to completion",
  "timeout-run": "the same run with an end rule and an `after` timeout (fires after the steps)",
  "end-event": "an end event (stops a waiting run)",
  identify: "an identify changing 3 traits",
  "abandoned-cart": "an abandoned cart: 5 adds, then the reminder run",
};

export interface FunctionUsage {
  fn: string;
  /** Lambda invocations: HTTP requests (ingest/admin), SQS messages (match), tasks (action, run-state). */
  invocations: number;
  requests: number;
  readUnits: number;
  writeUnits: number;
  /** The longest chain of requests made one after another, over the whole scenario. */
  sequentialRoundTrips: number;
  /** The same chain's requests per service (for the modelled Lambda duration). */
  chainByService: Record<string, number>;
  /** Bytes of JSON log lines the function printed (Powertools, at the deployed level). */
  logBytes: number;
}

export interface OperationUsage {
  fn: string;
  service: string;
  operation: string;
  count: number;
  readUnits: number;
  writeUnits: number;
  capacity: string;
  errors: number;
}

export interface ScenarioResult {
  id: ScenarioId;
  title: string;
  /** HTTP requests the client made (API Gateway requests). */
  apiRequests: number;
  /** Events put on the bus (PutEvents entries), each one SQS message for the matcher. */
  busEvents: number;
  emails: number;
  functions: FunctionUsage[];
  operations: OperationUsage[];
  executions: Array<
    Pick<ExecutionRecord, "name" | "kind" | "transitions" | "tasks" | "logBytesAll" | "states">
  >;
  transitions: number;
  elapsedMs: number;
}

/** Which function each Task state of the workflow invokes, by state name. */
function taskFunctions(): Map<string, string> {
  const byState = new Map<string, string>();
  const walk = (states: unknown) => {
    if (typeof states !== "object" || states === null) return;
    for (const [name, state] of Object.entries(states as Record<string, Record<string, unknown>>)) {
      if (state.Type === "Task") {
        byState.set(name, JSON.stringify(state).includes("ActionFunctionArn") ? "action" : "run-state");
      }
      for (const nested of [state.Iterator, state.ItemProcessor, ...((state.Branches as unknown[]) ?? [])]) {
        if (typeof nested === "object" && nested !== null) walk((nested as { States?: unknown }).States);
      }
    }
  };
  walk((runWorkflowDefinition() as { States?: unknown }).States);
  return byState;
}

/** Powertools log lines printed by the handlers, counted by service and kept off the terminal. */
export function captureHandlerLogs() {
  const bytesByFn = new Map<string, number>();
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    const service = /^\{.*"service":"moments-([a-z-]+)"/.exec(text)?.[1];
    if (service) {
      bytesByFn.set(service, (bytesByFn.get(service) ?? 0) + Buffer.byteLength(text));
      return true;
    }
    return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  return {
    take() {
      const snapshot = new Map(bytesByFn);
      bytesByFn.clear();
      return snapshot;
    },
    restore() {
      process.stdout.write = original;
    },
  };
}

export function summarize(
  id: ScenarioId,
  records: AwsRequestRecord[],
  runs: ExecutionRecord[],
  logBytes: Map<string, number>,
  apiRequests: { fn: string; count: number }[],
  elapsedMs: number,
  tasks = taskFunctions(),
): ScenarioResult {
  const busEvents = records
    .filter((r) => r.service === "EventBridge" && r.operation === "PutEvents")
    .reduce((sum, r) => sum + (r.entries ?? 1), 0);
  const invocations = new Map<string, number>();
  for (const { fn, count } of apiRequests) invocations.set(fn, (invocations.get(fn) ?? 0) + count);
  invocations.set("match", busEvents);
  for (const run of runs) {
    for (const state of run.states) {
      const fn = tasks.get(state);
      if (fn) invocations.set(fn, (invocations.get(fn) ?? 0) + 1);
    }
  }
  const fns = new Set([...records.map((r) => r.fn), ...invocations.keys(), ...logBytes.keys()]);
  const functions: FunctionUsage[] = [...fns]
    .filter((fn) => fn !== "bench")
    .map((fn) => {
      const mine = records.filter((r) => r.fn === fn);
      const chain = sequentialRoundTrips(mine);
      const chainByService: Record<string, number> = {};
      for (const r of chain) chainByService[r.service] = (chainByService[r.service] ?? 0) + 1;
      return {
        fn,
        invocations: invocations.get(fn) ?? 0,
        requests: mine.length,
        readUnits: mine.reduce((s, r) => s + r.readUnits, 0),
        writeUnits: mine.reduce((s, r) => s + r.writeUnits, 0),
        sequentialRoundTrips: chain.length,
        chainByService,
        logBytes: logBytes.get(fn) ?? 0,
      };
    })
    .filter((f) => f.invocations > 0 || f.requests > 0)
    .sort((a, b) => order(a.fn) - order(b.fn));
  const operations = new Map<string, OperationUsage>();
  for (const r of records) {
    if (r.fn === "bench") continue;
    const key = `${r.fn}|${r.service}|${r.operation}`;
    const op = operations.get(key) ?? {
      fn: r.fn,
      service: r.service,
      operation: r.operation,
      count: 0,
      readUnits: 0,
      writeUnits: 0,
      capacity: r.capacity,
      errors: 0,
    };
    op.count++;
    op.readUnits += r.readUnits;
    op.writeUnits += r.writeUnits;
    if (r.error) op.errors++;
    if (op.capacity !== r.capacity) op.capacity = "mixed";
    operations.set(key, op);
  }
  return {
    id,
    title: scenarioTitles[id],
    apiRequests: apiRequests.reduce((s, r) => s + r.count, 0),
    busEvents,
    emails: records.filter((r) => r.service === "SES" && r.operation.startsWith("Send") && !r.error).length,
    functions,
    operations: [...operations.values()].sort((a, b) => order(a.fn) - order(b.fn) || b.count - a.count),
    executions: runs.map(({ name, kind, transitions, tasks: t, logBytesAll, states }) => ({
      name,
      kind,
      transitions,
      tasks: t,
      logBytesAll,
      states,
    })),
    transitions: runs.reduce((s, r) => s + r.transitions, 0),
    elapsedMs,
  };
}

const FUNCTION_ORDER = ["ingest", "match", "action", "run-state", "admin", "inbox"];
const order = (fn: string) => {
  const index = FUNCTION_ORDER.indexOf(fn);
  return index === -1 ? FUNCTION_ORDER.length : index;
};

/** Runs every scenario on a fresh local stack; the stack is stopped before returning. */
export async function runScenarios(stack: LocalStack): Promise<ScenarioResult[]> {
  // The setup's own log and metric lines belong to no scenario, and would only clutter the terminal.
  const setupLogs = captureHandlerLogs();
  const api = apiClient(stack.apiUrl);
  const admin = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown) => {
    const response = await api<T>(method, path, {
      key: stack.adminKey,
      ...(body !== undefined ? { body } : {}),
    });
    if (response.status >= 300)
      throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };
  const source = await admin<{ id: string; writeKey: string }>("POST", "/v1/admin/sources", {
    name: "Bench",
  });
  const template = await admin<{ id: string }>("POST", "/v1/admin/email-templates", {
    name: "Bench",
    from: "Bench <bench@example.com>",
    subject: "Hello {first_name}",
    text: "Hi {first_name}, this is the bench.",
  });
  const email = (id: string, minutes: number) => ({
    id,
    delay: { amount: minutes, unit: "minutes" },
    action: { type: "send_email", templateId: template.id },
  });
  const moment = async (body: Record<string, unknown>) => {
    const created = await admin<{ id: string }>("POST", "/v1/admin/moments", {
      goal: "convert",
      sourceIds: [source.id],
      ...body,
    });
    await admin("POST", `/v1/admin/moments/${created.id}/status`, { status: "running" });
    return created.id;
  };
  // Delays are real minutes scaled down: they cost the same transitions as days would.
  await moment({
    name: "Three emails",
    start: { event: "trial_ending_soon" },
    steps: [email("first", 0), email("second", 10), email("third", 10)],
  });
  // The same steps, with an end event and a timeout that fires once they are done (1 hour = 3.6 s).
  await moment({
    name: "Three emails, then time out",
    start: { event: "trial_converting" },
    end: [
      { outcome: "success", event: "converted" },
      { outcome: "failed", after: { amount: 1, unit: "hours" } },
    ],
    steps: [email("first", 0), email("second", 10), email("third", 10)],
  });
  await moment({
    name: "Ends on upgrade",
    start: { event: "trial_started" },
    end: [{ outcome: "success", event: "upgraded" }],
    steps: [email("welcome", 0), email("tomorrow", 24 * 60)],
  });
  await moment({
    name: "Cart abandon",
    start: {
      event: "cart_item_added",
      unless: { event: "checkout_completed", within: { amount: 1, unit: "hours" } },
      key: "cart_id",
    },
    steps: [email("remind", 0)],
  });

  const apiCalls: { fn: string; count: number }[] = [];
  const post = async (path: "/v1/events" | "/v1/identify", body: Record<string, unknown>) => {
    const response = await api("POST", path, { key: source.writeKey, body });
    if (response.status !== 202)
      throw new Error(`POST ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    apiCalls.push({ fn: "ingest", count: 1 });
  };
  const traits = (accountId: string) => ({
    email: `${accountId}@example.com`,
    first_name: "Ada",
    plan: "trial",
  });
  let accounts = 0;
  /** An account the engine has already seen (its first event is setup, not measured). */
  const knownAccount = async () => {
    const accountId = `bench-${Date.now().toString(36)}-${accounts++}`;
    await post("/v1/events", { event: "signed_up", accountId, traits: traits(accountId) });
    await stack.idle();
    return accountId;
  };

  setupLogs.restore();
  const handlerLogs = captureHandlerLogs();
  const results: ScenarioResult[] = [];
  const tasks = taskFunctions();
  const measure = async (id: ScenarioId, act: () => Promise<void>, { idleFirst = true } = {}) => {
    if (idleFirst) await stack.idle();
    handlerLogs.take();
    apiCalls.length = 0;
    const firstRequest = requestLog.records.length;
    const firstExecution = executionLog.records.length;
    const start = performance.now();
    await act();
    await stack.idle();
    const elapsedMs = performance.now() - start;
    results.push(
      summarize(
        id,
        requestLog.records.slice(firstRequest),
        executionLog.records.slice(firstExecution),
        handlerLogs.take(),
        [...apiCalls],
        elapsedMs,
        tasks,
      ),
    );
  };

  try {
    const quiet = await knownAccount();
    // Measured in the steady state of the events that make up most traffic: a busy name, seen by the
    // functions moments ago (their per-container memory of idle names and observed-event counts is
    // warm). The first of a name in a container costs the matcher an index read and a counter write.
    await post("/v1/events", { event: "page_viewed", accountId: quiet });
    await stack.idle();
    await measure("unused-event", () => post("/v1/events", { event: "page_viewed", accountId: quiet }));

    // Also in the steady state: the workspace has sent email before. Its very first email also creates
    // the workspace's unsubscribe key set (one write and one round trip, once per workspace for ever).
    const earlier = await knownAccount();
    await post("/v1/events", { event: "trial_ending_soon", accountId: earlier });
    await stack.idle();
    const trial = await knownAccount();
    await measure("email-run", () => post("/v1/events", { event: "trial_ending_soon", accountId: trial }));

    const timingOut = await knownAccount();
    await measure("timeout-run", () =>
      post("/v1/events", { event: "trial_converting", accountId: timingOut }),
    );

    // The run must be waiting (its first email sent, a day to go) before the end event arrives.
    const upgrading = await knownAccount();
    const sentBefore = requestLog.records.filter((r) => r.service === "SES").length;
    await post("/v1/events", { event: "trial_started", accountId: upgrading });
    await waitFor(() => requestLog.records.filter((r) => r.service === "SES").length > sentBefore, {
      timeoutMs: 30_000,
      description: "the first email of the run the end event stops",
    });
    // ...and its step recorded: no request for 300 ms.
    let seen = -1;
    await waitFor(
      () => {
        const settled = requestLog.records.length === seen;
        seen = requestLog.records.length;
        return settled;
      },
      { timeoutMs: 30_000, intervalMs: 300, description: "the first step to settle" },
    );
    // Not idle first: idle would wait for the run's day-long Wait.
    await measure("end-event", () => post("/v1/events", { event: "upgraded", accountId: upgrading }), {
      idleFirst: false,
    });

    const identified = await knownAccount();
    await measure("identify", () =>
      post("/v1/identify", {
        accountId: identified,
        traits: { plan: "pro", seats: 12, company: "Acme" },
      }),
    );

    const shopper = await knownAccount();
    await measure("abandoned-cart", async () => {
      for (let add = 0; add < 5; add++) {
        await post("/v1/events", {
          event: "cart_item_added",
          accountId: shopper,
          properties: { cart_id: "cart-1", sku: `sku-${add}` },
        });
      }
    });
  } finally {
    handlerLogs.restore();
  }
  return results;
}
