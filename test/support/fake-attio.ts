/**
 * A small stand-in for Attio's REST API on localhost, as far as the create_attio_task action uses
 * it, with `Authorization: Bearer <token>`:
 * - `POST /v2/tasks` with a JSON body checked field by field against what Attio documents (unknown
 *   fields refused), answering 200 with `{ data: <task> }`;
 * - `GET /v2/tasks?limit=&offset=&sort=&linked_object=&linked_record_id=&assignee=&is_completed=`,
 *   answering `{ data: [<task>...] }` (no paging metadata, as Attio): the workspace's tasks, oldest
 *   first unless `sort=created_at:desc`, those linked to the given record only when
 *   `linked_object` (an object slug) and `linked_record_id` are given (one without the other is a
 *   400), `limit` (default 500) from `offset` (default 0);
 * where a task reads `{ id: { workspace_id, task_id }, content_plaintext, deadline_at,
 * is_completed, linked_records: [{ target_object_id, target_record_id }], assignees,
 * created_by_actor, created_at }`. Errors are Attio's `{ status_code, type, code, message }`: 401
 * for a missing or unknown token, 400 `validation_type` for a malformed body or query, 404
 * `not_found` for a record or workspace member the workspace does not have. It can be told to
 * answer the next requests with an error (503, 429 with Retry-After as Attio sends it: an HTTP
 * date), or, for the next creates, to create the task and then answer an error (a gateway in front
 * of Attio failing after Attio acted), hold its answer (a response timeout after the write) or
 * drop the connection without an answer (a response lost after the write).
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import * as z from "zod/mini";
import { listen, readBody } from "./http-fake.js";

export interface FakeAttioRequest {
  method: string;
  path: string;
  /** The path and query, as received. */
  url: string;
  authorization: string | undefined;
  contentType: string | undefined;
  /** The raw body, as received. */
  body: string;
}

export interface FakeAttioTask {
  workspaceId: string;
  taskId: string;
  content: string;
  deadlineAt: string | null;
  isCompleted: boolean;
  linkedRecords: Array<{ target_object: string; target_record_id: string }>;
  assignees: Array<{ referenced_actor_type: string; referenced_actor_id: string }>;
  createdAt: string;
  /** The api-token actor that created it (Attio's `created_by_actor.id`). */
  createdBy: string;
}

export interface FakeAttioFailure {
  status: number;
  /** JSON body; defaults to Attio's error shape for the status. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeAttioWorkspace {
  /** Record ids per object slug; when given, a linked record outside them is 404. */
  records?: Record<string, string[]>;
  /** Workspace-member ids; when given, an assignee outside them is 404. */
  members?: string[];
}

export interface FakeAttio {
  /** Use as ATTIO_API_BASE_URL (`<url>/v2/tasks`). */
  baseUrl: string;
  readonly requests: FakeAttioRequest[];
  readonly tasks: FakeAttioTask[];
  /** A workspace reached with this access token; any other token is 401. */
  addWorkspace(accessToken: string, workspace?: FakeAttioWorkspace): { workspaceId: string };
  /** Answer the next `count` requests with this error instead of handling them. */
  failNext(count: number, failure: FakeAttioFailure): void;
  /** Answer the next `count` requests with 429 and a Retry-After date this many seconds ahead. */
  rateLimitNext(count: number, retryAfterSeconds: number): void;
  /** Create the next `count` tasks as usual, then answer this error instead (a gateway's 502, 504...). */
  actThenFailNext(count: number, failure: FakeAttioFailure): void;
  /** Create the next `count` tasks as usual, then hold each answer `ms` (the client gives up first). */
  stallNext(count: number, ms: number): void;
  /** Create the next `count` tasks as usual, then close the connection without answering. */
  actThenDropNext(count: number): void;
  /** Forget requests, tasks and queued failures (workspaces stay). */
  reset(): void;
  stop(): Promise<void>;
}

const ERROR_TYPES: Record<number, { type: string; code: string; message: string }> = {
  400: { type: "invalid_request_error", code: "validation_type", message: "Body payload validation error." },
  401: { type: "authentication_error", code: "invalid_api_key", message: "Invalid API key." },
  403: { type: "authentication_error", code: "missing_scopes", message: "Missing required scopes." },
  404: { type: "invalid_request_error", code: "not_found", message: "Not found." },
  429: {
    type: "rate_limit_error",
    code: "rate_limit_exceeded",
    message: "Rate limit exceeded, please try again later",
  },
  500: { type: "internal_server_error", code: "internal_server_error", message: "Internal server error." },
  503: { type: "service_unavailable_error", code: "service_unavailable", message: "Service unavailable." },
};

