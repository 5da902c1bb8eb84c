import type { StepOutcome } from "../../contracts/workflow.js";
import type { Action } from "../../domain/actions.js";
import { TransientDeliveryError } from "../../domain/delivery-errors.js";
import { type Mailbox, parseMailbox } from "../../domain/email.js";
import { escapeHtml, neutralizeUnsafeLinks } from "../../domain/render.js";
import { normaliseAddress, suppressedReason } from "../../domain/suppression.js";
import type { Mailer } from "../../ports/delivery.js";
import type { EmailTemplateRepository } from "../../ports/email-templates.js";
import type { SuppressionList, UnsubscribeKeyStore } from "../../ports/suppressions.js";
import { unsubscribeLink } from "../unsubscribe.js";
import type { ActionPerformer } from "./action.js";

export interface EmailDeps {
  templates: Pick<EmailTemplateRepository, "getEmailTemplate">;
  mailer: Mailer;
  suppressions: Pick<SuppressionList, "getSuppression">;
  unsubscribeKeys: Pick<UnsubscribeKeyStore, "signingKey">;
  /** The API's public base URL, which unsubscribe links point at. */
  publicApiUrl: string | undefined;
  sleep?: (ms: number) => Promise<void>;
}

/** A throttled cc copy is tried again up to twice, 1 s then 2 s later, inside the step. */
const CC_RETRIES = 2;
const CC_RETRY_DELAY_MS = 1_000;

type SendEmail = Extract<Action, { type: "send_email" }>;

/** RFC 8058: the mail provider POSTs `List-Unsubscribe=One-Click` to the link, no page involved. */
const LIST_UNSUBSCRIBE_POST = "List-Unsubscribe=One-Click";

/** How the footer link is added to a plain-text body (a signature-style separator, then the link). */
function textFooter(url: string): string {
  return `\n\n--\nUnsubscribe: ${url}`;
}

/** How the footer link is added to an HTML body: before </body> when there is one, else at the end. */
function withHtmlFooter(html: string, url: string): string {
  const footer =
    '<p style="margin-top:24px;font-size:12px;color:#6b7280">' +
    `<a href="${escapeHtml(url)}" style="color:#6b7280">Unsubscribe</a></p>`;
  // The last </body>: an earlier one could sit in a comment or a quoted snippet.
  const close = [...html.matchAll(/<\/body\s*>/gi)].at(-1)?.index ?? -1;
  return close === -1 ? `${html}${footer}` : `${html.slice(0, close)}${footer}${html.slice(close)}`;
}

/** A mailbox as an admin reads it in a preview (no encoded words). */
function display(mailbox: Mailbox): string {
  return mailbox.name ? `"${mailbox.name.replace(/["\\]/g, "\\$&")}" <${mailbox.address}>` : mailbox.address;
}

const invalidAddress = (field: string, template: string): StepOutcome => ({
  status: "failed",
  reason: `invalid_address: ${field} "${template}" did not render to an email address`,
});

/**
 * A step's reads that need no template, started with the template's, so they cost no round trip of
 * their own: the recipient's suppression (its send awaits it, a moment later: a suppression still
 * stops the email) and the workspace's unsubscribe key (its store caches it for the send). Nothing
 * when the recipient does not render (the step stops on it below, in its order).
 */
function readEarly(deps: EmailDeps, ctx: Parameters<ActionPerformer<SendEmail>>[0], action: SendEmail) {
  let address: string | undefined;
  try {
    const mailbox = parseMailbox(ctx.render(action.to ?? "{email}", "header").trim());
    address = mailbox && (normaliseAddress(mailbox.address) ?? mailbox.address);
  } catch {
    return undefined;
  }
  if (address === undefined) return undefined;
  const suppression = deps.suppressions.getSuppression(ctx.run.workspaceId, address);
  // Awaited by the send only: a step that stops before it must not leave a rejection unhandled.
  suppression.catch(() => undefined);
  deps.unsubscribeKeys.signingKey(ctx.run.workspaceId).catch(() => undefined);
  return { address, suppression };
}

/**
 * send_email: the template rendered for the run's recipient (the action's `to`, by default the
 * triggering user's `{email}`, else the account's), with optional reply-to and cc, sent through the
 * mailer. Every email carries List-Unsubscribe (one-click, RFC 8058) and a footer link; the
 * suppression list is checked when the email is sent, not when it is prepared, so an unsubscribe
 * that lands between a run's start and its email still stops it.
 *
 * Reasons never name an address: the action function logs them.
 */
