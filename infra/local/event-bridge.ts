/**
 * Local EventBridge: an AWS JSON 1.1 server for `PutEvents` that the unmodified
 * `@aws-sdk/client-eventbridge` can talk to (point it here with `AWS_ENDPOINT_URL_EVENTBRIDGE`).
 * Accepted events are matched against the configured rules and delivered to in-process targets
 * after the response, the way EventBridge never makes the publisher wait for its targets.
 *
 * A target that fails is retried after each of its rule's `retryDelaysMs` (the bus's
 * `deliveryRetryDelaysMs` by default), then the event goes to its rule's `deadLetter`: for a Lambda
 * target, the stack gives Lambda's asynchronous retries (a minute, then two, scaled) and the
 * function's on-failure destination (see infra/local/async-invocation.ts). Only a rule without a
 * dead letter drops an event, logged at error level with the event.
 *
 * With a `journalPath` (under `MOMENTS_DATA_DIR`) the bus is durable: every delivery an accepted
 * event owes a rule is journaled before PutEvents answers, with each failed attempt, and forgotten
 * once the target took it (or it was dead-lettered), so a restart delivers what a Ctrl-C or kill -9
 * interrupted, at least once, resuming its attempt count and what was left of its wait.
 */
import { randomUUID } from "node:crypto";
import { eventPatternMatcher, validateEventPattern } from "../../shared/event-pattern/match.js";
import {
  AwsApiError,
  isRecord,
  type JsonRpcServer,
  type JsonRpcServerOptions,
  type LogHook,
  startJsonRpcServer,
} from "./http.js";
import { JOURNAL_COMPACT_BYTES, openJournal } from "./journal.js";

