import type { Action } from "../../domain/actions.js";
import { formatMailbox, isEmailAddress, parseMailbox } from "../../domain/email.js";
import type { Mailer } from "../../ports/delivery.js";
import type { EmailTemplateRepository } from "../../ports/email-templates.js";
import type { ActionPerformer } from "./action.js";

export interface EmailDeps {
  templates: Pick<EmailTemplateRepository, "getEmailTemplate">;
  mailer: Mailer;
}

type SendEmail = Extract<Action, { type: "send_email" }>;

/**
 * send_email: the template rendered for the run's recipient (the action's `to`, by default the
 * triggering user's `{email}`, else the account's), sent through the mailer.
 */
export function emailPerformer(deps: EmailDeps): ActionPerformer<SendEmail> {
  return async (ctx, action) => {
    const { run, render } = ctx;
    const template = await deps.templates.getEmailTemplate(run.workspaceId, action.templateId);
    if (!template)
      return { status: "failed", reason: `email template "${action.templateId}" no longer exists` };
    const to = render(action.to ?? "{email}", "header").trim();
    if (!isEmailAddress(to)) {
      return {
        status: "skipped",
        reason: `no_recipient: "${action.to ?? "{email}"}" did not render to an email address`,
      };
    }
    const from = parseMailbox(template.from);
    if (!from) return { status: "failed", reason: "the template's sender is not a valid address" };
    const email = {
      from: formatMailbox(from),
      to,
      // A subject is one header line: a rendered value must not be able to add headers.
      subject: render(template.subject, "header").trim(),
      text: render(template.text),
      ...(template.html ? { html: render(template.html, "html") } : {}),
    };
    return {
      preview: email,
      perform: async () => {
        const { messageId } = await deps.mailer.send({
          ...email,
          tags: {
            workspace: run.workspaceId,
            moment: run.momentId,
            run: run.runId,
            ...(ctx.test ? { test: "true" } : {}),
          },
        });
        return { status: "executed", detail: { messageId } };
      },
    };
  };
}
