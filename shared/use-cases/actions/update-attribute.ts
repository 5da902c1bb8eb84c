import type { BusDetail } from "../../contracts/bus-details.js";
import type { StepOutcome } from "../../contracts/workflow.js";
import type { Action } from "../../domain/actions.js";
import { attributeChangedDetails, diffTraits } from "../../domain/identify.js";
import type { Clock } from "../../ports/clock.js";
import type { ProfileRepository } from "../../ports/profiles.js";
import type { MessageLog } from "../match-event.js";
import type { ActionPerformer } from "./action.js";

export interface UpdateAttributeDeps {
  profiles: ProfileRepository;
  publisher: { publish(details: BusDetail[]): Promise<void> };
  messages: Pick<MessageLog, "stash">;
  clock: Clock;
}

type UpdateAttribute = Extract<Action, { type: "update_attribute" }>;

/**
 * Sets an account or user attribute (a string value is rendered; null unsets it) and puts an
 * `attribute_changed` event on the bus when the value changed, so moments chain ("completed
 * onboarding" starts the next one). The change is decided once and kept against the step (an
 * outbox), so a retry after a failed publish still publishes it, with the same messageId.
 */
export function updateAttributePerformer(deps: UpdateAttributeDeps): ActionPerformer<UpdateAttribute> {
  return async (ctx, action) => {
    const { run } = ctx;
    if (action.scope === "user" && !run.userId) {
      return { status: "skipped", reason: "no_user: the run's trigger had no userId" };
    }
    const value = typeof action.value === "string" ? ctx.render(action.value) : action.value;
    return {
      preview: { scope: action.scope, attribute: action.attribute, value },
      perform: async (): Promise<StepOutcome> => {
        const before = (action.scope === "account" ? ctx.data.traits : ctx.data.user) ?? {};
        const at = deps.clock.now().toISOString();
        const cause = {
          workspaceId: run.workspaceId,
          sourceId: run.trigger.sourceId ?? "",
          // Deterministic per step: the change event's messageId dedupes downstream across retries.
          messageId: ctx.idempotencyKey,
          accountId: run.accountId,
          ...(run.userId ? { userId: run.userId } : {}),
          timestamp: at,
          receivedAt: at,
        };
        const decided = attributeChangedDetails(
          cause,
          action.scope,
          diffTraits(before, { [action.attribute]: value }),
        );
        const changes = await deps.messages.stash(run.workspaceId, cause.messageId, decided, at);
        if (action.scope === "account") {
          await deps.profiles.mergeTraits(run.workspaceId, run.accountId, { [action.attribute]: value }, at);
        } else if (run.userId) {
          await deps.profiles.mergeUserTraits(
            run.workspaceId,
            run.userId,
            { [action.attribute]: value },
            at,
            run.accountId,
          );
        }
        // A test send sets the attribute but starts nothing: an attribute_changed event would start
        // chained moments for a real account, which could email or message real people.
        if (changes.length > 0 && !ctx.test) await deps.publisher.publish(changes);
        return {
          status: "executed",
          detail: {
            attribute: action.attribute,
            scope: action.scope,
            changed: String(changes.length > 0),
            ...(ctx.test && changes.length > 0 ? { attributeChanged: "not emitted (test send)" } : {}),
          },
        };
      },
    };
  };
}
