import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { type ItemKey, keys, sortKeyPrefix } from "../../contracts/table.js";
import { eventCountKey } from "../../domain/identify.js";
import type {
  PreviousTraits,
  Profile,
  ProfileRepository,
  TouchResult,
  UserProfile,
} from "../../ports/profiles.js";
import { failedConditions, isConditionalCheckFailed, withConflictRetries } from "./errors.js";
import { queryAll } from "./item.js";
import { touchMarker } from "./message-log.js";

type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/**
 * An account's activity per event name (`count`, `lastSeenAt`) is a small item of its own beside the
 * profile (keys.profileEventCount), so counting an event, which every event does, writes one unit
 * however large the account's traits grow (DynamoDB bills an update by the item's whole size, per
 * started KB, and twice in a transaction). Profiles written before kept them on the profile item as
 * `eventCount#<key>` attributes and one `lastSeenAt`: still read, and added to the items' figures.
 */
const EVENT_COUNT_PREFIX = "eventCount#";

/** Identity attributes written when a profile item is created: a value placeholder per attribute. */
type Identity = Record<"workspaceId" | "accountId" | "userId", string | undefined>;

export class DynamoProfileRepository implements ProfileRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async mergeTraits(workspaceId: string, accountId: string, traits: Record<string, unknown>, at: string) {
    if (Object.keys(traits).length === 0) return {};
    return this.merge(
      keys.profile(workspaceId, accountId),
      "profile",
      { workspaceId, accountId, userId: undefined },
      traits,
      at,
      `account ${accountId}`,
    );
  }

  async mergeUserTraits(
    workspaceId: string,
    userId: string,
    traits: Record<string, unknown>,
    at: string,
    accountId?: string,
  ) {
    const key = keys.userProfile(workspaceId, userId);
    if (Object.keys(traits).length > 0) {
      return this.merge(
        key,
        "userProfile",
        { workspaceId, accountId, userId },
        traits,
        at,
        `user ${userId}`,
        {
          alwaysSetAccount: accountId !== undefined,
        },
      );
    }
    // No traits: only link the user to its account (an identify with a userId and no traits).
    if (accountId !== undefined) {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: "SET #type = :type, workspaceId = :ws, userId = :user, accountId = :account",
          ExpressionAttributeNames: { "#type": "type" },
          ExpressionAttributeValues: {
            ":type": "userProfile",
            ":ws": workspaceId,
            ":user": userId,
            ":account": accountId,
          },
        }),
      );
    }
    return {};
  }

  /**
   * Shallow merge in one conditional write per case: set the given traits inside an existing map
   * (returning their old values: UPDATED_OLD projects exactly the updated paths, and leaves out the
   * ones that had no value), or create the map when the profile is new (no old values). A single
   * expression cannot do both: DynamoDB refuses overlapping paths like `traits` and `traits.plan`.
   * A lost race between two first writes retries.
   */
  private async merge(
    key: ItemKey,
    type: string,
    identity: Identity,
    traits: Record<string, unknown>,
    at: string,
    what: string,
    options: { alwaysSetAccount?: boolean } = {},
  ): Promise<PreviousTraits> {
    const entries = Object.entries(traits);
    const account = options.alwaysSetAccount ? ", accountId = :account" : "";
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const { Attributes } = await this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: `SET ${entries.map((_, i) => `traits.#t${i} = :t${i}`).join(", ")}, updatedAt = :at${account}`,
            ConditionExpression: "attribute_exists(traits)",
            ExpressionAttributeNames: Object.fromEntries(entries.map(([name], i) => [`#t${i}`, name])),
            ExpressionAttributeValues: {
              ...Object.fromEntries(entries.map(([, value], i) => [`:t${i}`, value])),
              ":at": at,
              ...(account ? { ":account": identity.accountId } : {}),
            },
            ReturnValues: "UPDATED_OLD",
          }),
        );
        return (Attributes?.traits as PreviousTraits | undefined) ?? {};
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
      const ids = identityClauses(identity);
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: `SET traits = :traits, #type = :type, ${ids.set}, updatedAt = :at`,
            ConditionExpression: "attribute_not_exists(traits)",
            ExpressionAttributeNames: { "#type": "type" },
            ExpressionAttributeValues: { ":traits": traits, ":type": type, ...ids.values, ":at": at },
          }),
        );
        return {};
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
    }
    throw new Error(`Could not merge traits of ${what} after 3 attempts`);
  }

  /**
   * One transaction: the message's touch mark (new only; see touchMarker, with the processed mark
   * too when `finished` is given) and the update of the event name's counter item (two small items:
   * 4 WRU). The mark's condition failing means this message was applied already: nothing more to
   * do. The counter's failing (a later event of that name already set its lastSeenAt) is retried
   * with the counter alone, mark again.
   */
  async touch(
    workspaceId: string,
    accountId: string,
    eventName: string,
    at: string,
    messageId: string,
    finished?: { at: string; outcome: unknown },
    copy?: string,
  ): Promise<TouchResult> {
    const Key = keys.profileEventCount(workspaceId, accountId, eventCountKey(eventName));
    const counter = { "#count": "count" };
    const marker = touchMarker(
      this.tableName,
      workspaceId,
      messageId,
      accountId,
      new Date().toISOString(),
      finished,
      copy,
    );
    const touched = await this.touchOnce(marker, {
      Update: {
        TableName: this.tableName,
        Key,
        UpdateExpression: "SET lastSeenAt = :at, #type = :type ADD #count :one",
        // A late event (older than the latest seen) still counts, but must not move lastSeenAt back.
        ConditionExpression: "attribute_not_exists(lastSeenAt) OR lastSeenAt < :at",
        ExpressionAttributeNames: { "#type": "type", ...counter },
        ExpressionAttributeValues: { ":at": at, ":type": "event_count", ":one": 1 },
      },
    });
    if (touched !== "profile_condition_failed") return touched;
    // lastSeenAt exists and is not older, so the item exists: only the counter moves.
    const counted = await this.touchOnce(marker, {
      Update: {
        TableName: this.tableName,
        Key,
        UpdateExpression: "ADD #count :one",
        ExpressionAttributeNames: counter,
        ExpressionAttributeValues: { ":one": 1 },
      },
    });
    // The counter alone has no condition of its own: only the marker's can fail.
    return counted === "applied" ? "applied" : "already_applied";
  }

  private async touchOnce(
    marker: TransactItem,
    update: TransactItem,
  ): Promise<"applied" | "already_applied" | "profile_condition_failed"> {
    try {
      await withConflictRetries(() =>
        this.db.send(new TransactWriteCommand({ TransactItems: [marker, update] })),
      );
      return "applied";
    } catch (error) {
      const failed = failedConditions(error);
      if (!failed) throw error;
      return failed[0] ? "already_applied" : "profile_condition_failed";
    }
  }

  /** The profile and its event counters, in one Query (they share the `PROFILE` sort-key prefix). */
  async get(workspaceId: string, accountId: string): Promise<Profile | undefined> {
    const profileKey = keys.profile(workspaceId, accountId);
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
      ExpressionAttributeValues: { ":pk": profileKey.pk, ":prefix": sortKeyPrefix.profile },
      // Consistent: the matcher reads a profile right after merging the event's traits into it and
      // counting the event, and a step right after an earlier step updated it; a stale read would
      // judge on old traits.
      ConsistentRead: true,
    });
    const Item = items.find((item) => item.sk === profileKey.sk);
    const counters = items.filter(
      (item) => typeof item.sk === "string" && item.sk.startsWith(sortKeyPrefix.profileEventCount),
    );
    if (!Item && counters.length === 0) return undefined;
    const eventCounts: Record<string, number> = {};
    let lastSeenAt = typeof Item?.lastSeenAt === "string" ? Item.lastSeenAt : undefined;
    for (const [name, count] of Object.entries(Item ?? {})) {
      if (name.startsWith(EVENT_COUNT_PREFIX) && typeof count === "number")
        eventCounts[name.slice(EVENT_COUNT_PREFIX.length)] = count;
    }
    for (const counter of counters) {
      const key = String(counter.sk).slice(sortKeyPrefix.profileEventCount.length);
      if (typeof counter.count === "number") eventCounts[key] = (eventCounts[key] ?? 0) + counter.count;
      if (
        typeof counter.lastSeenAt === "string" &&
        (lastSeenAt === undefined || counter.lastSeenAt > lastSeenAt)
      )
        lastSeenAt = counter.lastSeenAt;
    }
    return {
      workspaceId,
      accountId,
      traits: (Item?.traits as Record<string, unknown> | undefined) ?? {},
      ...(typeof Item?.updatedAt === "string" ? { updatedAt: Item.updatedAt } : {}),
      ...(lastSeenAt ? { lastSeenAt } : {}),
      ...(Object.keys(eventCounts).length > 0 ? { eventCounts } : {}),
    };
  }

  async getUser(workspaceId: string, userId: string): Promise<UserProfile | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.userProfile(workspaceId, userId),
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    return {
      workspaceId,
      userId,
      ...(typeof Item.accountId === "string" ? { accountId: Item.accountId } : {}),
      traits: (Item.traits as Record<string, unknown> | undefined) ?? {},
      ...(typeof Item.updatedAt === "string" ? { updatedAt: Item.updatedAt } : {}),
    };
  }
}

/** `workspaceId = :ws, accountId = :account, ...` for the identity attributes that have a value. */
function identityClauses(identity: Identity) {
  const placeholders = { workspaceId: ":ws", accountId: ":account", userId: ":user" } as const;
  const present = (Object.keys(placeholders) as Array<keyof Identity>).filter(
    (name) => identity[name] !== undefined,
  );
  return {
    set: present.map((name) => `${name} = ${placeholders[name]}`).join(", "),
    values: Object.fromEntries(present.map((name) => [placeholders[name], identity[name]])),
  };
}
