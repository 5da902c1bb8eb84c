/**
 * One moment by id, or a 404. Apart from moments.ts: the inbox function needs only this, and
 * importing moments.ts for it built every schema of moments, actions and the catalog (some 250) at
 * its cold start (esbuild keeps every module-level zod call of a module that is imported).
 * moments.ts re-exports it.
 */
import { NotFoundError } from "../domain/errors.js";
import type { MomentRepository } from "../ports/moments.js";

export async function getMoment(
  deps: { moments: Pick<MomentRepository, "getMoment"> },
  workspaceId: string,
  momentId: string,
) {
  const moment = await deps.moments.getMoment(workspaceId, momentId);
  if (!moment) throw new NotFoundError(`No moment with id "${momentId}"`);
  return moment;
}
