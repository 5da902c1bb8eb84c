import type { EmailTemplate } from "../domain/email-template.js";

/** What runs and moment validation need: read a template, and create one. */
export interface EmailTemplateRepository {
  /** Creates a template (ids are fresh, so this never replaces another). */
  putEmailTemplate(template: EmailTemplate): Promise<void>;
  getEmailTemplate(workspaceId: string, templateId: string): Promise<EmailTemplate | undefined>;
}

export interface PageRequest {
  limit: number;
  /** Opaque cursor from the previous page's `nextCursor`. */
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** The whole lifecycle, for the admin API. */
export interface EmailTemplateStore extends EmailTemplateRepository {
  /** Oldest first (ids sort by creation time). A cursor from another listing is a ValidationError. */
  listEmailTemplates(workspaceId: string, page: PageRequest): Promise<Page<EmailTemplate>>;
  /**
   * Replaces the template if it still exists and was last updated at `expectedUpdatedAt` (no lost
   * updates between read and write); false otherwise.
   */
  replaceEmailTemplate(next: EmailTemplate, expectedUpdatedAt: string): Promise<boolean>;
  /** False when there was nothing to delete. */
  deleteEmailTemplate(workspaceId: string, templateId: string): Promise<boolean>;
}
