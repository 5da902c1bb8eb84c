/**
 * Local Step Functions: an AWS JSON 1.0 server that the unmodified `@aws-sdk/client-sfn` can talk to
 * (point it here with `AWS_ENDPOINT_URL_SFN`), running executions with aws-local-stepfunctions.
 *
 * Operations: StartExecution, StopExecution, DescribeExecution, ListExecutions, DescribeStateMachine.
 * Lambda tasks (`arn:aws:states:::lambda:invoke` and plain function ARNs) run in-process handlers.
 *
 * With `persistence` (under `MOMENTS_DATA_DIR`) executions survive a restart: each start, each task
 * checkpoint the owner asks for and each end is journaled, and at the next start every execution
 * still running is run again from the input `resumeInput` derives from its journal (the owner knows
 * what its tasks mean: which steps are done, how much of a delay is left). aws-local-stepfunctions
 * keeps no state we could save, so a resumed execution re-runs its states from the start with that
 * input; its tasks must be idempotent, as they must be on AWS, where a task is retried.
 *
 * Finished executions are kept for DescribeExecution and ListExecutions up to `maxFinishedExecutions`
 * (oldest forgotten first; their names stay taken), so a long local run keeps flat memory.
 */
import "./polyfills.js";

import { randomUUID } from "node:crypto";
import {
  ExecutionError,
  ExecutionTimeoutError,
  type RunOptions,
  StateMachine,
  type StateMachineDefinition,
} from "aws-local-stepfunctions";
import { type Faults, lambdaTaskFault } from "./faults.js";
import {
  AwsApiError,
  isRecord,
  type JsonRpcServer,
  type JsonRpcServerOptions,
  type LogHook,
  optionalString,
  requiredString,
  startJsonRpcServer,
} from "./http.js";
import { JOURNAL_COMPACT_BYTES, type Journal, openJournal } from "./journal.js";

export type LocalLambda = (payload: unknown) => Promise<unknown>;

export interface LocalStepFunctionsOptions {
  /** ASL definitions with all substitutions already resolved. */
  stateMachines: Array<{ arn: string; definition: Record<string, unknown> }>;
  /** Keyed by function ARN; lookups by bare function name (or name:qualifier) also resolve. */
  lambdas: Record<string, LocalLambda>;
  host?: string;
  port?: number;
  /** If set, every Retry interval becomes this many milliseconds (tests want speed). */
  retryIntervalMs?: number;
  /**
   * If set, how long (ms) a Wait state with a fixed `Seconds` waits, e.g. scaled by the time scale
   * (delays read from the input with SecondsPath are scaled by whoever wrote the input).
   */
  fixedWaitMs?: (seconds: number) => number;
  /**
   * Lambda faults (the `lambda` service of the plan): asked before and after each task function runs,
   * by the function's name and its payload as JSON; see lambdaTaskFault.
   */
  faults?: Faults;
  /** Structured logging hook; default silent. */
  onLog?: (entry: Record<string, unknown>) => void;
  /** Each caller's IAM grants (iam.ts): a call its role does not allow is refused as on AWS. */
  authorize?: JsonRpcServerOptions["authorize"];
  /**
   * Called with the "Step Functions Execution Status Change" event each execution's end publishes on
   * AWS's default bus (SUCCEEDED, FAILED, TIMED_OUT, ABORTED by StopExecution). Not for executions
   * aborted because this server is stopping: on AWS they would go on running.
   */
  onStatusChange?: (event: ExecutionStatusChangeEntry) => void;
  /** Durable executions (see above); in memory when absent. */
  persistence?: ExecutionPersistence;
  /** Finished executions kept for Describe/List; default 1000. */
  maxFinishedExecutions?: number;
}

/** A status change, as the PutEvents entry Step Functions (the service) puts on the default bus. */
export interface ExecutionStatusChangeEntry {
  Source: "aws.states";
  DetailType: "Step Functions Execution Status Change";
  Resources: string[];
  Detail: string;
  EventBusName: "default";
}

/** A journaled execution still running when its process ended. */
export interface PersistedExecution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  /** The input it was started with. */
  input: string;
  startMs: number;
  /** What `checkpoint` returned for each task that succeeded, in order, with when (epoch ms). */
  checkpoints: Array<{ at: number; value: unknown }>;
}

export interface ExecutionPersistence {
  journalPath: string;
  /**
   * Bytes appended to the journal after which it is rewritten to the running executions (default
   * JOURNAL_COMPACT_BYTES): a test reaches a compaction with a few starts instead of 32 MB.
   */
  compactBytes?: number;
  /** What to remember of a task that succeeded (undefined: nothing). */
  checkpoint?: (stateName: string, payload: unknown) => unknown;
  /** The input to run a resumed execution with; default its original input. */
  resumeInput?: (execution: PersistedExecution, nowMs: number) => string;
}

type JournalRecord =
  | { t: "start"; arn: string; machine: string; name: string; input: string; at: number }
  | { t: "checkpoint"; arn: string; at: number; value: unknown }
  | { t: "end"; arn: string };

