/**
 * Preloaded on a functions thread by its unit test: an invocation whose payload says `crashThread`
 * ends the thread before the function answers, as the runtime dying (out of memory, a native crash)
 * ends a Lambda container. (process.exit on a worker thread ends that thread only.)
 */
import { parentPort } from "node:worker_threads";

parentPort?.on("message", (message: { t?: string; payload?: { crashThread?: boolean } }) => {
  if (message.t === "invoke" && message.payload?.crashThread) process.exit(1);
});
