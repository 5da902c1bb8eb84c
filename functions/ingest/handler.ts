import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { documentClient } from "../../shared/adapters/clients.js";
import {
  DynamoIdentityLinks,
  DynamoIngestDebugger,
} from "../../shared/adapters/dynamodb/ingestion-repository.js";
import { DynamoKeyStore } from "../../shared/adapters/dynamodb/key-store.js";
import { DynamoSourceRepository } from "../../shared/adapters/dynamodb/source-repository.js";
import { EventBridgePublisher } from "../../shared/adapters/event-bridge-publisher.js";
import { CACHED_MIDDLEWARE, sdkClient } from "../../shared/adapters/sdk-client.js";
import { onShutdown } from "../../shared/adapters/shutdown.js";
import { SourceCache, WriteKeyCache } from "../../shared/adapters/write-key-cache.js";
import { readEnv } from "../../shared/config.js";
import { Env } from "../../shared/contracts/functions.js";
import { httpHandler } from "../../shared/http/http-handler.js";
import { ingestRoutes } from "../../shared/http/ingest-routes.js";
import { createObservability } from "../../shared/observability.js";
import { systemClock } from "../../shared/ports/clock.js";

const env = readEnv([Env.tableName, Env.eventBusName]);
const obs = createObservability("ingest");
const db = documentClient(obs.tracer);
// Write keys are trusted for 5 s per container: a busy source costs no read per request, and a
// revoked key or a policy change takes effect within that bound (see WriteKeyCache).
const keys = new WriteKeyCache(
  new DynamoKeyStore(db, env.TABLE_NAME, { consistentWriteKeys: true }),
  systemClock,
);
// Accepted counts are added up per container and written at most every 10 s per source, or with a
// sample of accepted items while the source's debugger is watched (the key carries the mark; see
// DynamoIngestDebugger): the common request writes nothing. What is held when Lambda shuts the
// container down is written then (see shutdown.ts).
const debug = new DynamoIngestDebugger(db, env.TABLE_NAME, systemClock, (unflushed) =>
  obs.logger.warn("Could not write the debugger's held counts; kept for the next request", { unflushed }),
);
await onShutdown(
  "ingest",
  async () => {
    const unflushed = await debug.flushAll();
    if (unflushed > 0)
      obs.logger.warn("Could not write the debugger's held counts at shutdown; lost", { unflushed });
  },
  obs.logger,
);
const eventBridge = sdkClient(new EventBridgeClient(CACHED_MIDDLEWARE), obs.tracer);
const deps = {
  publisher: new EventBridgePublisher(eventBridge, env.EVENT_BUS_NAME),
  clock: systemClock,
  identities: new DynamoIdentityLinks(db, env.TABLE_NAME),
  debug,
  // A consumer-mode source's subject, trusted as long as the key (see SourceCache).
  sources: new SourceCache(new DynamoSourceRepository(db, env.TABLE_NAME), systemClock),
};

export const handler = httpHandler(ingestRoutes(deps, keys, obs), obs);
