/**
 * The cost model: what 1M ingested events cost on AWS, of which a share (the start rate) each start
 * a 3-step email moment and the rest are used by no moment. Every unit count comes from the
 * measured scenarios (requests, capacity units, transitions, invocations, log bytes) and the
 * deployed configuration (memory, architecture, logging level, tracing); only Lambda durations
 * are modelled (round trips on the critical path times a typical in-region latency, plus CPU).
 * Pure arithmetic: no AWS, no I/O.
 */

/** The date the prices below were read. */
export const PRICES_READ_ON = "2026-12-06";

export interface Price {
  usd: number;
  /** How many units `usd` buys. */
  per: number;
  unit: string;
  source: string;
}

/**
 * AWS list prices, us-east-1, on-demand, no free tier. One table: change a price here only.
 * Read on PRICES_READ_ON from stored copies of the AWS pricing pages named in `source`, except
 * DynamoDB's on-demand figures, which the stored AWS page lacked: those are from third-party
 * summaries of it (airbyte.com, jusdb.com) after AWS's 50 % cut of 1 Nov 2024.
 */
export const prices = {
  apiGatewayHttp: {
    usd: 1.0,
    per: 1e6,
    unit: "HTTP API request (first 300M/month, 512 KB increments)",
    source: "https://aws.amazon.com/api-gateway/pricing/",
  },
  eventBridgeCustomEvent: {
    usd: 1.0,
    per: 1e6,
    unit: "custom event put on a bus (64 KB chunks)",
    source: "https://aws.amazon.com/eventbridge/pricing/",
  },
  sqsStandard: {
    usd: 0.4,
    per: 1e6,
    unit: "standard queue request (64 KB chunks)",
    source: "https://aws.amazon.com/sqs/pricing/",
  },
  lambdaRequest: {
    usd: 0.2,
    per: 1e6,
    unit: "Lambda invocation",
    source: "https://aws.amazon.com/lambda/pricing/",
  },
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    per: 1,
    unit: "Lambda GB-second, arm64 (first 7.5B GB-s/month)",
    source: "https://aws.amazon.com/lambda/pricing/",
  },
  lambdaX86GbSecond: {
    usd: 0.0000166667,
    per: 1,
    unit: "Lambda GB-second, x86_64 (first 6B GB-s/month)",
    source: "https://aws.amazon.com/lambda/pricing/",
  },
  stepFunctionsTransition: {
    usd: 0.025,
    per: 1000,
    unit: "Standard workflow state transition (retries included)",
    source: "https://aws.amazon.com/step-functions/pricing/",
  },
  dynamoWriteRequestUnit: {
    usd: 0.625,
    per: 1e6,
    unit: "on-demand write request unit (1 KB; transactional x2)",
    source: "https://aws.amazon.com/dynamodb/pricing/on-demand/ (after the 1 Nov 2024 cut)",
  },
  dynamoReadRequestUnit: {
    usd: 0.125,
    per: 1e6,
    unit: "on-demand read request unit (4 KB strongly consistent; eventual x0.5, transactional x2)",
    source: "https://aws.amazon.com/dynamodb/pricing/on-demand/ (after the 1 Nov 2024 cut)",
  },
  cloudWatchLogsIngestion: {
    usd: 0.5,
    per: 1024 ** 3,
    unit: "byte of CloudWatch Logs ingested (standard class, $0.50/GB; vended logs' first tier too)",
    source: "https://aws.amazon.com/cloudwatch/pricing/",
  },
  xrayTraceRecorded: {
    usd: 5.0,
    per: 1e6,
    unit: "X-Ray trace recorded",
    source: "https://aws.amazon.com/xray/pricing/",
  },
  sesEmail: {
    usd: 0.1,
    per: 1000,
    unit: "SES outbound email",
    source: "https://aws.amazon.com/ses/pricing/",
  },
} satisfies Record<string, Price>;

