import type { EmailTemplate } from "../domain/email-template.js";
import { emailTemplateInputSchema } from "../domain/email-template.js";
import { newId } from "../domain/ids.js";
import { parseOrThrow } from "../domain/validation.js";
import type { Clock, ConfigRepository } from "../ports.js";

export async function createEmailTemplate(
  deps: { config: ConfigRepository; clock: Clock },
  workspaceId: string,
  body: unknown,
) {
  const input = parseOrThrow(emailTemplateInputSchema, body);
  const now = deps.clock.now().toISOString();
  const template: EmailTemplate = { ...input, id: newId(), workspaceId, createdAt: now, updatedAt: now };
  await deps.config.putEmailTemplate(template);
  return toEmailTemplateView(template);
}

export function toEmailTemplateView({ workspaceId: _ws, ...view }: EmailTemplate) {
  return view;
}
