/**
 * One local stack per test process, shared by the integration files that ask nothing special of it
 * (time scale 0, quiet logs, no fault plan, the functions' default environment but for the Slack and
 * Attio URLs, which are the process's fakes below). Booting a stack and importing the whole handler
 * graph with the AWS SDK is about a second and a half of CPU, which every such file paid again in a
 * process of its own; these files run in one process per worker instead
 * (the `integration-shared-stack` project of vitest.config.ts, found by their call to this function).
 *
 * Each file still gets a stack of its own in what it can see: a fresh workspace with its own admin
 * key, so another file's sources, moments, accounts and keys are invisible to it (404s), as two
 * tenants' are. What is global to the process is shared: the local SES inbox (filter it by recipient),
 * and the operator workspace (the stack's own, whose keys may create workspaces: `operatorKey`, for a
 * file that needs a second tenant), which a file sees as its own only if it asks for it (`{ operator: true }`: one file,
 * sources-and-keys, which checks the default workspace itself; others use `operatorKey` only to create
 * workspaces). A file that needs a fault plan, another time scale or environment starts a
 * stack of its own (`startLocalStack`, `startScenario`).
 *
 * The providers' fakes are the process's too: one fake Slack (test/support/fake-slack.ts, its Web API
 * and incoming-webhook origin) and one fake Attio (test/support/fake-attio.ts), which the stack's
 * functions are pointed at (SLACK_API_BASE_URL, SLACK_WEBHOOK_BASE_URL, ATTIO_API_BASE_URL: read at
 * import, so the fakes start with the stack). A process runs its files one after another, and a file
 * takes the stack only once the previous one's work has settled: the fakes are then reset (requests,
 * messages, tasks, planned failures), so what a file sees in them is its own. Their workspaces (bot
 * tokens, webhook paths, Attio tokens) stay: each file registers its own tokens, which no other file uses.
 */

import { type LocalStack, startLocalStack } from "../../infra/local/stack.js";
import { Env } from "../../shared/contracts/functions.js";
import { generateApiKey } from "../../shared/domain/api-keys.js";
import { type FakeAttio, startFakeAttio } from "./fake-attio.js";
import { type FakeSlack, startFakeSlack } from "./fake-slack.js";

export interface SharedStack extends LocalStack {
  /** An admin key of the operator workspace: for a file's own second tenant (POST /v1/admin/workspaces). */
  operatorKey: string;
  /** The process's fake Slack, reset for this file: register the file's own bot tokens and webhooks. */
  slack: FakeSlack;
  /** The process's fake Attio, reset for this file: register the file's own access tokens. */
  attio: FakeAttio;
}

interface Booted {
  stack: LocalStack;
  slack: FakeSlack;
  attio: FakeAttio;
}

let started: Promise<Booted> | undefined;
let files = 0;

async function boot(): Promise<Booted> {
  const [slack, attio] = await Promise.all([startFakeSlack(), startFakeAttio()]);
  const stack = await startLocalStack({
    port: 0,
    timeScale: 0,
    logLevel: "CRITICAL",
    env: {
      [Env.slackApiBaseUrl]: slack.baseUrl,
      [Env.slackWebhookBaseUrl]: slack.webhookBaseUrl,
      [Env.attioApiBaseUrl]: attio.baseUrl,
    },
  }).catch(async (error: unknown) => {
    await Promise.allSettled([slack.stop(), attio.stop()]);
    throw error;
  });
  // Vitest ends a worker with SIGTERM once it has no more files for it: stop the stack then, so its
  // scratch folders (LevelDB, the built console and widget) are removed.
  process.once("SIGTERM", () => {
    void Promise.allSettled([stack.stop(), slack.stop(), attio.stop()]).finally(() => process.exit(0));
  });
  return { stack, slack, attio };
}

/**
 * The process's shared local stack, seen from a new workspace (or the operator workspace with
 * `operator`): call once per file, in beforeAll.
 */
export async function sharedLocalStack(options: { operator?: boolean } = {}): Promise<SharedStack> {
  started ??= boot().catch((error: unknown) => {
    started = undefined;
    throw error;
  });
  const { stack, slack, attio } = await started;
  // Whatever the previous file left in flight settles before this one starts; then the fakes forget it.
  await stack.idle();
  slack.reset();
  attio.reset();
  // The stack outlives the file (the next file's call above waits for what this one left in flight).
  const stop = async () => undefined;
  const operatorKey = stack.adminKey;
  if (options.operator) return { ...stack, stop, operatorKey, slack, attio };
  const workspaceId = `file-${process.pid}-${++files}`;
  const adminKey = generateApiKey("admin");
  // Seeded as the stack seeds its own admin key (imported now: the stack has set the environment).
  const { ensureAdminKey } = await import("../../shared/use-cases/bootstrap.js");
  const { DynamoKeyStore } = await import("../../shared/adapters/dynamodb/key-store.js");
  const { documentClient } = await import("../../shared/adapters/clients.js");
  await ensureAdminKey(
    {
      keys: new DynamoKeyStore(documentClient(), process.env[Env.tableName] ?? "moments"),
      clock: { now: () => new Date() },
    },
    workspaceId,
    adminKey,
  );
  return { ...stack, adminKey, workspaceId, stop, operatorKey, slack, attio };
}
