import { existsSync } from "node:fs";
import { getPriority } from "node:os";
import { MessageChannel } from "node:worker_threads";
import { afterAll, describe, expect, it } from "vitest";
import { startLocalDynamoThread } from "../../../infra/local/dynamodb-thread.js";
import {
  fromThrown,
  type LocalFunctionsThread,
  startLocalFunctionsThread,
  toThrown,
} from "../../../infra/local/functions-thread.js";
import { serveByMessage } from "../../../infra/local/message-transport.js";
import { closedEndpoints } from "../../support/closed-endpoints.js";

/** A functions thread with the test preload (crash-thread-preload.ts). */
const preloadedThread = (options: Partial<Parameters<typeof startLocalFunctionsThread>[0]> = {}) =>
  startLocalFunctionsThread({
    region: "us-east-1",
    accountId: "000000000000",
    what: "test functions thread",
    preload: [new URL("../../support/crash-thread-preload.ts", import.meta.url).href],
    ...options,
  });

/** What the main thread sees of a value a function threw on the functions thread. */
const across = (thrown: unknown) => fromThrown(structuredClone(toThrown(thrown)));

describe("an error thrown on the functions thread", () => {
  it("keeps the name, message, stack and own fields Step Functions and the queue read", () => {
    class StepOutcomeUnrecordedError extends Error {
      readonly stepId = "welcome";
      constructor() {
        super('{"status":"executed"}');
        this.name = "StepOutcomeUnrecorded";
      }
    }
    const original = new StepOutcomeUnrecordedError();
    const seen = across(original) as Error & { stepId?: string };
    expect(seen).toBeInstanceOf(Error);
    expect(seen.name).toBe("StepOutcomeUnrecorded");
    expect(seen.message).toBe('{"status":"executed"}');
    expect(seen.stack).toBe(original.stack);
    expect(seen.stepId).toBe("welcome");
  });

  it("drops a field that cannot cross (a function) and keeps the rest", () => {
    const error = Object.assign(new Error("throttled"), {
      name: "ThrottlingException",
      retry: () => 1,
      code: 429,
    });
    const seen = across(error) as Error & { code?: number; retry?: unknown };
    expect(seen.name).toBe("ThrottlingException");
    expect(seen.code).toBe(429);
    expect(seen.retry).toBeUndefined();
  });

  it("hands over a thrown non-error as the value itself, or its text when it cannot cross", () => {
    expect(across("plain text")).toBe("plain text");
    expect(across({ status: 7 })).toEqual({ status: 7 });
    expect(across(Symbol("x"))).toBe("Symbol(x)");
  });
});

describe("a functions thread that crashed", () => {
  let thread: LocalFunctionsThread | undefined;
  afterAll(async () => {
    await thread?.stop();
  });

  it("fails the invocation it was running, and the next one starts a new thread, as Lambda a new container", async () => {
    thread = await startLocalFunctionsThread({
      region: "us-east-1",
      accountId: "000000000000",
      what: "test functions thread",
      preload: [new URL("../../support/crash-thread-preload.ts", import.meta.url).href],
    });
    expect(await thread.invoke("health", {})).toMatchObject({ statusCode: 200 });

    await expect(thread.invoke("health", { crashThread: true })).rejects.toThrow(/stopped/);

    expect(await thread.invoke("health", {})).toMatchObject({ statusCode: 200 });
    // Crashed again, then invoked twice at once: one new thread answers both.
    await expect(thread.invoke("health", { crashThread: true })).rejects.toThrow(/stopped/);
    const both = await Promise.all([thread.invoke("health", {}), thread.invoke("health", {})]);
    expect(both).toEqual([
      expect.objectContaining({ statusCode: 200 }),
      expect.objectContaining({ statusCode: 200 }),
    ]);
  });
});

describe("a functions thread's routes to local emulators", () => {
  let thread: LocalFunctionsThread | undefined;
  afterAll(async () => {
    await thread?.stop();
  });

  it("carry its SDK clients' requests by message, for a route added later and in a thread that replaced a crashed one", async () => {
    // Nothing listens on these ports: over HTTP, ListTables would be refused.
    const [first = "", later = ""] = await closedEndpoints(2);
    const answering = (name: string) => () => {
      const { port1, port2 } = new MessageChannel();
      serveByMessage(port1, (_req, res) => {
        res.setHeader("content-type", "application/x-amz-json-1.0");
        res.end(JSON.stringify({ TableNames: [name] }));
      });
      port1.unref();
      return port2;
    };
    const relayed: unknown[] = [];
    thread = await preloadedThread({
      onRelay: (data) => relayed.push(data),
      routes: [{ endpoint: first, connect: answering("first") }],
    });
    const listTables = async (endpoint: string) => {
      relayed.length = 0;
      await thread?.invoke("health", { listTablesAt: endpoint });
      await expect.poll(() => relayed.length).toBe(1);
      return relayed[0];
    };
    expect(await listTables(first)).toEqual({ endpoint: first, tables: ["first"] });
    expect(await listTables(later)).toEqual({ endpoint: later, error: "ECONNREFUSED" });
    thread.route({ endpoint: later, connect: answering("later") });
    expect(await listTables(later)).toEqual({ endpoint: later, tables: ["later"] });

    await expect(thread.invoke("health", { crashThread: true })).rejects.toThrow(/stopped/);
    expect(await listTables(first)).toEqual({ endpoint: first, tables: ["first"] });
    expect(await listTables(later)).toEqual({ endpoint: later, tables: ["later"] });
  });
});

describe("a functions thread started with a route to an emulator that had stopped", () => {
  let thread: LocalFunctionsThread | undefined;
  afterAll(async () => {
    await thread?.stop();
  });

  it("fails its requests there at once, as a refused or reset connection, never leaving them waiting", async () => {
    const dynamo = await startLocalDynamoThread("127.0.0.1");
    await dynamo.stop();
    const relayed: unknown[] = [];
    thread = await preloadedThread({
      onRelay: (data) => relayed.push(data),
      // The port comes closed, and the thread listens on it only after its start-up's awaits.
      routes: [{ endpoint: dynamo.endpoint, connect: () => dynamo.connect() }],
    });
    await thread.invoke("health", { listTablesAt: dynamo.endpoint });
    await expect
      .poll(() => relayed)
      .toEqual([{ endpoint: dynamo.endpoint, error: expect.stringMatching(/^(ECONNRESET|ECONNREFUSED)$/) }]);
  });
});

describe.runIf(existsSync("/proc/thread-self/stat"))(
  "a functions thread with a lower priority (Linux)",
  () => {
    let thread: LocalFunctionsThread | undefined;
    afterAll(async () => {
      await thread?.stop();
    });

    it("runs its functions that many nice levels below the process, and so does the thread that replaces a crashed one", async () => {
      const reported: number[] = [];
      const base = getPriority();
      thread = await startLocalFunctionsThread({
        region: "us-east-1",
        accountId: "000000000000",
        what: "test functions thread",
        preload: [new URL("../../support/crash-thread-preload.ts", import.meta.url).href],
        nice: 3,
        onRelay: (data) => reported.push((data as { nice: number }).nice),
      });
      const expected = Math.min(19, base + 3);
      await thread.invoke("health", { reportNice: true });
      await expect(thread.invoke("health", { crashThread: true })).rejects.toThrow(/stopped/);
      await thread.invoke("health", { reportNice: true });
      expect(reported).toEqual([expected, expected]);
      // The process itself (the HTTP API's thread, the emulators) keeps its priority.
      expect(getPriority()).toBe(base);
    });
  },
);