export interface LocalStepFunctions {
  endpoint: string;
  /** The endpoint's request listener (message-transport.ts serves it without a socket). */
  listener: JsonRpcServer["listener"];
  stop(): Promise<void>;
  /** Resolves when no execution is running and no local lambda call is in flight. */
  idle(): Promise<void>;
  /** Local lambda calls in flight (what a drain waits for; executions waiting in a Wait are not). */
  tasksInFlight(): number;
  /** Executions running (waiting or working). */
  running(): number;
  /** Runs again the executions a journal kept from a previous process (once the tasks can run). */
  resume(): void;
}

type ExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";
const EXECUTION_STATUSES: ReadonlySet<string> = new Set([
  "RUNNING",
  "SUCCEEDED",
  "FAILED",
  "TIMED_OUT",
  "ABORTED",
  "PENDING_REDRIVE",
]);

type TaskHandlers = NonNullable<NonNullable<RunOptions["overrides"]>["taskResourceLocalHandlers"]>;
type TaskHandler = TaskHandlers[string];
type JsonValue = Parameters<TaskHandler>[0];

interface LocalStateMachine {
  arn: string;
  name: string;
  region: string;
  account: string;
  definition: Record<string, unknown>;
  machine: StateMachine;
  createdAtMs: number;
  /** In start order; ListExecutions reverses it (newest first, like AWS). */
  executions: ExecutionRecord[];
}

interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  input: string;
  status: ExecutionStatus;
  startMs: number;
  stopMs?: number;
  output?: string;
  error?: string;
  cause?: string;
  /** Aborts the library's run. */
  abort: () => void;
  /** Aborted once the execution leaves RUNNING; releases task overrides that are still waiting. */
  closed: AbortController;
  /** Journaled task checkpoints (with persistence), rewritten when the journal is compacted. */
  checkpoints: Array<{ at: number; value: unknown }>;
}

const INVOKE_RESOURCE = "arn:aws:states:::lambda:invoke";
const STATE_MACHINE_ARN =
  /^arn:(aws[a-z-]*):states:([a-z0-9-]+):(\d{12}):stateMachine:([A-Za-z0-9_-]{1,80})$/;
const EXECUTION_ARN =
  /^arn:(aws[a-z-]*):states:([a-z0-9-]+):(\d{12}):execution:([A-Za-z0-9_-]{1,80}):([^:]+)$/;
const FUNCTION_ARN =
  /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:([A-Za-z0-9_-]+)(?::[A-Za-z0-9$_-]+)?$/;
const PARTIAL_FUNCTION_ARN = /^\d{12}:function:([A-Za-z0-9_-]+)(?::[A-Za-z0-9$_-]+)?$/;
const NAME_WITH_QUALIFIER = /^([A-Za-z0-9_-]+):[A-Za-z0-9$_-]+$/;
const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const MAX_INPUT_BYTES = 256 * 1024;
const STOP_GRACE_MS = 5_000;

/**
 * The error a failing local lambda surfaces as. aws-local-stepfunctions matches Retry/Catch
 * `ErrorEquals` against `error.name` and uses `error.message` as the Catch `Cause`, so the name must
 * be Lambda's `errorType` and the message the JSON error payload that AWS puts in `Cause`.
 */
class LambdaTaskError extends Error {
  constructor(errorType: string, cause: string) {
    super(cause);
    this.name = errorType;
  }
}

/**
 * Thrown by task overrides once the execution is no longer RUNNING. The library only checks its abort
 * signal between states, and a Retry backoff that is cut short by the abort re-runs the task right
 * away; refusing here is what guarantees no task runs after StopExecution. The flags are the
 * library's duck-typed `isRetryable`/`isCatchable`, so neither Retry nor Catch can resurrect it.
 */
class ExecutionNotRunningError extends Error {
  readonly isRetryable = false;
  readonly isCatchable = false;

  constructor() {
    super("Execution is no longer running");
    this.name = "States.Runtime";
  }
}

/** A Task whose resource we cannot run locally; failing it beats the library calling real AWS. */
class UnsupportedResourceError extends Error {
  readonly isRetryable = false;
  readonly isCatchable = false;

  constructor(stateName: string, resource: string) {
    super(`Task state '${stateName}' uses resource '${resource}', which local Step Functions cannot run`);
    this.name = "States.Runtime";
  }
}

/** Mirrors the Lambda Node.js runtime: Error-likes report `name`, anything else its `typeof`. */
function toLambdaTaskError(thrown: unknown): LambdaTaskError {
  const errorLike =
    thrown instanceof Error ||
    (isRecord(thrown) && typeof thrown.name === "string" && typeof thrown.message === "string");
  let errorType: string = typeof thrown;
  let errorMessage = String(thrown);
  let trace: string[] = [];
  if (errorLike && isRecord(thrown)) {
    errorType = typeof thrown.name === "string" && thrown.name !== "" ? thrown.name : "Error";
    errorMessage = typeof thrown.message === "string" ? thrown.message : "";
    trace = typeof thrown.stack === "string" ? thrown.stack.split("\n") : [];
  }
  return new LambdaTaskError(errorType, JSON.stringify({ errorType, errorMessage, trace }));
}

