import type { MomentStats, StepStats } from "../domain/insights.js";
import type { Moment } from "../domain/moment.js";
import type { StatsRepository } from "../ports/insights.js";
import type { MomentRepository } from "../ports/moments.js";
import { getMoment } from "./moments.js";

export interface StatsDeps {
  moments: Pick<MomentRepository, "getMoment">;
  stats: Pick<StatsRepository, "read">;
}

export type MomentStatsView = MomentStats & { momentId: string };

/**
 * A moment's stats (404 for an unknown moment, or another workspace's). Every step of the current
 * version is listed, in its order, even before it ran; steps of earlier versions that were counted
 * follow, so nothing counted disappears when a step is removed.
 */
export async function momentStats(
  deps: StatsDeps,
  workspaceId: string,
  momentId: string,
): Promise<MomentStatsView> {
  const moment = await getMoment(deps, workspaceId, momentId);
  return statsView(moment, await deps.stats.read(workspaceId, momentId));
}

/** A moment's stats as the API shows them: the current version's steps first, in order. */
export function statsView(moment: Pick<Moment, "id" | "steps">, stats: MomentStats): MomentStatsView {
  const steps: Record<string, StepStats> = {};
  for (const step of moment.steps)
    steps[step.id] = stats.steps[step.id] ?? { executed: 0, skipped: 0, failed: 0 };
  for (const [stepId, counts] of Object.entries(stats.steps)) steps[stepId] ??= counts;
  return { momentId: moment.id, ...stats, steps };
}