export type PriceId = keyof typeof prices;

/** What one scenario consumed (from the local stack), as the model needs it. */
export interface ScenarioUsage {
  apiRequests: number;
  busEvents: number;
  emails: number;
  transitions: number;
  executions: number;
  /** Step Functions log bytes at level ALL with execution data (see state-transitions.ts). */
  stepFunctionsLogBytesAll: number;
  readUnits: number;
  writeUnits: number;
  functions: Array<{
    fn: string;
    invocations: number;
    /** Requests on the critical path, per service, over the scenario. */
    chainByService: Record<string, number>;
    logBytes: number;
  }>;
}

export interface DeploymentForCost {
  functions: Record<
    string,
    { memoryMb: number; architecture: string; tracing: boolean; systemLogLevel?: string }
  >;
  stateMachine: { logLevel: string; includeExecutionData: boolean; tracing: boolean };
  /** The match queue's event source mapping (absent: Lambda's defaults, 10 and no window). */
  matchQueue?: { batchSize: number; batchingWindowSeconds: number };
  /** The batch sizes the stack sets without and with a batching window. */
  matchBatchSizes?: { withoutWindow: number; withWindow: number };
  /** The HTTP API's access log format (`$context.*` variables): one line per API request. */
  apiAccessLogFormat?: string;
}

export interface Assumptions {
  /** Typical in-region latency of one request, per service (ms). */
  latencyMs: Record<string, number>;
  /** CPU per invocation besides waiting on AWS (ms). */
  cpuMsPerInvocation: number;
  /**
   * Lambda's own platform.start and platform.report JSON lines per invocation (bytes), written at system
   * log level INFO or DEBUG; at WARN (the stack's default) they are not written.
   */
  platformLogBytesPerInvocation: number;
  /**
   * What API Gateway puts for each `$context.<name>` of the access log format, on an ingest request
   * (the model's requests); a variable not listed is "-", as API Gateway writes an empty one.
   */
  accessLogValues: Record<string, string>;
  /**
   * Lambda's pollers of the match queue. With a maximum concurrency set (ours: 5), Lambda keeps five
   * pollers long-polling even when idle (it only scales down to two without one), each ReceiveMessage
   * waiting up to 20 s: every receive is billed, the empty ones too.
   */
  sqsPollers: number;
  sqsLongPollSeconds: number;
  /**
   * How X-Ray samples each trace entry point: the first `reservoirPerSecond` requests each second, then
   * `rate` of the rest. Lambda's active tracing uses exactly this rule (1/s, then 5 %) and it cannot be
   * changed for Lambda; Step Functions follows the account's X-Ray sampling rules (default: the same).
   */
  xraySampling: { reservoirPerSecond: number; rate: number };
  /**
   * The monthly traffic the cost is for, spread evenly over 30 days: it decides how much of it the
   * X-Ray reservoir takes (at 1M events a month, 0.39/s, the 1/s reservoir records every request) and
   * how many messages the match queue's pollers find at once.
   */
  eventsPerMonth: number;
  /**
   * Ingestion's per-container memory (see WriteKeyCache and DynamoIngestDebugger): a write key is
   * trusted `keyTrustSeconds` after its read. A source's accepted items are kept only while its
   * debugger is watched (`watchedHoursPerMonth`: someone has the console's debugger open, or calls
   * its GET), then at most once every `sampleSeconds`, at most `keptPerRequest` of them, with the
   * count; otherwise the accepted count is written when quiet, then at most once every
   * `countHoldSeconds`; a request of `writeThroughItems` items or more writes its count at once.
   * The scenarios measure a busy source (none of it); the model adds what the traffic above costs
   * (one source, one ingest container: more of either write more).
   */
  ingest: {
    keyTrustSeconds: number;
    sampleSeconds: number;
    countHoldSeconds: number;
    keptPerRequest: number;
    writeThroughItems: number;
    watchedHoursPerMonth: number;
  };
}

