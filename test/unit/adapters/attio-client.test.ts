/**
 * HttpAttioClient against the local fake of Attio's API (test/support/fake-attio.ts), and against
 * raw sockets for the failures a server cannot answer: real HTTP on localhost, with waits injected
 * so Retry-After costs no time. What is asserted is the exactly-once promise: retry only what Attio
 * certainly did not act on, never a request whose outcome is unknown.
 */
import { randomUUID } from "node:crypto";
import { createServer as createTcpServer, type Server, type Socket } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type AttioClientOptions, HttpAttioClient } from "../../../shared/adapters/attio-client.js";
import { PermanentDeliveryError, TransientDeliveryError } from "../../../shared/domain/delivery-errors.js";
import type { AttioTask } from "../../../shared/ports/attio.js";
import { type FakeAttio, startFakeAttio } from "../../support/fake-attio.js";

const TOKEN = "attio_tok_0123456789abcdefghijklmnop";
const RECORD_ID = randomUUID();
const MEMBER_ID = randomUUID();
let attio: FakeAttio;
let workspaceId = "";
let waits: number[];

const client = (options: Partial<AttioClientOptions> = {}) =>
  new HttpAttioClient({
    baseUrl: attio.baseUrl,
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...options,
  });

const task = (overrides: Partial<AttioTask> = {}): AttioTask => ({
  content: "Call Acme about the failed payment",
  deadlineAt: "2026-11-24T10:00:00.000Z",
  linkedRecords: [{ object: "companies", recordId: RECORD_ID }],
  assigneeIds: [MEMBER_ID],
  ...overrides,
});

/** The error a promise rejects with (so one call can be checked several ways). */
async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
  }
  throw new Error("a rejection is expected");
}

/** A TCP server for what an HTTP server cannot do on purpose: hang mid-handshake, hang up mid-request. */
async function rawServer(onSocket: (socket: Socket) => void): Promise<{ port: number; server: Server }> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    onSocket(socket);
  });
  server.on("close", () => {
    for (const socket of sockets) socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("a TCP address is expected");
  return { port: address.port, server };
}

const servers: Server[] = [];

beforeAll(async () => {
  attio = await startFakeAttio();
  ({ workspaceId } = attio.addWorkspace(TOKEN, {
    records: { companies: [RECORD_ID], people: [] },
    members: [MEMBER_ID],
  }));
});

afterAll(async () => {
  await attio.stop();
});

beforeEach(() => {
  waits = [];
  attio.reset();
});

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.close();
  }
});

