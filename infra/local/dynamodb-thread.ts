/**
 * The local DynamoDB (dynalite behind the transaction layer, see dynamodb.ts) on its own thread.
 *
 * Every DynamoDB request of the functions (40-odd per emailed run) costs the server side as much
 * again as the SDK call: HTTP parsing, dynalite's validation, LevelDB, the transaction layer. On
 * the functions' thread that work queued behind the handlers and the handlers behind it; here it
 * runs on another core, and the functions still reach it over HTTP with the real SDK client,
 * exactly as before. The undo journal and the TTL file live in the data directory as before: the
 * thread dies with the process (kill -9 included), and the next start replays them.
 *
 * Tests of the engine itself (seams, open iterators) use `startLocalDynamo` in their own thread.
 */
import { isMainThread, MessageChannel, type MessagePort, parentPort, workerData } from "node:worker_threads";
import type { IamPlaceholders } from "./iam.js";
import { closePort, messageServers } from "./message-transport.js";
import { serveThread, startThread, type Thread, threadFailed } from "./thread.js";

interface ThreadData {
  host: string;
  dataDir?: string;
  /** Enforce the functions' IAM grants (iam.ts) in this deployment. */
  iam?: IamPlaceholders;
}

export interface LocalDynamoThread extends Omit<Thread, "worker"> {
  endpoint: string;
  /**
   * A port on which requests to `endpoint` are answered without a socket (message-transport.ts):
   * hand it to a functions thread. Once the thread stopped or died, the port comes closed.
   */
  connect(): MessagePort;
  /** How many requests it answered by message so far. */
  servedByMessage(): Promise<number>;
}

/** The worker's code runs when this module is the thread's entry. */
const isEntry =
  !isMainThread && (workerData as { __momentsDynamo?: boolean } | null)?.__momentsDynamo === true;

if (isEntry) {
  const { host, dataDir, iam } = workerData as ThreadData;
  const { startLocalDynamo } = await import("./dynamodb.js");
  try {
    const access = iam ? (await import("./iam.js")).localAccess(iam).dynamodb : undefined;
    const dynamo = await startLocalDynamo(host, dataDir, access ? { access } : {});
    // A functions thread's port: its SDK clients' requests arrive on it (message-transport.ts).
    const served = messageServers(dynamo.listener);
    parentPort?.on("message", (message: { t: string; port?: MessagePort; id?: number }) => {
      if (message.t === "connect" && message.port) served.serve(message.port);
      else if (message.t === "served")
        parentPort?.postMessage({ t: "served", id: message.id, count: served.served() });
    });
    serveThread({ endpoint: dynamo.endpoint }, () => {
      // As a stopped server closes its connections: nothing more arrives by message either.
      served.close();
      return dynamo.stop();
    });
  } catch (error) {
    threadFailed(error);
  }
}

export async function startLocalDynamoThread(
  host: string,
  dataDir?: string,
  iam?: IamPlaceholders,
  /** Added to the process's nice value for the thread (see startThread). */
  nice?: number,
): Promise<LocalDynamoThread> {
  const { started, worker, ...thread } = await startThread<{ endpoint: string }>({
    moduleUrl: import.meta.url,
    workerData: { __momentsDynamo: true, host, ...(dataDir ? { dataDir } : {}), ...(iam ? { iam } : {}) },
    what: "local DynamoDB thread",
    ...(nice ? { nice } : {}),
  });
  let ended = false;
  let nextQuery = 0;
  worker.once("exit", () => {
    ended = true;
  });
  return {
    ...thread,
    endpoint: started.endpoint,
    connect: () => {
      const { port1, port2 } = new MessageChannel();
      // A port sent to a thread that ended would never close: the functions' requests would hang.
      if (ended) closePort(port1);
      else worker.postMessage({ t: "connect", port: port1 }, [port1]);
      return port2;
    },
    servedByMessage: () =>
      ended
        ? Promise.resolve(0)
        : new Promise<number>((resolve) => {
            const id = nextQuery++;
            const answer = (message: { t: string; id?: number; count?: number }) => {
              if (message.t !== "served" || message.id !== id) return;
              worker.off("message", answer);
              worker.off("exit", exited);
              resolve(message.count ?? 0);
            };
            const exited = () => {
              worker.off("message", answer);
              resolve(0);
            };
            worker.on("message", answer);
            worker.once("exit", exited);
            worker.postMessage({ t: "served", id });
          }),
  };
}