/**
 * Per ingest request, at `requestsPerSecond` reaching one container for one source (Poisson): the
 * share that reads the write key (the first after its trust ran out: one read per trust period plus
 * the wait for the next request), the share that writes the source's debugger count and the share
 * that keeps a sample (likewise, each with its own period), and their units. `heldRequests` is how
 * many requests' accepted count a container holds on average when its traffic stops (what waits
 * for its next request or its shutdown, which writes it): held ones pile up for the hold, then wait.
 */
export function ingestColdPaths(
  requestsPerSecond: number,
  eventsPerRequest: number,
  ingest: Assumptions["ingest"],
) {
  const rate = requestsPerSecond;
  const firstAfter = (seconds: number) => 1 / (1 + rate * seconds);
  const keyReadShare = firstAfter(ingest.keyTrustSeconds);
  const sampledShare = firstAfter(ingest.sampleSeconds);
  const watchedShare = Math.min(1, ingest.watchedHoursPerMonth / (SECONDS_PER_MONTH / 3600));
  const writesThrough = eventsPerRequest >= ingest.writeThroughItems;
  // Unwatched: an UpdateItem of the count, when quiet or due. Watched: the samples carry it, each an
  // UpdateItem and one BatchWriteItem put per kept item (each under 1 KB).
  const unwatchedCountShare = writesThrough ? 1 : firstAfter(ingest.countHoldSeconds);
  const watchedCountShare = writesThrough ? 1 : sampledShare;
  const countShare = (1 - watchedShare) * unwatchedCountShare + watchedShare * watchedCountShare;
  const keptShare = watchedShare * sampledShare;
  const hold = ingest.countHoldSeconds;
  // Renewal: a cycle is the hold (held requests pile up, λt at time t) then the wait for the next
  // request (1/λ on average, λ·hold held); the average held is the cycle's integral over its length.
  const heldRequests = writesThrough || rate <= 0 ? 0 : ((rate * hold * hold) / 2 + hold) / (hold + 1 / rate);
  return {
    keyReadShare,
    sampledShare,
    watchedShare,
    countShare,
    readUnits: keyReadShare, // a strongly consistent read of an item under 4 KB
    writeUnits: countShare + keptShare * Math.min(eventsPerRequest, ingest.keptPerRequest),
    heldRequests,
    // Sequential round trips: the key read before the work, the count then its kept items after.
    roundTrips: keyReadShare + countShare + keptShare,
  };
}

export const SECONDS_PER_MONTH = 30 * 24 * 3600;

/** A share as a whole percent, or with one decimal under 10 % (so a small share does not print as 0 %). */
const percentOf = (share: number) => `${(share * 100).toFixed(share < 0.1 ? 1 : 0)} %`;

/**
 * Traces recorded for `count` requests at one entry point out of `events`, when `eventsPerMonth`
 * arrive evenly: the reservoir's share, then the fixed rate of the rest. An upper bound for bursty
 * traffic, which leaves more of the reservoir unused.
 */
export function sampledTraces(count: number, events: number, assumptions: Assumptions): number {
  if (count <= 0) return 0;
  const monthly = (count / events) * assumptions.eventsPerMonth;
  const reservoir = assumptions.xraySampling.reservoirPerSecond * SECONDS_PER_MONTH;
  const sampledMonthly =
    Math.min(monthly, reservoir) + assumptions.xraySampling.rate * Math.max(0, monthly - reservoir);
  return (sampledMonthly / monthly) * count;
}

