import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createAppTable, DynamoDBClient, startLocalDynamo } from "../../infra/local/dynamodb.js";
import { documentClientOf } from "../../shared/adapters/clients.js";

/**
 * The app's table on a real DynamoDB engine (dynalite, in process, as the local stack runs it), with
 * a document client marshalling as the functions' does: for adapter tests the mocks cannot answer
 * (conditions, UPDATED_OLD, transactions). One per test file; stop it in afterAll.
 */
export async function startDynaliteTable(
  tableName: string,
): Promise<{ db: DynamoDBDocumentClient; stop: () => Promise<void> }> {
  const dynamo = await startLocalDynamo("127.0.0.1");
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  await createAppTable(client, tableName);
  return { db: documentClientOf(client), stop: dynamo.stop };
}
