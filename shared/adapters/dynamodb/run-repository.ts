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
import type { EnterResult, Membership, RunRepository, StepClaim } from "../../ports/runs.js";
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

  async listMemberships(workspaceId: string, momentId: string, page: { limit: number; cursor?: string }) {
    const { pk, skPrefix } = keys.membershipPrefix(workspaceId, momentId);
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: { ":pk": pk, ":prefix": skPrefix },
        Limit: page.limit,
        ...(page.cursor ? { ExclusiveStartKey: decodeCursor(page.cursor, pk) } : {}),
      }),
    );
    const items: Membership[] = (result.Items ?? []).map((item) => ({
      accountId: String(item.accountId),
      status: item.status === "active" ? "active" : "completed",
      runId: String(item.runId),
      startedAt: String(item.startedAt),
      ...(typeof item.endedAt === "string" ? { endedAt: item.endedAt } : {}),
    }));
    return {
      items,
      ...(result.LastEvaluatedKey ? { nextCursor: encodeCursor(result.LastEvaluatedKey) } : {}),
    };
  }

  async getRunStatus(workspaceId: string, runId: string) {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.run(workspaceId, runId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return Item.status === "active" ? ("active" as const) : ("completed" as const);
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
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.run(run.workspaceId, run.runId),
        UpdateExpression: "SET #status = :completed, endedAt = if_not_exists(endedAt, :at)",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":completed": "completed", ":at": at },
      }),
    );
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.membership(run.workspaceId, run.momentId, run.accountId),
          UpdateExpression: "SET #status = :completed, endedAt = :at REMOVE activeRunId",
          // Only the run that holds the membership may release it (a retried completion is a no-op).
          ConditionExpression: "activeRunId = :run",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":completed": "completed", ":at": at, ":run": run.runId },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }
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