/** Lambda hands results over as JSON, so we do too: drops undefined, turns Dates into strings. */
function toJson(value: unknown): JsonValue {
  const text = JSON.stringify(value);
  return text === undefined ? null : (JSON.parse(text) as JsonValue);
}

function functionNameOf(reference: string): string {
  const match =
    FUNCTION_ARN.exec(reference) ??
    PARTIAL_FUNCTION_ARN.exec(reference) ??
    NAME_WITH_QUALIFIER.exec(reference);
  return match?.[1] ?? reference;
}

function epochSeconds(ms: number): number {
  return ms / 1000;
}

/** Calls `visit` for every state, descending into Map processors and Parallel branches. */
function walkStates(
  definition: Record<string, unknown>,
  visit: (name: string, state: Record<string, unknown>) => void,
): void {
  const states = definition.States;
  if (!isRecord(states)) return;
  for (const [name, state] of Object.entries(states)) {
    if (!isRecord(state)) continue;
    visit(name, state);
    if (state.Type === "Map") {
      const processor = state.ItemProcessor ?? state.Iterator;
      if (isRecord(processor)) walkStates(processor, visit);
    }
    if (state.Type === "Parallel" && Array.isArray(state.Branches)) {
      for (const branch of state.Branches) {
        if (isRecord(branch)) walkStates(branch, visit);
      }
    }
  }
}

