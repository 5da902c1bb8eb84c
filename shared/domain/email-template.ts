import * as z from "zod/mini";
import { mailboxSchema } from "./email.js";
import { nameSchema } from "./primitives.js";

export const emailTemplateInputSchema = z.strictObject({
  name: nameSchema,
  /** Sender identity, e.g. `"Anna at Acme" <anna@mail.acme.com>`; plain text from a person works best. */
  from: mailboxSchema,
  subject: z.string().check(z.minLength(1), z.maxLength(998)),
  text: z.string().check(z.minLength(1), z.maxLength(100_000)),
  html: z.optional(z.string().check(z.minLength(1), z.maxLength(500_000))),
});
export type EmailTemplateInput = z.infer<typeof emailTemplateInputSchema>;

export interface EmailTemplate extends EmailTemplateInput {
  id: string;
  workspaceId: string;
  createdAt: string;
  updatedAt: string;
}