const attioError = (status: number, message?: string) => {
  const known = ERROR_TYPES[status] ?? { type: "api_error", code: "unknown", message: `HTTP ${status}` };
  return { status_code: status, type: known.type, code: known.code, message: message ?? known.message };
};

const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/** The create-task body, exactly: every field Attio requires, nothing else, the shapes moments sends. */
const createTaskBody = z.strictObject({
  data: z.strictObject({
    content: z.string().check(z.minLength(1), z.maxLength(2000)),
    format: z.literal("plaintext"),
    deadline_at: z.nullable(
      z.string().check(z.refine((value) => ISO_DATETIME.test(value) && !Number.isNaN(Date.parse(value)))),
    ),
    is_completed: z.boolean(),
    linked_records: z.array(
      z.strictObject({ target_object: z.string().check(z.minLength(1)), target_record_id: z.uuid() }),
    ),
    assignees: z.array(
      z.strictObject({ referenced_actor_type: z.literal("workspace-member"), referenced_actor_id: z.uuid() }),
    ),
  }),
});

type Planned =
  | { kind: "fail"; failure: FakeAttioFailure }
  | { kind: "act-then-fail"; failure: FakeAttioFailure }
  | { kind: "stall"; ms: number }
  | { kind: "act-then-drop" };

/** `GET /v2/tasks`'s query, as Attio documents it (unknown parameters are ignored, as by Attio). */
const listTasksQuery = z.object({
  limit: z.optional(z.string().check(z.regex(/^\d{1,4}$/))),
  offset: z.optional(z.string().check(z.regex(/^\d{1,9}$/))),
  sort: z.optional(z.enum(["created_at:asc", "created_at:desc"])),
  linked_object: z.optional(z.string().check(z.minLength(1))),
  linked_record_id: z.optional(z.string().check(z.minLength(1))),
  assignee: z.optional(z.string()),
  is_completed: z.optional(z.enum(["true", "false"])),
});

/** A task as Attio's API shows it. */
const wireTask = (task: FakeAttioTask) => ({
  id: { workspace_id: task.workspaceId, task_id: task.taskId },
  content_plaintext: task.content,
  deadline_at: task.deadlineAt,
  is_completed: task.isCompleted,
  linked_records: task.linkedRecords.map((link) => ({
    target_object_id: link.target_object,
    target_record_id: link.target_record_id,
  })),
  assignees: task.assignees,
  created_by_actor: { type: "api-token", id: task.createdBy },
  created_at: task.createdAt,
});

