import type { Tracer } from "@aws-lambda-powertools/tracer";
import { documentClient } from "../../shared/adapters/clients.js";
import { DynamoKeyStore } from "../../shared/adapters/dynamodb/key-store.js";
import { DynamoSessionStore } from "../../shared/adapters/dynamodb/session-store.js";
import { systemClock } from "../../shared/ports/clock.js";
import type { SessionDeps } from "../../shared/use-cases/console-sessions.js";

/**
 * What the console's sign-in, sign-out and email preview need: its DynamoDB client and stores.
 * Imported by the first of those requests (functions/console/handler.ts), so that a cold start that
 * serves the page or an asset, most of the console function's work, never loads the AWS SDK.
 */
export function sessionDeps(tableName: string, tracer: Tracer | undefined): SessionDeps {
  const db = documentClient(tracer);
  return {
    keys: new DynamoKeyStore(db, tableName),
    sessions: new DynamoSessionStore(db, tableName),
    clock: systemClock,
  };
}
