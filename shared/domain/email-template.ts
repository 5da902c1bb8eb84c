import * as z from "zod/mini";
import type { Action } from "./actions.js";
import { mailboxSchema } from "./email.js";
import { jsonObjectSchema, nameSchema } from "./primitives.js";
import { missingPlaceholders as missingIn, type RenderData, render } from "./render.js";
import { parseOrThrow } from "./validation.js";

const subjectSchema = z.string().check(z.minLength(1), z.maxLength(998));
const textSchema = z.string().check(z.minLength(1), z.maxLength(100_000));
const htmlSchema = z.string().check(z.minLength(1), z.maxLength(500_000));

export const emailTemplateInputSchema = z.strictObject({
  name: nameSchema,
  /** Sender identity, e.g. `"Anna at Acme" <anna@mail.acme.com>`; plain text from a person works best. */
  from: mailboxSchema,
  subject: subjectSchema,
  text: textSchema,
  html: z.optional(htmlSchema),
});
export type EmailTemplateInput = z.infer<typeof emailTemplateInputSchema>;

export interface EmailTemplate extends EmailTemplateInput {
  id: string;
  workspaceId: string;
  createdAt: string;
  updatedAt: string;
}

/** A PATCH body: any template field; `html: null` removes the HTML part (back to plain text only). */
export const emailTemplatePatchSchema = z.strictObject({
  name: z.optional(nameSchema),
  from: z.optional(mailboxSchema),
  subject: z.optional(subjectSchema),
  text: z.optional(textSchema),
  html: z.optional(z.nullable(htmlSchema)),
});

/**
 * Applies a PATCH body, then validates the merged template as a whole, so a PATCH can never leave a
 * template that a POST would have refused. Errors name the body's fields (`subject`, `html`...).
 */
export function applyEmailTemplatePatch(
  current: EmailTemplate,
  body: unknown,
  updatedAt: string,
): EmailTemplate {
  const patch = parseOrThrow(emailTemplatePatchSchema, body === undefined ? {} : body);
  const { id, workspaceId, createdAt, updatedAt: _previous, ...fields } = current;
  const merged: Record<string, unknown> = { ...fields, ...patch };
  if (patch.html === null) delete merged.html;
  // Each field was checked above; the whole is checked again so a rule across fields (today none,
  // tomorrow perhaps) cannot be bypassed by patching one field at a time.
  const input = parseOrThrow(emailTemplateInputSchema, merged);
  return { ...input, id, workspaceId, createdAt, updatedAt };
}

/**
 * Sample data for a preview: traits and event properties as a run would see them. With an
 * `accountId`, the account's stored traits are used and `traits` given here override them.
 */
export const previewRequestSchema = z.strictObject({
  accountId: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
  traits: z.optional(jsonObjectSchema),
  event: z.optional(jsonObjectSchema),
  /**
   * Unsaved edits to preview instead of the saved fields (an editor's live preview): the fields a
   * PATCH takes, checked the same way; nothing is saved.
   */
  edits: z.optional(emailTemplatePatchSchema),
});

export interface EmailPreview {
  from: string;
  subject: string;
  text: string;
  html?: string;
  /** Placeholders that rendered empty (no value, no `|default`), in order of first appearance. */
  missing: string[];
}

/** Placeholders of the given templates that would render as an empty string for this data. */
export function missingPlaceholders(templates: readonly string[], data: RenderData): string[] {
  return [...new Set(templates.flatMap((template) => missingIn(template, data)))];
}

/** Renders a template exactly as the send_email action does (subject on one line, HTML escaped). */
export function renderEmailPreview(template: EmailTemplateInput, data: RenderData): EmailPreview {
  return {
    from: template.from,
    // A subject is one header line: a rendered value must not be able to add headers.
    subject: render(template.subject, data)
      .replace(/[\r\n]+/g, " ")
      .trim(),
    text: render(template.text, data),
    ...(template.html !== undefined ? { html: render(template.html, data, "html") } : {}),
    missing: missingPlaceholders(
      [template.subject, template.text, ...(template.html !== undefined ? [template.html] : [])],
      data,
    ),
  };
}

/** The email template a step's action sends, if any. */
export function emailTemplateIdOf(action: Action): string | undefined {
  return action.type === "send_email" ? action.templateId : undefined;
}
