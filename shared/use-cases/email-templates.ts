import {
  applyEmailTemplatePatch,
  type EmailTemplate,
  emailTemplateIdOf,
  emailTemplateInputSchema,
  previewRequestSchema,
  renderEmailPreview,
} from "../domain/email-template.js";
import { ConflictError, NotFoundError, ServiceUnavailableError, ValidationError } from "../domain/errors.js";
import { newId } from "../domain/ids.js";
import type { Moment } from "../domain/moment.js";
import { isId } from "../domain/primitives.js";
import { parseOrThrow } from "../domain/validation.js";
import type { Clock } from "../ports/clock.js";
import type { EmailTemplateRepository, EmailTemplateStore } from "../ports/email-templates.js";
import type { ProfileRepository } from "../ports/profiles.js";
import { mapPage, parsePageQuery } from "./paging.js";

export interface EmailTemplateDeps {
  templates: EmailTemplateStore;
  /** Which moments use a template (deletes are refused while a live one does). */
  moments: { listMoments(workspaceId: string): Promise<Moment[]> };
  clock: Clock;
  /** Needed only for previews with an `accountId`. */
  profiles?: Pick<ProfileRepository, "get">;
}

export async function createEmailTemplate(
  deps: { templates: EmailTemplateRepository; clock: Clock },
  workspaceId: string,
  body: unknown,
) {
  const input = parseOrThrow(emailTemplateInputSchema, body);
  const now = deps.clock.now().toISOString();
  const template: EmailTemplate = { ...input, id: newId(), workspaceId, createdAt: now, updatedAt: now };
  await deps.templates.putEmailTemplate(template);
  return toEmailTemplateView(template);
}

export async function listEmailTemplates(
  deps: Pick<EmailTemplateDeps, "templates">,
  workspaceId: string,
  query: Record<string, string>,
) {
  const page = await deps.templates.listEmailTemplates(workspaceId, parsePageQuery(query));
  return mapPage(page, toEmailTemplateView);
}

export async function getEmailTemplate(
  deps: Pick<EmailTemplateDeps, "templates">,
  workspaceId: string,
  templateId: string,
) {
  return toEmailTemplateView(await findTemplate(deps, workspaceId, templateId));
}

/** PATCH: any field; the merged template is validated as a whole. */
export async function updateEmailTemplate(
  deps: Pick<EmailTemplateDeps, "templates" | "clock">,
  workspaceId: string,
  templateId: string,
  body: unknown,
) {
  const current = await findTemplate(deps, workspaceId, templateId);
  const next = applyEmailTemplatePatch(current, body, deps.clock.now().toISOString());
  if (!(await deps.templates.replaceEmailTemplate(next, current.updatedAt))) {
    throw new ConflictError("The template was changed or deleted at the same time; read it again and retry");
  }
  return toEmailTemplateView(next);
}

/** Refused while a moment that is not archived sends it: its runs would fail at that step. */
export async function deleteEmailTemplate(
  deps: Pick<EmailTemplateDeps, "templates" | "moments">,
  workspaceId: string,
  templateId: string,
) {
  await findTemplate(deps, workspaceId, templateId);
  const users = liveMomentsUsing(
    await deps.moments.listMoments(workspaceId),
    (action) => emailTemplateIdOf(action) === templateId,
  );
  if (users.length > 0) throw inUseError("template", users);
  if (!(await deps.templates.deleteEmailTemplate(workspaceId, templateId))) {
    throw new NotFoundError(`No email template ${templateId}`);
  }
}

/**
 * Renders the template with sample traits and event properties, or an account's stored traits, and
 * lists the placeholders that would render empty: what to fix before a moment goes live.
 */
export async function previewEmailTemplate(
  deps: Pick<EmailTemplateDeps, "templates" | "profiles">,
  workspaceId: string,
  templateId: string,
  body: unknown,
) {
  const request = parseOrThrow(previewRequestSchema, body === undefined ? {} : body);
  const saved = await findTemplate(deps, workspaceId, templateId);
  // Unsaved edits are previewed as a PATCH would save them (errors name `edits.<field>`).
  const template = request.edits ? withEdits(saved, request.edits) : saved;
  let traits: Record<string, unknown> = {};
  if (request.accountId !== undefined) {
    if (!deps.profiles) {
      throw new ServiceUnavailableError("Previewing with an account's profile is not available here");
    }
    const profile = await deps.profiles.get(workspaceId, request.accountId);
    if (!profile) throw new NotFoundError(`No profile for account ${request.accountId}`);
    traits = profile.traits;
  }
  return renderEmailPreview(template, {
    // Sample traits win over stored ones: "what if this account had no first_name?"
    traits: { ...traits, ...request.traits },
    event: request.event ?? {},
  });
}

function withEdits(saved: EmailTemplate, edits: unknown): EmailTemplate {
  try {
    return applyEmailTemplatePatch(saved, edits, saved.updatedAt);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(
      error.details.map((problem) => ({ ...problem, path: `edits.${problem.path}` })),
    );
  }
}

export function toEmailTemplateView({ workspaceId: _ws, ...view }: EmailTemplate) {
  return view;
}

async function findTemplate(
  deps: Pick<EmailTemplateDeps, "templates">,
  workspaceId: string,
  templateId: string,
): Promise<EmailTemplate> {
  // An id we could never have issued is simply not found (and never reaches DynamoDB's key limits).
  const template = isId(templateId)
    ? await deps.templates.getEmailTemplate(workspaceId, templateId)
    : undefined;
  if (!template) throw new NotFoundError(`No email template ${templateId.slice(0, 64)}`);
  return template;
}

/** Moments that are not archived with a step whose action matches. */
export function liveMomentsUsing(
  moments: Moment[],
  uses: (action: Moment["steps"][number]["action"]) => boolean,
) {
  return moments.filter((m) => m.status !== "archived" && m.steps.some((step) => uses(step.action)));
}

/** The 409 for deleting something live moments use, naming them so the admin knows where to look. */
export function inUseError(what: string, moments: Moment[]): ConflictError {
  const names = moments
    .slice(0, 5)
    .map((m) => `"${m.name}" (${m.id}, ${m.status})`)
    .join(", ");
  const more = moments.length > 5 ? ` and ${moments.length - 5} more` : "";
  return new ConflictError(
    `The ${what} is used by ${moments.length === 1 ? "a moment" : "moments"} that ${moments.length === 1 ? "is" : "are"} not archived: ${names}${more}. Archive ${moments.length === 1 ? "it" : "them"} or change ${moments.length === 1 ? "its" : "their"} steps first.`,
    moments.map((m) => ({
      path: `moments.${m.id}`,
      message: `${m.status} moment "${m.name}" uses this ${what}`,
    })),
  );
}