export async function startFakeAttio(options: { host?: string } = {}): Promise<FakeAttio> {
  const host = options.host ?? "127.0.0.1";
  const workspaces = new Map<string, FakeAttioWorkspace & { workspaceId: string }>();
  const requests: FakeAttioRequest[] = [];
  const tasks: FakeAttioTask[] = [];
  const planned: Planned[] = [];
  const stalled = new Set<ServerResponse>();
  const tokenActor = randomUUID();

  /** `GET /v2/tasks`: the workspace's tasks, filtered, sorted and paged as Attio does. */
  const listTasks = (workspaceId: string, params: URLSearchParams): [number, unknown] => {
    const query = listTasksQuery.safeParse(Object.fromEntries(params));
    if (!query.success) {
      return [
        400,
        {
          ...attioError(400, "Query parameter validation error."),
          validation_errors: query.error.issues.map((issue) => ({
            path: issue.path,
            message: issue.message,
          })),
        },
      ];
    }
    const { limit, offset, sort, linked_object, linked_record_id, assignee, is_completed } = query.data;
    if ((linked_object === undefined) !== (linked_record_id === undefined)) {
      return [400, attioError(400, "linked_object and linked_record_id must be given together.")];
    }
    const matching = tasks
      .map((task, index) => ({ task, index }))
      .filter(
        ({ task }) =>
          task.workspaceId === workspaceId &&
          (linked_object === undefined ||
            task.linkedRecords.some(
              (link) => link.target_object === linked_object && link.target_record_id === linked_record_id,
            )) &&
          (assignee === undefined || task.assignees.some((a) => a.referenced_actor_id === assignee)) &&
          (is_completed === undefined || String(task.isCompleted) === is_completed),
      )
      .sort((a, b) => a.task.createdAt.localeCompare(b.task.createdAt) || a.index - b.index);
    if (sort === "created_at:desc") matching.reverse();
    const from = Number(offset ?? 0);
    const page = matching.slice(from, from + Number(limit ?? 500));
    return [200, { data: page.map(({ task }) => wireTask(task)) }];
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const url = new URL(req.url ?? "/", `http://${host}`);
    const path = url.pathname;
    requests.push({
      method: req.method ?? "",
      path,
      url: req.url ?? "/",
      authorization: req.headers.authorization,
      contentType: req.headers["content-type"],
      body,
    });
    const creates = req.method === "POST" && path === "/v2/tasks";
    // An error answers the next request, whichever; what acts first waits for the next create.
    const plan = planned[0]?.kind === "fail" || creates ? planned.shift() : undefined;
    if (plan?.kind === "fail") {
      const { status, body: failureBody, headers } = plan.failure;
      return send(res, status, failureBody ?? attioError(status), headers);
    }

    const lists = req.method === "GET" && path === "/v2/tasks";
    if (!creates && !lists) {
      return send(res, 404, attioError(404, `Could not find route ${req.method} ${path}.`));
    }
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
    const workspace = token === undefined ? undefined : workspaces.get(token);
    if (!workspace) return send(res, 401, attioError(401));
    if (lists) return send(res, ...listTasks(workspace.workspaceId, url.searchParams));
    if (!/^application\/json(;|$)/.test(req.headers["content-type"] ?? "")) {
      return send(res, 400, attioError(400, "Content-Type must be application/json."));
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return send(res, 400, attioError(400, "Body is not valid JSON."));
    }
    const parsed = createTaskBody.safeParse(json);
    if (!parsed.success) {
      return send(res, 400, {
        ...attioError(400),
        validation_errors: parsed.error.issues.map((issue) => ({ path: issue.path, message: issue.message })),
      });
    }
    const data = parsed.data.data;
    for (const link of data.linked_records) {
      const known = workspace.records;
      if (known === undefined) continue;
      if (!(link.target_object in known)) {
        return send(res, 404, attioError(404, `Object with slug/ID "${link.target_object}" not found.`));
      }
      if (!known[link.target_object]?.includes(link.target_record_id)) {
        return send(res, 404, attioError(404, `Record with ID "${link.target_record_id}" not found.`));
      }
    }
    for (const assignee of data.assignees) {
      if (workspace.members && !workspace.members.includes(assignee.referenced_actor_id)) {
        return send(
          res,
          404,
          attioError(404, `Workspace member with ID "${assignee.referenced_actor_id}" not found.`),
        );
      }
    }
    const task: FakeAttioTask = {
      workspaceId: workspace.workspaceId,
      taskId: randomUUID(),
      content: data.content,
      deadlineAt: data.deadline_at,
      isCompleted: data.is_completed,
      linkedRecords: data.linked_records,
      assignees: data.assignees,
      createdAt: new Date().toISOString(),
      createdBy: tokenActor,
    };
    tasks.push(task);
    const answer = { data: wireTask(task) };
    if (plan?.kind === "act-then-drop") {
      // The task exists; the connection closes before any answer (a reset, to the client).
      res.socket?.destroy();
      return;
    }
    if (plan?.kind === "act-then-fail") {
      const { status, body: failureBody, headers } = plan.failure;
      return send(res, status, failureBody ?? attioError(status), headers);
    }
    if (plan?.kind === "stall") {
      // The task exists; the answer comes too late for the client (or never, if it hung up).
      stalled.add(res);
      const timer = setTimeout(() => {
        stalled.delete(res);
        if (!res.destroyed) send(res, 200, answer);
      }, plan.ms);
      res.on("close", () => {
        clearTimeout(timer);
        stalled.delete(res);
      });
      return;
    }
    return send(res, 200, answer);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, attioError(500));
    });
  });
  const { port, stop } = await listen(server, host);

  return {
    baseUrl: `http://${host}:${port}`,
    requests,
    tasks,
    addWorkspace(accessToken, workspace = {}) {
      const workspaceId = randomUUID();
      workspaces.set(accessToken, { ...structuredClone(workspace), workspaceId });
      return { workspaceId };
    },
    failNext(count, failure) {
      for (let i = 0; i < count; i++) planned.push({ kind: "fail", failure });
    },
    rateLimitNext(count, retryAfterSeconds) {
      for (let i = 0; i < count; i++) {
        planned.push({
          kind: "fail",
          failure: {
            status: 429,
            // Attio's Retry-After is the date the limit resets, computed when the 429 is sent.
            get headers() {
              return { "retry-after": new Date(Date.now() + retryAfterSeconds * 1000).toUTCString() };
            },
          },
        });
      }
    },
    actThenFailNext(count, failure) {
      for (let i = 0; i < count; i++) planned.push({ kind: "act-then-fail", failure });
    },
    stallNext(count, ms) {
      for (let i = 0; i < count; i++) planned.push({ kind: "stall", ms });
    },
    actThenDropNext(count) {
      for (let i = 0; i < count; i++) planned.push({ kind: "act-then-drop" });
    },
    reset() {
      requests.length = 0;
      tasks.length = 0;
      planned.length = 0;
    },
    stop: () => {
      for (const res of stalled) res.destroy();
      return stop();
    },
  };
}
