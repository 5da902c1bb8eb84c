import { ConflictError, type FieldProblem, NotFoundError, ValidationError } from "../domain/errors.js";
import { newId } from "../domain/ids.js";
import { checkTransition, type Moment, momentInputSchema, statusChangeSchema } from "../domain/moment.js";
import { parseOrThrow } from "../domain/validation.js";
import type { Clock } from "../ports/clock.js";
import type { EmailTemplateRepository } from "../ports/email-templates.js";
import type { MomentRepository } from "../ports/moments.js";
import type { RunRepository } from "../ports/runs.js";
import type { SourceRepository } from "../ports/sources.js";

export interface MomentDeps {
  moments: MomentRepository;
  sources: SourceRepository;
  templates: EmailTemplateRepository;
  clock: Clock;
}

/** Steps and sources must point at objects of the same workspace; another workspace's ids do not exist. */
async function checkReferences(
  deps: Pick<MomentDeps, "sources" | "templates">,
  workspaceId: string,
  moment: Moment["steps"],
  sourceIds: string[],
) {
  const problems: FieldProblem[] = [];
  await Promise.all([
    ...sourceIds.map(async (sourceId, index) => {
      if (!(await deps.sources.getSource(workspaceId, sourceId))) {
        problems.push({ path: `sourceIds.${index}`, message: `no source with id "${sourceId}"` });
      }
    }),
    ...moment.map(async (step, index) => {
      if (
        step.action.type === "send_email" &&
        !(await deps.templates.getEmailTemplate(workspaceId, step.action.templateId))
      ) {
        problems.push({
          path: `steps.${index}.action.templateId`,
          message: `no email template with id "${step.action.templateId}"`,
        });
      }
    }),
  ]);
  if (problems.length > 0) throw new ValidationError(problems.sort((a, b) => a.path.localeCompare(b.path)));
}

export async function createMoment(deps: MomentDeps, workspaceId: string, body: unknown): Promise<Moment> {
  const input = parseOrThrow(momentInputSchema, body);
  await checkReferences(deps, workspaceId, input.steps, input.sourceIds);
  const now = deps.clock.now().toISOString();
  const moment: Moment = {
    ...input,
    id: newId(),
    workspaceId,
    status: "draft",
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  await deps.moments.createMoment(moment);
  return moment;
}

export async function getMoment(deps: Pick<MomentDeps, "moments">, workspaceId: string, momentId: string) {
  const moment = await deps.moments.getMoment(workspaceId, momentId);
  if (!moment) throw new NotFoundError(`No moment with id "${momentId}"`);
  return moment;
}

export async function changeMomentStatus(
  deps: MomentDeps,
  workspaceId: string,
  momentId: string,
  body: unknown,
) {
  const { status } = parseOrThrow(statusChangeSchema, body);
  const moment = await getMoment(deps, workspaceId, momentId);
  if (moment.status === status) return moment;
  const check = checkTransition(moment, status);
  if (!check.ok) throw new ConflictError(check.reason);
  const updated = await deps.moments.setMomentStatus(moment, status, deps.clock.now().toISOString());
  if (!updated) throw new ConflictError("The moment was changed at the same time; read it again and retry");
  return updated;
}

const DEFAULT_PAGE = 50;
const MAX_PAGE = 200;

export async function listMomentAccounts(
  deps: { moments: MomentRepository; runs: RunRepository },
  workspaceId: string,
  momentId: string,
  query: { limit?: string; cursor?: string },
) {
  await getMoment(deps, workspaceId, momentId);
  let limit = DEFAULT_PAGE;
  if (query.limit !== undefined) {
    limit = Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
      throw new ValidationError([{ path: "limit", message: `must be a whole number from 1 to ${MAX_PAGE}` }]);
    }
  }
  const page = await deps.runs.listMemberships(workspaceId, momentId, {
    limit,
    ...(query.cursor ? { cursor: query.cursor } : {}),
  });
  return {
    items: page.items.map(({ accountId, status, startedAt, endedAt }) => ({
      accountId,
      status,
      startedAt,
      ...(endedAt ? { endedAt } : {}),
    })),
    ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
  };
}