describe("HttpAttioClient.createTask", () => {
  it("posts Attio's create-task body with the token only in the Authorization header", async () => {
    const { taskId } = await client().createTask(TOKEN, task());

    expect(attio.requests).toHaveLength(1);
    const [request] = attio.requests;
    expect(request).toMatchObject({
      method: "POST",
      path: "/v2/tasks",
      authorization: `Bearer ${TOKEN}`,
      contentType: "application/json",
    });
    expect(JSON.parse(request?.body ?? "")).toEqual({
      data: {
        content: "Call Acme about the failed payment",
        format: "plaintext",
        deadline_at: "2026-11-24T10:00:00.000Z",
        is_completed: false,
        linked_records: [{ target_object: "companies", target_record_id: RECORD_ID }],
        assignees: [{ referenced_actor_type: "workspace-member", referenced_actor_id: MEMBER_ID }],
      },
    });
    expect(attio.tasks).toHaveLength(1);
    expect(attio.tasks[0]).toMatchObject({ workspaceId, taskId });
  });

  it("sends a null deadline and empty lists for a task without them", async () => {
    await client().createTask(TOKEN, task({ deadlineAt: null, linkedRecords: [], assigneeIds: [] }));

    expect(attio.tasks[0]).toMatchObject({ deadlineAt: null, linkedRecords: [], assignees: [] });
  });

  it("keeps a base URL's path prefix (an egress proxy)", async () => {
    const error = await failure(client({ baseUrl: `${attio.baseUrl}/attio/` }).createTask(TOKEN, task()));

    expect(attio.requests[0]?.path).toBe("/attio/v2/tasks");
    expect(error.message).toBe("attio: not_found: Could not find route POST /attio/v2/tasks.");
  });

  it("fails for good with Attio's code and message when the linked record does not exist", async () => {
    const missing = randomUUID();
    const error = await failure(
      client().createTask(TOKEN, task({ linkedRecords: [{ object: "companies", recordId: missing }] })),
    );

    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(error.message).toBe(`attio: not_found: Record with ID "${missing}" not found.`);
    expect(attio.tasks).toHaveLength(0);
  });

  it("fails for good on an unknown token, with a hint and without the token", async () => {
    const other = "attio_tok_revoked_0000000000000000";
    const error = await failure(client().createTask(other, task()));

    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(error.message).toBe(
      "attio: invalid_api_key: Invalid API key. (check the integration's access token)",
    );
    expect(error.message).not.toContain(other);
  });

  it("fails for good on a body Attio refuses (a record id that is not a UUID)", async () => {
    const error = await failure(
      client().createTask(TOKEN, task({ linkedRecords: [{ object: "companies", recordId: "acme" }] })),
    );

    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(error.message).toBe("attio: validation_type: Body payload validation error.");
  });

  it("redacts the token from what Attio says, strips control characters and bounds it", async () => {
    attio.failNext(1, {
      status: 403,
      body: {
        status_code: 403,
        type: "authentication_error",
        code: "missing_scopes",
        message: `Token ${TOKEN} lacks task:read-write.\r\nInjected: line${"x".repeat(500)}`,
      },
    });

    const error = await failure(client().createTask(TOKEN, task()));

    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(error.message).not.toContain(TOKEN);
    expect(error.message).toMatch(
      /^attio: missing_scopes: Token \[redacted\] lacks task:read-write\. Injected: line/,
    );
    expect(error.message).not.toMatch(/[\r\n]/);
    expect(error.message.length).toBeLessThan(300);
  });

  it("waits out a short Retry-After once, then creates exactly one task", async () => {
    attio.rateLimitNext(1, 2);

    const { taskId } = await client().createTask(TOKEN, task());

    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(0);
    expect(waits[0]).toBeLessThanOrEqual(2_000);
    expect(attio.requests).toHaveLength(2);
    expect(attio.tasks.map((t) => t.taskId)).toEqual([taskId]);
  });

  it("hands a second 429 to the state machine's retries instead of waiting again", async () => {
    attio.rateLimitNext(2, 1);

    const error = await failure(client().createTask(TOKEN, task()));

    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect(error.message).toMatch(/^attio: rate limited \(HTTP 429\)/);
    expect(waits).toHaveLength(1);
    expect(attio.tasks).toHaveLength(0);
  });

  it("makes no second attempt when it may not wait, not even for a Retry-After already past", async () => {
    attio.rateLimitNext(1, 0);

    const error = await failure(client({ maxRetryAfterMs: 0 }).createTask(TOKEN, task()));

    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect(attio.requests).toHaveLength(1);
  });

  it("does not wait inline for a Retry-After longer than 5 s", async () => {
    attio.rateLimitNext(1, 30);

    const error = await failure(client().createTask(TOKEN, task()));

    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect(waits).toEqual([]);
    expect(attio.requests).toHaveLength(1);
  });

  it.each([503, 408])("retries HTTP %i: Attio did not take the task", async (status) => {
    attio.failNext(1, { status });

    const error = await failure(client().createTask(TOKEN, task()));

    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect(error.message).toMatch(new RegExp(`^attio: HTTP ${status}: `));
    expect(attio.requests).toHaveLength(1);
    expect(attio.tasks).toHaveLength(0);
  });

  it.each([500, 502, 504, 520, 524])(
    "records HTTP %i as outcome_unknown, never retried: a gateway may answer it after Attio created the task",
    async (status) => {
      attio.actThenFailNext(1, { status, body: "<html>Upstream error</html>" });

      const error = await failure(client().createTask(TOKEN, task()));

      expect(error).toBeInstanceOf(PermanentDeliveryError);
      expect(error.message).toBe(
        `outcome_unknown: Attio answered HTTP ${status} after the task was sent, and may have created it; not retried, so it is never created twice`,
      );
      expect(attio.requests).toHaveLength(1);
      expect(attio.tasks).toHaveLength(1);
    },
  );

  it("quotes Attio's own error in an outcome_unknown, without the token", async () => {
    attio.actThenFailNext(1, {
      status: 500,
      body: {
        status_code: 500,
        type: "internal_server_error",
        code: "internal_server_error",
        message: `Oops ${TOKEN}`,
      },
    });

    const error = await failure(client().createTask(TOKEN, task()));

    expect(error.message).toBe(
      "outcome_unknown: Attio answered HTTP 500 (internal_server_error: Oops [redacted]) after the task was sent, and may have created it; not retried, so it is never created twice",
    );
  });

  it("records an answer-less write as outcome_unknown, not retried: the task exists once", async () => {
    attio.stallNext(1, 5_000);

    const error = await failure(client({ requestTimeoutMs: 300 }).createTask(TOKEN, task()));

    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(error.message).toBe(
      "outcome_unknown: attio: no answer within 0.3 s after the task was sent; not retried, so it is never created twice",
    );
    expect(attio.tasks).toHaveLength(1);
    expect(attio.requests).toHaveLength(1);
  });

  it("records a connection dropped after the request was written as outcome_unknown", async () => {
    const { port, server } = await rawServer((socket) => {
      let received = "";
      socket.on("data", (chunk) => {
        received += chunk.toString("utf8");
        // The whole request arrived (Attio might have acted on it); then the line drops.
        if (received.includes('"assignees"')) socket.destroy();
      });
    });
    servers.push(server);

    const error = await failure(client({ baseUrl: `http://127.0.0.1:${port}` }).createTask(TOKEN, task()));

    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(error.message).toMatch(
      /^outcome_unknown: attio: connection lost \(ECONNRESET\) after the task was sent/,
    );
  });

  it("retries a refused connection: nothing was sent", async () => {
    const { port, server } = await rawServer(() => {});
    await new Promise<void>((resolve) => server.close(() => resolve()));

    const error = await failure(client({ baseUrl: `http://127.0.0.1:${port}` }).createTask(TOKEN, task()));

    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect(error.message).toBe("attio: unreachable (ECONNREFUSED); the task was not sent");
  });

  it("retries a TLS handshake that never completes: the request was never written", async () => {
    // Accepts the TCP connection and never answers the ClientHello.
    const { port, server } = await rawServer(() => {});
    servers.push(server);

    const error = await failure(
      client({ baseUrl: `https://127.0.0.1:${port}`, requestTimeoutMs: 300 }).createTask(TOKEN, task()),
    );

    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect(error.message).toBe("attio: unreachable (no connection within 0.3 s); the task was not sent");
  });

  it("counts a success whose body cannot be read as created, with an unknown id", async () => {
    attio.failNext(1, { status: 200, body: "not the usual answer" });

    expect(await client().createTask(TOKEN, task())).toEqual({ taskId: undefined });
  });

  it("refuses a base URL that is not http(s) when it is built", () => {
    expect(() => new HttpAttioClient({ baseUrl: "ftp://attio.example" })).toThrow(/http\(s\) URL/);
    expect(() => new HttpAttioClient({ baseUrl: "not a url" })).toThrow(/http\(s\) URL/);
  });
});
