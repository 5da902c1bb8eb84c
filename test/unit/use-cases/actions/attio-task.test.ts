/**
 * create_attio_task's performer: every field rendered for the run, the deadline counted from when
 * the step runs, what cannot make a sensible task stopped before Attio is called, and no token in
 * what an admin or a step record sees. Attio itself is a recording stub here (the HTTP client has
 * its own tests against the fake server).
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { Action } from "../../../../shared/domain/actions.js";
import { PermanentDeliveryError } from "../../../../shared/domain/delivery-errors.js";
import { MissingValueError } from "../../../../shared/domain/render.js";
import type { AttioApi, AttioTask } from "../../../../shared/ports/attio.js";
import { isPrepared } from "../../../../shared/use-cases/actions/action.js";
import { attioTaskPerformer, MAX_TASK_CONTENT } from "../../../../shared/use-cases/actions/attio-task.js";
import { performAction, prepareAction } from "../../../support/actions.js";
import { aRun, FakeIntegrations, FakeProfiles, fixedClock } from "../../../support/fakes.js";

type CreateAttioTask = Extract<Action, { type: "create_attio_task" }>;

const RECORD_ID = "891dcbfc-9141-415d-9b2a-2238a6cc012d";
const MEMBER_ID = "50cf242c-7fa3-4cad-87d0-75b1af71c57b";

class RecordingAttio implements AttioApi {
  readonly calls: Array<{ accessToken: string; task: AttioTask }> = [];
  failWith: Error | undefined;
  async createTask(accessToken: string, task: AttioTask) {
    if (this.failWith) throw this.failWith;
    this.calls.push({ accessToken, task: structuredClone(task) });
    return { taskId: `task_${this.calls.length}` };
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

describe("create_attio_task", () => {
  it("creates the rendered task, due the deadline after the step runs, with the integration's token", async () => {
    const outcome = await performAction(performer(), deps(), run(), action());

    expect(outcome).toEqual({ status: "executed", detail: { taskId: "task_1" } });
    expect(attio.calls).toEqual([
      {
        accessToken: token,
        task: {
          content: "Call Acme about the failed payment of €49",
          deadlineAt: "2026-11-24T10:00:00.000Z",
          linkedRecords: [{ object: "companies", recordId: RECORD_ID }],
          assigneeIds: [MEMBER_ID],
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
      content: "Call Acme about the failed payment of €49",
      deadlineAt: null,
      linkedRecords: [],
      assigneeIds: [],
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
      content: "Call Acme about the failed payment of €49",
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

  it("cuts content longer than Attio accepts, without splitting a character, and records it", async () => {
    const long = `${"a".repeat(MAX_TASK_CONTENT - 2)}😀😀 and more`;
    const outcome = await performAction(
      performer(),
      deps(),
      run({ note: long }),
      action({ content: "{event.note}" }),
    );

    const sent = attio.calls[0]?.task.content ?? "";
    expect(sent.length).toBeLessThanOrEqual(MAX_TASK_CONTENT);
    expect(sent).toBe(`${"a".repeat(MAX_TASK_CONTENT - 2)}…`);
    expect(outcome).toMatchObject({
      status: "executed",
      detail: { contentTruncated: "cut to Attio's 2000 characters" },
    });
  });

  it("marks a test send's task as a test in its content", async () => {
    await performAction(performer(), deps(), run(), action(), "s1", { test: true });

    expect(attio.calls[0]?.task.content).toBe("[Test] Call Acme about the failed payment of €49");
  });

  it("lets the client's delivery errors through for the step to record or retry", async () => {
    attio.failWith = new PermanentDeliveryError("attio: not_found: Record not found.");

    await expect(performAction(performer(), deps(), run(), action())).rejects.toThrow(
      "attio: not_found: Record not found.",
    );
  });
});
