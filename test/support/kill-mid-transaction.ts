/**
 * A child process for test/unit/local/dynamodb-transactions.test.ts: starts the local DynamoDB on the
 * data directory given as its argument, seeds a counter, then sends a two-write transaction and
 * kills itself with SIGKILL right after the transaction's first write reached LevelDB (the local
 * DynamoDB's test seam), as a kill -9 of `npm start` may land.
 */
import { PutItemCommand, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { createAppTable, DynamoDBClient, startLocalDynamo } from "../../infra/local/dynamodb.js";

const [dataDir] = process.argv.slice(2);
if (!dataDir) throw new Error("usage: kill-mid-transaction.ts <data dir>");
const TableName = "moments";
const dynamo = await startLocalDynamo("127.0.0.1", dataDir, {
  afterTransactionWrite: (written) => {
    if (written === 1) process.kill(process.pid, "SIGKILL");
  },
});
const client = new DynamoDBClient({
  endpoint: dynamo.endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
  maxAttempts: 1,
});
await createAppTable(client, TableName);
await client.send(
  new PutItemCommand({ TableName, Item: { pk: { S: "counter" }, sk: { S: "A" }, wins: { N: "1" } } }),
);
await client.send(
  new TransactWriteItemsCommand({
    TransactItems: [
      {
        Put: {
          TableName,
          Item: { pk: { S: "claim#killed" }, sk: { S: "A" }, winner: { S: "w" } },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
      {
        Update: {
          TableName,
          Key: { pk: { S: "counter" }, sk: { S: "A" } },
          UpdateExpression: "ADD wins :one",
          ExpressionAttributeValues: { ":one": { N: "1" } },
        },
      },
    ],
  }),
);
// Not reached: the seam killed the process after the transaction's first write.
console.error("the transaction finished without the kill");
process.exit(3);
