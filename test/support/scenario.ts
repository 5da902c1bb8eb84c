/**
 * The steps every integration test on the local stack repeats, driven over HTTP as a user would: a
 * stack with one source, running moments, tracked events, and what a run's steps did as the run
 * view shows it (`GET /v1/admin/runs/{runId}`) — never read from the table behind it.
 */
import { expect } from "vitest";
import { type LocalStack, type LocalStackOptions, startLocalStack } from "../../infra/local/stack.js";
import type { StepOutcome } from "../../shared/contracts/workflow.js";
import type { RunView } from "../../shared/use-cases/insights.js";
import { type ApiResponse, apiClient, userTokenHeader } from "./local-api.js";
import { type SharedStack, sharedLocalStack } from "./shared-stack.js";
import { waitFor } from "./wait-for.js";

export type { RunView };

let counter = 0;
/** A name no other test in this process uses (events, accounts, message ids). */
export const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${counter++}`;

/** Long enough for a step retried by the state machine with the time scale at 0. */
const RECORDED_TIMEOUT_MS = 15_000;

export interface TrackedEvent {
  event: string;
  accountId: string;
  /** Generated when absent. */
  messageId?: string;
  traits?: Record<string, unknown>;
  properties?: Record<string, unknown>;
}

export interface Scenario {
  stack: LocalStack;
  api: ReturnType<typeof apiClient>;
  /** The source's write key, for /v1/events, /v1/identify and the inbox. */
  writeKey: string;
  sourceId: string;
  /** The source's identity secret: what the app's backend signs user tokens with. */
  identitySecret: string;
  /** The `X-Moments-User-Token` header of an account (and user) of this source. */
  userToken(accountId: string, userId?: string): Record<string, string>;
  /** A request with the workspace's admin key. */
  admin<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>>;
  /** Creates a moment listening to the source (unless `sourceIds` says otherwise) and starts it; its id. */
  runningMoment(moment: Record<string, unknown>): Promise<string>;
  /** Sends one event with the write key (accepted: 202); its messageId. */
  track(event: TrackedEvent): Promise<string>;
  /** The id of the account's run of the moment, once the account view lists it. */
  runId(accountId: string, momentId: string): Promise<string>;
  /** The run view once every step in `stepIds` has an outcome (claimed is not enough). */
  recordedRun(runId: string, stepIds: readonly string[]): Promise<RunView>;
  /** One step's outcome, once recorded. */
  stepOutcome(runId: string, stepId: string): Promise<StepOutcome>;
  /** A moment's stats (200). */
  stats<T = Record<string, unknown>>(momentId: string): Promise<T>;
  /** Waits until the account's traits hold `value` under `trait` (a later update_attribute step, say). */
  traitSet(accountId: string, trait: string, value: unknown): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A local stack (port 0, no waiting, quiet logs unless `options` says otherwise) with one source
 * named `sourceName`. One per test file: handlers read their environment once, at import.
 */
export async function startScenario(sourceName: string, options: LocalStackOptions = {}): Promise<Scenario> {
  return scenarioOn(
    await startLocalStack({ port: 0, timeScale: 0, logLevel: "CRITICAL", ...options }),
    sourceName,
  );
}

/**
 * A scenario on the shared stack, with the operator's key for a second tenant and the process's fake
 * Slack and Attio, reset for the file (see shared-stack.ts).
 */
export type SharedScenario = Scenario & Pick<SharedStack, "operatorKey" | "slack" | "attio">;

/**
 * The same on the process's shared stack (time scale 0, no fault plan, the default environment but
 * Slack and Attio on the process's fakes), in a workspace of the file's own: see shared-stack.ts.
 */
export async function startSharedScenario(sourceName: string): Promise<SharedScenario> {
  const stack = await sharedLocalStack();
  const { operatorKey, slack, attio } = stack;
  return { ...(await scenarioOn(stack, sourceName)), operatorKey, slack, attio };
}

async function scenarioOn(stack: LocalStack, sourceName: string): Promise<Scenario> {
  const api = apiClient(stack.apiUrl);
  const admin = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
    api<T>(method, path, { key: stack.adminKey, ...(body !== undefined ? { body } : {}) });
  const source = await admin<{ id: string; writeKey: string; identitySecret: string }>(
    "POST",
    "/v1/admin/sources",
    { name: sourceName },
  );
  expect(source.status, JSON.stringify(source.body)).toBe(201);
  const { writeKey, id: sourceId, identitySecret } = source.body;

  const recordedRun = async (runId: string, stepIds: readonly string[]) =>
    waitFor(
      async () => {
        const run = await admin<RunView>("GET", `/v1/admin/runs/${encodeURIComponent(runId)}`);
        if (run.status !== 200) return undefined;
        const recorded = (stepId: string) =>
          run.body.steps.some((step) => step.stepId === stepId && step.status !== "claimed");
        return stepIds.every(recorded) ? run.body : undefined;
      },
      { timeoutMs: RECORDED_TIMEOUT_MS, description: `steps ${stepIds.join(", ")} of run ${runId} recorded` },
    );

  return {
    stack,
    api,
    writeKey,
    sourceId,
    identitySecret,
    userToken: (accountId, userId) => userTokenHeader(identitySecret, accountId, userId),
    admin,
    async runningMoment(moment) {
      const created = await admin<{ id: string }>("POST", "/v1/admin/moments", {
        sourceIds: [sourceId],
        ...moment,
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const running = await admin("POST", `/v1/admin/moments/${created.body.id}/status`, {
        status: "running",
      });
      expect(running.status, JSON.stringify(running.body)).toBe(200);
      return created.body.id;
    },
    async track({ messageId = unique("msg"), ...event }) {
      const response = await api("POST", "/v1/events", { key: writeKey, body: { ...event, messageId } });
      expect(response.status, JSON.stringify(response.body)).toBe(202);
      return messageId;
    },
    runId: (accountId, momentId) =>
      waitFor(
        async () => {
          const view = await admin<{ runs?: Array<{ momentId: string; runId: string }> }>(
            "GET",
            `/v1/admin/accounts/${encodeURIComponent(accountId)}`,
          );
          return view.body?.runs?.find((run) => run.momentId === momentId)?.runId;
        },
        { timeoutMs: RECORDED_TIMEOUT_MS, description: `the run of ${accountId} in moment ${momentId}` },
      ),
    recordedRun,
    async stepOutcome(runId, stepId) {
      const run = await recordedRun(runId, [stepId]);
      const step = run.steps.find((record) => record.stepId === stepId);
      if (!step || step.status === "claimed") throw new Error(`step ${stepId} is not recorded`);
      return step.outcome;
    },
    async stats<T>(momentId: string) {
      const stats = await admin<T>("GET", `/v1/admin/moments/${momentId}/stats`);
      expect(stats.status, JSON.stringify(stats.body)).toBe(200);
      return stats.body;
    },
    async traitSet(accountId, trait, value) {
      await waitFor(
        async () => {
          const view = await admin<{ traits?: Record<string, unknown> }>(
            "GET",
            `/v1/admin/accounts/${encodeURIComponent(accountId)}`,
          );
          return view.body?.traits?.[trait] === value;
        },
        {
          timeoutMs: RECORDED_TIMEOUT_MS,
          description: `${trait} = ${JSON.stringify(value)} on ${accountId}`,
        },
      );
    },
    stop: () => stack.stop(),
  };
}