export const defaultAssumptions: Assumptions = {
  latencyMs: { DynamoDB: 6, EventBridge: 20, SFN: 25, SES: 60, SQS: 10 },
  cpuMsPerInvocation: 10,
  platformLogBytesPerInvocation: 600,
  accessLogValues: {
    requestId: "EHs4Xj1ToAMEbnw=",
    requestTime: "06/Dec/2026:23:38:28 +0000",
    "identity.sourceIp": "203.0.113.10",
    // A browser's (analytics.js); a server SDK's is shorter ("analytics-node-next/1.0", 23 bytes).
    "identity.userAgent":
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    httpMethod: "POST",
    routeKey: "POST /v1/events",
    path: "/v1/events",
    protocol: "HTTP/1.1",
    status: "202",
    responseLength: "53",
    responseLatency: "38",
    integrationStatus: "200",
    integrationLatency: "36",
  },
  sqsPollers: 5,
  sqsLongPollSeconds: 20,
  xraySampling: { reservoirPerSecond: 1, rate: 0.05 },
  eventsPerMonth: 1_000_000,
  ingest: {
    keyTrustSeconds: 5,
    sampleSeconds: 1,
    countHoldSeconds: 10,
    keptPerRequest: 10,
    writeThroughItems: 10,
    // An assumption, not a bound: someone has the debugger open 2 hours a week (setting up a source,
    // chasing a rejected item). Each hour adds about $0.002 per 1M events at 1M a month.
    watchedHoursPerMonth: 8,
  },
};

/** What the match queue's batching gives at a traffic rate (messages spread evenly over the pollers). */
export interface QueueBatching {
  messagesPerSecond: number;
  /** Messages per match invocation. */
  messagesPerBatch: number;
  receivesPerMessage: number;
  deletesPerMessage: number;
  /** Long polls that end empty, per message (billed like any receive). */
  emptyReceivesPerMessage: number;
  /** The longest a message waits for its batch to close (the window). */
  addedLatencySeconds: number;
}

/**
 * The match queue's requests per message at `messagesPerSecond`, for a batch size and window, given how
 * long one match invocation takes (`invocationSeconds`). Each poller receives, invokes, deletes, then
 * receives again: without a window a batch is what arrived while the last invocation ran (at least one,
 * at most 10 per receive); with one, the poller keeps receiving until the window closes or the batch is
 * full, and a long poll answers as soon as one message is there, so at sparse traffic every message
 * costs its own receive (at most 10 in one). One DeleteMessageBatch per 10 messages of a batch. Idle
 * pollers' 20 s long polls that see nothing are billed too.
 */
export function queueBatching(
  messagesPerSecond: number,
  config: { batchSize: number; batchingWindowSeconds: number },
  invocationSeconds: number,
  assumptions: Assumptions = defaultAssumptions,
): QueueBatching {
  const perPoller = messagesPerSecond / assumptions.sqsPollers;
  const receiveSeconds = (assumptions.latencyMs.SQS ?? 10) / 1000;
  const window = config.batchingWindowSeconds;
  const messagesPerBatch = Math.min(config.batchSize, 1 + perPoller * (window + invocationSeconds));
  const messagesPerReceive =
    window > 0 ? Math.min(10, 1 + perPoller * receiveSeconds) : Math.min(10, messagesPerBatch);
  const receivesPerBatch = Math.max(1, messagesPerBatch / messagesPerReceive);
  const deletesPerBatch = Math.ceil(messagesPerBatch / 10);
  // Each poller's long poll sees no message with probability e^(-rate x wait) (Poisson arrivals).
  const emptyPollsPerSecond =
    (assumptions.sqsPollers / assumptions.sqsLongPollSeconds) *
    Math.exp(-perPoller * assumptions.sqsLongPollSeconds);
  return {
    messagesPerSecond,
    messagesPerBatch,
    receivesPerMessage: receivesPerBatch / messagesPerBatch,
    deletesPerMessage: deletesPerBatch / messagesPerBatch,
    emptyReceivesPerMessage: messagesPerSecond > 0 ? emptyPollsPerSecond / messagesPerSecond : 0,
    addedLatencySeconds: window,
  };
}

