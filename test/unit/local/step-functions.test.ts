import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { afterEach, describe, expect, it } from "vitest";
import { Faults } from "../../../infra/local/faults.js";
import {
  type LocalLambda,
  type LocalStepFunctions,
  startLocalStepFunctions,
} from "../../../infra/local/step-functions.js";
import { waitFor } from "../../support/wait-for.js";

const REGION = "us-east-1";
const ACCOUNT = "123456789012";
const smArn = (name: string) => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;
const fnArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;

class NamedError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

function deferred<T = void>() {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}

const mapDefinition = {
  StartAt: "Fan",
  States: {
    Fan: {
      Type: "Map",
      ItemsPath: "$.items",
      ItemSelector: { "value.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index", delay: 0 },
      ItemProcessor: {
        ProcessorConfig: { Mode: "INLINE" },
        StartAt: "Pause",
        States: {
          Pause: { Type: "Wait", SecondsPath: "$.delay", Next: "Double" },
          Double: {
            Type: "Task",
            Resource: "arn:aws:states:::lambda:invoke",
            Parameters: {
              FunctionName: fnArn("double"),
              Payload: { "value.$": "$.value", "execution.$": "$$.Execution.Name" },
            },
            ResultSelector: { "doubled.$": "$.Payload.doubled", "execution.$": "$.Payload.execution" },
            End: true,
          },
        },
      },
      ResultPath: "$.results",
      Next: "Summarise",
    },
    Summarise: {
      Type: "Task",
      // A plain function ARN (not lambda:invoke) gets the state input and returns the raw result.
      Resource: fnArn("summarise"),
      End: true,
    },
  },
};

const gatedDefinition = {
  StartAt: "First",
  States: {
    First: {
      Type: "Task",
      Resource: "arn:aws:states:::lambda:invoke",
      Parameters: { FunctionName: "gate", "Payload.$": "$" },
      ResultPath: null,
      Next: "Later",
    },
    Later: {
      Type: "Task",
      Resource: "arn:aws:states:::lambda:invoke",
      Parameters: { FunctionName: fnArn("later"), "Payload.$": "$" },
      OutputPath: "$.Payload",
      End: true,
    },
  },
};

const waitingDefinition = {
  StartAt: "LongWait",
  States: {
    LongWait: { Type: "Wait", Seconds: 3600, Next: "Later" },
    Later: {
      Type: "Task",
      Resource: "arn:aws:states:::lambda:invoke",
      Parameters: { FunctionName: "later", "Payload.$": "$" },
      End: true,
    },
  },
};

const retryDefinition = {
  StartAt: "Flaky",
  States: {
    Flaky: {
      Type: "Task",
      Resource: "arn:aws:states:::lambda:invoke",
      Parameters: { FunctionName: fnArn("flaky"), "Payload.$": "$" },
      Retry: [
        {
          ErrorEquals: ["Lambda.TooManyRequestsException"],
          IntervalSeconds: 30,
          MaxAttempts: 2,
          BackoffRate: 2,
        },
      ],
      Catch: [
        { ErrorEquals: ["PermanentError"], ResultPath: "$.failure", Next: "Permanent" },
        { ErrorEquals: ["States.ALL"], ResultPath: "$.failure", Next: "Recovered" },
      ],
      End: true,
    },
    Permanent: { Type: "Pass", Result: "permanent", ResultPath: "$.route", End: true },
    Recovered: { Type: "Pass", Result: "recovered", ResultPath: "$.route", End: true },
  },
};

const uncaughtDefinition = {
  StartAt: "Explode",
  States: {
    Explode: { Type: "Task", Resource: fnArn("explode"), End: true },
  },
};