export interface LocalBusEvent {
  version: "0";
  id: string;
  "detail-type": string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

export interface LocalRule {
  name: string;
  /** Bus name or ARN. */
  eventBusName: string;
  pattern: Record<string, unknown>;
  /**
   * `delivery.id` is the delivery's: the same for each of its attempts and across restarts (a Lambda
   * target's request id).
   */
  target: (event: LocalBusEvent, delivery: { id: string }) => Promise<void>;
  /**
   * Pause before each retry of this rule's target, overriding the bus's `deliveryRetryDelaysMs`; the
   * length is the number of retries.
   */
  retryDelaysMs?: readonly number[];
  /**
   * Where the event goes once every attempt failed (the target's dead-letter queue, a function's
   * on-failure destination). Without one the event is dropped, logged at error level.
   */
  deadLetter?: (failure: DeliveryFailure) => void | Promise<void>;
}

/** An event every attempt of a rule's target failed on. */
export interface DeliveryFailure {
  rule: string;
  /** The delivery's id, as its attempts' targets received it. */
  deliveryId: string;
  /** The event as the target received it. */
  event: LocalBusEvent;
  /** Attempts made (the first and every retry). */
  attempts: number;
  /** What the last attempt threw (after a restart, its name, message and stack). */
  error: unknown;
}

/** A thrown value as the journal keeps it. */
interface JournaledError {
  name: string;
  message: string;
  stack?: string;
}

function journaledError(error: unknown): JournaledError {
  if (error instanceof Error) {
    return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  }
  return { name: "Error", message: String(error) };
}

/** A thrown value's message, for a log line. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** setTimeout's longest delay (2^31 - 1 ms, about 24.8 days): a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * setTimeout for any delay: one longer than MAX_TIMER_MS is chained through timers of at most that,
 * never shortened. `cancel` stops whichever timer of the chain is pending.
 */
export function setLongTimeout(callback: () => void, delayMs: number): { cancel(): void } {
  let timer: NodeJS.Timeout;
  const arm = (left: number): void => {
    const step = Math.min(Math.max(0, left), MAX_TIMER_MS);
    timer = setTimeout(() => (left > step ? arm(left - step) : callback()), step);
  };
  arm(delayMs);
  return { cancel: () => clearTimeout(timer) };
}

function errorFromJournal(error: JournaledError): Error {
  const rebuilt = new Error(error.message);
  rebuilt.name = error.name;
  if (error.stack !== undefined) rebuilt.stack = error.stack;
  return rebuilt;
}

export interface LocalEventBridgeOptions {
  rules: LocalRule[];
  accountId?: string;
  region?: string;
  host?: string;
  port?: number;
  onLog?: (e: Record<string, unknown>) => void;
  /** Buses that exist without rules; "default" and every rule's bus always exist. */
  eventBusNames?: string[];
  /**
   * Pause before each redelivery to a target that threw, for rules without `retryDelaysMs` of their
   * own; the length is the number of retries. Default [50, 200, 800] ms: EventBridge's own retries
   * (exponential, for up to a day), compressed.
   */
  deliveryRetryDelaysMs?: number[];
  /** Journal file: makes pending deliveries durable across restarts (see above). In memory when absent. */
  journalPath?: string;
  /** Each caller's IAM grants (iam.ts): a call its role does not allow is refused as on AWS. */
  authorize?: JsonRpcServerOptions["authorize"];
}

export interface LocalEventBridge {
  endpoint: string;
  /** The endpoint's request listener (message-transport.ts serves it without a socket). */
  listener: JsonRpcServer["listener"];
  stop(): Promise<void>;
  /**
   * Resolves when no delivery runs or is due within IDLE_RETRY_WAIT_MS: it waits through the bus's
   * compressed retries (milliseconds) and a Lambda wait at a small time scale, not through one that
   * is longer (a minute at time scale 1), which a test polls for or a stop keeps (see `sleeping`).
   */
  idle(): Promise<void>;
  /** Deliveries not yet finished: running, waiting to start or to be retried. */
  pending(): number;
  /** Deliveries whose attempt runs or is about to start (what a drain waits for). */
  running(): number;
  /**
   * Deliveries sleeping through a retry wait: a stop keeps them in the journal (the wait goes on at
   * the next start), or, without one, loses them, logged at error level with the event.
   */
  sleeping(): number;
  /** Starts the deliveries a journal kept from a previous process (once their targets can run). */
  resume(): void;
  /**
   * An AWS service's own event (source `aws.*`, which PutEvents refuses from customers), such as the
   * sending events SES publishes to the default bus. `latencyMs`: its targets get it that much later
   * (a service's events reach EventBridge after what caused them, not with it).
   */
  publishAsService(entry: Record<string, unknown>, options?: { latencyMs?: number }): Promise<void>;
  /** Fault injection: the next `count` entries are reported failed with `errorCode` and not delivered. */
  failNextEntries(count: number, errorCode?: string): void;
}

type ResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

type JournalRecord =
  /**
   * `id`: the delivery's id (absent in journals before it, then made at the start). `n`, `at` and
   * `error`: attempts failed so far, when the last one failed, and why (carried by compaction).
   */
  | {
      t: "deliver";
      key: string;
      id?: string;
      rule: string;
      bus: string;
      event: LocalBusEvent;
      n?: number;
      at?: number;
      error?: JournaledError;
    }
  /** One more attempt failed (the `n`-th), at `at`. */
  | { t: "failed"; key: string; n: number; at: number; error: JournaledError }
  | { t: "settled"; key: string };

const MAX_ENTRIES = 10;
/**
 * EventBridge's bound on an entry, and on a request's entries together: 1 MiB since 29 January 2026
 * (256 KB before; AWS Compute Blog, "serverless services now support payloads up to 1 MB").
 */
const MAX_ENTRY_BYTES = 1024 * 1024;
const STOP_GRACE_MS = 5_000;
/** A delivery sleeping through a longer retry wait than this does not keep idle() waiting. */
export const IDLE_RETRY_WAIT_MS = 1_000;
const EVENT_BUS_ARN = /^arn:aws[a-z-]*:events:([a-z0-9-]+):(\d{12}):event-bus\/([A-Za-z0-9._\-/]+)$/;

/** ISO 8601 without milliseconds, the format EventBridge uses in the envelope's `time`. */
function formatEventTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function entryError(code: string, message: string): ResultEntry {
  return { ErrorCode: code, ErrorMessage: message };
}

function missing(member: string): ResultEntry {
  return entryError(
    "InvalidArgument",
    `Parameter ${member} is not valid. Reason: ${member} is a required argument.`,
  );
}

/**
 * An entry's size as EventBridge computes it: Time counts 14 bytes, plus the UTF-8 bytes of the
 * Source, DetailType, Detail and each resource (what is not a string counts nothing: such an entry
 * is refused on its own).
 */
function entrySize(entry: unknown): number {
  if (!isRecord(entry)) return 0;
  const bytes = (value: unknown) => (typeof value === "string" ? Buffer.byteLength(value) : 0);
  const resources = Array.isArray(entry.Resources) ? entry.Resources : [];
  return (
    (entry.Time === undefined ? 0 : 14) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    resources.reduce((sum: number, r: unknown) => sum + bytes(r), 0)
  );
}

export async function startLocalEventBridge(options: LocalEventBridgeOptions): Promise<LocalEventBridge> {
  const log: LogHook = options.onLog ?? (() => {});
  const account = options.accountId ?? "000000000000";
  const region = options.region ?? "us-east-1";
  const retryDelays = options.deliveryRetryDelaysMs ?? [50, 200, 800];

  /** Resolves a bus name or ARN to a name, or undefined when the ARN is for another account/region. */
  const busNameOf = (nameOrArn: string): string | undefined => {
    const arn = EVENT_BUS_ARN.exec(nameOrArn);
    if (arn === null) return nameOrArn;
    return arn[1] === region && arn[2] === account ? arn[3] : undefined;
  };

  const rulesByBus = new Map<string, LocalRule[]>();
  // Each rule's pattern compiled once (it tests every event on its bus).
  const matchers = new Map<LocalRule, (event: unknown) => boolean>();
  const buses = new Set<string>(["default", ...(options.eventBusNames ?? [])]);
  for (const rule of options.rules) {
    const bus = busNameOf(rule.eventBusName);
    if (bus === undefined) {
      throw new Error(`Rule ${rule.name}: bus ${rule.eventBusName} is not in ${account}/${region}`);
    }
    // AWS rejects an invalid pattern at PutRule; a silently never-matching rule is worse locally.
    const problems = validateEventPattern(rule.pattern);
    if (problems.length > 0) {
      throw new Error(`Rule ${rule.name} on bus ${bus} has an invalid event pattern: ${problems.join("; ")}`);
    }
    const rules = rulesByBus.get(bus) ?? [];
    if (rules.some((existing) => existing.name === rule.name)) {
      throw new Error(`Rule ${rule.name} is defined twice on bus ${bus}`);
    }
    rules.push(rule);
    matchers.set(rule, eventPatternMatcher(rule.pattern));
    rulesByBus.set(bus, rules);
    buses.add(bus);
  }

  let stopped = false;
  let injectedFailures = 0;
  let injectedErrorCode = "InternalFailure";
  /** Deliveries not yet finished, whether running or waiting for a retry. */
  let pending = 0;
  let idleWaiters: Array<() => void> = [];
  /**
   * Deliveries sleeping through a retry wait, and whether the wait is long enough not to hold idle();
   * or, `first`, waiting out the latency a service's event was published with (about to start: they
   * count as running, not as retrying).
   */
  const sleepers = new Map<
    { cancel(): void },
    { long: boolean; first: boolean; rule: string; event: LocalBusEvent; attempts: number }
  >();
  let sleepingLong = 0;
  let sleepingFirst = 0;
  const wakeIdleWaiters = (): void => {
    if (pending - sleepingLong > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const wake of waiters) wake();
  };
  const running = new Set<Promise<void>>();

  /** Deliveries owed, by `<eventId>/<bus>/<rule>`: what the journal keeps until settled. */
  const owed = new Map<string, Extract<JournalRecord, { t: "deliver" }>>();
  const opened = options.journalPath ? openJournal<JournalRecord>(options.journalPath) : undefined;
  const journal = opened?.journal;
  for (const record of opened?.records ?? []) {
    if (record.t === "deliver") owed.set(record.key, { ...record, id: record.id ?? randomUUID() });
    else if (record.t === "failed") {
      const delivery = owed.get(record.key);
      if (delivery !== undefined)
        Object.assign(delivery, { n: record.n, at: record.at, error: record.error });
    } else owed.delete(record.key);
  }
  let journalClosed = false;
  const journalAppend = (record: JournalRecord): void => {
    if (journal === undefined || journalClosed) return;
    journal.append(record);
    if (journal.appendedBytes > JOURNAL_COMPACT_BYTES) journal.rewrite(owed.values());
  };
  journal?.rewrite(owed.values());
  const replayed = [...owed.values()];

  const settleOne = (key?: string): void => {
    if (key !== undefined && owed.delete(key)) journalAppend({ t: "settled", key });
    pending--;
    wakeIdleWaiters();
  };

  const delaysOf = (rule: LocalRule): readonly number[] => rule.retryDelaysMs ?? retryDelays;

  /** After every attempt failed: the rule's dead letter, or the event is dropped (logged). */
  const giveUp = (
    rule: LocalRule,
    event: LocalBusEvent,
    attempts: number,
    error: unknown,
    key: string,
    deliveryId: string,
  ) => {
    const message = errorMessage(error);
    if (rule.deadLetter === undefined) {
      log({
        level: "error",
        service: "local-events",
        message: "delivery failed; event dropped",
        reason: "the rule has no dead-letter queue",
        rule: rule.name,
        eventId: event.id,
        attempts,
        error: message,
        event,
      });
      settleOne(key);
      return;
    }
    const deadLetter = rule.deadLetter;
    const handedOver = (async () =>
      deadLetter({ rule: rule.name, deliveryId, event: structuredClone(event), attempts, error }))();
    const tracked = handedOver.then(
      () => {
        log({
          level: "error",
          service: "local-events",
          message: "delivery failed; event dead-lettered",
          rule: rule.name,
          eventId: event.id,
          attempts,
          error: message,
        });
        settleOne(key);
      },
      (deadLetterError: unknown) => {
        // Not settled in the journal: a durable bus tries again at the next start.
        log({
          level: "error",
          service: "local-events",
          message: `delivery failed and its dead letter could not be sent; ${journal === undefined ? "event dropped" : "kept for the next start"}`,
          rule: rule.name,
          eventId: event.id,
          attempts,
          error: message,
          deadLetterError: errorMessage(deadLetterError),
          event,
        });
        settleOne();
      },
    );
    running.add(tracked);
    const forget = () => running.delete(tracked);
    tracked.then(forget, forget);
  };

  /**
   * Attempt number `attempt + 1` of a delivery (`attempt` already failed), or its dead letter when
   * every attempt the rule allows failed (a restart can find it so, with `lastError`).
   */
  const attemptDelivery = (
    rule: LocalRule,
    event: LocalBusEvent,
    attempt: number,
    key: string,
    deliveryId: string,
    lastError?: unknown,
  ): void => {
    if (stopped) {
      // Not settled in the journal: a durable bus delivers it at the next start.
      settleOne();
      return;
    }
    if (attempt > delaysOf(rule).length) {
      giveUp(rule, event, attempt, lastError, key, deliveryId);
      return;
    }
    // Each target gets its own copy, as each AWS target receives its own serialized event.
    const call = (async () => rule.target(structuredClone(event), { id: deliveryId }))();
    const tracked = call.then(
      () => {
        log({
          level: "debug",
          service: "local-events",
          message: "delivered",
          rule: rule.name,
          eventId: event.id,
        });
        settleOne(key);
      },
      (error: unknown) => {
        const attempts = attempt + 1;
        const owedDelivery = owed.get(key);
        // Journaled even while stopping: the function ran and failed, so the attempt counts (a
        // restart makes the attempts left, not one more than the record will say).
        if (owedDelivery !== undefined) {
          const record = {
            t: "failed" as const,
            key,
            n: attempts,
            at: Date.now(),
            error: journaledError(error),
          };
          Object.assign(owedDelivery, { n: record.n, at: record.at, error: record.error });
          journalAppend(record);
        }
        if (stopped) {
          // Not settled in the journal: a durable bus makes the attempts left at the next start.
          settleOne();
          return;
        }
        const retryDelay = delaysOf(rule)[attempt];
        if (retryDelay === undefined) {
          giveUp(rule, event, attempts, error, key, deliveryId);
          return;
        }
        log({
          level: "warn",
          service: "local-events",
          message: "delivery failed; retrying",
          rule: rule.name,
          eventId: event.id,
          attempt: attempts,
          retryInMs: retryDelay,
          error: errorMessage(error),
        });
        scheduleAttempt(rule, event, attempts, key, deliveryId, retryDelay, error);
      },
    );
    running.add(tracked);
    const forget = () => running.delete(tracked);
    tracked.then(forget, forget);
  };

  const scheduleAttempt = (
    rule: LocalRule,
    event: LocalBusEvent,
    attempt: number,
    key: string,
    deliveryId: string,
    delayMs: number,
    lastError?: unknown,
  ): void => {
    const long = delayMs > IDLE_RETRY_WAIT_MS;
    const first = attempt === 0 && lastError === undefined;
    const timer = setLongTimeout(() => {
      sleepers.delete(timer);
      if (long) sleepingLong--;
      if (first) sleepingFirst--;
      attemptDelivery(rule, event, attempt, key, deliveryId, lastError);
    }, delayMs);
    sleepers.set(timer, { long, first, rule: rule.name, event, attempts: attempt });
    if (first) sleepingFirst++;
    if (long) {
      sleepingLong++;
      wakeIdleWaiters();
    }
  };

  const route = (bus: string, event: LocalBusEvent, latencyMs = 0): void => {
    const matched = (rulesByBus.get(bus) ?? []).filter((rule) => matchers.get(rule)?.(event) === true);
    log({
      level: "debug",
      service: "local-events",
      message: "event accepted",
      bus,
      eventId: event.id,
      source: event.source,
      detailType: event["detail-type"],
      rules: matched.map((rule) => rule.name),
    });
    for (const rule of matched) {
      const key = `${event.id}/${bus}/${rule.name}`;
      const deliveryId = randomUUID();
      // Journaled before PutEvents answers: an accepted event is never lost to a restart.
      if (journal !== undefined) {
        const record = { t: "deliver" as const, key, id: deliveryId, rule: rule.name, bus, event };
        owed.set(key, record);
        journalAppend(record);
      }
      // Counted now, started after the response has been written (setImmediate runs after the
      // microtasks that send it), so idle() called right after PutEvents already sees it.
      pending++;
      if (latencyMs > 0) scheduleAttempt(rule, event, 0, key, deliveryId, latencyMs);
      else setImmediate(() => attemptDelivery(rule, event, 0, key, deliveryId));
    }
  };

  const acceptEntry = (entry: unknown, receivedAt: Date, asService = false, latencyMs = 0): ResultEntry => {
    if (injectedFailures > 0 && !asService) {
      injectedFailures--;
      return entryError(injectedErrorCode, `Injected failure (${injectedErrorCode})`);
    }
    if (!isRecord(entry)) return entryError("InvalidArgument", "Entry must be an object.");
    const { Source: source, DetailType: detailType, Detail: detail } = entry;
    if (typeof source !== "string" || source === "") return missing("Source");
    if (typeof detailType !== "string" || detailType === "") return missing("DetailType");
    if (typeof detail !== "string" || detail === "") return missing("Detail");
    if (source.startsWith("aws.") && !asService) {
      return entryError("NotAuthorizedForSourceException", "Not authorized for the source.");
    }

    const resources = entry.Resources ?? [];
    if (!Array.isArray(resources) || !resources.every((r): r is string => typeof r === "string")) {
      return entryError(
        "InvalidArgument",
        "Parameter Resources is not valid. Reason: must be a list of strings.",
      );
    }

    // The SDK serialises a Date as epoch seconds; accept an RFC 3339 string too, as the service does.
    let time = receivedAt;
    if (entry.Time !== undefined && entry.Time !== null) {
      const parsed =
        typeof entry.Time === "number"
          ? new Date(entry.Time * 1000)
          : typeof entry.Time === "string"
            ? new Date(entry.Time)
            : new Date(Number.NaN);
      if (Number.isNaN(parsed.getTime())) {
        return entryError("InvalidArgument", "Parameter Time is not valid.");
      }
      time = parsed;
    }

    const size = entrySize(entry);
    if (size > MAX_ENTRY_BYTES) {
      return entryError(
        "InvalidArgument",
        `Event size ${size} bytes exceeds the limit of ${MAX_ENTRY_BYTES} bytes.`,
      );
    }

    let parsedDetail: unknown;
    try {
      parsedDetail = JSON.parse(detail);
    } catch {
      return entryError("MalformedDetail", "Detail is malformed.");
    }
    if (!isRecord(parsedDetail)) return entryError("MalformedDetail", "Detail is malformed.");

    const busRef = entry.EventBusName ?? "default";
    if (typeof busRef !== "string" || busRef === "") return missing("EventBusName");
    const bus = busNameOf(busRef);
    // Stricter than AWS, which accepts events for a missing bus and silently drops them: locally a
    // typo in a bus name should be loud.
    if (bus === undefined || !buses.has(bus)) {
      return entryError("ResourceNotFoundException", `Event bus ${busRef} does not exist.`);
    }

    const event: LocalBusEvent = {
      version: "0",
      id: randomUUID(),
      "detail-type": detailType,
      source,
      account,
      time: formatEventTime(time),
      region,
      resources,
      detail: parsedDetail,
    };
    route(bus, event, latencyMs);
    return { EventId: event.id };
  };

  const putEvents = (input: Record<string, unknown>): Record<string, unknown> => {
    if (stopped) throw new AwsApiError("ServiceUnavailable", "Local EventBridge is stopping", 503);
    const entries = input.Entries;
    if (!Array.isArray(entries)) {
      throw new AwsApiError(
        "ValidationException",
        "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
      );
    }
    if (entries.length < 1 || entries.length > MAX_ENTRIES) {
      throw new AwsApiError(
        "ValidationException",
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_ENTRIES}`,
      );
    }
    // The bound holds for the request's entries together too: over it, EventBridge refuses the
    // whole request ("Total size of the entries in the request is over the limit."), not entry by
    // entry. Whether a lone oversized entry gets this or its own InvalidArgument is not documented:
    // locally it gets its own.
    if (
      entries.length > 1 &&
      entries.reduce((sum: number, entry) => sum + entrySize(entry), 0) > MAX_ENTRY_BYTES
    ) {
      throw new AwsApiError(
        "ValidationException",
        "Total size of the entries in the request is over the limit.",
      );
    }
    const receivedAt = new Date();
    const results = entries.map((entry) => acceptEntry(entry, receivedAt));
    return {
      FailedEntryCount: results.filter((result) => "ErrorCode" in result).length,
      Entries: results,
    };
  };

  const server = await startJsonRpcServer({
    service: "local-events",
    targetPrefix: "AWSEvents",
    contentType: "application/x-amz-json-1.1",
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 0,
    onLog: options.onLog,
    ...(options.authorize ? { authorize: options.authorize } : {}),
    operations: { PutEvents: putEvents },
  });

  const idle = (): Promise<void> =>
    pending - sleepingLong === 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => idleWaiters.push(resolve));

  return {
    endpoint: server.endpoint,
    listener: server.listener,
    idle,
    pending: () => pending,
    running: () => pending - (sleepers.size - sleepingFirst),
    sleeping: () => sleepers.size - sleepingFirst,
    resume: () => {
      const deliveries = replayed.splice(0);
      for (const { key, id = randomUUID(), rule: ruleName, bus, event, n = 0, at, error } of deliveries) {
        const rule = (rulesByBus.get(bus) ?? []).find((candidate) => candidate.name === ruleName);
        if (rule === undefined) {
          // Its rule is gone (renamed, or this start has fewer rules): the event is still owed, so it
          // stays in the journal for a start that has the rule, rather than being thrown away.
          log({
            level: "error",
            service: "local-events",
            message:
              "delivery kept from the previous run not made: its rule does not exist; kept in the journal",
            rule: ruleName,
            bus,
            eventId: event.id,
            event,
          });
          continue;
        }
        pending++;
        const lastError = error === undefined ? undefined : errorFromJournal(error);
        // The attempts already made count, and the wait before the next one goes on from the last failure.
        const wait = n === 0 ? 0 : (delaysOf(rule)[n - 1] ?? 0);
        const left = at === undefined ? 0 : Math.max(0, at + wait - Date.now());
        if (left === 0) setImmediate(() => attemptDelivery(rule, event, n, key, id, lastError));
        else scheduleAttempt(rule, event, n, key, id, left, lastError);
      }
      const started = deliveries.filter(({ bus, rule }) =>
        (rulesByBus.get(bus) ?? []).some((candidate) => candidate.name === rule),
      ).length;
      if (started > 0) {
        log({
          level: "info",
          service: "local-events",
          message: `${started} delivery(ies) kept from the previous run will be made again`,
        });
      }
    },
    publishAsService: async (entry, options = {}) => {
      if (stopped) throw new Error("Local EventBridge is stopping");
      const result = acceptEntry(entry, new Date(), true, options.latencyMs);
      if ("ErrorCode" in result) throw new Error(`${result.ErrorCode}: ${result.ErrorMessage}`);
    },
    failNextEntries: (count, errorCode = "InternalFailure") => {
      if (!Number.isInteger(count) || count < 0) throw new Error(`failNextEntries: bad count ${count}`);
      injectedFailures = count;
      injectedErrorCode = errorCode;
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      // Retries that have not started stop here: a durable bus journaled them (with their attempts
      // and when the last failed), so they go on at the next start; without a journal they are lost,
      // which is said with each event. Each still counts as settled for idle().
      for (const [timer, sleeper] of sleepers) {
        timer.cancel();
        if (sleeper.long) sleepingLong--;
        if (journal === undefined) {
          log({
            level: "error",
            service: "local-events",
            message: sleeper.first
              ? "stopped before a service's event was delivered; event lost (no data folder)"
              : "stopped while a delivery waited for its retry; event lost (no data folder)",
            rule: sleeper.rule,
            eventId: sleeper.event.id,
            attempts: sleeper.attempts,
            event: sleeper.event,
          });
        }
        settleOne();
      }
      sleepers.clear();
      sleepingFirst = 0;
      await server.close();
      // Deliveries already inside a target cannot be cancelled; wait a bounded time for them.
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, STOP_GRACE_MS);
      });
      await Promise.race([Promise.allSettled([...running]), grace]);
      clearTimeout(timer);
      journalClosed = true;
      journal?.close();
    },
  };
}