export interface CostParams {
  events: number;
  /** Share of events that start the 3-step email moment. */
  startRate: number;
  /** Events per ingestion request (1: one POST per event; Segment's SDKs batch 15). */
  eventsPerRequest: number;
}

export interface CostLine {
  item: string;
  units: number;
  unitLabel: string;
  price: PriceId;
  usd: number;
}

export interface CostReport {
  params: CostParams;
  /** Every line but X-Ray and SES. */
  lines: CostLine[];
  /** X-Ray, on its own line: optional (`-c tracing=off`), and the baseline left it out. */
  xray: CostLine;
  /** SES, priced separately: not ours to cut. */
  ses: CostLine;
  /** The match queue's batching at the modelled traffic rate. */
  queue: QueueBatching;
  matchInvocations: number;
  /** Without SES and without X-Ray: the figure issue 14's target and baseline are in. */
  totalWithoutSes: number;
  /** Without SES, with X-Ray as deployed. */
  totalWithXray: number;
}

/** Functions invoked once per HTTP request: their cost is shared by the events a batch carries. */
const PER_REQUEST_FUNCTIONS = new Set(["ingest"]);

/** Functions whose invocations start a trace (see costModel). */
const TRACE_ENTRY_FUNCTIONS = new Set(["ingest", "match"]);

const usdOf = (price: PriceId, units: number) => (units * prices[price].usd) / prices[price].per;

/** Step Functions log bytes the configured logging level writes, from the ALL-with-data estimate. */
export function stepFunctionsLogBytes(
  allWithData: number,
  executions: number,
  level: string,
  includeData: boolean,
) {
  if (level === "ALL") return includeData ? allWithData : executions * 6 * 350;
  // ERROR/FATAL log failures only; the common path fails nothing.
  return 0;
}

/** Bytes of one access log line: the format with each `$context.<name>` replaced by its value. */
export function accessLogLineBytes(format: string, values: Record<string, string>): number {
  const line = format.replace(/\$context\.([A-Za-z.]+)/g, (_, name: string) => values[name] ?? "-");
  return Buffer.byteLength(line) + 1;
}

/**
 * The cost of `params.events` events: (1 - startRate) of them cost what the `unused` scenario
 * measured, startRate of them what the `run` scenario measured (its start event included).
 */
