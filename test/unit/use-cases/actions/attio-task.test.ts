/**
 * create_attio_task's performer: every field rendered for the run, the deadline counted from when
 * the step runs, what cannot make a sensible task stopped before Attio is called, and no token in
 * what an admin or a step record sees; a step's task carries its marker, by which a create in doubt
 * is looked up (found / absent / Attio cannot tell / a lookup to retry). Attio itself is a recording
 * stub here (the HTTP client has its own tests against the fake server).
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { Action } from "../../../../shared/domain/actions.js";
import { PermanentDeliveryError, TransientDeliveryError } from "../../../../shared/domain/delivery-errors.js";
import { MissingValueError } from "../../../../shared/domain/render.js";
import type { AttioApi, AttioTask, AttioTaskLookup, AttioTaskQuery } from "../../../../shared/ports/attio.js";
import { isPrepared, type PreparedAction } from "../../../../shared/use-cases/actions/action.js";
import {
  attioTaskPerformer,
  MAX_TASK_CONTENT,
  taskMarker,
} from "../../../../shared/use-cases/actions/attio-task.js";
import { performAction, prepareAction } from "../../../support/actions.js";
import { aRun, FakeIntegrations, FakeProfiles, fixedClock } from "../../../support/fakes.js";

type CreateAttioTask = Extract<Action, { type: "create_attio_task" }>;

const RECORD_ID = "891dcbfc-9141-415d-9b2a-2238a6cc012d";
const MEMBER_ID = "50cf242c-7fa3-4cad-87d0-75b1af71c57b";

class RecordingAttio implements AttioApi {
  readonly calls: Array<{ accessToken: string; task: AttioTask }> = [];
  readonly lookups: Array<{ accessToken: string; query: AttioTaskQuery }> = [];
  failWith: Error | undefined;
  lookupAnswer: AttioTaskLookup | Error = { status: "absent" };
  async createTask(accessToken: string, task: AttioTask) {
    if (this.failWith) throw this.failWith;
    this.calls.push({ accessToken, task: structuredClone(task) });
    return { taskId: `task_${this.calls.length}` };
  }
  async findTask(accessToken: string, query: AttioTaskQuery) {
    this.lookups.push({ accessToken, query });
    if (this.lookupAnswer instanceof Error) throw this.lookupAnswer;
    return this.lookupAnswer;
  }
}

let profiles: FakeProfiles;
let integrations: FakeIntegrations;
let attio: RecordingAttio;
let token = "";
const clock = fixedClock("2026-11-21T10:00:00.000Z");

beforeEach(async () => {
  profiles = new FakeProfiles();
  integrations = new FakeIntegrations();
  attio = new RecordingAttio();
  integrations.add("ws_1", "int_attio", "attio");
  integrations.add("ws_1", "int_slack", "slack");
  const stored = await integrations.getIntegration("ws_1", "int_attio");
  token = stored?.kind === "attio" ? stored.accessToken : "";
  await profiles.mergeTraits(
    "ws_1",
    "acct_1",
    { name: "Acme", attio_record_id: RECORD_ID, owner_attio_id: MEMBER_ID },
    "2026-11-20T00:00:00.000Z",
  );
});

const performer = () => attioTaskPerformer({ integrations, attio });
const deps = () => ({ profiles, clock });

const action = (overrides: Partial<CreateAttioTask> = {}): CreateAttioTask => ({
  type: "create_attio_task",
  integrationId: "int_attio",
  content: "Call {account.name} about the failed payment of {event.amount|some amount}",
  deadline: { amount: 3, unit: "days" },
  linkedRecord: { object: "companies", recordId: "{account.attio_record_id}" },
  assigneeId: "{account.owner_attio_id}",
  ...overrides,
});

const run = (properties: Record<string, unknown> = { amount: "€49" }) =>
  aRun({ trigger: { ...aRun().trigger, properties } });

/** The marker of step `s1` of `run()` (every attempt at it computes the same). */
const MARKER = taskMarker(run().workspaceId, run().runId, "s1");
/** The content a step's task is sent with: the rendered text, a blank line, the marker. */
const marked = (text: string) => `${text}\n\n${MARKER}`;

async function prepared(overrides: Partial<CreateAttioTask> = {}): Promise<PreparedAction> {
  const result = await prepareAction(performer(), deps(), run(), action(overrides));
  if (!isPrepared(result)) throw new Error("a prepared action is expected");
  return result;
}