describe("local Step Functions", () => {
  let sfn: LocalStepFunctions | undefined;
  let client: SFNClient | undefined;

  afterEach(async () => {
    client?.destroy();
    await sfn?.stop();
    sfn = undefined;
    client = undefined;
  });

  async function start(lambdas: Record<string, LocalLambda>, faults?: Faults) {
    sfn = await startLocalStepFunctions({
      ...(faults ? { faults } : {}),
      stateMachines: [
        { arn: smArn("map"), definition: mapDefinition },
        { arn: smArn("gated"), definition: gatedDefinition },
        { arn: smArn("waiting"), definition: waitingDefinition },
        { arn: smArn("retry"), definition: retryDefinition },
        { arn: smArn("uncaught"), definition: uncaughtDefinition },
      ],
      lambdas,
      retryIntervalMs: 0,
    });
    client = new SFNClient({
      endpoint: sfn.endpoint,
      region: REGION,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    return { sfn, client };
  }

  async function waitForStatus(sfnClient: SFNClient, executionArn: string, status: string) {
    return waitFor(
      async () => {
        const described = await sfnClient.send(new DescribeExecutionCommand({ executionArn }));
        return described.status === status ? described : undefined;
      },
      { description: `execution ${executionArn} to be ${status}` },
    );
  }

  it("runs a Map with Wait and lambda:invoke tasks to success", async () => {
    const { client } = await start({
      [fnArn("double")]: async (payload) => {
        const { value, execution } = payload as { value: number; execution: string };
        return { doubled: value * 2, execution };
      },
      // Registered by name only: a function ARN resource must still find it.
      summarise: async (input) => {
        const { results } = input as { results: Array<{ doubled: number }> };
        return { total: results.reduce((sum, r) => sum + r.doubled, 0), count: results.length };
      },
    });

    const started = await client.send(
      new StartExecutionCommand({ stateMachineArn: smArn("map"), name: "run-1", input: '{"items":[1,2,3]}' }),
    );
    expect(started.executionArn).toBe(`arn:aws:states:${REGION}:${ACCOUNT}:execution:map:run-1`);
    expect(started.startDate).toBeInstanceOf(Date);

    const done = await waitForStatus(client, started.executionArn ?? "", "SUCCEEDED");
    expect(JSON.parse(done.output ?? "null")).toEqual({ total: 12, count: 3 });
    expect(done.input).toBe('{"items":[1,2,3]}');
    expect(done.stopDate).toBeInstanceOf(Date);
    expect(done.name).toBe("run-1");
  });

  it("passes $$.Execution.Name into tasks", async () => {
    const seen: unknown[] = [];
    const { client } = await start({
      double: async (payload) => {
        seen.push(payload);
        return { doubled: 0, execution: "x" };
      },
      summarise: async () => ({}),
    });
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn: smArn("map"), name: "ctx-check", input: '{"items":[5]}' }),
    );
    await waitForStatus(client, executionArn ?? "", "SUCCEEDED");
    expect(seen).toEqual([{ value: 5, execution: "ctx-check" }]);
  });

  it("treats a repeated StartExecution with the same name and input as idempotent while running", async () => {
    const gate = deferred();
    const { client, sfn } = await start({
      gate: () => gate.promise,
      later: async (payload) => payload,
    });
    const request = { stateMachineArn: smArn("gated"), name: "order-42", input: '{"n":1}' };
    const first = await client.send(new StartExecutionCommand(request));
    const second = await client.send(new StartExecutionCommand(request));
    expect(second.executionArn).toBe(first.executionArn);
    expect(second.startDate?.getTime()).toBe(first.startDate?.getTime());

    const differentInput = client.send(new StartExecutionCommand({ ...request, input: '{"n":2}' }));
    await expect(differentInput).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    await expect(differentInput).rejects.toMatchObject({ name: "ExecutionAlreadyExists" });

    gate.resolve();
    const done = await waitForStatus(client, first.executionArn ?? "", "SUCCEEDED");
    expect(JSON.parse(done.output ?? "null")).toEqual({ n: 1 });
    await sfn.idle();

    // Once closed, even the identical request is a conflict (names are unique for 90 days).
    await expect(client.send(new StartExecutionCommand(request))).rejects.toMatchObject({
      name: "ExecutionAlreadyExists",
    });
  });

  it("StopExecution aborts the run and no later task runs", async () => {
    const gate = deferred<unknown>();
    let gateCalls = 0;
    let laterCalls = 0;
    const { client, sfn } = await start({
      gate: () => {
        gateCalls++;
        return gate.promise;
      },
      [fnArn("later")]: async () => {
        laterCalls++;
        return {};
      },
    });
    const { executionArn = "" } = await client.send(
      new StartExecutionCommand({ stateMachineArn: smArn("gated"), name: "to-stop" }),
    );
    // Stop while the first task is in flight: its result must not lead anywhere.
    await waitFor(() => gateCalls === 1, { description: "the first task to start" });
    const stopped = await client.send(
      new StopExecutionCommand({ executionArn, error: "Cancelled", cause: "customer unsubscribed" }),
    );
    expect(stopped.stopDate).toBeInstanceOf(Date);

    gate.resolve({ ok: true });
    await sfn.idle();

    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(described).toMatchObject({
      status: "ABORTED",
      error: "Cancelled",
      cause: "customer unsubscribed",
    });
    expect(described.output).toBeUndefined();
    expect(laterCalls).toBe(0);
  });

  it("StopExecution cuts a long Wait short and the following task never runs", async () => {
    let laterCalls = 0;
    const { client, sfn } = await start({
      later: async () => {
        laterCalls++;
        return {};
      },
    });
    const { executionArn = "" } = await client.send(
      new StartExecutionCommand({ stateMachineArn: smArn("waiting") }),
    );
    await client.send(new StopExecutionCommand({ executionArn }));
    await sfn.idle();
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(described.status).toBe("ABORTED");
    expect(described.name).toMatch(/^[0-9a-f-]{36}$/);
    expect(laterCalls).toBe(0);
  });

  it("retries a named lambda error per Retry, then routes it with Catch", async () => {
    let calls = 0;
    const { client } = await start({
      flaky: async () => {
        calls++;
        throw new NamedError("Lambda.TooManyRequestsException", "Rate exceeded");
      },
    });
    const { executionArn = "" } = await client.send(
      new StartExecutionCommand({ stateMachineArn: smArn("retry"), input: '{"id":"a"}' }),
    );
    const done = await waitForStatus(client, executionArn, "SUCCEEDED");
    // One attempt plus MaxAttempts retries; the 30 s interval is overridden by retryIntervalMs.
    expect(calls).toBe(3);
    const output = JSON.parse(done.output ?? "null") as {
      id: string;
      route: string;
      failure: Record<string, string>;
    };
    expect(output.id).toBe("a");
    expect(output.route).toBe("recovered");
    expect(output.failure.Error).toBe("Lambda.TooManyRequestsException");
    // Like AWS, the Cause is Lambda's JSON error payload.
    expect(JSON.parse(output.failure.Cause ?? "{}")).toMatchObject({
      errorType: "Lambda.TooManyRequestsException",
      errorMessage: "Rate exceeded",
    });
  });

  it.each([
    ["throttle", "Lambda.TooManyRequestsException", 0],
    ["500", "Lambda.ServiceException", 0],
    ["drop", "Lambda.Unknown", 1],
    ["timeout", "States.Timeout", 1],
  ] as const)(
    "a lambda fault %s surfaces to Retry/Catch as %s, the function having run %i time(s)",
    async (fault, error, ran) => {
      let calls = 0;
      const faults = new Faults().once({ service: "lambda", operation: "flaky", fault, times: 3 });
      const { client } = await start({ flaky: async () => ({ calls: ++calls }) }, faults);
      const { executionArn = "" } = await client.send(
        new StartExecutionCommand({ stateMachineArn: smArn("retry"), input: '{"id":"a"}' }),
      );
      const done = await waitForStatus(client, executionArn, "SUCCEEDED");
      const output = JSON.parse(done.output ?? "null") as { failure?: { Error: string } };
      // The definition retries only throttling (twice), then catches anything: all three attempts hit.
      expect(output.failure?.Error).toBe(error);
      expect(calls).toBe(ran);
      expect(faults.unusedRules()).toEqual(
        error === "Lambda.TooManyRequestsException" ? [] : [expect.objectContaining({ times: 3 })],
      );
    },
  );

  it("a lambda fault on the first attempt only: the retry runs the function and succeeds", async () => {
    let calls = 0;
    const faults = new Faults().once({ service: "lambda", operation: "flaky", fault: "throttle" });
    const { client } = await start({ flaky: async () => ({ calls: ++calls }) }, faults);
    const { executionArn = "" } = await client.send(
      new StartExecutionCommand({ stateMachineArn: smArn("retry"), input: '{"id":"a"}' }),
    );
    const done = await waitForStatus(client, executionArn, "SUCCEEDED");
    expect(JSON.parse(done.output ?? "null")).toMatchObject({ Payload: { calls: 1 } });
    expect(calls).toBe(1);
    expect(faults.stats().lambda).toMatchObject({ requests: 2, throttle: 1 });
  });

  it("StopExecution during a Retry backoff does not run the task again", async () => {
    let calls = 0;
    // No retryIntervalMs here: the 30 s backoff must be pending when the stop arrives.
    sfn = await startLocalStepFunctions({
      stateMachines: [{ arn: smArn("retry"), definition: retryDefinition }],
      lambdas: {
        flaky: async () => {
          calls++;
          throw new NamedError("Lambda.TooManyRequestsException", "Rate exceeded");
        },
      },
    });
    client = new SFNClient({
      endpoint: sfn.endpoint,
      region: REGION,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    const { executionArn = "" } = await client.send(
      new StartExecutionCommand({ stateMachineArn: smArn("retry") }),
    );
    await waitFor(() => calls === 1, { description: "the first attempt" });
    await client.send(new StopExecutionCommand({ executionArn }));
    await sfn.idle();
    expect((await client.send(new DescribeExecutionCommand({ executionArn }))).status).toBe("ABORTED");
    expect(calls).toBe(1);
  });

  it("does not retry an error that no retrier matches and routes it to its own catcher", async () => {
    let calls = 0;
    const { client } = await start({
      flaky: async () => {
        calls++;
        throw new NamedError("PermanentError", "bad address");
      },
    });
    const { executionArn = "" } = await client.send(
      new StartExecutionCommand({ stateMachineArn: smArn("retry") }),
    );
    const done = await waitForStatus(client, executionArn, "SUCCEEDED");
    expect(calls).toBe(1);
    expect(JSON.parse(done.output ?? "null")).toMatchObject({
      route: "permanent",
      failure: { Error: "PermanentError" },
    });
  });

  it("fails the execution with the lambda's error name when nothing catches it", async () => {
    const { client } = await start({
      explode: async () => {
        throw new TypeError("cannot read things");
      },
    });
    const { executionArn = "" } = await client.send(
      new StartExecutionCommand({ stateMachineArn: smArn("uncaught") }),
    );
    const failed: DescribeExecutionCommandOutput = await waitForStatus(client, executionArn, "FAILED");
    expect(failed.error).toBe("TypeError");
    expect(JSON.parse(failed.cause ?? "{}")).toMatchObject({
      errorType: "TypeError",
      errorMessage: "cannot read things",
    });
  });

  it("maps API errors to the SDK's modelled exceptions", async () => {
    const { client, sfn } = await start({});
    const unknownArn = `arn:aws:states:${REGION}:${ACCOUNT}:execution:map:nope`;
    const describeUnknown = client.send(new DescribeExecutionCommand({ executionArn: unknownArn }));
    await expect(describeUnknown).rejects.toBeInstanceOf(ExecutionDoesNotExist);
    await expect(describeUnknown).rejects.toMatchObject({ name: "ExecutionDoesNotExist", $fault: "client" });

    await expect(
      client.send(new StartExecutionCommand({ stateMachineArn: smArn("missing") })),
    ).rejects.toMatchObject({ name: "StateMachineDoesNotExist" });
    await expect(
      client.send(new StartExecutionCommand({ stateMachineArn: smArn("map"), name: "has space" })),
    ).rejects.toMatchObject({ name: "InvalidName" });
    await expect(
      client.send(new StartExecutionCommand({ stateMachineArn: smArn("map"), name: "x".repeat(81) })),
    ).rejects.toMatchObject({ name: "InvalidName" });
    await expect(
      client.send(new StartExecutionCommand({ stateMachineArn: smArn("map"), input: "{not json" })),
    ).rejects.toMatchObject({ name: "InvalidExecutionInput" });
    await expect(
      client.send(new StopExecutionCommand({ executionArn: unknownArn, cause: "x".repeat(40_000) })),
    ).rejects.toMatchObject({ name: "ExecutionDoesNotExist" });

    // An operation we do not implement: raw request, since the SDK only sends modelled ones.
    const response = await fetch(sfn.endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": "AWSStepFunctions.CreateActivity",
      },
      body: "{}",
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { __type: string }).__type).toMatch(/#UnknownOperationException$/);
  });

  it("lists executions newest first with status filter and pagination, and describes the state machine", async () => {
    const gate = deferred();
    const { client, sfn } = await start({ gate: () => gate.promise, later: async () => ({}) });
    for (const name of ["e1", "e2", "e3"]) {
      await client.send(new StartExecutionCommand({ stateMachineArn: smArn("gated"), name }));
    }
    await client.send(
      new StopExecutionCommand({ executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:gated:e2` }),
    );

    const firstPage = await client.send(
      new ListExecutionsCommand({ stateMachineArn: smArn("gated"), maxResults: 2 }),
    );
    expect(firstPage.executions?.map((e) => e.name)).toEqual(["e3", "e2"]);
    expect(firstPage.nextToken).toBeTypeOf("string");
    const secondPage = await client.send(
      new ListExecutionsCommand({
        stateMachineArn: smArn("gated"),
        maxResults: 2,
        nextToken: firstPage.nextToken,
      }),
    );
    expect(secondPage.executions?.map((e) => e.name)).toEqual(["e1"]);
    expect(secondPage.nextToken).toBeUndefined();

    const aborted = await client.send(
      new ListExecutionsCommand({ stateMachineArn: smArn("gated"), statusFilter: "ABORTED" }),
    );
    expect(aborted.executions?.map((e) => [e.name, e.status])).toEqual([["e2", "ABORTED"]]);
    expect(aborted.executions?.[0]?.startDate).toBeInstanceOf(Date);

    const machine = await client.send(new DescribeStateMachineCommand({ stateMachineArn: smArn("gated") }));
    expect(machine).toMatchObject({ name: "gated", status: "ACTIVE", type: "STANDARD" });
    expect(JSON.parse(machine.definition ?? "{}")).toEqual(gatedDefinition);

    gate.resolve();
    await sfn.idle();
  });
});
