/**
 * Fault injection: a seam of the local runtime, not a mock. A small HTTP proxy sits in front of an
 * emulator (DynamoDB, Step Functions, SES, EventBridge) or a provider fake, and the SDK clients and
 * the provider clients talk to the proxy exactly as they talk to AWS. Per service it can
 *
 * - answer an error instead of the service, shaped as that service answers it (DynamoDB's
 *   ThrottlingException JSON, SES's XML `Throttling`, a Slack 429 with Retry-After, 500 and 503):
 *   the request is NOT applied;
 * - drop the response after the request WAS applied (the emulator did the write, the mail was taken):
 *   the connection is destroyed before the answer, which the client sees as a reset socket;
 * - do either on one request that matches a rule (operation, a substring of the body), N times:
 *   the deterministic one-shot rules unit tests pin each case with.
 *
 * The `lambda` service has no proxy: the local Step Functions asks the plan before and after each
 * task function it invokes (operation: the function's name; body: the payload as JSON) and fails the
 * task as Step Functions reports Lambda's failures to Retry/Catch (see lambdaTaskFault).
 *
 * Configure it with `MOMENTS_FAULTS` (npm start, see parseFaultPlan) or with a `Faults` object
 * passed to startLocalStack (tests), which also counts what it injected.
 */
import type { IncomingMessage } from "node:http";
import { type LocalProxy, startProxy } from "./proxy.js";

export const FAULT_SERVICES = ["dynamodb", "sfn", "ses", "eventbridge", "providers", "lambda"] as const;
export type FaultService = (typeof FAULT_SERVICES)[number];

/**
 * An error answered instead of the service (not applied), or a response lost after it was applied.
 * `timeout` is the `lambda` service's only: the function ran, but past the task's TimeoutSeconds.
 */
export type FaultKind = "throttle" | "500" | "503" | "drop" | "timeout";

export interface FaultRates {
  /** Share of requests answered with an error (throttling, 500 or 503, evenly), never applied. */
  errorRate?: number;
  /**
   * Share of requests applied whose response is then lost (the connection is reset). For `lambda`,
   * half of these are `Lambda.Unknown` and half `States.Timeout`, both after the function ran.
   */
  dropRate?: number;
}

export interface FaultRule {
  service: FaultService;
  fault: FaultKind;
  /**
   * The operation (`PutItem`, `StartExecution`, `SendRawEmail`, `PutEvents`, `POST /api/chat.postMessage`;
   * for `lambda`, the function's name).
   */
  operation?: string;
  /** A substring the request body must contain (a run id, a step id...). */
  bodyIncludes?: string;
  /** How many matching requests it hits; default 1. */
  times?: number;
}

export interface FaultPlan {
  /** Seed of the random draws, so a failing run can be repeated (default 1). */
  seed?: number;
  services?: Partial<Record<FaultService, FaultRates>>;
}

export interface FaultCounts {
  requests: number;
  throttle: number;
  "500": number;
  "503": number;
  drop: number;
  timeout: number;
}

/** A random generator with a seed (mulberry32): the same plan injects the same faults in the same order. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const zeroCounts = (): FaultCounts => ({
  requests: 0,
  throttle: 0,
  "500": 0,
  "503": 0,
  drop: 0,
  timeout: 0,
});

/** Whether these rates inject anything (`{}` clears a service's). */
const injects = (rates: FaultRates | undefined) => (rates?.errorRate ?? 0) > 0 || (rates?.dropRate ?? 0) > 0;

/** The fault plan of a local stack, changeable while it runs; counts every fault it injects. */
export class Faults {
  private readonly rates = new Map<FaultService, FaultRates>();
  private readonly rules: Array<FaultRule & { left: number }> = [];
  private readonly counts = new Map<FaultService, FaultCounts>();
  /** Services no fault proxy stands in front of (the stack's `faultProxies`): a fault for one is refused. */
  private readonly unproxied = new Set<FaultService>();
  private random: () => number;

  constructor(plan: FaultPlan = {}) {
    this.random = seeded(plan.seed ?? 1);
    for (const [service, rates] of Object.entries(plan.services ?? {}))
      this.set(service as FaultService, rates);
  }

  /**
   * Says that no fault proxy stands in front of these services (a stack started with `faultProxies`
   * naming others): a rate or rule for one, already set or set later, is refused, since it would never
   * fire and a test relying on it would pass without its fault.
   */
  withoutProxies(services: readonly FaultService[]): this {
    for (const service of services) {
      this.unproxied.add(service);
      if (injects(this.rates.get(service))) this.refuse(service);
      if (this.rules.some((rule) => rule.service === service && rule.left > 0)) this.refuse(service);
    }
    return this;
  }

  private refuse(service: FaultService): never {
    throw new Error(
      `No fault proxy stands in front of ${service} (the local stack's faultProxies option leaves it out): its faults would never be injected`,
    );
  }

