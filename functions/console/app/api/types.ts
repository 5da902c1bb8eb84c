/** Names for the API's objects the pages pass around, all taken from the generated types. */
import type { components } from "./schema.js";

export type Moment = components["schemas"]["Moment"];
export type ListedMoment = components["schemas"]["ListedMoment"];
/** A moment's fields the API manages or derives (everything else is what an admin edits). */
export const NOT_INPUT = [
  "id",
  "workspaceId",
  "status",
  "version",
  "createdAt",
  "updatedAt",
  "runningSince",
  "allowedTransitions",
  "deletable",
  "sourcesLocked",
  "templateSettings",
] as const;
export type MomentInput = Omit<Moment, (typeof NOT_INPUT)[number]>;
export type Step = Moment["steps"][number];
export type Action = Step["action"];
export type ActionType = Action["type"];
export type StartRule = Moment["start"];
export type EndRule = Moment["end"][number];
export type Condition = NonNullable<StartRule["where"]>[number];
export type Duration = NonNullable<StartRule["unless"]>["within"];
export type Source = components["schemas"]["Source"];
export type IssuedIdentitySecret = components["schemas"]["IssuedIdentitySecret"];
export type Decision = components["schemas"]["Decision"];
