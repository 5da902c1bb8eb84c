import type { FeedbackAnswer, InboxItem, Reaction } from "../domain/inbox.js";
import type { UserIds } from "../domain/user-token.js";
import type { Page, PageRequest } from "./email-templates.js";

export type AnswerResult = "answered" | "already_answered" | "not_found";

export interface InboxRepository {
  /** Stores a new item; "exists" when an item with its id is already stored (a retried step). */
  putItem(item: InboxItem): Promise<"stored" | "exists">;
  getItem(workspaceId: string, id: string): Promise<InboxItem | undefined>;
  /**
   * One page of the items an account's user sees (account-wide items, and the user's own when
   * `userId` is given), unread first, then newest first. A foreign cursor is a ValidationError.
   */
  listItems(
    workspaceId: string,
    accountId: string,
    userId: string | undefined,
    page: PageRequest,
  ): Promise<Page<InboxItem>>;
  /**
   * Marks an item read once (a second call keeps the first time); undefined when there is none the
   * viewer sees (another account's or user's item is none).
   */
  markRead(workspaceId: string, id: string, viewer: UserIds, at: string): Promise<InboxItem | undefined>;
  /**
   * Records the one answer of a feedback prompt (which also marks it read) together with its stats
   * counter `feedback.<reaction>`, atomically: a second answer changes and counts nothing. A prompt
   * the viewer does not see is "not_found".
   */
  answerFeedback(
    workspaceId: string,
    promptId: string,
    viewer: UserIds,
    answer: { reaction: Reaction; comment?: string; answeredAt: string },
  ): Promise<AnswerResult>;
  /**
   * Records that the user closed a prompt without answering (once; counted in the step's
   * `dismissed`); a dismissed prompt takes no answer. "dismissed" again for a second call.
   */
  dismissPrompt(
    workspaceId: string,
    promptId: string,
    viewer: UserIds,
    at: string,
  ): Promise<"dismissed" | "already_answered" | "not_found">;
  /** A moment's answers, oldest first (or newest first). */
  listFeedback(
    workspaceId: string,
    momentId: string,
    page: PageRequest,
    order?: "oldest" | "newest",
  ): Promise<Page<FeedbackAnswer>>;
}
