import type { EmailTemplate } from "../domain/email-template.js";
import { emailTemplateInputSchema } from "../domain/email-template.js";
import { newId } from "../domain/ids.js";
import { parseOrThrow } from "../domain/validation.js";
import type { Clock } from "../ports/clock.js";
import type { EmailTemplateRepository } from "../ports/email-templates.js";

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

export function toEmailTemplateView({ workspaceId: _ws, ...view }: EmailTemplate) {
  return view;
}