  /** Sets (or with `{}` clears) a service's rates. */
  set(service: FaultService, rates: FaultRates): this {
    if (this.unproxied.has(service) && injects(rates)) this.refuse(service);
    for (const rate of [rates.errorRate, rates.dropRate])
      if (rate !== undefined && !(rate >= 0 && rate <= 1))
        throw new Error(`A fault rate is a share between 0 and 1, got ${rate}`);
    this.rates.set(service, rates);
    return this;
  }

  /** Adds a deterministic rule: the next `times` matching requests get `fault`. */
  once(rule: FaultRule): this {
    if (this.unproxied.has(rule.service)) this.refuse(rule.service);
    if (rule.fault === "timeout" && rule.service !== "lambda")
      throw new Error(`The timeout fault is the lambda service's only, not ${rule.service}'s`);
    this.rules.push({ ...rule, left: rule.times ?? 1 });
    return this;
  }

  /** The one-shot rules not (or not fully) used yet: a test whose fault never fired proves nothing. */
  unusedRules(): FaultRule[] {
    return this.rules.filter((r) => r.left > 0).map(({ left: _left, ...rule }) => rule);
  }

  /** No more faults (counts are kept). */
  clear(): this {
    this.rates.clear();
    this.rules.length = 0;
    return this;
  }

  /** What was injected so far, per service. */
  stats(): Record<FaultService, FaultCounts> {
    return Object.fromEntries(
      FAULT_SERVICES.map((service) => [service, { ...(this.counts.get(service) ?? zeroCounts()) }]),
    ) as Record<FaultService, FaultCounts>;
  }

  /** Total faults injected (errors and drops), over all services. */
  injected(): number {
    let total = 0;
    for (const c of this.counts.values()) total += c.throttle + c["500"] + c["503"] + c.drop + c.timeout;
    return total;
  }

  /** Decides the fate of one request; rules first, then the service's rates. */
  decide(service: FaultService, operation: string, body: string): FaultKind | undefined {
    const counts = this.counts.get(service) ?? zeroCounts();
    this.counts.set(service, counts);
    counts.requests += 1;
    let fault: FaultKind | undefined;
    const rule = this.rules.find(
      (r) =>
        r.left > 0 &&
        r.service === service &&
        (r.operation === undefined || r.operation === operation) &&
        (r.bodyIncludes === undefined || body.includes(r.bodyIncludes)),
    );
    if (rule) {
      rule.left -= 1;
      fault = rule.fault;
    } else {
      const { errorRate = 0, dropRate = 0 } = this.rates.get(service) ?? {};
      const draw = this.random();
      if (draw < errorRate) fault = (["throttle", "500", "503"] as const)[Math.floor(this.random() * 3)];
      else if (draw < errorRate + dropRate)
        fault = service === "lambda" && this.random() < 0.5 ? "timeout" : "drop";
    }
    if (fault) counts[fault] += 1;
    return fault;
  }
}

/**
 * `MOMENTS_FAULTS`: JSON (a FaultPlan), or the short form `service=error/drop,...[,seed=N]`, e.g.
 * `dynamodb=0.1/0.03,ses=0.1/0.03,seed=7` (10 % errors and 3 % lost responses for both).
 */
export function parseFaultPlan(text: string | undefined): FaultPlan | undefined {
  const trimmed = text?.trim();
  if (!trimmed) return undefined;
  if (trimmed.startsWith("{")) return JSON.parse(trimmed) as FaultPlan;
  const plan: FaultPlan = { services: {} };
  for (const part of trimmed.split(",")) {
    const [name = "", value = ""] = part.split("=").map((s) => s.trim());
    if (name === "seed") {
      plan.seed = Number(value);
      continue;
    }
    if (!(FAULT_SERVICES as readonly string[]).includes(name))
      throw new Error(
        `MOMENTS_FAULTS: unknown service "${name}" (one of ${FAULT_SERVICES.join(", ")}, seed)`,
      );
    const [errorRate = 0, dropRate = 0] = value.split("/").map(Number);
    if (!Number.isFinite(errorRate) || !Number.isFinite(dropRate))
      throw new Error(`MOMENTS_FAULTS: "${part}" is not service=errorRate/dropRate`);
    (plan.services as Record<string, FaultRates>)[name] = { errorRate, dropRate };
  }
  return plan;
}

/**
 * How Step Functions reports a Lambda task's fault to Retry/Catch (error name and Cause), and whether
 * the function ran first. Lambda's service refused the invoke (not run): throttled,
 * `Lambda.TooManyRequestsException`; a 500 or 503, `Lambda.ServiceException`. The function ran but
 * its answer never reached the state machine (a crash, an out-of-memory, its own timeout, a lost
 * response): `Lambda.Unknown`. The task ran past its TimeoutSeconds: `States.Timeout`.
 */
