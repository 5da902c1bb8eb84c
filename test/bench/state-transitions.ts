/**
 * State transitions per execution, counted from the local Step Functions event log: the local
 * runtime runs the deployed definition on aws-local-stepfunctions, whose `run()` returns an event
 * log. `instrumentStepFunctions()` wraps `StateMachine.prototype.run` so every root execution's
 * log is read here (and replayed unchanged to whoever else reads it).
 *
 * Step Functions bills a transition each time a state is entered, retries included: that is a
 * StateEntered (Map iterations and Parallel branches are forwarded into the root log) or a
 * StateRetried event.
 */
import { StateMachine } from "aws-local-stepfunctions";

export interface ExecutionRecord {
  name: string;
  kind: "run" | "end" | "gate";
  transitions: number;
  /** State names in the order entered. */
  states: string[];
  /** Tasks entered (each one Lambda invocation unless retried). */
  tasks: number;
  /**
   * What Step Functions logging at level ALL with execution data would write for this execution,
   * estimated from the local log: every event with its input/output, plus the three Lambda task
   * events (scheduled, started, succeeded) per task, each with a fixed envelope.
   */
  logBytesAll: number;
  startedAtMs: number;
}

/** Bytes of CloudWatch's envelope around each Step Functions history event (ids, ARNs, timestamps). */
export const LOG_ENVELOPE_BYTES = 350;

/** Every root execution started while `keep` is true. */
export const executionLog: { keep: boolean; records: ExecutionRecord[] } = { keep: true, records: [] };

export const executionKind = (name: string): ExecutionRecord["kind"] =>
  name.startsWith("gate-") ? "gate" : name.endsWith("-end") ? "end" : "run";

interface LogEvent {
  type?: string;
  state?: { name?: string; type?: string };
  input?: unknown;
  output?: unknown;
}

/** Adds one event log entry to an execution's record (exported for the smoke test). */
export function recordEvent(record: ExecutionRecord, event: LogEvent): void {
  const size = (value: unknown) => (value === undefined ? 0 : JSON.stringify(value).length);
  record.logBytesAll += LOG_ENVELOPE_BYTES + size(event.input) + size(event.output);
  if (event.type === "StateEntered" || event.type === "StateRetried") {
    record.transitions++;
    record.states.push(event.state?.name ?? "?");
    if (event.state?.type === "Task") {
      record.tasks++;
      record.logBytesAll += 3 * LOG_ENVELOPE_BYTES + 2 * size(event.input);
    }
  }
}

type RunResult = { eventLogs: AsyncGenerator<unknown>; abort: () => void; result: Promise<unknown> };
let installed = false;

export function instrumentStepFunctions(): void {
  if (installed) return;
  installed = true;
  const prototype = StateMachine.prototype as unknown as {
    run: (input: unknown, options?: Record<string, unknown>) => RunResult;
  };
  const original = prototype.run;
  prototype.run = function run(this: unknown, input, options) {
    const execution = original.call(this, input, options);
    // Map iterations and Parallel branches run nested machines whose events the root log forwards.
    if (options?._rootAbortSignal || !executionLog.keep) return execution;
    const context = options?.context as { Execution?: { Name?: string } } | undefined;
    const name = context?.Execution?.Name ?? "unnamed";
    const record: ExecutionRecord = {
      name,
      kind: executionKind(name),
      transitions: 0,
      states: [],
      tasks: 0,
      logBytesAll: 0,
      startedAtMs: performance.now(),
    };
    executionLog.records.push(record);
    const seen: unknown[] = [];
    let done = false;
    let wake: (() => void) | undefined;
    void (async () => {
      try {
        for await (const event of execution.eventLogs) {
          recordEvent(record, event as LogEvent);
          seen.push(event);
          wake?.();
        }
      } finally {
        done = true;
        wake?.();
      }
    })();
    async function* replay() {
      let index = 0;
      for (;;) {
        while (index < seen.length) yield seen[index++];
        if (done) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    }
    return { ...execution, eventLogs: replay() };
  };
}