export async function startLocalStepFunctions(
  options: LocalStepFunctionsOptions,
): Promise<LocalStepFunctions> {
  const log: LogHook = options.onLog ?? (() => {});
  const machines = new Map<string, LocalStateMachine>();
  const executionsByArn = new Map<string, ExecutionRecord>();
  /** Everything still settling: execution results and in-flight lambda calls. */
  const activity = new Set<Promise<unknown>>();
  let stopped = false;
  let tasksInFlight = 0;
  const maxFinished = options.maxFinishedExecutions ?? 1000;
  /** Finished executions still described, oldest first; beyond maxFinished they are forgotten. */
  const finishedOrder: ExecutionRecord[] = [];
  /** Names of forgotten executions stay taken, as on AWS (bounded: a name is ~100 bytes). */
  const forgottenArns = new Set<string>();
  let forgottenSinceCleanup = 0;

  const persistence = options.persistence;
  let journal: Journal<JournalRecord> | undefined;
  let journalClosed = false;
  const toResume: PersistedExecution[] = [];
  if (persistence) {
    const opened = openJournal<JournalRecord>(persistence.journalPath);
    journal = opened.journal;
    const runningByArn = new Map<string, PersistedExecution>();
    for (const record of opened.records) {
      if (record.t === "start") {
        runningByArn.set(record.arn, {
          executionArn: record.arn,
          stateMachineArn: record.machine,
          name: record.name,
          input: record.input,
          startMs: record.at,
          checkpoints: [],
        });
      } else if (record.t === "checkpoint") {
        runningByArn.get(record.arn)?.checkpoints.push({ at: record.at, value: record.value });
      } else {
        runningByArn.delete(record.arn);
      }
    }
    toResume.push(...runningByArn.values());
    journal.rewrite(journalSnapshot(toResume));
  }
  const journalAppend = (record: JournalRecord): void => {
    if (journal === undefined || journalClosed) return;
    journal.append(record);
    if (journal.appendedBytes > (persistence?.compactBytes ?? JOURNAL_COMPACT_BYTES)) {
      const running = [...executionsByArn.values()].filter((execution) => execution.status === "RUNNING");
      journal.rewrite(
        journalSnapshot(
          running.map((execution) => ({
            executionArn: execution.executionArn,
            stateMachineArn: execution.stateMachineArn,
            name: execution.name,
            input: execution.input,
            startMs: execution.startMs,
            checkpoints: execution.checkpoints,
          })),
        ),
      );
    }
  };

  const lambdasByName = new Map<string, LocalLambda>();
  for (const [key, fn] of Object.entries(options.lambdas)) {
    lambdasByName.set(functionNameOf(key), fn);
  }
  const findLambda = (reference: string): LocalLambda | undefined =>
    (Object.hasOwn(options.lambdas, reference) ? options.lambdas[reference] : undefined) ??
    lambdasByName.get(functionNameOf(reference));

  const track = <T>(promise: Promise<T>): Promise<T> => {
    activity.add(promise);
    const forget = () => activity.delete(promise);
    promise.then(forget, forget);
    return promise;
  };

  // Per-execution task overrides, keyed by state name (the library's key). ASL requires state names
  // to be unique across the whole machine, nested ones included, so one flat map per machine is safe.
  const buildTaskHandlers = (machine: LocalStateMachine, record: ExecutionRecord): TaskHandlers => {
    const { executionArn } = record;
    const closed = record.closed.signal;
    const handlers: TaskHandlers = {};
    walkStates(machine.definition, (stateName, state) => {
      if (state.Type !== "Task") return;
      const resource = typeof state.Resource === "string" ? state.Resource : "";

      const invoke = async (functionRef: string, payload: unknown): Promise<JsonValue> => {
        if (closed.aborted) throw new ExecutionNotRunningError();
        const fn = findLambda(functionRef);
        if (fn === undefined) {
          throw new LambdaTaskError(
            "Lambda.ResourceNotFoundException",
            `Function not found: ${functionRef} (no local lambda registered under that ARN or name)`,
          );
        }
        log({
          level: "debug",
          service: "local-sfn",
          message: "invoke",
          executionArn,
          stateName,
          functionRef,
        });
        // A Lambda fault of the plan: refused before the function runs, or its answer lost after.
        const functionName = functionNameOf(functionRef);
        const faultKind = options.faults?.decide("lambda", functionName, JSON.stringify(payload ?? null));
        const fault = faultKind === undefined ? undefined : lambdaTaskFault(faultKind, functionName);
        if (fault && !fault.ran) throw new LambdaTaskError(fault.error, fault.cause);
        // Racing the call against the execution closing lets the library unwind at once on a stop
        // (and clear its 60 s task timer), while the orphaned call, like a real Lambda invocation
        // after StopExecution, runs to completion and is still awaited by idle().
        let stopListening = () => {};
        const whenClosed = new Promise<never>((_, reject) => {
          const onClose = () => reject(new ExecutionNotRunningError());
          closed.addEventListener("abort", onClose, { once: true });
          stopListening = () => closed.removeEventListener("abort", onClose);
        });
        try {
          tasksInFlight++;
          const call = track((async () => fn(toJson(payload)))()).finally(() => tasksInFlight--);
          const result = toJson(await Promise.race([call, whenClosed]));
          // The function did its work; its answer is lost (or came past the task's timeout).
          if (fault) {
            log({
              level: "info",
              service: "local-sfn",
              message: "lambda fault injected",
              executionArn,
              stateName,
              functionName,
              error: fault.error,
            });
            throw new LambdaTaskError(fault.error, fault.cause);
          }
          const checkpoint = persistence?.checkpoint?.(stateName, payload);
          if (checkpoint !== undefined && record.status === "RUNNING") {
            const entry = { at: Date.now(), value: checkpoint };
            record.checkpoints.push(entry);
            journalAppend({ t: "checkpoint", arn: executionArn, ...entry });
          }
          return result;
        } catch (error) {
          if (error instanceof ExecutionNotRunningError || error instanceof LambdaTaskError) throw error;
          throw toLambdaTaskError(error);
        } finally {
          stopListening();
        }
      };

      if (resource === INVOKE_RESOURCE) {
        // The override receives the effective input after InputPath/Parameters, i.e. the
        // lambda:invoke API parameters; verified against aws-local-stepfunctions 3.0.0.
        handlers[stateName] = async (input) => {
          if (!isRecord(input) || typeof input.FunctionName !== "string") {
            throw new LambdaTaskError(
              "States.Runtime",
              `Task '${stateName}': Parameters must produce an object with a string FunctionName`,
            );
          }
          const result = await invoke(input.FunctionName, input.Payload ?? null);
          // The shape the optimised integration returns, so `$.Payload` selectors work as on AWS.
          return { StatusCode: 200, Payload: result, ExecutedVersion: "$LATEST" };
        };
      } else if (FUNCTION_ARN.test(resource)) {
        handlers[stateName] = (input) => invoke(resource, input);
      } else {
        handlers[stateName] = () => {
          throw new UnsupportedResourceError(stateName, resource);
        };
      }
    });
    return handlers;
  };

  const retryOverrides = (definition: Record<string, unknown>): Record<string, number> | undefined => {
    const interval = options.retryIntervalMs;
    if (interval === undefined) return undefined;
    const overrides: Record<string, number> = {};
    walkStates(definition, (stateName, state) => {
      if (Array.isArray(state.Retry)) overrides[stateName] = interval;
    });
    return overrides;
  };

  const waitOverrides = (definition: Record<string, unknown>): Record<string, number> | undefined => {
    const waitMs = options.fixedWaitMs;
    if (waitMs === undefined) return undefined;
    const overrides: Record<string, number> = {};
    walkStates(definition, (stateName, state) => {
      if (state.Type === "Wait" && typeof state.Seconds === "number")
        overrides[stateName] = Math.round(waitMs(state.Seconds));
    });
    return overrides;
  };

  for (const { arn, definition: givenDefinition } of options.stateMachines) {
    // Our own copy: the caller may reuse or mutate its object, and compiled machines are shared.
    const definition = structuredClone(givenDefinition);
    const parts = STATE_MACHINE_ARN.exec(arn);
    if (parts === null) throw new Error(`Not a state machine ARN: ${arn}`);
    const [, , region = "", account = "", name = ""] = parts;
    if (machines.has(arn)) throw new Error(`State machine registered twice: ${arn}`);

    const seen = new Set<string>();
    walkStates(definition, (stateName, state) => {
      if (seen.has(stateName)) throw new Error(`${arn}: duplicate state name '${stateName}'`);
      seen.add(stateName);
      const resource = state.Resource;
      if (
        state.Type === "Task" &&
        (typeof resource !== "string" || (resource !== INVOKE_RESOURCE && !FUNCTION_ARN.test(resource)))
      ) {
        log({
          level: "warn",
          service: "local-sfn",
          message: "task resource not supported locally; the task will fail if reached",
          stateMachineArn: arn,
          stateName,
          resource,
        });
      }
    });

    let machine: StateMachine;
    try {
      machine = compileStateMachine(definition);
    } catch (error) {
      throw new Error(`${arn}: ${error instanceof Error ? error.message : String(error)}`);
    }
    machines.set(arn, {
      arn,
      name,
      region,
      account,
      definition,
      machine,
      createdAtMs: Date.now(),
      executions: [],
    });
  }

  const getMachine = (arn: string): LocalStateMachine => {
    if (!STATE_MACHINE_ARN.test(arn)) {
      throw new AwsApiError("InvalidArn", `Invalid Arn: '${arn}'`);
    }
    const machine = machines.get(arn);
    if (machine === undefined) {
      throw new AwsApiError("StateMachineDoesNotExist", `State Machine Does Not Exist: '${arn}'`);
    }
    return machine;
  };

  const getExecution = (arn: string): ExecutionRecord => {
    if (!EXECUTION_ARN.test(arn)) {
      throw new AwsApiError("InvalidArn", `Invalid Arn: '${arn}'`);
    }
    const execution = executionsByArn.get(arn);
    if (execution === undefined) {
      throw new AwsApiError("ExecutionDoesNotExist", `Execution Does Not Exist: '${arn}'`);
    }
    return execution;
  };

  /** The event's `detail`, as AWS documents it (epoch milliseconds; output and error when known). */
  const publishStatus = (record: ExecutionRecord): void => {
    if (!options.onStatusChange) return;
    options.onStatusChange({
      Source: "aws.states",
      DetailType: "Step Functions Execution Status Change",
      Resources: [record.executionArn],
      EventBusName: "default",
      Detail: JSON.stringify({
        executionArn: record.executionArn,
        stateMachineArn: record.stateMachineArn,
        name: record.name,
        status: record.status,
        startDate: record.startMs,
        stopDate: record.stopMs ?? null,
        input: record.input,
        output: record.output ?? null,
        inputDetails: { included: true },
        outputDetails: record.output === undefined ? null : { included: true },
        error: record.error ?? null,
        cause: record.cause ?? null,
      }),
    });
  };

  const finish = (
    record: ExecutionRecord,
    status: Exclude<ExecutionStatus, "RUNNING">,
    fields: { output?: string; error?: string; cause?: string },
  ): void => {
    // A stopped execution keeps its ABORTED state even if the library settles afterwards.
    if (record.status !== "RUNNING") return;
    record.status = status;
    record.stopMs = Date.now();
    Object.assign(record, fields);
    record.closed.abort();
    retire(record);
    log({
      level: status === "SUCCEEDED" ? "info" : "warn",
      service: "local-sfn",
      message: `execution ${status.toLowerCase()}`,
      executionArn: record.executionArn,
      error: record.error,
      cause: record.cause,
    });
    publishStatus(record);
  };

  /** A finished execution: journaled as ended, its run released, kept for Describe within the bound. */
  const retire = (record: ExecutionRecord): void => {
    journalAppend({ t: "end", arn: record.executionArn });
    // The library's run (and its event log) is reachable through abort: let it be collected.
    record.abort = () => {};
    record.checkpoints = [];
    finishedOrder.push(record);
    while (finishedOrder.length > maxFinished) {
      const oldest = finishedOrder.shift();
      if (oldest === undefined) break;
      executionsByArn.delete(oldest.executionArn);
      forgottenArns.add(oldest.executionArn);
      if (forgottenArns.size > 100_000) {
        const first = forgottenArns.values().next().value;
        if (first !== undefined) forgottenArns.delete(first);
      }
      forgottenSinceCleanup++;
    }
    if (forgottenSinceCleanup > maxFinished) {
      forgottenSinceCleanup = 0;
      for (const machine of machines.values()) {
        machine.executions = machine.executions.filter((execution) =>
          executionsByArn.has(execution.executionArn),
        );
      }
    }
  };

  /** Runs an execution's record with the library; `runInput` differs from its input when resumed. */
  const launch = (machine: LocalStateMachine, record: ExecutionRecord, runInput: JsonValue): void => {
    const { executionArn, name, startMs } = record;
    executionsByArn.set(executionArn, record);
    machine.executions.push(record);

    const retryIntervalOverrides = retryOverrides(machine.definition);
    const waitTimeOverrides = waitOverrides(machine.definition);
    const run = machine.machine.run(runInput, {
      noThrowOnAbort: true,
      overrides: {
        taskResourceLocalHandlers: buildTaskHandlers(machine, record),
        ...(retryIntervalOverrides ? { retryIntervalOverrides } : {}),
        ...(waitTimeOverrides ? { waitTimeOverrides } : {}),
      },
      context: {
        // The library overwrites Execution.StartTime with its own clock and Input with the run input.
        Execution: {
          Id: executionArn,
          Name: name,
          StartTime: new Date(startMs).toISOString(),
          Input: runInput,
          RoleArn: `arn:aws:iam::${machine.account}:role/local-step-functions`,
          RedriveCount: 0,
        },
        StateMachine: { Id: machine.arn, Name: machine.name },
      },
    });
    record.abort = run.abort;

    if (options.onLog !== undefined) {
      void forwardEventLogs(run.eventLogs, executionArn, log);
    }

    track(
      run.result.then(
        (output) => {
          // With noThrowOnAbort an abort resolves null; StopExecution has already recorded it.
          finish(record, "SUCCEEDED", { output: JSON.stringify(output) });
        },
        (error: unknown) => {
          if (error instanceof ExecutionTimeoutError) {
            finish(record, "TIMED_OUT", { error: "States.Timeout", cause: "The execution timed out" });
            return;
          }
          const cause = error instanceof ExecutionError ? error.cause : error;
          finish(record, "FAILED", {
            error: cause instanceof Error ? cause.name : "States.Runtime",
            cause: cause instanceof Error ? cause.message : String(cause),
          });
        },
      ),
    );
  };

  const newRecord = (
    machine: LocalStateMachine,
    fields: { executionArn: string; name: string; input: string; startMs: number },
  ): ExecutionRecord => ({
    ...fields,
    stateMachineArn: machine.arn,
    status: "RUNNING",
    abort: () => {},
    closed: new AbortController(),
    checkpoints: [],
  });

  const startExecution = (input: Record<string, unknown>): Record<string, unknown> => {
    if (stopped) throw new AwsApiError("ServiceUnavailable", "Local Step Functions is stopping", 503);
    const machine = getMachine(requiredString(input, "stateMachineArn"));
    const name = optionalString(input, "name") ?? randomUUID();
    if (!EXECUTION_NAME.test(name)) {
      throw new AwsApiError("InvalidName", `Invalid Name: '${name}'`);
    }
    const inputText = optionalString(input, "input") ?? "{}";
    if (Buffer.byteLength(inputText, "utf8") > MAX_INPUT_BYTES) {
      throw new AwsApiError(
        "ValidationException",
        "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to 262144",
      );
    }
    let parsedInput: JsonValue;
    try {
      parsedInput = JSON.parse(inputText) as JsonValue;
    } catch {
      throw new AwsApiError("InvalidExecutionInput", `Invalid State Machine Execution Input: '${inputText}'`);
    }

    const executionArn = `arn:aws:states:${machine.region}:${machine.account}:execution:${machine.name}:${name}`;
    const existing = executionsByArn.get(executionArn);
    if (existing !== undefined) {
      // Standard workflows: same name + same input while still running is an idempotent retry.
      if (existing.status === "RUNNING" && existing.input === inputText) {
        return { executionArn, startDate: epochSeconds(existing.startMs) };
      }
      throw new AwsApiError("ExecutionAlreadyExists", `Execution Already Exists: '${executionArn}'`);
    }
    if (forgottenArns.has(executionArn)) {
      throw new AwsApiError("ExecutionAlreadyExists", `Execution Already Exists: '${executionArn}'`);
    }

    const startMs = Date.now();
    const record = newRecord(machine, { executionArn, name, input: inputText, startMs });
    // Journaled before StartExecution answers: a started execution survives a restart. Running
    // before journaled: a compaction this very append triggers rewrites the running executions.
    executionsByArn.set(executionArn, record);
    try {
      journalAppend({
        t: "start",
        arn: executionArn,
        machine: machine.arn,
        name,
        input: inputText,
        at: startMs,
      });
    } catch (error) {
      executionsByArn.delete(executionArn);
      throw error;
    }
    launch(machine, record, parsedInput);
    log({ level: "info", service: "local-sfn", message: "execution started", executionArn });
    return { executionArn, startDate: epochSeconds(startMs) };
  };

  const abortExecution = (record: ExecutionRecord, error?: string, cause?: string): void => {
    if (record.status !== "RUNNING") return;
    record.status = "ABORTED";
    record.stopMs = Date.now();
    record.error = error;
    record.cause = cause;
    record.closed.abort();
    record.abort();
    retire(record);
    log({
      level: "info",
      service: "local-sfn",
      message: "execution aborted",
      executionArn: record.executionArn,
    });
  };

  const stopExecution = (input: Record<string, unknown>): Record<string, unknown> => {
    const record = getExecution(requiredString(input, "executionArn"));
    const error = optionalString(input, "error");
    const cause = optionalString(input, "cause");
    if ((error?.length ?? 0) > 256 || (cause?.length ?? 0) > 32768) {
      throw new AwsApiError(
        "ValidationException",
        "error must be at most 256 and cause at most 32768 characters",
      );
    }
    const wasRunning = record.status === "RUNNING";
    abortExecution(record, error, cause);
    if (wasRunning) publishStatus(record);
    return { stopDate: epochSeconds(record.stopMs ?? Date.now()) };
  };

  const describeExecution = (input: Record<string, unknown>): Record<string, unknown> => {
    const record = getExecution(requiredString(input, "executionArn"));
    return {
      executionArn: record.executionArn,
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status: record.status,
      startDate: epochSeconds(record.startMs),
      stopDate: record.stopMs === undefined ? undefined : epochSeconds(record.stopMs),
      input: record.input,
      inputDetails: { included: true },
      output: record.output,
      outputDetails: record.output === undefined ? undefined : { included: true },
      error: record.error,
      cause: record.cause,
      redriveCount: 0,
    };
  };

  const listExecutions = (input: Record<string, unknown>): Record<string, unknown> => {
    const machine = getMachine(requiredString(input, "stateMachineArn"));
    const statusFilter = optionalString(input, "statusFilter");
    if (statusFilter !== undefined && !EXECUTION_STATUSES.has(statusFilter)) {
      throw new AwsApiError("ValidationException", `Invalid statusFilter: '${statusFilter}'`);
    }
    const maxResultsRaw = input.maxResults ?? 0;
    if (typeof maxResultsRaw !== "number" || !Number.isInteger(maxResultsRaw) || maxResultsRaw < 0) {
      throw new AwsApiError("ValidationException", "maxResults must be an integer between 0 and 1000");
    }
    if (maxResultsRaw > 1000) {
      throw new AwsApiError("ValidationException", "maxResults must be an integer between 0 and 1000");
    }
    const pageSize = maxResultsRaw === 0 ? 100 : maxResultsRaw;

    // The token is an offset bound to the query, so a token from another query is rejected as on AWS.
    const queryKey = `${machine.arn}|${statusFilter ?? ""}`;
    let offset = 0;
    const nextTokenIn = optionalString(input, "nextToken");
    if (nextTokenIn !== undefined) {
      const decoded = decodeToken(nextTokenIn);
      if (decoded === undefined || decoded.query !== queryKey) {
        throw new AwsApiError("InvalidToken", `Invalid Token: '${nextTokenIn}'`);
      }
      offset = decoded.offset;
    }

    const matching = [...machine.executions]
      .reverse()
      .filter((record) => statusFilter === undefined || record.status === statusFilter);
    const page = matching.slice(offset, offset + pageSize);
    const nextOffset = offset + page.length;
    return {
      executions: page.map((record) => ({
        executionArn: record.executionArn,
        stateMachineArn: record.stateMachineArn,
        name: record.name,
        status: record.status,
        startDate: epochSeconds(record.startMs),
        stopDate: record.stopMs === undefined ? undefined : epochSeconds(record.stopMs),
      })),
      nextToken:
        nextOffset < matching.length ? encodeToken({ query: queryKey, offset: nextOffset }) : undefined,
    };
  };

  const describeStateMachine = (input: Record<string, unknown>): Record<string, unknown> => {
    const machine = getMachine(requiredString(input, "stateMachineArn"));
    return {
      stateMachineArn: machine.arn,
      name: machine.name,
      status: "ACTIVE",
      definition: JSON.stringify(machine.definition),
      roleArn: `arn:aws:iam::${machine.account}:role/local-step-functions`,
      type: "STANDARD",
      creationDate: epochSeconds(machine.createdAtMs),
      loggingConfiguration: { level: "OFF", includeExecutionData: false },
      tracingConfiguration: { enabled: false },
    };
  };

  const server = await startJsonRpcServer({
    service: "local-sfn",
    targetPrefix: "AWSStepFunctions",
    contentType: "application/x-amz-json-1.0",
    errorTypePrefix: "com.amazonaws.swf.service.v2.model#",
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 0,
    onLog: options.onLog,
    ...(options.authorize ? { authorize: options.authorize } : {}),
    operations: {
      StartExecution: startExecution,
      StopExecution: stopExecution,
      DescribeExecution: describeExecution,
      ListExecutions: listExecutions,
      DescribeStateMachine: describeStateMachine,
    },
  });

  const idle = async (): Promise<void> => {
    // Settling one promise can start more work (a lambda call), so loop until nothing is left.
    while (activity.size > 0) {
      await Promise.allSettled([...activity]);
    }
  };

  const resume = (): void => {
    const now = Date.now();
    for (const persisted of toResume.splice(0)) {
      const machine = machines.get(persisted.stateMachineArn);
      if (machine === undefined || executionsByArn.has(persisted.executionArn)) {
        journalAppend({ t: "end", arn: persisted.executionArn });
        continue;
      }
      let runInput: JsonValue;
      try {
        runInput = JSON.parse(persistence?.resumeInput?.(persisted, now) ?? persisted.input) as JsonValue;
      } catch (error) {
        log({
          level: "error",
          service: "local-sfn",
          message: "could not resume execution; running it again from its input",
          executionArn: persisted.executionArn,
          error: error instanceof Error ? error.message : String(error),
        });
        runInput = JSON.parse(persisted.input) as JsonValue;
      }
      const record = newRecord(machine, persisted);
      record.checkpoints = [...persisted.checkpoints];
      launch(machine, record, runInput);
      log({
        level: "info",
        service: "local-sfn",
        message: "execution resumed",
        executionArn: record.executionArn,
      });
    }
  };

  return {
    endpoint: server.endpoint,
    listener: server.listener,
    idle,
    tasksInFlight: () => tasksInFlight,
    running: () => [...executionsByArn.values()].filter((record) => record.status === "RUNNING").length,
    resume,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      for (const record of executionsByArn.values()) {
        if (journal !== undefined) {
          // Durable: not an abort of the execution, only of this process's run of it (resumed at the
          // next start): nothing is journaled or published, and the library's settling is ignored.
          journalClosed = true;
          if (record.status !== "RUNNING") continue;
          record.status = "ABORTED";
          record.closed.abort();
          record.abort();
        } else {
          abortExecution(record, "LocalStepFunctions.Stopped", "The local Step Functions server was stopped");
        }
      }
      journalClosed = true;
      journal?.close();
      await server.close();
      // In-flight lambda calls cannot be cancelled; give them a bounded grace period so a hung
      // handler cannot hang shutdown, and clear the timer so it does not hold the process open.
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), STOP_GRACE_MS);
      });
      const outcome = await Promise.race([idle().then(() => "idle" as const), grace]);
      clearTimeout(timer);
      if (outcome === "timeout") {
        log({ level: "warn", service: "local-sfn", message: "stopped with lambda calls still in flight" });
      }
    },
  };
}