export function lambdaTaskFault(
  fault: FaultKind,
  functionName: string,
): { error: string; cause: string; ran: boolean } {
  switch (fault) {
    case "throttle":
      return {
        error: "Lambda.TooManyRequestsException",
        cause: `Rate Exceeded. (Service: Lambda, Status Code: 429, Function: ${functionName}, fault-injected)`,
        ran: false,
      };
    case "500":
    case "503":
      return {
        error: "Lambda.ServiceException",
        cause: `Internal error. (Service: Lambda, Status Code: ${fault}, Function: ${functionName}, fault-injected)`,
        ran: false,
      };
    case "drop":
      return {
        error: "Lambda.Unknown",
        cause: `The cause could not be determined because Lambda did not return an error type (${functionName}, fault-injected).`,
        ran: true,
      };
    case "timeout":
      return { error: "States.Timeout", cause: "Task timed out (fault-injected)", ran: true };
  }
}

interface ShapedError {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const jsonError = (type: string, message: string, status: number): ShapedError => ({
  status,
  headers: { "content-type": "application/x-amz-json-1.0", "x-amzn-errortype": type },
  body: JSON.stringify({ __type: type, message }),
});

const sesError = (code: string, message: string, status: number): ShapedError => ({
  status,
  headers: { "content-type": "text/xml" },
  body:
    `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>${status < 500 ? "Sender" : "Receiver"}</Type>` +
    `<Code>${code}</Code><Message>${message}</Message></Error><RequestId>fault-injected</RequestId></ErrorResponse>`,
});

/** Each service's own answer for a throttled request, an internal error and an unavailable service. */
function shapedError(service: FaultService, fault: Exclude<FaultKind, "drop" | "timeout">): ShapedError {
  switch (service) {
    case "dynamodb": {
      const prefix = "com.amazonaws.dynamodb.v20120810#";
      if (fault === "throttle")
        return jsonError(
          `${prefix}ThrottlingException`,
          "Rate of requests exceeds the allowed throughput.",
          400,
        );
      if (fault === "500") return jsonError(`${prefix}InternalServerError`, "Internal server error", 500);
      return jsonError(`${prefix}ServiceUnavailable`, "Service unavailable", 503);
    }
    case "sfn":
    case "eventbridge":
      if (fault === "throttle") return jsonError("ThrottlingException", "Rate exceeded", 400);
      if (fault === "500")
        return jsonError(
          service === "sfn" ? "InternalFailure" : "InternalException",
          "Internal failure",
          500,
        );
      return jsonError("ServiceUnavailable", "Service unavailable", 503);
    case "ses":
      if (fault === "throttle") return sesError("Throttling", "Maximum sending rate exceeded.", 400);
      if (fault === "500") return sesError("InternalFailure", "Internal failure", 500);
      return sesError("ServiceUnavailable", "Service unavailable", 503);
    case "lambda":
      throw new Error("Lambda faults are applied by the local Step Functions, not by a proxy");
    case "providers":
      if (fault === "throttle")
        return {
          status: 429,
          headers: { "content-type": "application/json", "retry-after": "1" },
          body: JSON.stringify({ ok: false, error: "ratelimited" }),
        };
      return {
        status: Number(fault),
        headers: { "content-type": "text/plain" },
        body: fault === "500" ? "Internal Server Error" : "Service Unavailable",
      };
  }
}

/** The operation a request asks for, in the words the rules use. */
function operationOf(req: IncomingMessage, body: string): string {
  const target = req.headers["x-amz-target"];
  if (typeof target === "string") return target.split(".").pop() ?? target;
  const action = /(?:^|&)Action=([A-Za-z]+)/.exec(body)?.[1];
  if (action) return action;
  return `${req.method ?? "GET"} ${(req.url ?? "/").split("?")[0]}`;
}

/**
 * Starts a fault proxy for `service` in front of `target` (an http:// origin, optionally with a base
 * path). Every request is forwarded unchanged, unless the plan decides a fault for it.
 */
export function startFaultProxy(options: {
  service: FaultService;
  target: string;
  faults: Faults;
  host?: string;
}): Promise<LocalProxy> {
  return startProxy({
    target: options.target,
    ...(options.host ? { host: options.host } : {}),
    handle: async (req, body, forward) => {
      const text = body.toString("utf8");
      const fault = options.faults.decide(options.service, operationOf(req, text), text);
      if (fault && fault !== "drop" && fault !== "timeout") {
        const shaped = shapedError(options.service, fault);
        return { status: shaped.status, headers: shaped.headers, body: Buffer.from(shaped.body) };
      }
      const answer = await forward();
      // Dropped: the request was applied; its answer never arrives.
      return fault === "drop" || fault === "timeout" ? "drop" : answer;
    },
  });
}