describe("create_attio_task", () => {
  it("creates the rendered task, due the deadline after the step runs, with the integration's token", async () => {
    const outcome = await performAction(performer(), deps(), run(), action());

    expect(outcome).toEqual({ status: "executed", detail: { taskId: "task_1" } });
    expect(attio.calls).toEqual([
      {
        accessToken: token,
        task: {
          content: marked("Call Acme about the failed payment of €49"),
          deadlineAt: "2026-11-24T10:00:00.000Z",
          linkedRecords: [{ object: "companies", recordId: RECORD_ID }],
          assigneeIds: [MEMBER_ID],
          marker: MARKER,
        },
      },
    ]);
  });

  it("sends no deadline, no link and no assignee when the action has none", async () => {
    await performAction(
      performer(),
      deps(),
      run(),
      action({ deadline: undefined, linkedRecord: undefined, assigneeId: undefined }),
    );

    expect(attio.calls[0]?.task).toEqual({
      content: marked("Call Acme about the failed payment of €49"),
      deadlineAt: null,
      linkedRecords: [],
      assigneeIds: [],
      marker: MARKER,
    });
  });

  it("previews the rendered request without the access token, and sends nothing", async () => {
    const prepared = await prepareAction(
      performer(),
      deps(),
      run(),
      action({ deadline: { amount: 2, unit: "hours" } }),
    );

    if (!isPrepared(prepared)) throw new Error("a prepared action is expected");
    expect(prepared.preview).toEqual({
      content: marked("Call Acme about the failed payment of €49"),
      deadlineAt: "2026-11-21T12:00:00.000Z",
      linkedRecords: [{ object: "companies", recordId: RECORD_ID }],
      assignees: [MEMBER_ID],
    });
    expect(JSON.stringify(prepared.preview)).not.toContain(token);
    expect(attio.calls).toEqual([]);
  });

  it("fails without calling Attio when the linked record's id renders empty", async () => {
    const outcome = await performAction(
      performer(),
      deps(),
      run(),
      action({ linkedRecord: { object: "companies", recordId: "{account.crm_id}" } }),
    );

    expect(outcome).toEqual({
      status: "failed",
      reason: 'linked_record_missing: linkedRecord.recordId "{account.crm_id}" rendered empty',
    });
    expect(attio.calls).toEqual([]);
  });

  it("leaves the task unassigned, and says so, when the assignee renders empty", async () => {
    const outcome = await performAction(
      performer(),
      deps(),
      run(),
      action({ assigneeId: "{account.csm_attio_id}" }),
    );

    expect(outcome).toEqual({
      status: "executed",
      detail: { taskId: "task_1", unassigned: 'assigneeId "{account.csm_attio_id}" rendered empty' },
    });
    expect(attio.calls[0]?.task.assigneeIds).toEqual([]);
    expect(attio.calls[0]?.task.linkedRecords).toHaveLength(1);
  });

  it("fails without calling Attio when the content renders empty", async () => {
    const outcome = await performAction(performer(), deps(), run(), action({ content: " {event.note} " }));

    expect(outcome).toEqual({ status: "failed", reason: 'empty_content: " {event.note} " rendered empty' });
    expect(attio.calls).toEqual([]);
  });

  it("lets a missing placeholder skip the step under onMissing: skip, before anything is looked up", async () => {
    const attempt = performAction(
      performer(),
      deps(),
      run(),
      action({ integrationId: "gone", assigneeId: "{account.csm_attio_id}" }),
      "s1",
      { onMissing: "skip" },
    );

    await expect(attempt).rejects.toThrow(MissingValueError);
    await expect(attempt).rejects.toMatchObject({ policy: "skip", placeholders: ["account.csm_attio_id"] });
    expect(attio.calls).toEqual([]);
  });

  it("fails with integration_missing when the integration is gone or is not an Attio one", async () => {
    for (const integrationId of ["gone", "int_slack"]) {
      const outcome = await performAction(performer(), deps(), run(), action({ integrationId }));
      expect(outcome).toEqual({
        status: "failed",
        reason: `integration_missing: Attio integration "${integrationId}" no longer exists`,
      });
    }
    expect(attio.calls).toEqual([]);
  });

  it("cuts content longer than Attio accepts, without splitting a character or the marker, and records it", async () => {
    const room = MAX_TASK_CONTENT - `\n\n${MARKER}`.length;
    const long = `${"a".repeat(room - 2)}😀😀 and more`;
    const outcome = await performAction(
      performer(),
      deps(),
      run({ note: long }),
      action({ content: "{event.note}" }),
    );

    const sent = attio.calls[0]?.task.content ?? "";
    expect(sent.length).toBeLessThanOrEqual(MAX_TASK_CONTENT);
    expect(sent).toBe(marked(`${"a".repeat(room - 2)}…`));
    expect(outcome).toMatchObject({
      status: "executed",
      detail: { contentTruncated: "cut to Attio's 2000 characters" },
    });
  });

  it("marks a test send's task as a test in its content, with no marker and nothing to look up", async () => {
    const test = await prepareAction(performer(), deps(), run(), action(), "s1", { test: true });
    if (!isPrepared(test)) throw new Error("a prepared action is expected");
    await test.perform();

    expect(attio.calls[0]?.task).toMatchObject({
      content: "[Test] Call Acme about the failed payment of €49",
    });
    expect(attio.calls[0]?.task.marker).toBeUndefined();
    expect(test.lookUp).toBeUndefined();
  });

  it("lets the client's delivery errors through for the step to record or retry", async () => {
    attio.failWith = new PermanentDeliveryError("attio: not_found: Record not found.");

    await expect(performAction(performer(), deps(), run(), action())).rejects.toThrow(
      "attio: not_found: Record not found.",
    );
  });
});

