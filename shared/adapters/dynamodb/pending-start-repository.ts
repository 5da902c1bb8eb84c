import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { EventReceivedDetail } from "../../contracts/bus.js";
import { expiresAtFor, INSIGHT_TTL_SECONDS, type ItemKey, keys } from "../../contracts/table.js";
import {
  type ArmResult,
  GATE_MARGIN_MS,
  type PendingStart,
  type PendingStartRepository,
} from "../../ports/pending-starts.js";
import { isConditionalCheckFailed } from "./errors.js";

export class DynamoPendingStartRepository implements PendingStartRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async arm(
    pending: PendingStart & { workspaceId: string; accountId: string },
    at: string,
  ): Promise<ArmResult> {
    const { workspaceId, accountId, momentId, runKey, token, dueAt, trigger, gate } = pending;
    const Key = keys.pendingStart(workspaceId, accountId, momentId, runKey);
    try {
      // One write that keeps the name of the gate already waiting for the start (if_not_exists): a
      // re-arm that replaced the item and then wrote that name in a second write lost to a re-arm
      // between the two (adds arriving together), which restarted a gate by a name that never ran.
      const { Attributes: old } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key,
          UpdateExpression: [
            "SET #type = :type, momentId = :momentId, #token = :token, dueAt = :dueAt, #trigger = :trigger,",
            "triggerTimestamp = :ts, armedAt = :at, expiresAt = :expiresAt",
            runKey === undefined ? "" : ", runKey = :runKey",
            gate === undefined ? "" : ", gate = if_not_exists(gate, :gate)",
            // A cancellation's tombstone becomes an armed start again.
            "REMOVE cancelledAt",
          ].join(" "),
          // Events are not processed in order: an older trigger never replaces a newer one, and a
          // trigger from before a cancellation (an unless event that happened after it) never arms.
          ConditionExpression:
            "attribute_not_exists(pk) OR ((attribute_not_exists(triggerTimestamp) OR triggerTimestamp <= :ts) AND (attribute_not_exists(cancelledAt) OR cancelledAt < :ts))",
          ExpressionAttributeNames: { "#type": "type", "#token": "token", "#trigger": "trigger" },
          ExpressionAttributeValues: {
            ":type": "pending_start",
            ":momentId": momentId,
            ":token": token,
            ":dueAt": dueAt,
            ":trigger": trigger,
            ":ts": trigger.timestamp,
            ":at": at,
            // Long after any gate could still open it: a leftover never lingers.
            ":expiresAt": expiresAtFor(dueAt, INSIGHT_TTL_SECONDS),
            ...(runKey === undefined ? {} : { ":runKey": runKey }),
            ...(gate === undefined ? {} : { ":gate": gate }),
          },
          ReturnValues: "ALL_OLD",
        }),
      );
      const waiting = typeof old?.gate === "string" ? old.gate : undefined;
      // Re-armed over an earlier trigger whose gate has not woken yet: that gate waits on.
      if (
        typeof old?.token === "string" &&
        old.token !== token &&
        typeof old.dueAt === "string" &&
        Date.parse(old.dueAt) > Date.parse(at) + GATE_MARGIN_MS
      ) {
        // A start armed before gates were named: the item now names this trigger's gate, which
        // never runs; unname it, so later re-arms fall back to the earlier trigger's gate as before.
        if (waiting === undefined && gate !== undefined) await this.setGate(Key, token, undefined, gate);
        return {
          rearmed: {
            momentId,
            ...(runKey === undefined ? {} : { runKey }),
            token: old.token,
            dueAt: old.dueAt,
            trigger: old.trigger as EventReceivedDetail,
            ...(waiting === undefined ? {} : { gate: waiting }),
          },
        };
      }
      // Armed anew, or over a start whose gate may be opening it now: this trigger starts a gate of
      // its own, which the item must name for the next re-arm (rare; if a re-arm comes in between,
      // it restarts the old gate by name, a no-op, and this gate still opens the start once).
      if (gate !== undefined && waiting !== undefined && waiting !== gate)
        await this.setGate(Key, token, gate);
      return "armed";
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
    // Refused (rare: an event out of order). Why, from the item that refused it: a cancellation at
    // or after this trigger, else a newer trigger. Both only move forward, so the answer holds.
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key, ConsistentRead: true }),
    );
    return typeof Item?.cancelledAt === "string" && Item.cancelledAt >= trigger.timestamp
      ? "unless_event"
      : "newer_trigger";
  }

  /**
   * Names the start's gate (or, with `unless`, removes that name), if the start is still this
   * trigger's: a later re-arm that got there first keeps its own view.
   */
  private async setGate(key: ItemKey, token: string, gate: string | undefined, unless?: string) {
    await this.db
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          ...(gate === undefined
            ? {
                UpdateExpression: "REMOVE gate",
                ConditionExpression: "#token = :token AND gate = :unless",
                ExpressionAttributeValues: { ":token": token, ":unless": unless },
              }
            : {
                UpdateExpression: "SET gate = :gate",
                ConditionExpression: "#token = :token",
                ExpressionAttributeValues: { ":gate": gate, ":token": token },
              }),
          ExpressionAttributeNames: { "#token": "token" },
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionalCheckFailed(error)) throw error;
      });
  }

  async current(workspaceId: string, accountId: string, momentId: string, runKey: string | undefined) {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.pendingStart(workspaceId, accountId, momentId, runKey),
        ConsistentRead: true,
        ProjectionExpression: "#token, dueAt",
        ExpressionAttributeNames: { "#token": "token" },
      }),
    );
    // A cancellation's tombstone has no token: nothing is armed.
    return typeof Item?.token === "string" && typeof Item.dueAt === "string"
      ? { token: Item.token, dueAt: Item.dueAt }
      : undefined;
  }

  async peek(
    workspaceId: string,
    accountId: string,
    momentId: string,
    runKey: string | undefined,
    token: string,
  ) {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.pendingStart(workspaceId, accountId, momentId, runKey),
        ConsistentRead: true,
      }),
    );
    return Item?.token === token ? (Item.trigger as EventReceivedDetail) : undefined;
  }

  async cancel(
    workspaceId: string,
    accountId: string,
    momentId: string,
    runKey: string | undefined,
    at: string,
  ) {
    try {
      const { Attributes } = await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          // A tombstone: no token, so no gate opens it; it remembers when the unless event happened.
          Item: {
            ...keys.pendingStart(workspaceId, accountId, momentId, runKey),
            type: "pending_start",
            momentId,
            ...(runKey === undefined ? {} : { runKey }),
            cancelledAt: at,
            expiresAt: expiresAtFor(at, INSIGHT_TTL_SECONDS),
          },
          // Only what happened before the unless event is cancelled; a later trigger stays armed.
          ConditionExpression:
            "attribute_not_exists(pk) OR ((attribute_not_exists(triggerTimestamp) OR triggerTimestamp <= :at) AND (attribute_not_exists(cancelledAt) OR cancelledAt <= :at))",
          ExpressionAttributeValues: { ":at": at },
          ReturnValues: "ALL_OLD",
        }),
      );
      return typeof Attributes?.token === "string";
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async take(
    workspaceId: string,
    accountId: string,
    momentId: string,
    runKey: string | undefined,
    token: string,
  ) {
    try {
      const { Attributes } = await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.pendingStart(workspaceId, accountId, momentId, runKey),
          ConditionExpression: "#token = :token",
          ExpressionAttributeNames: { "#token": "token" },
          ExpressionAttributeValues: { ":token": token },
          ReturnValues: "ALL_OLD",
        }),
      );
      return Attributes?.trigger as EventReceivedDetail | undefined;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }
}
