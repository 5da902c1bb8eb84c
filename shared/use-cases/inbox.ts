import { ConflictError, NotFoundError, ValidationError } from "../domain/errors.js";
import { inboxItemIdSchema, parseFeedbackAnswer, parseInboxQuery, toInboxView } from "../domain/inbox.js";
import type { UserIds } from "../domain/user-token.js";
import type { Clock } from "../ports/clock.js";
import type { InboxRepository } from "../ports/inbox.js";
import type { WriteKeyOwner } from "../ports/keys.js";
import type { MomentRepository } from "../ports/moments.js";
import { authenticateUser } from "./authenticate.js";
import { getMoment } from "./moment-lookup.js";
import { mapPage, parsePageQuery } from "./paging.js";

export interface InboxDeps {
  inbox: InboxRepository;
  clock: Clock;
}

type Owner = Pick<WriteKeyOwner, "workspaceId" | "identitySecrets">;

/**
 * Every inbox route names its user as `?accountId=&userId=` and proves it with the user token: the
 * write key alone (public in a web page) reads and answers nobody's inbox.
 */
function verifiedViewer(
  deps: InboxDeps,
  owner: Owner,
  query: Record<string, string | undefined>,
  userToken: string | undefined,
): UserIds {
  const viewer = parseInboxQuery(query);
  authenticateUser(owner, userToken, viewer, deps.clock.now());
  return viewer;
}

/** An id that cannot be an inbox item's is answered like an unknown one: 404, not 400. */
function itemId(id: string): string {
  if (!inboxItemIdSchema.safeParse(id).success) throw new NotFoundError("No such inbox item");
  return id;
}

/** `GET /v1/inbox?accountId=&userId=`: unread first, then newest, paginated. */
export async function listInbox(
  deps: InboxDeps,
  owner: Owner,
  query: Record<string, string | undefined>,
  userToken: string | undefined,
) {
  const { accountId, userId } = verifiedViewer(deps, owner, query, userToken);
  const page = await deps.inbox.listItems(owner.workspaceId, accountId, userId, parsePageQuery(query));
  return mapPage(page, toInboxView);
}

/**
 * `POST /v1/inbox/{id}/read?accountId=&userId=`: idempotent; the first read time stands. Another
 * user's item is as unknown as another workspace's (404).
 */
export async function markInboxItemRead(
  deps: InboxDeps,
  owner: Owner,
  id: string,
  query: Record<string, string | undefined>,
  userToken: string | undefined,
) {
  const viewer = verifiedViewer(deps, owner, query, userToken);
  const item = await deps.inbox.markRead(
    owner.workspaceId,
    itemId(id),
    viewer,
    deps.clock.now().toISOString(),
  );
  if (!item) throw new NotFoundError("No such inbox item");
  return toInboxView(item);
}

/**
 * `POST /v1/feedback?accountId=&userId=`: the prompt's one answer, counted in the moment's stats with
 * it. A prompt of another workspace or user (or a notification's id) is 404; a second answer is 409
 * and counts nothing.
 */
export async function answerFeedback(
  deps: InboxDeps,
  owner: Owner,
  body: unknown,
  query: Record<string, string | undefined>,
  userToken: string | undefined,
) {
  const viewer = verifiedViewer(deps, owner, query, userToken);
  const input = parseFeedbackAnswer(body);
  const answeredAt = deps.clock.now().toISOString();
  const result = await deps.inbox.answerFeedback(owner.workspaceId, input.promptId, viewer, {
    reaction: input.reaction,
    ...(input.comment !== undefined ? { comment: input.comment } : {}),
    answeredAt,
  });
  if (result === "not_found") throw new NotFoundError("No such feedback prompt");
  if (result === "already_answered")
    throw new ConflictError("This feedback prompt was already answered or dismissed");
  return {
    promptId: input.promptId,
    reaction: input.reaction,
    ...(input.comment !== undefined ? { comment: input.comment } : {}),
    answeredAt,
  };
}

/**
 * `POST /v1/inbox/{id}/dismiss?accountId=&userId=`: the user closed the prompt without answering;
 * counted once in the step's `dismissed`. Dismissing twice is fine; an answered prompt is a 409.
 */
export async function dismissPrompt(
  deps: InboxDeps,
  owner: Owner,
  id: string,
  query: Record<string, string | undefined>,
  userToken: string | undefined,
) {
  const viewer = verifiedViewer(deps, owner, query, userToken);
  const result = await deps.inbox.dismissPrompt(
    owner.workspaceId,
    itemId(id),
    viewer,
    deps.clock.now().toISOString(),
  );
  if (result === "not_found") throw new NotFoundError("No such feedback prompt");
  if (result === "already_answered") throw new ConflictError("This feedback prompt was already answered");
  const item = await deps.inbox.getItem(owner.workspaceId, id);
  if (!item) throw new NotFoundError("No such feedback prompt");
  return toInboxView(item);
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
