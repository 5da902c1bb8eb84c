/**
 * The in-app inbox: notifications and feedback prompts a moment's steps leave for an account (and
 * optionally one of its users), which the app reads with its write key. Pure rules: ids, what the
 * app sees, which items a user sees, and the feedback answer's validation.
 */
import { createHash } from "node:crypto";
import * as z from "zod/mini";
import { ValidationError } from "./errors.js";
import { accountIdSchema, userIdSchema } from "./event.js";
import { idSchema } from "./primitives.js";
import { parseOrThrow } from "./validation.js";

export const reactions = ["positive", "neutral", "frustrated"] as const;
export type Reaction = (typeof reactions)[number];

export type InboxKind = "notification" | "feedback_prompt";

/** A stored inbox item: what the step rendered, where it came from, and what the app did with it. */
export interface InboxItem {
  id: string;
  workspaceId: string;
  accountId: string;
  /** Set when the run had a user: only that user sees the item. Without one, every user does. */
  userId?: string;
  momentId: string;
  runId: string;
  stepId: string;
  kind: InboxKind;
  title?: string;
  body?: string;
  url?: string;
  question?: string;
  followUp?: string;
  createdAt: string;
  readAt?: string;
  /** Feedback prompts, once answered. */
  answeredAt?: string;
  /** Feedback prompts closed without an answer (they take none afterwards). */
  dismissedAt?: string;
  reaction?: Reaction;
  comment?: string;
}

/** One answer of a moment's feedback prompt, as the admin lists it. */
export interface FeedbackAnswer {
  promptId: string;
  momentId: string;
  accountId: string;
  userId?: string;
  reaction: Reaction;
  comment?: string;
  answeredAt: string;
}

/**
 * The inbox item id of a run's step: the same for every attempt of the step, so a retried task
 * stores the item once. Hashed so the id reveals neither the run nor the step, and is URL-safe.
 */
export function inboxItemId(runId: string, stepId: string): string {
  return createHash("sha256").update(`${runId}\u0000${stepId}`).digest("base64url").slice(0, 32);
}

export const inboxItemIdSchema = idSchema;

/** What the app sees of an item: no run, step or moment internals. */
export function toInboxView(item: InboxItem) {
  const { workspaceId: _ws, accountId: _a, userId: _u, momentId: _m, runId: _r, stepId: _s, ...view } = item;
  return view;
}

/** An account-wide item is every user's; a user's item is only that user's (never the account's). */
export function isVisibleTo(item: Pick<InboxItem, "userId">, userId: string | undefined): boolean {
  return item.userId === undefined || item.userId === userId;
}

/** Whether the viewer's inbox holds the item: its account's, and account-wide or the viewer's own. */
export function isSeenBy(
  item: Pick<InboxItem, "accountId" | "userId">,
  viewer: { accountId: string; userId?: string | undefined },
): boolean {
  return item.accountId === viewer.accountId && isVisibleTo(item, viewer.userId);
}

/** Unread first, then newest first, then by id (a total order). */
export function compareInboxItems(a: InboxItem, b: InboxItem): number {
  const unread = Number(a.readAt !== undefined) - Number(b.readAt !== undefined);
  if (unread !== 0) return unread;
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

const inboxQuerySchema = z.object({ accountId: accountIdSchema, userId: z.optional(userIdSchema) });

/** `?accountId=` (required) and `?userId=` of the inbox listing. */
export function parseInboxQuery(query: Record<string, string | undefined>) {
  return parseOrThrow(inboxQuerySchema, { accountId: query.accountId, userId: query.userId });
}

/** `POST /v1/feedback`'s body (parsed by parseFeedbackAnswer, which adds the comment rule). */
export const feedbackAnswerSchema = z.strictObject({
  promptId: inboxItemIdSchema,
  reaction: z.enum(reactions),
  comment: z.optional(z.string().check(z.trim(), z.maxLength(2000))),
});

export type FeedbackAnswerInput = { promptId: string; reaction: Reaction; comment?: string };

/**
 * `{ promptId, reaction, comment? }`. A comment is the follow-up of a neutral or frustrated
 * reaction; sent with a positive one it is a 400 rather than silently dropped. An empty comment
 * counts as none.
 */
export function parseFeedbackAnswer(body: unknown): FeedbackAnswerInput {
  const input = parseOrThrow(feedbackAnswerSchema, body);
  const comment = input.comment === "" ? undefined : input.comment;
  if (comment !== undefined && input.reaction === "positive") {
    throw new ValidationError([
      { path: "comment", message: "is only accepted with a neutral or frustrated reaction" },
    ]);
  }
  return {
    promptId: input.promptId,
    reaction: input.reaction,
    ...(comment !== undefined ? { comment } : {}),
  };
}