export function costModel(
  unused: ScenarioUsage,
  run: ScenarioUsage,
  deployment: DeploymentForCost,
  params: CostParams,
  assumptions: Assumptions = defaultAssumptions,
): CostReport {
  const runs = params.events * params.startRate;
  const plain = params.events - runs;
  const mix = (pick: (s: ScenarioUsage) => number) => plain * pick(unused) + runs * pick(run);
  const perRequest = 1 / params.eventsPerRequest;
  const busEvents = mix((s) => s.busEvents);
  const usageOf = (s: ScenarioUsage, fn: string) => s.functions.find((f) => f.fn === fn);
  const waitMsOf = (fn: string) =>
    mix((s) =>
      Object.entries(usageOf(s, fn)?.chainByService ?? {}).reduce(
        (sum, [service, n]) => sum + n * (assumptions.latencyMs[service] ?? 20),
        0,
      ),
    );

  // The match queue: messages reach it at the events' rate times the bus events each one puts.
  const matchMessages = mix((s) => usageOf(s, "match")?.invocations ?? 0);
  const matchSeconds =
    matchMessages > 0 ? (waitMsOf("match") / matchMessages + assumptions.cpuMsPerInvocation) / 1000 : 0;
  const queue = queueBatching(
    (busEvents / params.events) * (assumptions.eventsPerMonth / SECONDS_PER_MONTH),
    deployment.matchQueue ?? { batchSize: 10, batchingWindowSeconds: 0 },
    matchSeconds,
    assumptions,
  );

  const fnIds = new Set([...unused.functions, ...run.functions].map((f) => f.fn));
  let invocations = 0;
  let gbSecondsArm = 0;
  let gbSecondsX86 = 0;
  let lambdaLogBytes = 0;
  let platformLogBytes = 0;
  let traces = 0;
  for (const fn of fnIds) {
    const share = PER_REQUEST_FUNCTIONS.has(fn) ? perRequest : 1;
    // A match invocation handles its batch's messages concurrently: one chain of round trips per batch.
    const batch = fn === "match" ? queue.messagesPerBatch : 1;
    const config = deployment.functions[fn] ?? { memoryMb: 512, architecture: "arm64", tracing: false };
    const count = (mix((s) => usageOf(s, fn)?.invocations ?? 0) * share) / batch;
    // Duration: the critical path's round trips at typical latency, plus CPU per invocation.
    const waitMs = (waitMsOf(fn) * share) / batch;
    const seconds = (waitMs + count * assumptions.cpuMsPerInvocation) / 1000;
    const gbSeconds = seconds * (config.memoryMb / 1024);
    if (config.architecture === "arm64") gbSecondsArm += gbSeconds;
    else gbSecondsX86 += gbSeconds;
    invocations += count;
    // Our own lines (Powertools logs and EMF metrics), measured per message on the local stack.
    lambdaLogBytes += mix((s) => usageOf(s, fn)?.logBytes ?? 0) * share;
    if ((config.systemLogLevel ?? "INFO") !== "WARN")
      platformLogBytes += count * assumptions.platformLogBytesPerInvocation;
    // Where traces start: the HTTP API traces nothing (X-Ray supports REST APIs only), so ingest decides for
    // each request; a match invocation from the queue starts its own trace (linked to the message's). The
    // executions the matcher starts, and their task functions, join the caller's trace.
    if (config.tracing && TRACE_ENTRY_FUNCTIONS.has(fn))
      traces += sampledTraces(count, params.events, assumptions);
  }

  // Ingestion's key reads and debugger writes at this traffic (the scenarios measured a busy source).
  const requests = params.events * perRequest;
  const cold = ingestColdPaths(
    (assumptions.eventsPerMonth / SECONDS_PER_MONTH) * perRequest,
    params.eventsPerRequest,
    assumptions.ingest,
  );
  const ingestMemoryGb = (deployment.functions.ingest?.memoryMb ?? 256) / 1024;
  const coldSeconds = (requests * cold.roundTrips * (assumptions.latencyMs.DynamoDB ?? 6)) / 1000;
  if ((deployment.functions.ingest?.architecture ?? "arm64") === "arm64")
    gbSecondsArm += coldSeconds * ingestMemoryGb;
  else gbSecondsX86 += coldSeconds * ingestMemoryGb;

  const executions = mix((s) => s.executions);
  const sfnLogBytes =
    plain *
      stepFunctionsLogBytes(
        unused.stepFunctionsLogBytesAll,
        unused.executions,
        deployment.stateMachine.logLevel,
        deployment.stateMachine.includeExecutionData,
      ) +
    runs *
      stepFunctionsLogBytes(
        run.stepFunctionsLogBytesAll,
        run.executions,
        deployment.stateMachine.logLevel,
        deployment.stateMachine.includeExecutionData,
      );
  // Executions start their own traces only when the function that starts them is not traced.
  if (deployment.stateMachine.tracing && !deployment.functions.match?.tracing) {
    traces += sampledTraces(executions, params.events, assumptions);
  }

  const accessLogBytes = deployment.apiAccessLogFormat
    ? accessLogLineBytes(deployment.apiAccessLogFormat, assumptions.accessLogValues)
    : 0;
  const line = (item: string, price: PriceId, units: number, unitLabel: string): CostLine => ({
    item,
    units,
    unitLabel,
    price,
    usd: usdOf(price, units),
  });
  const systemLevels = [
    ...new Set(Object.values(deployment.functions).map((f) => f.systemLogLevel ?? "INFO")),
  ].join("/");
  const sqsPerMessage =
    1 + queue.receivesPerMessage + queue.deletesPerMessage + queue.emptyReceivesPerMessage;
  const lines: CostLine[] = [
    line("API Gateway HTTP API", "apiGatewayHttp", mix((s) => s.apiRequests) * perRequest, "requests"),
    line("EventBridge", "eventBridgeCustomEvent", busEvents, "events"),
    line(
      `SQS (send, receive, delete; idle long polls; ${queue.messagesPerBatch.toFixed(2)} messages/batch)`,
      "sqsStandard",
      busEvents * sqsPerMessage,
      "requests",
    ),
    line("Lambda requests", "lambdaRequest", invocations, "invocations"),
    line("Lambda duration (arm64, modelled)", "lambdaArmGbSecond", gbSecondsArm, "GB-s"),
    ...(gbSecondsX86 > 0
      ? [line("Lambda duration (x86_64, modelled)", "lambdaX86GbSecond", gbSecondsX86, "GB-s")]
      : []),
    line(
      "Step Functions",
      "stepFunctionsTransition",
      mix((s) => s.transitions),
      "transitions",
    ),
    line(
      "DynamoDB writes",
      "dynamoWriteRequestUnit",
      mix((s) => s.writeUnits),
      "WRU",
    ),
    line(
      "DynamoDB reads",
      "dynamoReadRequestUnit",
      mix((s) => s.readUnits),
      "RRU",
    ),
    line(
      `DynamoDB writes: ingest's debugger counts at this traffic (${percentOf(cold.countShare)} of requests) and samples while watched (${assumptions.ingest.watchedHoursPerMonth} h a month; modelled)`,
      "dynamoWriteRequestUnit",
      requests * cold.writeUnits,
      "WRU",
    ),
    line(
      `DynamoDB reads: ingest's write-key reads at this traffic (${Math.round(cold.keyReadShare * 100)} % of requests; modelled)`,
      "dynamoReadRequestUnit",
      requests * cold.readUnits,
      "RRU",
    ),
    line(
      `CloudWatch Logs: Step Functions (${deployment.stateMachine.logLevel}${deployment.stateMachine.includeExecutionData ? ", execution data" : ""})`,
      "cloudWatchLogsIngestion",
      sfnLogBytes,
      "bytes",
    ),
    line(
      "CloudWatch Logs: Lambda, our logs and metrics (INFO)",
      "cloudWatchLogsIngestion",
      lambdaLogBytes,
      "bytes",
    ),
    line(
      `CloudWatch Logs: Lambda platform lines (system level ${systemLevels})`,
      "cloudWatchLogsIngestion",
      platformLogBytes,
      "bytes",
    ),
    ...(deployment.apiAccessLogFormat
      ? [
          line(
            `CloudWatch Logs: HTTP API access logs (one ${accessLogBytes} B line per request; modelled)`,
            "cloudWatchLogsIngestion",
            mix((s) => s.apiRequests) * perRequest * accessLogBytes,
            "bytes",
          ),
        ]
      : []),
  ];
  const xray = line(
    `X-Ray (${assumptions.xraySampling.reservoirPerSecond}/s, then ${Math.round(assumptions.xraySampling.rate * 100)} %; ${(assumptions.eventsPerMonth / 1e6).toLocaleString("en-US")}M events/month)`,
    "xrayTraceRecorded",
    traces,
    "traces",
  );
  const totalWithoutSes = lines.reduce((sum, l) => sum + l.usd, 0);
  return {
    params,
    lines,
    xray,
    ses: line(
      "SES (not ours to cut)",
      "sesEmail",
      mix((s) => s.emails),
      "emails",
    ),
    queue,
    matchInvocations: queue.messagesPerBatch > 0 ? matchMessages / queue.messagesPerBatch : 0,
    totalWithoutSes,
    totalWithXray: totalWithoutSes + xray.usd,
  };
}
