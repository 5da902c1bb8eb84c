import type { EmailTemplate } from "../domain/email-template.js";

export interface EmailTemplateRepository {
  putEmailTemplate(template: EmailTemplate): Promise<void>;
  getEmailTemplate(workspaceId: string, templateId: string): Promise<EmailTemplate | undefined>;
}
