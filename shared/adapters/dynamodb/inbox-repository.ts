import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandOutput,
} from "@aws-sdk/lib-dynamodb";
import { keys } from "../../contracts/table.js";
import { ValidationError } from "../../domain/errors.js";
import {
  type FeedbackAnswer,
  type InboxItem,
  isSeenBy,
  isVisibleTo,
  type Reaction,
} from "../../domain/inbox.js";
import { statCounter } from "../../domain/insights.js";
import type { UserIds } from "../../domain/user-token.js";
import type { Page, PageRequest } from "../../ports/email-templates.js";
import type { AnswerResult, InboxRepository } from "../../ports/inbox.js";
import { transactWrite } from "./errors.js";
import { fromItem, queryWorkspaceCollection } from "./item.js";
import { statsUpdate } from "./stats-ops.js";

/** Query rounds one inbox page may use before answering a short page with a cursor. */
const MAX_LIST_READS = 5;

type ListCursor = { p: "U" | "R"; sk?: string };

export class DynamoInboxRepository implements InboxRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async putItem(item: InboxItem): Promise<"stored" | "exists"> {
    if (
      !(await transactWrite(this.db, [
        {
          Put: {
            TableName: this.tableName,
            Item: { ...keys.inboxItem(item.workspaceId, item.id), type: "inbox_item", ...item },
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
        { Put: { TableName: this.tableName, Item: this.entryItem(item) } },
      ]))
    )
      return "exists";
    return "stored";
  }

  async getItem(workspaceId: string, id: string): Promise<InboxItem | undefined> {
    const result = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.inboxItem(workspaceId, id),
        ConsistentRead: true,
      }),
    );
    return result.Item ? fromItem<InboxItem>(result.Item) : undefined;
  }

  async listItems(
    workspaceId: string,
    accountId: string,
    userId: string | undefined,
    page: PageRequest,
  ): Promise<Page<InboxItem>> {
    let cursor: ListCursor | undefined =
      page.cursor === undefined ? { p: "U" } : decodeListCursor(page.cursor);
    const items: InboxItem[] = [];
    // Unread entries first, then read ones; each phase newest first. The filter (the user's items
    // and the account's) may leave a page short: the cursor still says where to go on.
    for (let round = 0; cursor && items.length < page.limit && round < MAX_LIST_READS; round++) {
      const { pk, skPrefix } = keys.inboxEntryPrefix(workspaceId, accountId, cursor.p);
      const result: QueryCommandOutput = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
          ExpressionAttributeValues: { ":pk": pk, ":prefix": skPrefix },
          ScanIndexForward: false,
          Limit: page.limit - items.length,
          ...(cursor.sk !== undefined ? { ExclusiveStartKey: { pk, sk: cursor.sk } } : {}),
        }),
      );
      for (const raw of result.Items ?? []) {
        const item = fromItem<InboxItem>(raw);
        if (isVisibleTo(item, userId)) items.push(item);
      }
      const last = result.LastEvaluatedKey;
      if (last && typeof last.sk === "string") cursor = { p: cursor.p, sk: last.sk };
      else cursor = cursor.p === "U" ? { p: "R" } : undefined;
    }
    return { items, ...(cursor ? { nextCursor: encodeListCursor(cursor) } : {}) };
  }

  async markRead(
    workspaceId: string,
    id: string,
    viewer: UserIds,
    at: string,
  ): Promise<InboxItem | undefined> {
    const item = await this.getItem(workspaceId, id);
    if (!item || !isSeenBy(item, viewer)) return undefined;
    if (item.readAt !== undefined) return item;
    const read: InboxItem = { ...item, readAt: at };
    // Read (or answered) meanwhile: the first time stands.
    if (
      !(await transactWrite(this.db, [
        {
          Update: {
            TableName: this.tableName,
            Key: keys.inboxItem(workspaceId, id),
            UpdateExpression: "SET readAt = :at",
            ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(readAt)",
            ExpressionAttributeValues: { ":at": at },
          },
        },
        ...this.moveToRead(item, read),
        // A prompt read for the first time is a prompt shown: counted with the read, once.
        ...(item.kind === "feedback_prompt"
          ? [
              statsUpdate(this.tableName, workspaceId, item.momentId, item.runId, {
                [statCounter.prompt(item.stepId, "shown")]: 1,
              }),
            ]
          : []),
      ]))
    )
      return this.getItem(workspaceId, id);
    return read;
  }

  async answerFeedback(
    workspaceId: string,
    promptId: string,
    viewer: UserIds,
    answer: { reaction: Reaction; comment?: string; answeredAt: string },
  ): Promise<AnswerResult> {
    const item = await this.getItem(workspaceId, promptId);
    if (item?.kind !== "feedback_prompt" || !isSeenBy(item, viewer)) return "not_found";
    if (item.answeredAt !== undefined || item.dismissedAt !== undefined) return "already_answered";
    const comment = answer.comment !== undefined ? { comment: answer.comment } : {};
    const answered: InboxItem = {
      ...item,
      readAt: item.readAt ?? answer.answeredAt,
      answeredAt: answer.answeredAt,
      reaction: answer.reaction,
      ...comment,
    };
    const feedback: FeedbackAnswer = {
      promptId,
      momentId: item.momentId,
      accountId: item.accountId,
      ...(item.userId !== undefined ? { userId: item.userId } : {}),
      reaction: answer.reaction,
      ...comment,
      answeredAt: answer.answeredAt,
    };
    if (
      !(await transactWrite(this.db, [
        {
          // The answer's lock: only the first answer passes; the counter below moves with it.
          Update: {
            TableName: this.tableName,
            Key: keys.inboxItem(workspaceId, promptId),
            UpdateExpression: `SET answeredAt = :at, reaction = :reaction, readAt = if_not_exists(readAt, :at)${
              answer.comment !== undefined ? ", #comment = :comment" : ""
            }`,
            ConditionExpression:
              "attribute_exists(pk) AND attribute_not_exists(answeredAt) AND attribute_not_exists(dismissedAt)",
            ...(answer.comment !== undefined ? { ExpressionAttributeNames: { "#comment": "comment" } } : {}),
            ExpressionAttributeValues: {
              ":at": answer.answeredAt,
              ":reaction": answer.reaction,
              ...(answer.comment !== undefined ? { ":comment": answer.comment } : {}),
            },
          },
        },
        ...this.moveToRead(item, answered),
        {
          Put: {
            TableName: this.tableName,
            Item: {
              ...keys.feedback(workspaceId, item.momentId, answer.answeredAt, promptId),
              type: "feedback_answer",
              ...feedback,
            },
          },
        },
        statsUpdate(this.tableName, workspaceId, item.momentId, item.runId, {
          [statCounter.feedback(answer.reaction)]: 1,
          [statCounter.prompt(item.stepId, answer.reaction)]: 1,
        }),
      ]))
    )
      return "already_answered";
    return "answered";
  }

  async listFeedback(
    workspaceId: string,
    momentId: string,
    page: PageRequest,
    order: "oldest" | "newest" = "oldest",
  ): Promise<Page<FeedbackAnswer>> {
    const { pk, skPrefix } = keys.feedbackPrefix(workspaceId, momentId);
    return queryWorkspaceCollection<FeedbackAnswer>(
      this.db,
      this.tableName,
      pk,
      skPrefix,
      page,
      order === "newest" ? "descending" : "ascending",
    );
  }

  async dismissPrompt(workspaceId: string, promptId: string, viewer: UserIds, at: string) {
    for (let attempt = 0; attempt < 3; attempt++) {
      const item = await this.getItem(workspaceId, promptId);
      if (item?.kind !== "feedback_prompt" || !isSeenBy(item, viewer)) return "not_found" as const;
      if (item.answeredAt !== undefined) return "already_answered" as const;
      if (item.dismissedAt !== undefined) return "dismissed" as const;
      const dismissed: InboxItem = { ...item, readAt: item.readAt ?? at, dismissedAt: at };
      const done = await transactWrite(this.db, [
        {
          // The dismissal's lock, like an answer's: once, and never after an answer.
          Update: {
            TableName: this.tableName,
            Key: keys.inboxItem(workspaceId, promptId),
            UpdateExpression: "SET dismissedAt = :at, readAt = if_not_exists(readAt, :at)",
            ConditionExpression: `attribute_exists(pk) AND attribute_not_exists(answeredAt) AND attribute_not_exists(dismissedAt) AND ${
              item.readAt === undefined ? "attribute_not_exists(readAt)" : "attribute_exists(readAt)"
            }`,
            ExpressionAttributeValues: { ":at": at },
          },
        },
        ...this.moveToRead(item, dismissed),
        statsUpdate(this.tableName, workspaceId, item.momentId, item.runId, {
          [statCounter.prompt(item.stepId, "dismissed")]: 1,
        }),
      ]);
      if (done) return "dismissed" as const;
      // Answered, dismissed or read meanwhile: look again.
    }
    return "dismissed" as const;
  }

  private entryItem(item: InboxItem) {
    const state = item.readAt === undefined ? "U" : "R";
    return {
      ...keys.inboxEntry(item.workspaceId, item.accountId, state, item.createdAt, item.id),
      type: "inbox_entry",
      ...item,
    };
  }

  /** The listing entry moves from unread to read (a Put of the read copy replaces an older one). */
  private moveToRead(before: InboxItem, after: InboxItem) {
    return [
      {
        Delete: {
          TableName: this.tableName,
          Key: keys.inboxEntry(before.workspaceId, before.accountId, "U", before.createdAt, before.id),
        },
      },
      { Put: { TableName: this.tableName, Item: this.entryItem(after) } },
    ];
  }
}

function encodeListCursor(cursor: ListCursor): string {
  return Buffer.from(JSON.stringify(cursor), "utf8").toString("base64url");
}

/** A cursor names a phase and, within it, an inbox entry's sort key: nothing else is accepted. */
function decodeListCursor(cursor: string): ListCursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (value !== null && typeof value === "object" && "p" in value) {
      const { p } = value;
      const sk = "sk" in value ? value.sk : undefined;
      if (
        (p === "U" || p === "R") &&
        (sk === undefined || (typeof sk === "string" && sk.startsWith(`INBOX#${p}#`) && sk.length <= 1024))
      )
        return sk === undefined ? { p } : { p, sk };
    }
  } catch {
    // Not base64 JSON: answered below like any other foreign cursor.
  }
  throw new ValidationError([{ path: "cursor", message: "is not a cursor from this listing" }]);
}
