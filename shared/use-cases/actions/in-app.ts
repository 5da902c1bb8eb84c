import type { ActionTaskPayload, StepOutcome } from "../../contracts/workflow.js";
import { type InboxItem, inboxItemId } from "../../domain/inbox.js";
import { type RenderData, render } from "../../domain/render.js";
import type { Clock } from "../../ports/clock.js";
import type { InboxRepository } from "../../ports/inbox.js";
import type { ProfileRepository } from "../../ports/profiles.js";
import type { ActionPerformers } from "../execute-step.js";

export interface InAppDeps {
  inbox: Pick<InboxRepository, "putItem">;
  profiles: Pick<ProfileRepository, "get" | "getUser">;
  clock: Clock;
}

type Run = ActionTaskPayload["run"];

async function renderData(deps: InAppDeps, run: Run): Promise<RenderData> {
  const [profile, user] = await Promise.all([
    deps.profiles.get(run.workspaceId, run.accountId),
    run.userId ? deps.profiles.getUser(run.workspaceId, run.userId) : undefined,
  ]);
  return { traits: profile?.traits ?? {}, user: user?.traits ?? {}, event: run.trigger.properties };
}

/**
 * Stores the rendered item for the run's account (and user). Its id comes from the run and the
 * step, so an attempt retried after the item was stored finds it there and stores nothing more.
 */
async function store(
  deps: InAppDeps,
  run: Run,
  stepId: string,
  content: Pick<InboxItem, "kind" | "title" | "body" | "url" | "question" | "followUp">,
): Promise<StepOutcome> {
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
}

/** The in-app actions: a notification and a feedback prompt, both delivered through the inbox. */
export function inAppPerformers(deps: InAppDeps): ActionPerformers {
  return {
    send_notification: async (run, action, stepId) => {
      const data = await renderData(deps, run);
      const url = action.url === undefined ? undefined : render(action.url, data).trim();
      // The app will put this in a link: only http(s) or a relative path, never javascript: or data:
      // (a trait value rendered into it must not be able to run script in the app).
      if (url !== undefined && !isSafeLink(url)) {
        return { status: "failed", reason: "unsafe_url: the rendered url is not http(s) or a relative path" };
      }
      return store(deps, run, stepId, {
        kind: "notification",
        title: render(action.title, data),
        body: render(action.body, data),
        ...(url ? { url } : {}),
      });
    },
    feedback_prompt: async (run, action, stepId) => {
      const data = await renderData(deps, run);
      return store(deps, run, stepId, {
        kind: "feedback_prompt",
        question: render(action.question, data),
        ...(action.followUp !== undefined ? { followUp: render(action.followUp, data) } : {}),
      });
    },
  };
}

/** An absolute http(s) URL, or a path relative to the app ("/billing", "settings?tab=plan"). */
export function isSafeLink(url: string): boolean {
  if (/^https?:\/\//i.test(url)) return true;
  // Anything with a scheme (javascript:, data:, vbscript:...) or protocol-relative (//host) is out.
  return !/^[a-z][a-z0-9+.-]*:/i.test(url) && !url.startsWith("//") && !/\p{Cc}/u.test(url);
}
