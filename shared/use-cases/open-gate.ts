import type { Gate } from "../contracts/workflow.js";
import { timeFramePosition } from "../domain/moment-rules.js";
import type { InsightsRecorder } from "../ports/insights.js";
import type { MomentRepository } from "../ports/moments.js";
import type { PendingStartRepository } from "../ports/pending-starts.js";
import { toDecisionEntry } from "./match-event.js";
import { enterAndStart, type MatchDecision, type StartRunDeps, skipped } from "./start-run.js";

export interface OpenGateDeps extends StartRunDeps {
  pending: PendingStartRepository;
  moments: MomentRepository;
  recorder?: InsightsRecorder;
}

/**
 * An abandonment start fell due: if it is still armed by this gate's trigger (not re-armed by a
 * later trigger, not cancelled by the `unless` event), the run starts with that trigger, through the
 * same entry as an immediate start. The start is disarmed only once the run is under way, and every
 * step is idempotent, so a retried gate never starts two runs and a failure never loses the start.
 */
export async function openGate(deps: OpenGateDeps, gate: Gate): Promise<MatchDecision | "not_armed"> {
  const { workspaceId, accountId, momentId, runKey, token } = gate;
  const trigger = await deps.pending.peek(workspaceId, accountId, momentId, runKey, token);
  if (!trigger) return "not_armed";
  const moment = await deps.moments.getMoment(workspaceId, momentId);
  // The run would start now: a time frame that ended meanwhile (a season over) starts nothing.
  const decision: MatchDecision =
    moment?.status !== "running"
      ? skipped(momentId, "moment_not_running")
      : timeFramePosition(moment.timeFrame, deps.clock.now().toISOString()) !== "within"
        ? { momentId, decision: "skipped", reason: "outside_time_frame" }
        : await enterAndStart(deps, moment, trigger, runKey);
  await deps.pending.take(workspaceId, accountId, momentId, runKey, token);
  await deps.recorder?.recordDecisions({
    workspaceId,
    accountId,
    messageId: trigger.messageId,
    event: trigger.event,
    at: deps.clock.now().toISOString(),
    decisions: [toDecisionEntry(decision, moment, trigger)],
  });
  return decision;
}
