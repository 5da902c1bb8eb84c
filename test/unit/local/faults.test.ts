import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { SESClient, SendRawEmailCommand } from "@aws-sdk/client-ses";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppTable, type LocalDynamo, startLocalDynamo } from "../../../infra/local/dynamodb.js";
import { Faults, lambdaTaskFault, parseFaultPlan, startFaultProxy } from "../../../infra/local/faults.js";

const credentials = { accessKeyId: "local", secretAccessKey: "local" };

describe("fault injection in front of an emulator", () => {
  let dynamo: LocalDynamo;
  const faults = new Faults();
  let client: DynamoDBClient;
  let stopProxy: () => Promise<void>;

  beforeAll(async () => {
    dynamo = await startLocalDynamo("127.0.0.1");
    await createAppTable(
      new DynamoDBClient({ endpoint: dynamo.endpoint, region: "us-east-1", credentials }),
      "moments",
    );
    const proxy = await startFaultProxy({ service: "dynamodb", target: dynamo.endpoint, faults });
    stopProxy = proxy.stop;
    // One attempt: each test sees exactly what the proxy answered.
    client = new DynamoDBClient({ endpoint: proxy.url, region: "us-east-1", credentials, maxAttempts: 1 });
  });
  afterAll(async () => {
    await stopProxy();
    await dynamo.stop();
  });

  const put = (id: string) =>
    client.send(
      new PutItemCommand({
        TableName: "moments",
        Item: { pk: { S: id }, sk: { S: "x" } },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  const stored = async (id: string) =>
    (await client.send(new GetItemCommand({ TableName: "moments", Key: { pk: { S: id }, sk: { S: "x" } } })))
      .Item !== undefined;

  it.each([
    ["throttle", "ThrottlingException", 400],
    ["500", "InternalServerError", 500],
    ["503", "ServiceUnavailable", 503],
  ] as const)(
    "answers %s as DynamoDB does (%s), without applying the request",
    async (fault, name, status) => {
      faults.once({ service: "dynamodb", operation: "PutItem", fault });
      const error = await put(`error-${fault}`).catch((e: unknown) => e);
      expect(error).toMatchObject({ name, $metadata: { httpStatusCode: status } });
      expect(await stored(`error-${fault}`)).toBe(false);
    },
  );

  it("drops a response after the write was applied: the client sees a reset, the item is there", async () => {
    faults.once({ service: "dynamodb", operation: "PutItem", bodyIncludes: "dropped", fault: "drop" });
    const error = await put("dropped").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(await stored("dropped")).toBe(true);
    // The retry a client makes now finds its own write.
    await expect(put("dropped")).rejects.toMatchObject({ name: "ConditionalCheckFailedException" });
  });

  it("a one-shot rule hits only matching requests, as many times as asked", async () => {
    faults.once({ service: "dynamodb", operation: "PutItem", bodyIncludes: "twice", fault: "503", times: 2 });
    await put("other");
    await expect(put("twice")).rejects.toMatchObject({ name: "ServiceUnavailable" });
    await expect(put("twice")).rejects.toMatchObject({ name: "ServiceUnavailable" });
    await put("twice");
    expect(await stored("twice")).toBe(true);
  });

  it("injects at the planned rates, reproducibly with a seed, and counts what it injected", () => {
    const plan = { seed: 42, services: { dynamodb: { errorRate: 0.1, dropRate: 0.03 } } };
    const draw = (f: Faults) => Array.from({ length: 10_000 }, () => f.decide("dynamodb", "PutItem", ""));
    const first = new Faults(plan);
    expect(draw(first)).toEqual(draw(new Faults(plan)));
    const counts = first.stats().dynamodb;
    expect(counts.requests).toBe(10_000);
    expect(counts.throttle + counts["500"] + counts["503"]).toBeGreaterThan(900);
    expect(counts.throttle + counts["500"] + counts["503"]).toBeLessThan(1100);
    expect(counts.drop).toBeGreaterThan(230);
    expect(counts.drop).toBeLessThan(370);
    expect(first.injected()).toBe(counts.throttle + counts["500"] + counts["503"] + counts.drop);
    expect(first.stats().ses.requests).toBe(0);
  });
});

describe("Lambda faults (applied by the local Step Functions)", () => {
  it("splits a lambda drop rate between Lambda.Unknown and States.Timeout, both after the function ran", () => {
    const faults = new Faults(parseFaultPlan("lambda=0.1/0.1,seed=3"));
    for (let i = 0; i < 10_000; i++) faults.decide("lambda", "action", "{}");
    const counts = faults.stats().lambda;
    expect(counts.drop).toBeGreaterThan(350);
    expect(counts.timeout).toBeGreaterThan(350);
    expect(counts.drop + counts.timeout).toBeLessThan(1150);
    expect(lambdaTaskFault("drop", "action")).toMatchObject({ error: "Lambda.Unknown", ran: true });
    expect(lambdaTaskFault("timeout", "action")).toMatchObject({ error: "States.Timeout", ran: true });
    expect(lambdaTaskFault("throttle", "action")).toMatchObject({
      error: "Lambda.TooManyRequestsException",
      ran: false,
    });
    expect(lambdaTaskFault("503", "action")).toMatchObject({ error: "Lambda.ServiceException", ran: false });
  });

  it("refuses a timeout rule for a service behind a proxy (it has no meaning there)", () => {
    expect(() => new Faults().once({ service: "dynamodb", fault: "timeout" })).toThrow(/lambda/);
  });
});

describe("fault shapes of the other services", () => {
  it("SES: its XML errors, which the SDK names Throttling / InternalFailure / ServiceUnavailable", async () => {
    const target = createServer((_req, res) => res.end("<SendRawEmailResponse/>"));
    await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
    const faults = new Faults();
    const proxy = await startFaultProxy({
      service: "ses",
      target: `http://127.0.0.1:${(target.address() as AddressInfo).port}`,
      faults,
    });
    const ses = new SESClient({ endpoint: proxy.url, region: "us-east-1", credentials, maxAttempts: 1 });
    const send = () => ses.send(new SendRawEmailCommand({ RawMessage: { Data: Buffer.from("x") } }));
    for (const [fault, name] of [
      ["throttle", "Throttling"],
      ["500", "InternalFailure"],
      ["503", "ServiceUnavailable"],
    ] as const) {
      faults.once({ service: "ses", operation: "SendRawEmail", fault });
      await expect(send()).rejects.toMatchObject({ name });
    }
    await proxy.stop();
    target.close();
  });

  it("providers: a 429 with Retry-After, 500 and 503, on the path the client asked for", async () => {
    const paths: string[] = [];
    const target = createServer((req, res) => {
      paths.push(req.url ?? "");
      res.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
    const faults = new Faults();
    const proxy = await startFaultProxy({
      service: "providers",
      target: `http://127.0.0.1:${(target.address() as AddressInfo).port}/api`,
      faults,
    });
    faults.once({ service: "providers", operation: "POST /api/chat.postMessage", fault: "throttle" });
    const throttled = await fetch(`${proxy.url}/chat.postMessage`, { method: "POST", body: "{}" });
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("retry-after")).toBe("1");
    const ok = await fetch(`${proxy.url}/chat.postMessage`, { method: "POST", body: "{}" });
    expect(ok.status).toBe(200);
    expect(paths).toEqual(["/api/chat.postMessage"]);
    await proxy.stop();
    target.close();
  });
});

describe("MOMENTS_FAULTS", () => {
  it("reads the short form and JSON, and refuses an unknown service", () => {
    expect(parseFaultPlan("dynamodb=0.1/0.03, ses=0.2, seed=7")).toEqual({
      seed: 7,
      services: { dynamodb: { errorRate: 0.1, dropRate: 0.03 }, ses: { errorRate: 0.2, dropRate: 0 } },
    });
    expect(parseFaultPlan('{"services":{"sfn":{"errorRate":0.5}}}')).toEqual({
      services: { sfn: { errorRate: 0.5 } },
    });
    expect(parseFaultPlan("")).toBeUndefined();
    expect(() => parseFaultPlan("dynamo=0.1")).toThrow(/unknown service "dynamo"/);
    expect(() => new Faults({ services: { ses: { errorRate: 2 } } })).toThrow(/between 0 and 1/);
  });
});

describe("a plan for a stack with fault proxies in front of some services only", () => {
  it("refuses a fault for a service no proxy stands in front of, whenever it is set, and takes the others", () => {
    const faults = new Faults().withoutProxies(["dynamodb", "sfn"]);
    expect(() => faults.once({ service: "dynamodb", fault: "throttle" })).toThrow(
      /No fault proxy stands in front of dynamodb/,
    );
    expect(() => faults.set("sfn", { errorRate: 0.1 })).toThrow(/No fault proxy stands in front of sfn/);
    // Clearing a rate is no fault; the proxied bus and the lambda service take theirs.
    faults.set("sfn", {}).set("eventbridge", { dropRate: 0.5 });
    faults.once({ service: "lambda", fault: "timeout" }).once({ service: "eventbridge", fault: "503" });
    expect(faults.unusedRules()).toHaveLength(2);
    // A plan that already holds a fault for a service then left unproxied.
    const planned = new Faults({ services: { ses: { errorRate: 0.2 } } });
    expect(() => planned.withoutProxies(["ses"])).toThrow(/No fault proxy stands in front of ses/);
    expect(() => new Faults().once({ service: "ses", fault: "drop" }).withoutProxies(["ses"])).toThrow(
      /in front of ses/,
    );
  });
});
