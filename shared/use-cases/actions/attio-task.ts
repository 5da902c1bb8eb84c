import { createHash } from "node:crypto";
import type { StepOutcome } from "../../contracts/workflow.js";
import type { Action } from "../../domain/actions.js";
import { durationToSeconds } from "../../domain/durations.js";
import type { AttioApi, AttioTask } from "../../ports/attio.js";
import type { IntegrationReader } from "../../ports/integrations.js";
import type { ActionPerformer } from "./action.js";

export interface AttioTaskDeps {
  integrations: IntegrationReader;
  attio: AttioApi;
}

type CreateAttioTask = Extract<Action, { type: "create_attio_task" }>;

/** Attio's limit on a task's content. */
export const MAX_TASK_CONTENT = 2000;

/**
 * The last line of a step's task: `moments:` and 16 hex digits of a hash of the workspace, run and
 * step, the same on every attempt. Attio cannot filter tasks by content, so a create in doubt lists
 * the linked record's newest tasks and looks for this line. Short, and says where the task came from.
 */
export function taskMarker(workspaceId: string, runId: string, stepId: string): string {
  const hash = createHash("sha256").update(`${workspaceId}/${runId}/${stepId}`).digest("hex");
  return `moments:${hash.slice(0, 16)}`;
}

/**
 * create_attio_task: a task in the integration's Attio workspace, its content, linked record and
 * assignee rendered for the run, due `deadline` after the step runs.
 *
 * A linked record whose id renders empty fails the step: a task about nobody is noise in the CRM,
 * and Attio would refuse the empty id anyway. An assignee that renders empty (an account without
 * an owner yet) leaves the task unassigned instead — it still shows in the workspace's task list,
 * and the step's detail says so. Content longer than Attio accepts is cut, visibly, rather than
 * refused: most of a reminder beats none.
 *
 * A step's task ends with its marker (taskMarker), so a create whose answer was lost can be looked
 * up before it is made again: found -> executed with the task's id; absent -> safe to create once
 * more. A test send carries none (it has no step to reconcile, and reads as the admin wrote it).
 */
export function attioTaskPerformer(deps: AttioTaskDeps): ActionPerformer<CreateAttioTask> {
  return async (ctx, action) => {
    const { render, run } = ctx;
    // Every field first: an `onMissing: skip|fail` placeholder stops the step before any lookup.
    const rendered = render(action.content).trim();
    const object = action.linkedRecord ? render(action.linkedRecord.object).trim() : undefined;
    const recordId = action.linkedRecord ? render(action.linkedRecord.recordId).trim() : undefined;
    const assigneeId = action.assigneeId === undefined ? undefined : render(action.assigneeId).trim();

    if (rendered === "") {
      return { status: "failed", reason: `empty_content: "${bounded(action.content)}" rendered empty` };
    }
    if (action.linkedRecord && (!object || !recordId)) {
      const field = object ? "recordId" : "object";
      return {
        status: "failed",
        reason: `linked_record_missing: linkedRecord.${field} "${bounded(action.linkedRecord[field])}" rendered empty`,
      };
    }
    const integration = await deps.integrations.getIntegration(run.workspaceId, action.integrationId);
    if (integration?.kind !== "attio") {
      return {
        status: "failed",
        reason: `integration_missing: Attio integration "${action.integrationId}" no longer exists`,
      };
    }

    // A test send creates a real task: it says so, for whoever finds it in the CRM.
    const full = ctx.test ? `[Test] ${rendered}` : rendered;
    const marker = ctx.test ? undefined : taskMarker(run.workspaceId, run.runId, ctx.stepId);
    // The marker stays whole, on a line of its own after a blank one: the content gives way.
    const suffix = marker ? `\n\n${marker}` : "";
    const content = truncate(full, MAX_TASK_CONTENT - suffix.length);
    const linkedRecord = object && recordId ? { object, recordId } : undefined;
    const rendersAnew =
      linkedRecord !== undefined &&
      (object !== action.linkedRecord?.object.trim() || recordId !== action.linkedRecord?.recordId.trim());
    const task: AttioTask = {
      content: content + suffix,
      deadlineAt: action.deadline
        ? new Date(ctx.now.getTime() + durationToSeconds(action.deadline) * 1000).toISOString()
        : null,
      linkedRecords: linkedRecord ? [linkedRecord] : [],
      assigneeIds: assigneeId ? [assigneeId] : [],
      ...(marker && { marker }),
    };
    const notes: Record<string, string> = {
      ...(content !== full ? { contentTruncated: `cut to Attio's ${MAX_TASK_CONTENT} characters` } : {}),
      ...(assigneeId === ""
        ? { unassigned: `assigneeId "${bounded(action.assigneeId ?? "")}" rendered empty` }
        : {}),
    };
    return {
      // The request as Attio gets it, without the integration's token.
      preview: {
        content: task.content,
        deadlineAt: task.deadlineAt,
        linkedRecords: task.linkedRecords,
        assignees: task.assigneeIds,
        ...notes,
      },
      ...(marker && {
        lookUp: async (since: Date): Promise<StepOutcome | undefined> => {
          let found = await deps.attio.findTask(integration.accessToken, {
            marker,
            since,
            ...(linkedRecord && { linkedRecord }),
          });
          // A record rendered from the account's traits may not be the one the attempt linked its
          // task to (the traits changed since): absent from this record's tasks is then confirmed
          // among the workspace's newest before the task is created again.
          if (found.status === "absent" && rendersAnew)
            found = await deps.attio.findTask(integration.accessToken, { marker, since });
          if (found.status === "absent") return undefined;
          if (found.status === "unknown") {
            return {
              status: "failed",
              reason: `outcome_unknown: the task may have been created, and Attio's task list could not tell (${found.reason}); not created again`,
            };
          }
          return { status: "executed", detail: { taskId: found.taskId, reconciled: "task_list", ...notes } };
        },
      }),
      perform: async () => {
        const { taskId } = await deps.attio.createTask(integration.accessToken, task);
        return { status: "executed", detail: { taskId: taskId ?? "unknown", ...notes } };
      },
    };
  };
}

/** A template quoted in a reason: templates are the admin's own text, but reasons stay short. */
function bounded(template: string): string {
  const line = template.replace(/\p{Cc}+/gu, " ");
  return line.length > 100 ? `${line.slice(0, 99)}…` : line;
}

/** At most `max` UTF-16 units (Attio's count or stricter), never splitting a surrogate pair. */
function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = max - 1;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  return `${text.slice(0, cut)}…`;
}
