/**
 * HttpAttioClient against the local fake of Attio's API (test/support/fake-attio.ts), and against
 * raw sockets for the failures a server cannot answer: real HTTP on localhost, with waits injected
 * so Retry-After costs no time. What is asserted is the exactly-once promise: retry only what Attio
 * certainly did not act on, never a request whose outcome is unknown.
 */
import { randomUUID } from "node:crypto";
import { createServer as createTcpServer, type Server, type Socket } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type AttioClientOptions,
  HttpAttioClient,
  LOOKUP_PAGE_SIZE,
} from "../../../shared/adapters/attio-client.js";
import {
  AmbiguousDeliveryError,
  PermanentDeliveryError,
  TransientDeliveryError,
} from "../../../shared/domain/delivery-errors.js";
import type { AttioTask } from "../../../shared/ports/attio.js";
import { type FakeAttio, startFakeAttio } from "../../support/fake-attio.js";

const TOKEN = "attio_tok_0123456789abcdefghijklmnop";
const RECORD_ID = randomUUID();
const OTHER_RECORD_ID = randomUUID();
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
    records: { companies: [RECORD_ID, OTHER_RECORD_ID], people: [] },
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

describe("HttpAttioClient.createTask of a task with a marker", () => {
  const MARKER = "moments:0123456789abcdef";
  const marked = () => task({ content: `Call Acme\n\n${MARKER}`, marker: MARKER });

  it.each([
    ["a 502 after Attio created it", () => attio.actThenFailNext(1, { status: 502 })],
    ["a 500", () => attio.actThenFailNext(1, { status: 500 })],
    ["a connection closed after the request", () => attio.actThenDropNext(1)],
  ])("is in doubt, to be looked up, after %s", async (_what, fault) => {
    fault();

    const error = await failure(client().createTask(TOKEN, marked()));

    expect(error).toBeInstanceOf(AmbiguousDeliveryError);
    expect(error.message).not.toMatch(/outcome_unknown|not retried/);
    expect(error.message).not.toContain(TOKEN);
    expect(attio.tasks).toHaveLength(1);
    expect(attio.requests).toHaveLength(1);
  });

  it("is in doubt when no answer came in time", async () => {
    attio.stallNext(1, 5_000);

    const error = await failure(client({ requestTimeoutMs: 300 }).createTask(TOKEN, marked()));

    expect(error).toBeInstanceOf(AmbiguousDeliveryError);
    expect(error.message).toBe("attio: no answer within 0.3 s after the task was sent");
  });

  it("is still retried on a 503 and refused for good on a 404: neither is in doubt", async () => {
    attio.failNext(1, { status: 503 });
    expect(await failure(client().createTask(TOKEN, marked()))).toBeInstanceOf(TransientDeliveryError);
    const missing = randomUUID();
    const refused = await failure(
      client().createTask(TOKEN, {
        ...marked(),
        linkedRecords: [{ object: "companies", recordId: missing }],
      }),
    );
    expect(refused).toBeInstanceOf(PermanentDeliveryError);
  });
});