describe("a step's marker", () => {
  it("is a short last line, the same on every attempt at a step and different for any other step, run or workspace", () => {
    expect(MARKER).toMatch(/^moments:[0-9a-f]{16}$/);
    expect(taskMarker(run().workspaceId, run().runId, "s1")).toBe(MARKER);
    expect(
      new Set([
        MARKER,
        taskMarker(run().workspaceId, run().runId, "s2"),
        taskMarker(run().workspaceId, "run_other", "s1"),
        taskMarker("ws_other", run().runId, "s1"),
      ]).size,
    ).toBe(4);
  });
});

describe("create_attio_task in doubt", () => {
  const since = new Date("2026-11-21T09:55:00.000Z");

  it("looks among the linked record's tasks since the attempt for the step's marker, with the token", async () => {
    attio.lookupAnswer = { status: "found", taskId: "649e34f4-c39a-4f4d-99ef-48a36bef8f04" };

    await (await prepared()).lookUp?.(since);

    expect(attio.lookups).toEqual([
      {
        accessToken: token,
        query: { marker: MARKER, since, linkedRecord: { object: "companies", recordId: RECORD_ID } },
      },
    ]);
    expect(attio.calls).toEqual([]);
  });

  it("confirms a marker absent from the record's tasks among the workspace's (the record may render differently now)", async () => {
    await (await prepared()).lookUp?.(since);

    expect(attio.lookups.map((lookup) => lookup.query)).toEqual([
      { marker: MARKER, since, linkedRecord: { object: "companies", recordId: RECORD_ID } },
      { marker: MARKER, since },
    ]);
    expect(attio.calls).toEqual([]);
  });

  it("does not confirm an absence among the workspace's tasks when the linked record is fixed", async () => {
    await (await prepared({ linkedRecord: { object: "companies", recordId: RECORD_ID } })).lookUp?.(since);

    expect(attio.lookups.map((lookup) => lookup.query)).toEqual([
      { marker: MARKER, since, linkedRecord: { object: "companies", recordId: RECORD_ID } },
    ]);
  });

  it("records the task found as executed, with its id", async () => {
    attio.lookupAnswer = { status: "found", taskId: "649e34f4-c39a-4f4d-99ef-48a36bef8f04" };

    expect(await (await prepared()).lookUp?.(since)).toEqual({
      status: "executed",
      detail: { taskId: "649e34f4-c39a-4f4d-99ef-48a36bef8f04", reconciled: "task_list" },
    });
  });

  it("answers nothing to record when no task carries the marker: the task is safe to create once more", async () => {
    attio.lookupAnswer = { status: "absent" };

    expect(await (await prepared()).lookUp?.(since)).toBeUndefined();
    expect(attio.calls).toEqual([]);
  });

  it("lets a lookup that failed for now through, for the state machine to retry", async () => {
    attio.lookupAnswer = new TransientDeliveryError("attio: HTTP 503 listing tasks");

    await expect((await prepared()).lookUp?.(since)).rejects.toThrow(TransientDeliveryError);
  });

  it("fails as outcome_unknown, never creating it again, when Attio will not list the tasks", async () => {
    attio.lookupAnswer = {
      status: "unknown",
      reason: "attio: missing_scopes: Missing required scopes. listing tasks",
    };

    expect(await (await prepared()).lookUp?.(since)).toEqual({
      status: "failed",
      reason:
        "outcome_unknown: the task may have been created, and Attio's task list could not tell (attio: missing_scopes: Missing required scopes. listing tasks); not created again",
    });
  });

  it("looks through the workspace's newest tasks for a task linked to no record", async () => {
    attio.lookupAnswer = { status: "found", taskId: "t_1" };

    const outcome = await (await prepared({ linkedRecord: undefined })).lookUp?.(since);

    expect(attio.lookups[0]?.query).toEqual({ marker: MARKER, since });
    expect(outcome).toMatchObject({ status: "executed", detail: { taskId: "t_1" } });
  });
});