export function emailPerformer(deps: EmailDeps): ActionPerformer<SendEmail> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return async (ctx, action) => {
    const { run, render } = ctx;
    const early = ctx.test ? undefined : readEarly(deps, ctx, action);
    const template = await deps.templates.getEmailTemplate(run.workspaceId, action.templateId);
    if (!template)
      return { status: "failed", reason: `email template "${action.templateId}" no longer exists` };

    // Every field first: an onMissing skip/fail placeholder stops the step before anything else.
    const toTemplate = action.to ?? "{email}";
    const toRendered = render(toTemplate, "header").trim();
    const replyToRendered = action.replyTo === undefined ? "" : render(action.replyTo, "header").trim();
    const ccRendered = (action.cc ?? []).map((cc) => render(cc, "header").trim());
    // A subject is one header line: neither a value nor the template may add a line to it.
    const subject = render(template.subject, "header")
      .replace(/[\r\n]+/g, " ")
      .trim();
    const text = render(template.text);
    const html =
      template.html === undefined ? undefined : neutralizeUnsafeLinks(render(template.html, "html"));

    const to = parseMailbox(toRendered);
    if (!to) {
      return {
        status: "skipped",
        reason: `no_recipient: "${toTemplate}" did not render to an email address`,
      };
    }
    const from = parseMailbox(template.from);
    if (!from) return { status: "failed", reason: "the template's sender is not a valid address" };
    // An empty rendering leaves the field out (the onMissing policy decides whether that is fine);
    // anything else must be an address.
    let replyTo: Mailbox | undefined;
    if (replyToRendered !== "") {
      replyTo = parseMailbox(replyToRendered);
      if (!replyTo) return invalidAddress("replyTo", action.replyTo ?? "");
    }
    const cc: Mailbox[] = [];
    const seen = new Set([normaliseAddress(to.address) ?? to.address]);
    for (const [i, rendered] of ccRendered.entries()) {
      if (rendered === "") continue;
      const mailbox = parseMailbox(rendered);
      if (!mailbox) return invalidAddress(`cc.${i}`, action.cc?.[i] ?? "");
      const key = normaliseAddress(mailbox.address) ?? mailbox.address;
      // The recipient or an address twice in cc would get the email twice.
      if (seen.has(key)) continue;
      seen.add(key);
      cc.push(mailbox);
    }
    const publicApiUrl = deps.publicApiUrl;
    if (!publicApiUrl) {
      return {
        status: "failed",
        reason: "unsubscribe_unavailable: no public API URL for the unsubscribe link",
      };
    }

    return {
      preview: {
        from: display(from),
        to: display(to),
        ...(cc.length > 0 ? { cc: cc.map(display) } : {}),
        ...(replyTo ? { replyTo: display(replyTo) } : {}),
        subject,
        text,
        ...(html !== undefined ? { html } : {}),
        unsubscribe:
          "a List-Unsubscribe header (one-click) and a footer link are added when sent; " +
          "suppressed addresses are checked then",
      },
      perform: async () => {
        const toAddress = normaliseAddress(to.address) ?? to.address;
        const suppression = await (early?.address === toAddress
          ? early.suppression
          : deps.suppressions.getSuppression(run.workspaceId, toAddress));
        if (suppression) return { status: "skipped", reason: suppressedReason(suppression) };
        const ccChecked = await Promise.all(
          cc.map(async (mailbox) => ({
            mailbox,
            suppressed: await deps.suppressions.getSuppression(
              run.workspaceId,
              normaliseAddress(mailbox.address) ?? mailbox.address,
            ),
          })),
        );
        const ccKept = ccChecked.filter((c) => !c.suppressed).map((c) => c.mailbox);
        const ccDropped = ccChecked.length - ccKept.length;

        // One copy per recipient, each with its own unsubscribe link (List-Unsubscribe and footer):
        // a Cc'd person's one-click must unsubscribe them, not the To recipient. Every copy shows
        // the same To and Cc. The To copy decides the step; a Cc copy that fails is counted, not
        // retried, since retrying the step would send the To copy twice.
        const copy = async (recipient: Mailbox) => {
          const address = normaliseAddress(recipient.address) ?? recipient.address;
          const url = await unsubscribeLink(
            { keys: deps.unsubscribeKeys, publicApiUrl },
            run.workspaceId,
            address,
            ctx.now,
          );
          return deps.mailer.send({
            from,
            to,
            ...(ccKept.length > 0 ? { cc: ccKept } : {}),
            ...(replyTo ? { replyTo } : {}),
            subject,
            text: `${text}${textFooter(url)}`,
            ...(html !== undefined ? { html: withHtmlFooter(html, url) } : {}),
            headers: {
              "List-Unsubscribe": `<${url}>`,
              "List-Unsubscribe-Post": LIST_UNSUBSCRIBE_POST,
            },
            date: ctx.now,
            tags: {
              workspace: run.workspaceId,
              moment: run.momentId,
              run: run.runId,
              // The To copy decides the step: its Send event is the step's evidence when in doubt
              // (a test send has no step to reconcile), and names the attempt that sent it (its
              // claim's token), which evidence speaks for (see step-evidence.ts).
              ...(recipient === to && !ctx.test ? { step: ctx.stepId } : {}),
              ...(recipient === to && !ctx.test && ctx.attempt !== undefined ? { attempt: ctx.attempt } : {}),
              ...(ctx.test ? { test: "true" } : {}),
            },
            ...(ccKept.length > 0 ? { deliverTo: recipient } : {}),
          });
        };
        const { messageId } = await copy(to);
        let ccFailed = 0;
        for (const mailbox of ccKept) {
          // SES throttles per second: a cc copy refused for now is tried again, briefly, here.
          for (let attempt = 0; ; attempt++) {
            try {
              await copy(mailbox);
              break;
            } catch (error) {
              if (!(error instanceof TransientDeliveryError) || attempt >= CC_RETRIES) {
                ccFailed++;
                break;
              }
              await sleep(CC_RETRY_DELAY_MS * (attempt + 1));
            }
          }
        }
        return {
          status: "executed",
          detail: {
            messageId,
            ...(ccDropped > 0 ? { ccSuppressed: String(ccDropped) } : {}),
            ...(ccFailed > 0 ? { ccFailed: String(ccFailed) } : {}),
          },
        };
      },
    };
  };
}