describe("HttpAttioClient.findTask", () => {
  const MARKER = "moments:fedcba9876543210";
  const since = () => new Date(Date.now() - 60_000);
  const linkedRecord = { object: "companies", recordId: RECORD_ID };

  /** Creates `count` tasks on the record (oldest first), the last `withMarker` carrying the marker. */
  async function seed(count: number, options: { marker?: boolean; recordId?: string } = {}) {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const last = i === count - 1;
      const content = last && options.marker ? `Task ${i}\n\n${MARKER}` : `Task ${i}`;
      const created = await client().createTask(
        TOKEN,
        task({
          content,
          linkedRecords: [{ object: "companies", recordId: options.recordId ?? RECORD_ID }],
        }),
      );
      ids.push(created.taskId ?? "");
    }
    attio.requests.length = 0;
    return ids;
  }

  it("lists the linked record's tasks newest first, a page at a time, with the token only in the header", async () => {
    const ids = await seed(3, { marker: true });

    const found = await client().findTask(TOKEN, { marker: MARKER, linkedRecord, since: since() });

    expect(found).toEqual({ status: "found", taskId: ids[2] });
    expect(attio.requests).toHaveLength(1);
    const [request] = attio.requests;
    expect(request).toMatchObject({ method: "GET", path: "/v2/tasks", authorization: `Bearer ${TOKEN}` });
    expect(Object.fromEntries(new URL(request?.url ?? "", "http://x").searchParams)).toEqual({
      sort: "created_at:desc",
      limit: String(LOOKUP_PAGE_SIZE),
      offset: "0",
      linked_object: "companies",
      linked_record_id: RECORD_ID,
    });
  });

  it("finds the marker behind the first page, reading the next one", async () => {
    const ids = await seed(1, { marker: true });
    await seed(LOOKUP_PAGE_SIZE + 5);

    const found = await client().findTask(TOKEN, { marker: MARKER, linkedRecord, since: since() });

    expect(found).toEqual({ status: "found", taskId: ids[0] });
    expect(attio.requests.map((r) => new URL(r.url, "http://x").searchParams.get("offset"))).toEqual([
      "0",
      String(LOOKUP_PAGE_SIZE),
    ]);
  });

  it("answers absent when the record's tasks do not carry the marker, after one short page", async () => {
    await seed(2);

    expect(await client().findTask(TOKEN, { marker: MARKER, linkedRecord, since: since() })).toEqual({
      status: "absent",
    });
    expect(attio.requests).toHaveLength(1);
  });

  it("reads no further than the first task created before the attempt", async () => {
    await seed(LOOKUP_PAGE_SIZE + 5);

    const found = await client().findTask(TOKEN, {
      marker: MARKER,
      linkedRecord,
      since: new Date(Date.now() + 60_000),
    });

    expect(found).toEqual({ status: "absent" });
    expect(attio.requests).toHaveLength(1);
  });

  it("cannot tell when more tasks were created since the attempt than it reads", async () => {
    await seed(2 * LOOKUP_PAGE_SIZE + 1);

    const found = await client({ lookupPages: 2 }).findTask(TOKEN, {
      marker: MARKER,
      linkedRecord,
      since: since(),
    });

    expect(found).toEqual({
      status: "unknown",
      reason: `attio: more than ${2 * LOOKUP_PAGE_SIZE} tasks created since the attempt to read through`,
    });
    expect(attio.requests).toHaveLength(2);
  });

  it("does not mistake another record's task for this one's", async () => {
    await seed(1, { marker: true, recordId: OTHER_RECORD_ID });

    expect(await client().findTask(TOKEN, { marker: MARKER, linkedRecord, since: since() })).toEqual({
      status: "absent",
    });
  });

  it("lists the workspace's newest tasks for a task linked to no record", async () => {
    const ids = await seed(1, { marker: true });

    expect(await client().findTask(TOKEN, { marker: MARKER, since: since() })).toEqual({
      status: "found",
      taskId: ids[0],
    });
    const params = new URL(attio.requests[0]?.url ?? "", "http://x").searchParams;
    expect(params.has("linked_object")).toBe(false);
    expect(params.has("linked_record_id")).toBe(false);
  });

  it.each([500, 502, 503, 504, 408])(
    "retries a lookup answered HTTP %i: a read is safe to repeat",
    async (status) => {
      attio.failNext(1, { status });

      const error = await failure(client().findTask(TOKEN, { marker: MARKER, linkedRecord, since: since() }));

      expect(error).toBeInstanceOf(TransientDeliveryError);
      expect(error.message).toBe(`attio: HTTP ${status} listing tasks`);
    },
  );

  it("retries a rate-limited lookup later, without waiting inline", async () => {
    attio.rateLimitNext(1, 1);

    const error = await failure(client().findTask(TOKEN, { marker: MARKER, linkedRecord, since: since() }));

    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect(error.message).toMatch(/^attio: rate limited \(HTTP 429\) listing tasks/);
    expect(waits).toEqual([]);
  });

  it("retries a lookup that got no answer in time", async () => {
    const { port, server } = await rawServer(() => {});
    servers.push(server);

    const error = await failure(
      client({ baseUrl: `http://127.0.0.1:${port}`, lookupTimeoutMs: 200 }).findTask(TOKEN, {
        marker: MARKER,
        linkedRecord,
        since: since(),
      }),
    );

    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect(error.message).toBe("attio: no answer within 0.2 s listing tasks");
  });

  it("retries a lookup answered with a body that is not Attio's list", async () => {
    attio.failNext(1, { status: 200, body: { something: "else" } });

    expect(
      await failure(client().findTask(TOKEN, { marker: MARKER, linkedRecord, since: since() })),
    ).toBeInstanceOf(TransientDeliveryError);
  });

  it("cannot tell when Attio refuses to list tasks, saying why without the token", async () => {
    attio.failNext(1, {
      status: 403,
      body: {
        status_code: 403,
        type: "authentication_error",
        code: "missing_scopes",
        message: `No ${TOKEN}`,
      },
    });

    expect(await client().findTask(TOKEN, { marker: MARKER, linkedRecord, since: since() })).toEqual({
      status: "unknown",
      reason:
        "attio: missing_scopes: No [redacted] listing tasks (the access token needs read access to tasks: task:read, or task:read-write)",
    });
  });
});
