import * as z from "zod/mini";
import { mayRenderSafeLink } from "./links.js";
import { durationSchema, idSchema, keptRecord } from "./primitives.js";
import {
  WEBHOOK_ID_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
} from "./webhook-signature.js";

/**
 * What a step does. Every text field may hold placeholders (`{first_name}`, `{event.plan}`...),
 * rendered when the step runs. Objects a step refers to (email templates, integrations) must exist
 * in the moment's workspace; that is checked when the moment is saved.
 */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
const text = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));

export const sendEmailActionSchema = z.strictObject({
  type: z.literal("send_email"),
  templateId: idSchema,
  /** Recipient; defaults to the triggering user's `{email}`, else the account's. */
  to: z.optional(text(320)),
  replyTo: z.optional(text(320)),
  cc: z.optional(z.array(text(320)).check(z.maxLength(10))),
});

export const sendNotificationActionSchema = z.strictObject({
  type: z.literal("send_notification"),
  title: text(200),
  body: text(2000),
  /**
   * Where the notification links to in the app (optional): http(s) or a path relative to the app,
   * checked again once rendered (a placeholder may hold anything).
   */
  url: z.optional(
    text(2000).check(
      z.refine(
        mayRenderSafeLink,
        "must be an http(s) URL or a path relative to the app (no javascript:, data: or //host)",
      ),
    ),
  ),
});

export const feedbackPromptActionSchema = z.strictObject({
  type: z.literal("feedback_prompt"),
  question: text(500),
  /** Asked after a neutral or frustrated reaction, to collect a comment (optional). */
  followUp: z.optional(text(500)),
});

export const sendSlackActionSchema = z.strictObject({
  type: z.literal("send_slack"),
  integrationId: idSchema,
  /** Channel id or name; needed with a bot token, ignored by an incoming webhook (fixed channel). */
  channel: z.optional(text(200)),
  text: text(4000),
});

export const createAttioTaskActionSchema = z.strictObject({
  type: z.literal("create_attio_task"),
  integrationId: idSchema,
  content: text(2000),
  /** Deadline relative to when the step runs. */
  deadline: z.optional(durationSchema),
  linkedRecord: z.optional(z.strictObject({ object: text(100), recordId: text(200) })),
  /** Attio workspace-member id to assign the task to. */
  assigneeId: z.optional(text(200)),
});

export const webhookMethods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"] as const;

/** Marks a test send's webhook request (the admin function's test sends). */
export const WEBHOOK_TEST_HEADER = "moments-test";

/**
 * Headers the sender owns, refused in a step's `headers`: framing (a second Content-Length or a
 * Transfer-Encoding would let a value smuggle a request), routing (Host), and the signature headers
 * a receiver trusts. Lower case.
 */
export const RESERVED_WEBHOOK_HEADERS: ReadonlySet<string> = new Set([
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "proxy-connection",
  "upgrade",
  "te",
  "trailer",
  "expect",
  WEBHOOK_ID_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TEST_HEADER,
]);

/** GET and HEAD requests have no defined body semantics; many servers and proxies refuse one. */
export const BODYLESS_WEBHOOK_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD"]);

export const sendWebhookActionSchema = z
  .strictObject({
    type: z.literal("send_webhook"),
    method: z.enum(webhookMethods),
    url: text(2000).check(z.regex(/^https?:\/\/\S+$/i, "must be an http(s) URL")),
    headers: z.optional(
      keptRecord(z.string().check(z.regex(HEADER_NAME, "must be a header name")), text(2000), {
        propertyNames: { type: "string", pattern: HEADER_NAME.source },
        additionalProperties: { type: "string", minLength: 1, maxLength: 2000 },
      }),
    ),
    body: z.optional(z.string().check(z.maxLength(64 * 1024))),
    /** A `webhook` integration holding the signing secret (Standard Webhooks signatures). */
    integrationId: z.optional(idSchema),
  })
  .check(
    z.superRefine((action, ctx) => {
      if (action.body && BODYLESS_WEBHOOK_METHODS.has(action.method))
        ctx.addIssue({ code: "custom", message: "a GET or HEAD request carries no body", path: ["body"] });
      // Checked here rather than on the record's keys, so the error names the header.
      for (const name of Object.keys(action.headers ?? {})) {
        if (RESERVED_WEBHOOK_HEADERS.has(name.toLowerCase()))
          ctx.addIssue({
            code: "custom",
            message: "is set by Moments and cannot be overridden",
            path: ["headers", name],
          });
      }
    }),
  );

export const updateAttributeActionSchema = z.strictObject({
  type: z.literal("update_attribute"),
  scope: z.enum(["account", "user"]),
  attribute: z.string().check(z.regex(/^[^.\s]{1,128}$/, "must be an attribute name without dots or spaces")),
  /** The new value (strings may hold placeholders); null unsets the attribute. */
  value: z.union([z.string().check(z.maxLength(2000)), z.number(), z.boolean(), z.null()]),
});

export const actionSchema = z.discriminatedUnion("type", [
  sendEmailActionSchema,
  sendNotificationActionSchema,
  feedbackPromptActionSchema,
  sendSlackActionSchema,
  createAttioTaskActionSchema,
  sendWebhookActionSchema,
  updateAttributeActionSchema,
]);
export type Action = z.infer<typeof actionSchema>;

/** Which integration kind an action needs, if any. */
export function requiredIntegrationKind(action: Action): "slack" | "attio" | "webhook" | undefined {
  switch (action.type) {
    case "send_slack":
      return "slack";
    case "create_attio_task":
      return "attio";
    case "send_webhook":
      return action.integrationId ? "webhook" : undefined;
    default:
      return undefined;
  }
}
