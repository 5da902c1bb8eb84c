import type { EventReceivedDetail } from "../contracts/bus.js";
import type { RunContext } from "../contracts/workflow.js";
import { runIdFor } from "../domain/ids.js";
import { type Moment, startsMoment, stepsOfPhase } from "../domain/moment.js";
import { scaledDelaySeconds } from "../domain/primitives.js";
import type { Clock } from "../ports/clock.js";
import type { MomentRepository } from "../ports/moments.js";
import type { ProfileRepository } from "../ports/profiles.js";
import type { RunRepository, WorkflowStarter } from "../ports/runs.js";

export interface MatchDeps {
  moments: MomentRepository;
  profiles: ProfileRepository;
  runs: RunRepository;
  workflows: WorkflowStarter;
  clock: Clock;
  /** Multiplies every step delay (1 = real time). */
  timeScale: number;
}

export type MatchDecision =
  | { momentId: string; decision: "started"; runId: string }
  | { momentId: string; decision: "skipped"; reason: "source_mismatch" | "already_active" | "already_ran" };

/**
 * Applies a received event: updates the account's traits, then starts every running moment of the
 * workspace whose start rule matches, at most one active run per (moment, account). Safe to repeat:
 * the run id is derived from the event's messageId, so a redelivery re-drives the same run.
 * Throws if a run could not be started, so the queue redelivers the event.
 */
export async function matchEvent(deps: MatchDeps, detail: EventReceivedDetail): Promise<MatchDecision[]> {
  if (detail.traits && Object.keys(detail.traits).length > 0) {
    await deps.profiles.mergeTraits(detail.workspaceId, detail.accountId, detail.traits, detail.receivedAt);
  }
  const moments = await deps.moments.findRunningMomentsStartingOn(detail.workspaceId, detail.event);
  return Promise.all(moments.map((moment) => startRun(deps, moment, detail)));
}

async function startRun(
  deps: MatchDeps,
  moment: Moment,
  detail: EventReceivedDetail,
): Promise<MatchDecision> {
  if (!startsMoment(moment, detail))
    return { momentId: moment.id, decision: "skipped", reason: "source_mismatch" };
  const run: RunContext = {
    workspaceId: detail.workspaceId,
    momentId: moment.id,
    momentVersion: moment.version,
    runId: runIdFor(detail.workspaceId, moment.id, detail.accountId, detail.messageId),
    accountId: detail.accountId,
    ...(detail.userId ? { userId: detail.userId } : {}),
    startedAt: deps.clock.now().toISOString(),
    actionsEnabled: moment.actionsEnabled,
    trigger: {
      event: detail.event,
      messageId: detail.messageId,
      timestamp: detail.timestamp,
      properties: detail.properties,
    },
  };
  const entered = await deps.runs.enter(run);
  if (entered !== "entered") return { momentId: moment.id, decision: "skipped", reason: entered };
  await deps.workflows.start({
    run,
    // Completion and exit steps run when an end rule matches (the engine's next increment).
    steps: stepsOfPhase(moment, "entry").map((step) => ({
      id: step.id,
      delaySeconds: scaledDelaySeconds(step.delay, deps.timeScale),
      action: step.action,
    })),
  });
  return { momentId: moment.id, decision: "started", runId: run.runId };
}
