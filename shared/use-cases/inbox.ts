import { ConflictError, NotFoundError, ValidationError } from "../domain/errors.js";
import { inboxItemIdSchema, parseFeedbackAnswer, parseInboxQuery, toInboxView } from "../domain/inbox.js";
import type { Clock } from "../ports/clock.js";
import type { InboxRepository } from "../ports/inbox.js";
import type { WriteKeyOwner } from "../ports/keys.js";
import type { MomentRepository } from "../ports/moments.js";
import { getMoment } from "./moments.js";
import { mapPage, parsePageQuery } from "./paging.js";

export interface InboxDeps {
  inbox: InboxRepository;
  clock: Clock;
}

type Owner = Pick<WriteKeyOwner, "workspaceId">;

/** An id that cannot be an inbox item's is answered like an unknown one: 404, not 400. */
function itemId(id: string): string {
  if (!inboxItemIdSchema.safeParse(id).success) throw new NotFoundError("No such inbox item");
  return id;
}

/** `GET /v1/inbox?accountId=&userId=`: unread first, then newest, paginated. */
export async function listInbox(deps: InboxDeps, owner: Owner, query: Record<string, string | undefined>) {
  const { accountId, userId } = parseInboxQuery(query);
  const page = await deps.inbox.listItems(owner.workspaceId, accountId, userId, parsePageQuery(query));
  return mapPage(page, toInboxView);
}

/** `POST /v1/inbox/{id}/read`: idempotent; the first read time stands. */
export async function markInboxItemRead(deps: InboxDeps, owner: Owner, id: string) {
  const item = await deps.inbox.markRead(owner.workspaceId, itemId(id), deps.clock.now().toISOString());
  if (!item) throw new NotFoundError("No such inbox item");
  return toInboxView(item);
}

/**
 * `POST /v1/feedback`: the prompt's one answer, counted in the moment's stats with it. A prompt of
 * another workspace (or a notification's id) is 404; a second answer is 409 and counts nothing.
 */
export async function answerFeedback(deps: InboxDeps, owner: Owner, body: unknown) {
  const input = parseFeedbackAnswer(body);
  const answeredAt = deps.clock.now().toISOString();
  const result = await deps.inbox.answerFeedback(owner.workspaceId, input.promptId, {
    reaction: input.reaction,
    ...(input.comment !== undefined ? { comment: input.comment } : {}),
    answeredAt,
  });
  if (result === "not_found") throw new NotFoundError("No such feedback prompt");
  if (result === "already_answered") throw new ConflictError("This feedback prompt was already answered");
  return {
    promptId: input.promptId,
    reaction: input.reaction,
    ...(input.comment !== undefined ? { comment: input.comment } : {}),
    answeredAt,
  };
}

export interface FeedbackListDeps {
  inbox: Pick<InboxRepository, "listFeedback">;
  moments: Pick<MomentRepository, "getMoment">;
}

/**
 * `GET /v1/admin/moments/{id}/feedback`: the moment's answers with their comments, oldest first
 * (`?order=newest`: the latest first).
 */
export async function listMomentFeedback(
  deps: FeedbackListDeps,
  workspaceId: string,
  momentId: string,
  query: Record<string, string | undefined>,
) {
  const page = parsePageQuery(query);
  const order = query.order ?? "oldest";
  if (order !== "oldest" && order !== "newest")
    throw new ValidationError([{ path: "order", message: "must be oldest or newest" }]);
  await getMoment(deps, workspaceId, momentId);
  const result = await deps.inbox.listFeedback(workspaceId, momentId, page, order);
  return mapPage(result, ({ momentId: _m, ...answer }) => answer);
}
