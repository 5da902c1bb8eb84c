/**
 * The graceful-shutdown adapter against a fake Lambda Runtime API on localhost: the internal
 * extension's register and next requests as the Extensions API documents them, the hooks run on
 * SIGTERM within the budget, and nothing of it can fail or hold up the function.
 */

import { AsyncLocalStorage } from "node:async_hooks";
import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  EXTENSION_NAME,
  onShutdown,
  resetShutdownForTests,
  runShutdownHooks,
} from "../../../shared/adapters/shutdown.js";
import { waitFor } from "../../support/wait-for.js";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

const EXTENSION_ID = "4f1e7c1a-52b3-4b8e-9a0a-0d7f3c1b2a11";

/** A fake Runtime API: register answers `registerStatus`; next never answers (no events subscribed). */
async function fakeRuntimeApi(registerStatus = 200) {
  const seen: Seen[] = [];
  const held: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString("utf8");
    });
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      if (req.url === "/2020-01-01/extension/register") {
        res.writeHead(registerStatus, {
          "Content-Type": "application/json",
          ...(registerStatus === 200 ? { "Lambda-Extension-Identifier": EXTENSION_ID } : {}),
        });
        res.end(
          JSON.stringify({
            functionName: "moments-match",
            functionVersion: "$LATEST",
            handler: "index.handler",
          }),
        );
        return;
      }
      held.push(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    runtimeApi: `127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const logger = () => ({ warn: vi.fn<(message: string, extra: Record<string, unknown>) => void>() });
let api: Awaited<ReturnType<typeof fakeRuntimeApi>> | undefined;

beforeEach(() => resetShutdownForTests());
afterEach(async () => {
  resetShutdownForTests();
  await api?.close();
  api = undefined;
});

describe("onShutdown on Lambda", () => {
  it("registers an internal extension for no events, then calls next with its identifier, without waiting for it", async () => {
    // Prepare
    api = await fakeRuntimeApi();
    const log = logger();

    // Act: two hooks, one registration
    await onShutdown("match", async () => undefined, log, {
      runtimeApi: api.runtimeApi,
      exit: () => undefined,
    });
    await onShutdown("match", async () => undefined, log, {
      runtimeApi: api.runtimeApi,
      exit: () => undefined,
    });
    const seen = api.seen;
    await waitFor(() => seen.length === 2, { description: "the next request" });

    // Assess
    const [register, next] = seen;
    expect(register).toMatchObject({ method: "POST", url: "/2020-01-01/extension/register" });
    expect(register?.headers["lambda-extension-name"]).toBe(EXTENSION_NAME);
    expect(register?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(register?.body ?? "")).toEqual({ events: [] });
    expect(next).toMatchObject({ method: "GET", url: "/2020-01-01/extension/event/next", body: "" });
    expect(next?.headers["lambda-extension-identifier"]).toBe(EXTENSION_ID);
    expect(log.warn).not.toHaveBeenCalled();
  });

  it("runs the hooks on SIGTERM, then exits 0", async () => {
    // Prepare
    api = await fakeRuntimeApi();
    const before = new Set(process.listeners("SIGTERM"));
    const exit = vi.fn<(code: number) => void>();
    const flushed: string[] = [];
    await onShutdown(
      "match",
      async () => {
        flushed.push("observed events");
      },
      logger(),
      { runtimeApi: api.runtimeApi, exit },
    );
    const sigterm = process.listeners("SIGTERM").find((listener) => !before.has(listener));

    // Act (the listener itself: signalling the test process would reach the runner's own listeners)
    sigterm?.("SIGTERM");

    // Assess
    await waitFor(() => exit.mock.calls.length > 0, { description: "the exit" });
    expect(flushed).toEqual(["observed events"]);
    expect(exit).toHaveBeenCalledWith(0);
  });

  it("only warns when the Runtime API refuses the registration, and calls no next", async () => {
    // Prepare
    api = await fakeRuntimeApi(403);
    const log = logger();

    // Act
    await onShutdown("match", async () => undefined, log, {
      runtimeApi: api.runtimeApi,
      exit: () => undefined,
    });

    // Assess
    expect(log.warn).toHaveBeenCalledWith(expect.stringContaining("Could not register"), {
      error: "register answered 403 without an identifier",
    });
    expect(api.seen.map((request) => request.url)).toEqual(["/2020-01-01/extension/register"]);
  });

  it("only warns when the Runtime API cannot be reached", async () => {
    // Prepare: a port nothing listens on any more
    const gone = await fakeRuntimeApi();
    await gone.close();
    const log = logger();

    // Act
    await onShutdown("match", async () => undefined, log, {
      runtimeApi: gone.runtimeApi,
      exit: () => undefined,
    });

    // Assess
    expect(log.warn).toHaveBeenCalledWith(
      expect.stringContaining("Could not register"),
      expect.objectContaining({ error: expect.stringContaining("ECONNREFUSED") }),
    );
  });

  it("never keeps the process alive with its pending next", async () => {
    // Prepare
    api = await fakeRuntimeApi();
    const script = `
      const { onShutdown } = await import(${JSON.stringify(new URL("../../../shared/adapters/shutdown.ts", import.meta.url).href)});
      await onShutdown("match", async () => undefined, console, { runtimeApi: process.argv[1] });
      console.log("registered");
    `;

    // Act: a process that registered and has nothing else to do
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script, api.runtimeApi],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));

    // Assess: it called next (still unanswered) and ended by itself
    expect(output).toContain("registered");
    expect(api.seen.map((request) => request.url)).toContain("/2020-01-01/extension/event/next");
    expect(code).toBe(0);
  });
});

describe("runShutdownHooks", () => {
  it("cuts a hook that hangs at the budget; the others run, and one that fails is logged", async () => {
    // Prepare
    const log = logger();
    const flushed: string[] = [];
    await onShutdown("match", () => new Promise(() => undefined), log, { runtimeApi: undefined });
    await onShutdown(
      "ingest",
      async () => {
        throw new Error("throttled");
      },
      log,
      { runtimeApi: undefined },
    );
    await onShutdown(
      "ingest",
      async () => {
        flushed.push("debugger counts");
      },
      log,
      { runtimeApi: undefined },
    );

    // Act: resolves although a hook never does
    await runShutdownHooks({ budgetMs: 50 });

    // Assess
    expect(flushed).toEqual(["debugger counts"]);
    expect(log.warn).toHaveBeenCalledWith("A shutdown hook failed", {
      function: "ingest",
      error: "throttled",
    });
    expect(log.warn).toHaveBeenCalledWith("A shutdown hook did not end in time; left behind", {
      function: "match",
      budgetMs: 50,
    });
    expect(log.warn).toHaveBeenCalledTimes(2);
  });

  it("off Lambda registers nothing, and runs each hook once, through runAs with its function", async () => {
    // Prepare: the local runtime runs a hook as the function that registered it
    const caller = new AsyncLocalStorage<string>();
    const ranAs: Array<string | undefined> = [];
    for (const fn of ["match", "ingest"] as const) {
      await onShutdown(
        fn,
        async () => {
          ranAs.push(caller.getStore());
        },
        logger(),
        { runtimeApi: undefined },
      );
    }
    const runAs = (fn: string, work: () => Promise<unknown>) => caller.run(fn, work);

    // Act
    await Promise.all([runShutdownHooks({ runAs }), runShutdownHooks({ runAs })]);

    // Assess
    expect(ranAs).toEqual(["match", "ingest"]);
  });
});
