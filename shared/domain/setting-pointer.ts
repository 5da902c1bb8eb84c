/**
 * Where a template's setting lives in a moment: a setting is not stored apart, it is the value of one
 * field (the abandonment window is the start rule's `unless.within`), so editing either is editing
 * the same thing. The target names the field by what it is (the failed end rule's timeout, the delay
 * of step "reminder"), not by position, so it still finds its field after the admin removed or
 * reordered the items before it. No imports: the console resolves targets on its unsaved draft
 * with this same function.
 */
export type SettingTarget =
  | { at: "abandonment" }
  | { at: "cooldown" }
  | { at: "end_timeout"; outcome: "success" | "failed" }
  | { at: "step_delay"; stepId: string };

/** The parts of a moment a setting can live in (structural: the API's generated types fit too). */
export interface SettingHolder {
  start: { unless?: unknown };
  end: readonly { outcome: string; after?: unknown }[];
  reentry: { policy: string };
  steps: readonly { id: string }[];
}

/** The JSON Pointer of the field a setting lives in, in this moment; undefined once it is gone. */
export function settingPointer(moment: SettingHolder, target: SettingTarget): string | undefined {
  switch (target.at) {
    case "abandonment":
      return moment.start.unless ? "/start/unless/within" : undefined;
    case "cooldown":
      return moment.reentry.policy === "cooldown" ? "/reentry/cooldown" : undefined;
    case "end_timeout": {
      const index = moment.end.findIndex((rule) => rule.outcome === target.outcome && rule.after);
      return index >= 0 ? `/end/${index}/after` : undefined;
    }
    case "step_delay": {
      const index = moment.steps.findIndex((step) => step.id === target.stepId);
      return index >= 0 ? `/steps/${index}/delay` : undefined;
    }
  }
}

/** The value at a JSON Pointer ("/start/unless/within") in a moment, or undefined. */
export function valueAtPointer(moment: unknown, pointer: string): unknown {
  return pointer
    .split("/")
    .slice(1)
    .reduce<unknown>((node, token) => (node as Record<string, unknown> | undefined)?.[token], moment);
}