/**
 * Compiled machines are shared per definition (test suites restart the local stack often); a
 * StateMachine keeps no per-run state, every `run()` is independent.
 *
 * Not validated here: asl-validator compiles its JSON schemas with ajv on every construction, about
 * half a second of CPU per process, paid by every `npm start` and every test file that boots the
 * stack. The only definitions are our own, from shared/contracts/workflow.ts, and
 * test/unit/workflow/asl-valid.test.ts validates exactly those with the same validator and options
 * (as AWS does when CloudFormation creates the state machine).
 */
const compiledStateMachines = new Map<string, StateMachine>();

function compileStateMachine(definition: Record<string, unknown>): StateMachine {
  const key = JSON.stringify(definition);
  const cached = compiledStateMachines.get(key);
  if (cached !== undefined) return cached;
  const machine = new StateMachine(definition as unknown as StateMachineDefinition, {
    validationOptions: { noValidate: true },
  });
  compiledStateMachines.set(key, machine);
  return machine;
}

async function forwardEventLogs(
  events: AsyncIterable<unknown>,
  executionArn: string,
  log: LogHook,
): Promise<void> {
  try {
    for await (const event of events) {
      if (!isRecord(event) || typeof event.type !== "string") continue;
      // Only the events that explain retries and failures; entered/exited would drown the log.
      if (event.type === "StateFailed" || event.type === "StateRetried" || event.type === "StateCaught") {
        const state = isRecord(event.state) ? event.state.name : undefined;
        log({
          level: "debug",
          service: "local-sfn",
          message: `state ${event.type.slice("State".length).toLowerCase()}`,
          executionArn,
          state,
          error: event.Error,
          cause: event.Cause,
        });
      }
    }
  } catch (error) {
    log({
      level: "debug",
      service: "local-sfn",
      message: "event log stream ended",
      executionArn,
      error: String(error),
    });
  }
}

function* journalSnapshot(executions: PersistedExecution[]): Generator<JournalRecord> {
  for (const execution of executions) {
    yield {
      t: "start",
      arn: execution.executionArn,
      machine: execution.stateMachineArn,
      name: execution.name,
      input: execution.input,
      at: execution.startMs,
    };
    for (const checkpoint of execution.checkpoints) {
      yield { t: "checkpoint", arn: execution.executionArn, ...checkpoint };
    }
  }
}

function encodeToken(token: { query: string; offset: number }): string {
  return Buffer.from(JSON.stringify(token), "utf8").toString("base64url");
}

function decodeToken(text: string): { query: string; offset: number } | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
    if (isRecord(value) && typeof value.query === "string" && typeof value.offset === "number") {
      return { query: value.query, offset: value.offset };
    }
  } catch {
    // Fall through: any undecodable token is simply invalid.
  }
  return undefined;
}
