import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { keys } from "../../contracts/table.js";
import type { RunContext, StepOutcome } from "../../contracts/workflow.js";
import { ValidationError } from "../../domain/errors.js";
import type {
  EnterResult,
  Membership,
  MembershipStatus,
  RunRef,
  RunRepository,
  RunStatus,
  StepClaim,
} from "../../ports/runs.js";
import { isConditionalCheckFailed } from "./errors.js";

export class DynamoRunRepository implements RunRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async enter(run: RunContext): Promise<EnterResult> {
    const membershipKey = keys.membership(run.workspaceId, run.momentId, run.accountId);
    try {
      // The membership item is the lock: one active run per (moment, account).
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: membershipKey,
          UpdateExpression:
            "SET #type = :type, accountId = :account, #status = :active, runId = :run, activeRunId = :run, startedAt = :at ADD entries :one REMOVE endedAt",
          ConditionExpression:
            "attribute_not_exists(activeRunId) AND (attribute_not_exists(runId) OR runId <> :run)",
          ExpressionAttributeNames: { "#type": "type", "#status": "status" },
          ExpressionAttributeValues: {
            ":type": "membership",
            ":account": run.accountId,
            ":active": "active",
            ":run": run.runId,
            ":at": run.startedAt,
            ":one": 1,
          },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const { Item } = await this.db.send(
        new GetCommand({ TableName: this.tableName, Key: membershipKey, ConsistentRead: true }),
      );
      if (Item?.activeRunId !== run.runId)
        return Item?.runId === run.runId ? "already_ran" : "already_active";
      // Same run again: an earlier attempt entered but may not have got further; carry on idempotently.
    }
    await this.putRunIfAbsent(run);
    return "entered";
  }

  private async putRunIfAbsent(run: RunContext) {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.run(run.workspaceId, run.runId),
            type: "run",
            workspaceId: run.workspaceId,
            momentId: run.momentId,
            momentVersion: run.momentVersion,
            accountId: run.accountId,
            status: "active",
            startedAt: run.startedAt,
            trigger: { event: run.trigger.event, messageId: run.trigger.messageId },
          },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /**
   * With a status, memberships of other statuses are filtered out by DynamoDB after reading, so one
   * query page may hold few matches: we read on until the page is full, but at most
   * MAX_FILTERED_READS queries per call (a moment with a million finished accounts and a handful of
   * active ones must not make one request read them all). A page may therefore hold fewer items
   * than `limit` and still have a `nextCursor`.
   */
  async listMemberships(
    workspaceId: string,
    momentId: string,
    page: { limit: number; cursor?: string; status?: MembershipStatus },
  ) {
    const { pk, skPrefix } = keys.membershipPrefix(workspaceId, momentId);
    const items: Membership[] = [];
    let startKey: Record<string, unknown> | undefined = page.cursor
      ? decodeCursor(page.cursor, pk)
      : undefined;
    let reads = 0;
    do {
      const result = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
          ExpressionAttributeValues: {
            ":pk": pk,
            ":prefix": skPrefix,
            ...(page.status ? { ":status": page.status } : {}),
          },
          ...(page.status
            ? { FilterExpression: "#status = :status", ExpressionAttributeNames: { "#status": "status" } }
            : {}),
          // Never more than the page still needs, so LastEvaluatedKey is exactly where to resume.
          Limit: page.limit - items.length,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of result.Items ?? []) items.push(toMembership(item));
      startKey = result.LastEvaluatedKey;
      reads += 1;
    } while (startKey && items.length < page.limit && reads < MAX_FILTERED_READS);
    return { items, ...(startKey ? { nextCursor: encodeCursor(startKey) } : {}) };
  }

  async getRunStatus(workspaceId: string, runId: string) {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.run(workspaceId, runId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return toStatus(Item.status);
  }

  async claimStep(run: RunContext, stepId: string, at: string): Promise<StepClaim> {
    const key = keys.runStep(run.workspaceId, run.runId, stepId);
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key, type: "run_step", stepId, status: "claimed", claimedAt: at },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return "claimed";
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return Item?.status === "claimed" ? "in_doubt" : "already_done";
  }

  async releaseStep(run: RunContext, stepId: string) {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.runStep(run.workspaceId, run.runId, stepId),
          ConditionExpression: "#status = :claimed",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":claimed": "claimed" },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async recordStep(run: RunContext, stepId: string, outcome: StepOutcome, at: string) {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.runStep(run.workspaceId, run.runId, stepId),
        UpdateExpression:
          "SET #type = :type, stepId = :step, #status = :status, outcome = :outcome, recordedAt = :at",
        ExpressionAttributeNames: { "#type": "type", "#status": "status" },
        ExpressionAttributeValues: {
          ":type": "run_step",
          ":step": stepId,
          ":status": outcome.status,
          ":outcome": outcome,
          ":at": at,
        },
      }),
    );
  }

  async completeRun(run: RunContext, at: string) {
    let outcome: "completed" | "stopped" = "completed";
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.run(run.workspaceId, run.runId),
          UpdateExpression:
            "SET #status = :completed, outcome = :completed, endedAt = if_not_exists(endedAt, :at)",
          // A run stopped with its moment ended there: finishing its (skipped) steps does not undo that.
          ConditionExpression: "attribute_not_exists(#status) OR #status <> :stopped",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":completed": "completed", ":stopped": "stopped", ":at": at },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      outcome = "stopped";
    }
    await this.releaseMembership(run, outcome, at);
  }

  async stopRun(run: RunRef, at: string) {
    try {
      // Run first, membership second: if we die in between, the membership still lists the account
      // as active, so a re-driven sweep finds it and finishes the stop (stopping a stopped run is
      // allowed for exactly that reason).
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.run(run.workspaceId, run.runId),
          UpdateExpression:
            "SET #type = if_not_exists(#type, :type), #status = :stopped, outcome = :stopped, endedAt = if_not_exists(endedAt, :at)",
          // A missing run item is an entry that died before writing it: stopping it there keeps a
          // redelivered event from starting it (its membership answers "already_ran" from now on).
          ConditionExpression: "attribute_not_exists(#status) OR #status IN (:active, :stopped)",
          ExpressionAttributeNames: { "#type": "type", "#status": "status" },
          ExpressionAttributeValues: {
            ":type": "run",
            ":stopped": "stopped",
            ":active": "active",
            ":at": at,
          },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      // The run completed first: its completion releases the membership.
      return "already_ended" as const;
    }
    await this.releaseMembership(run, "stopped", at);
    return "stopped" as const;
  }

  /** Only the run that holds the membership may release it (a retried release is a no-op). */
  private async releaseMembership(run: RunRef, status: "completed" | "stopped", at: string) {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.membership(run.workspaceId, run.momentId, run.accountId),
          UpdateExpression: "SET #status = :status, endedAt = :at REMOVE activeRunId",
          ConditionExpression: "activeRunId = :run",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":status": status, ":at": at, ":run": run.runId },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }
}

/** Query rounds one filtered listing may use before answering a short page with a cursor. */
const MAX_FILTERED_READS = 5;

function toStatus(value: unknown): RunStatus {
  return value === "active" || value === "stopped" ? value : "completed";
}

function toMembership(item: Record<string, unknown>): Membership {
  return {
    accountId: String(item.accountId),
    status: toStatus(item.status),
    runId: String(item.runId),
    startedAt: String(item.startedAt),
    ...(typeof item.endedAt === "string" ? { endedAt: item.endedAt } : {}),
  };
}

function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key), "utf8").toString("base64url");
}

/** A cursor is opaque to clients, but we still check it belongs to this listing before using it. */
function decodeCursor(cursor: string, pk: string): Record<string, unknown> {
  try {
    const key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (key && typeof key === "object" && (key as Record<string, unknown>).pk === pk) {
      const sk = (key as Record<string, unknown>).sk;
      if (typeof sk === "string") return { pk, sk };
    }
  } catch {
    // fall through to the validation error
  }
  throw new ValidationError([{ path: "cursor", message: "is not a cursor from this listing" }]);
}
