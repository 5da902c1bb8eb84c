/**
 * Creates an admin key for a workspace of a deployed stack and prints it once (only its hash is
 * stored). Uses your normal AWS credentials and region.
 *
 *   npx tsx infra/scripts/create-admin-key.ts --table <TableName output> [--workspace default]
 */
import { parseArgs } from "node:util";
import { documentClient } from "../../shared/adapters/clients.js";
import { DynamoKeyStore } from "../../shared/adapters/dynamodb/key-store.js";
import { generateApiKey } from "../../shared/domain/api-keys.js";
import { systemClock } from "../../shared/ports/clock.js";
import { ensureAdminKey } from "../../shared/use-cases/bootstrap.js";

const { values } = parseArgs({
  options: { table: { type: "string" }, workspace: { type: "string", default: "default" } },
});
if (!values.table) {
  console.error("Usage: npx tsx infra/scripts/create-admin-key.ts --table <TableName> [--workspace default]");
  process.exit(2);
}
const key = generateApiKey("admin");
await ensureAdminKey(
  { keys: new DynamoKeyStore(documentClient(), values.table), clock: systemClock },
  values.workspace ?? "default",
  key,
);
console.log(
  `Admin key for workspace "${values.workspace}" (shown once, store it in your secrets manager):\n${key}`,
);
