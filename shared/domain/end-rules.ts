import { durationToSeconds } from "./durations.js";
import { evaluateConditions, type Facts, isoInstant } from "./evaluate.js";
import type { EndRule } from "./moment.js";

export type EndOutcome = EndRule["outcome"];

/**
 * When a run's story began. The trigger event's own timestamp when the run knows it (client time,
 * comparable with the end event's client time; the processing time would make an end event sent a
 * moment after the trigger look older than the run), but never later than `startedAt`, so a trigger
 * from a client clock running ahead cannot push the start into the future.
 */
function runStartInstant(run: { startedAt: string; trigger?: { timestamp?: string } }): number | undefined {
  const startedAt = isoInstant(run.startedAt);
  const triggeredAt = isoInstant(run.trigger?.timestamp);
  if (startedAt === undefined) return triggeredAt;
  return triggeredAt === undefined ? startedAt : Math.min(startedAt, triggeredAt);
}

/**
 * The end rule an event fires for a run: the first event rule, in list order, whose event name
 * matches and whose `where` holds, so when an event matches both a success and a failed rule the one
 * listed first decides. An event that happened before the run began never ends it (nor does one whose
 * timestamp is unreadable); `after` rules are timeouts and never match an event. `ruleIndex` is the
 * rule's position in the full list (timeouts included).
 */
export function matchEndRule(
  endRules: readonly EndRule[],
  event: { name: string; facts: Facts },
  run: { startedAt: string; trigger?: { timestamp?: string } },
  eventTimestamp: string,
): { outcome: EndOutcome; ruleIndex: number } | undefined {
  const at = isoInstant(eventTimestamp);
  const start = runStartInstant(run);
  if (at === undefined || start === undefined || at < start) return undefined;
  const ruleIndex = endRules.findIndex(
    (rule) => rule.event === event.name && evaluateConditions(rule.where, event.facts).pass,
  );
  const rule = endRules[ruleIndex];
  return rule ? { outcome: rule.outcome, ruleIndex } : undefined;
}

/**
 * The run's timeout: the earliest `after` rule (the first listed among equally early ones), in
 * unscaled seconds; undefined when the moment has no timeout.
 */
export function timeoutOf(
  endRules: readonly EndRule[],
): { seconds: number; outcome: EndOutcome; ruleIndex: number } | undefined {
  let earliest: { seconds: number; outcome: EndOutcome; ruleIndex: number } | undefined;
  endRules.forEach((rule, ruleIndex) => {
    if (rule.after === undefined) return;
    const seconds = durationToSeconds(rule.after);
    if (earliest === undefined || seconds < earliest.seconds) {
      earliest = { seconds, outcome: rule.outcome, ruleIndex };
    }
  });
  return earliest;
}
