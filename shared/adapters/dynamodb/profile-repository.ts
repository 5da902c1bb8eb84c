import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { keys } from "../../contracts/table.js";
import type { Profile, ProfileRepository } from "../../ports/profiles.js";
import { isConditionalCheckFailed } from "./errors.js";

export class DynamoProfileRepository implements ProfileRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Shallow merge in one conditional write per case: set the given traits inside an existing map, or
   * create the map when the profile is new. (A single expression cannot do both: DynamoDB refuses
   * overlapping paths like `traits` and `traits.plan`.) A lost race between two first writes retries.
   */
  async mergeTraits(workspaceId: string, accountId: string, traits: Record<string, unknown>, at: string) {
    const key = keys.profile(workspaceId, accountId);
    const entries = Object.entries(traits);
    if (entries.length === 0) return;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: `SET ${entries.map((_, i) => `traits.#t${i} = :t${i}`).join(", ")}, updatedAt = :at`,
            ConditionExpression: "attribute_exists(traits)",
            ExpressionAttributeNames: Object.fromEntries(entries.map(([name], i) => [`#t${i}`, name])),
            ExpressionAttributeValues: {
              ...Object.fromEntries(entries.map(([, value], i) => [`:t${i}`, value])),
              ":at": at,
            },
          }),
        );
        return;
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression:
              "SET traits = :traits, #type = :type, workspaceId = :ws, accountId = :account, updatedAt = :at",
            ConditionExpression: "attribute_not_exists(traits)",
            ExpressionAttributeNames: { "#type": "type" },
            ExpressionAttributeValues: {
              ":traits": traits,
              ":type": "profile",
              ":ws": workspaceId,
              ":account": accountId,
              ":at": at,
            },
          }),
        );
        return;
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
    }
    throw new Error(`Could not merge traits of account ${accountId} after 3 attempts`);
  }

  async get(workspaceId: string, accountId: string): Promise<Profile | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.profile(workspaceId, accountId) }),
    );
    if (!Item) return undefined;
    return {
      workspaceId,
      accountId,
      traits: (Item.traits as Record<string, unknown> | undefined) ?? {},
      ...(typeof Item.updatedAt === "string" ? { updatedAt: Item.updatedAt } : {}),
    };
  }
}
