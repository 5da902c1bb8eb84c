/**
 * Preloaded on a functions thread by its unit test: an invocation whose payload says `crashThread`
 * ends the thread before the function answers, as the runtime dying (out of memory, a native crash)
 * ends a Lambda container (process.exit on a worker thread ends that thread only); one that says
 * `reportNice` relays the thread's own nice value (Linux: /proc/thread-self/stat) before it runs; one
 * that says `listTablesAt` sends ListTables there with an SDK client of the thread's own and relays
 * the answer's table names (or the error's code).
 */
import { readFileSync } from "node:fs";
import { parentPort } from "node:worker_threads";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { relayToMainThread } from "../../infra/local/thread.js";

parentPort?.on(
  "message",
  (message: {
    t?: string;
    payload?: { crashThread?: boolean; reportNice?: boolean; listTablesAt?: string };
  }) => {
    if (message.t !== "invoke") return;
    if (message.payload?.crashThread) process.exit(1);
    if (message.payload?.reportNice) {
      // The fields after the command's closing parenthesis: the nice value is the 17th (stat(5)'s 19th).
      const stat = readFileSync("/proc/thread-self/stat", "utf8");
      relayToMainThread({ nice: Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]) });
    }
    const endpoint = message.payload?.listTablesAt;
    if (endpoint) {
      const client = new DynamoDBClient({
        endpoint,
        region: "us-east-1",
        credentials: { accessKeyId: "local", secretAccessKey: "local" },
        maxAttempts: 1,
      });
      client.send(new ListTablesCommand({})).then(
        ({ TableNames }) => relayToMainThread({ endpoint, tables: TableNames }),
        (error: { code?: string }) => relayToMainThread({ endpoint, error: error.code }),
      );
    }
  },
);
