import type { StepOutcome } from "../../contracts/workflow.js";
import { type InboxItem, inboxItemId } from "../../domain/inbox.js";
import { isSafeLink } from "../../domain/links.js";
import type { Clock } from "../../ports/clock.js";
import type { InboxRepository } from "../../ports/inbox.js";
import type { ActionContext, ActionPerformers, PreparedAction } from "./action.js";

export interface InAppDeps {
  inbox: Pick<InboxRepository, "putItem">;
  clock: Clock;
}

type Content = Pick<InboxItem, "kind" | "title" | "body" | "url" | "question" | "followUp">;

/**
 * Stores the rendered item for the run's account (and user). Its id comes from the run and the
 * step, so an attempt retried after the item was stored finds it there and stores nothing more.
 */
function store(deps: InAppDeps, ctx: ActionContext, content: Content): PreparedAction {
  const { run, stepId } = ctx;
  return {
    preview: { ...content },
    perform: async (): Promise<StepOutcome> => {
      const id = inboxItemId(run.runId, stepId);
      await deps.inbox.putItem({
        id,
        workspaceId: run.workspaceId,
        accountId: run.accountId,
        ...(run.userId !== undefined ? { userId: run.userId } : {}),
        momentId: run.momentId,
        runId: run.runId,
        stepId,
        ...content,
        createdAt: deps.clock.now().toISOString(),
      });
      return { status: "executed", detail: { inboxItemId: id } };
    },
  };
}

/** The in-app actions: a notification and a feedback prompt, both delivered through the inbox. */
export function inAppPerformers(deps: InAppDeps): ActionPerformers {
  return {
    send_notification: async (ctx, action) => {
      const url = action.url === undefined ? undefined : ctx.render(action.url).trim();
      // The app will put this in a link: only http(s) or a relative path, never javascript: or data:
      // (a trait value rendered into it must not be able to run script in the app).
      if (url !== undefined && !isSafeLink(url)) {
        return { status: "failed", reason: "unsafe_url: the rendered url is not http(s) or a relative path" };
      }
      return store(deps, ctx, {
        kind: "notification",
        title: ctx.render(action.title),
        body: ctx.render(action.body),
        ...(url ? { url } : {}),
      });
    },
    feedback_prompt: async (ctx, action) =>
      store(deps, ctx, {
        kind: "feedback_prompt",
        question: ctx.render(action.question),
        ...(action.followUp !== undefined ? { followUp: ctx.render(action.followUp) } : {}),
      }),
  };
}
