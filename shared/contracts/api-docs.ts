/**
 * What the OpenAPI document says about each route: a summary, and the zod schemas of its body and
 * query. Typed by route key, so a route added to the route table without docs does not compile.
 */
import * as z from "zod/mini";
import { signInResponseSchema, signInSchema } from "../domain/console-session.js";
import {
  emailTemplateInputSchema,
  emailTemplatePatchSchema,
  previewRequestSchema,
} from "../domain/email-template.js";
import { feedbackAnswerSchema } from "../domain/inbox.js";
import { createIntegrationSchema, integrationPatchSchemas } from "../domain/integration.js";
import { batchRequestSchema, messageSchema } from "../domain/message.js";
import { momentInputSchema, statusChangeSchema } from "../domain/moment.js";
import { momentFromTemplateSchema } from "../domain/moment-templates.js";
import { sourceInputSchema, sourcePatchSchema } from "../domain/source.js";
import { testStepSchema } from "../domain/test-step.js";
import { workspaceInputSchema } from "../domain/workspace.js";
import {
  acceptedResponse,
  accountResponse,
  analyticsJsSettingsResponse,
  batchResponse,
  createdSourceResponse,
  createdWorkspaceResponse,
  emailPreviewResponse,
  emailTemplatePageResponse,
  emailTemplateResponse,
  feedbackAnswerResponse,
  healthResponse,
  inboxItemResponse,
  inboxPageResponse,
  integrationPageResponse,
  integrationResponse,
  issuedAdminKeyResponse,
  issuedIdentitySecretResponse,
  issuedWriteKeyResponse,
  keyPageResponse,
  momentAccountsResponse,
  momentFeedbackPageResponse,
  momentListResponse,
  momentReportResponse,
  momentResponse,
  momentStatsResponse,
  momentTemplatesResponse,
  observedEventsResponse,
  openApiResponse,
  runResponse,
  slackChannelsResponse,
  sourceDebuggerResponse,
  sourcePageResponse,
  sourceResponse,
  suppressionPageResponse,
  testStepResponse,
  unsubscribeResponse,
  workspaceResponse,
} from "./api-responses.js";
import type { RouteKey } from "./routes.js";

export interface RouteDoc {
  summary: string;
  tag:
    | "Ingestion"
    | "Moments"
    | "Sources"
    | "Keys"
    | "Workspaces"
    | "Email templates"
    | "Integrations"
    | "Insights"
    | "Email"
    | "Meta"
    | "Console";
  /** Request body schema (JSON). */
  body?: z.ZodMiniType;
  /** Query parameters: name -> description. */
  query?: Record<string, string>;
  /**
   * Success status and what it returns: `body`, the response schema the handler is typed against
   * (absent: no body), and the response headers worth a client's attention. Adding a route that
   * answers JSON? Give its schema here (from api-responses.ts): without one the handler's answer
   * type is `undefined`, so `json(200, ...)` in a typed route does not compile; and add a live call
   * to test/integration/openapi-conformance.test.ts, which fails for any route it does not call.
   */
  success: {
    status: 200 | 201 | 202 | 204;
    description: string;
    body?: z.ZodMiniType;
    headers?: Readonly<Record<string, string>>;
    /** Media types answered besides JSON (a page, the console's assets), each a string body. */
    text?: readonly string[];
  };
  /**
   * Error statuses this route answers beyond those every route of its kind may (see openapi.ts:
   * 400, 401 with a key, 404 with a path parameter, 413 and 415 with a body).
   */
  errors?: readonly ErrorStatus[];
  /** Request headers the route reads, beyond Authorization. */
  headers?: Readonly<Record<string, string>>;
}

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 412 | 413 | 415 | 428 | 502 | 503;

/**
 * PATCH bodies of a moment: any top-level field of the model (documented loosely: the merged
 * result is validated against the full model).
 */
const momentPatchSchema = z.record(z.string(), z.unknown());

/** Every inbox route names its user and proves it (see README, In-app widget: security model). */
const inboxUser = { accountId: "The account", userId: "The user (optional: account-wide items only)" };
const userTokenHeaders = {
  "X-Moments-User-Token":
    "Required: hex HMAC-SHA256 of '<accountId>\\n<userId>' with the source's identity secret (401 otherwise)",
  Origin: "Browsers only: must match one of the source's allowedDomains",
};

const widgetHeaders = {
  "x-moments-widget-version": "The build's version: load ?v=<it> to cache the file for a year",
  "x-moments-widget-integrity": "The build's Subresource Integrity value (sha384-…)",
};

const list = {
  limit: "Page size, 1 to 200 (default 50)",
  cursor: "Opaque cursor from the previous page's nextCursor",
};

const browserOrigin = { Origin: "Browsers only: must match one of the source's allowedDomains" };
const ingestionHeaders = {
  ...browserOrigin,
  "Content-Encoding": "gzip or deflate (optional; the limits apply to the decompressed body)",
  // A browser of a source that requires it proves its account and user (see README).
  "X-Moments-User-Token":
    "Browsers of a source with requireUserToken: hex HMAC-SHA256 of '<accountId>\\n<userId>' with the source's identity secret",
};
const single = (summary: string) =>
  ({
    summary,
    tag: "Ingestion",
    body: messageSchema,
    headers: ingestionHeaders,
    success: {
      status: 202,
      description:
        "{ messageId, error? }: on the bus; with error (account_unresolved), kept in the source's debugger instead",
      body: acceptedResponse,
    },
    errors: [403, 503],
  }) as const;
const batch = {
  summary: "Send a batch of messages of any type (up to 500 KB, each at most 32 KB)",
  tag: "Ingestion",
  body: batchRequestSchema,
  headers: ingestionHeaders,
  success: {
    status: 202,
    description:
      "{ accepted: [{ index, messageId }], rejected: [{ index, error }] }: every item is on the bus or in the source's debugger",
    body: batchResponse,
  },
  errors: [403, 503],
} as const;
const preflight = (what: string) =>
  ({
    summary: `CORS preflight for browsers sending ${what}`,
    tag: "Ingestion",
    success: { status: 204, description: "CORS headers" },
  }) as const;
const track = single("Send a product event (track; POST /v1/events is Moments' own name for it)");
const identify = single("Identify a user (their traits; an account's with accountId)");
const group = single("Link a user to an account (group) and set the account's traits");
const page = single("A page view: the event page_viewed (properties plus name and category)");
const screen = single("A screen view: the event screen_viewed");
const alias = single("Link a previous id (an anonymous visitor) to a user");

/**
 * The ingestion routes: the Segment HTTP Tracking API's calls (each also under analytics.js's
 * one-letter path), their CORS preflights, and the settings analytics.js loads.
 */
const ingestionDocs = {
  "POST /v1/events": track,
  "OPTIONS /v1/events": preflight("events"),
  "POST /v1/track": track,
  "OPTIONS /v1/track": preflight("track calls"),
  "POST /v1/identify": identify,
  "OPTIONS /v1/identify": preflight("identify calls"),
  "POST /v1/group": group,
  "OPTIONS /v1/group": preflight("group calls"),
  "POST /v1/page": page,
  "OPTIONS /v1/page": preflight("page calls"),
  "POST /v1/screen": screen,
  "OPTIONS /v1/screen": preflight("screen calls"),
  "POST /v1/alias": alias,
  "OPTIONS /v1/alias": preflight("alias calls"),
  "POST /v1/batch": batch,
  "OPTIONS /v1/batch": preflight("batches"),
  "POST /v1/import": { ...batch, summary: "Import a batch (the same as POST /v1/batch)" },
  "OPTIONS /v1/import": preflight("imports"),
  "POST /v1/t": { ...track, summary: "analytics.js: track" },
  "OPTIONS /v1/t": preflight("analytics.js track calls"),
  "POST /v1/i": { ...identify, summary: "analytics.js: identify" },
  "OPTIONS /v1/i": preflight("analytics.js identify calls"),
  "POST /v1/p": { ...page, summary: "analytics.js: page" },
  "OPTIONS /v1/p": preflight("analytics.js page calls"),
  "POST /v1/s": { ...screen, summary: "analytics.js: screen" },
  "OPTIONS /v1/s": preflight("analytics.js screen calls"),
  "POST /v1/g": { ...group, summary: "analytics.js: group" },
  "OPTIONS /v1/g": preflight("analytics.js group calls"),
  "POST /v1/a": { ...alias, summary: "analytics.js: alias" },
  "OPTIONS /v1/a": preflight("analytics.js alias calls"),
  "POST /v1/b": { ...batch, summary: "analytics.js: batch" },
  "OPTIONS /v1/b": preflight("analytics.js batches"),
  "GET /v1/projects/{writeKey}/settings": {
    summary: "analytics.js settings (its cdnURL): point the browser library at this API",
    tag: "Ingestion",
    success: {
      status: 200,
      description: '{ integrations: { "Segment.io": { apiKey, apiHost, protocol } }, plan, metrics }',
      body: analyticsJsSettingsResponse,
    },
    errors: [401, 403],
  },
} as const;

export const apiDocs = {
  "GET /health": {
    summary: "Liveness",
    tag: "Meta",
    success: { status: 200, description: '{ "ok": true }', body: healthResponse },
  },
  "GET /v1/openapi.json": {
    summary: "This document",
    tag: "Meta",
    success: {
      status: 200,
      description: "OpenAPI 3.1",
      body: openApiResponse,
      headers: { "Cache-Control": "public, max-age=300" },
    },
  },
  ...ingestionDocs,
  "GET /v1/admin/moments/{id}/stats": {
    summary: "A moment's stats: fires, active, outcomes, per-step counts, feedback",
    tag: "Moments",
    success: { status: 200, description: "The stats", body: momentStatsResponse },
  },
  "GET /v1/admin/moments/{id}/report": {
    summary:
      "A moment's report: entered, active, succeeded, failed, stopped and completed per hour or day; ends by end rule; the per-step funnel with reasons; feedback and its latest comments",
    tag: "Moments",
    query: {
      bucket: "hour or day (default day)",
      from: "ISO 8601 start of the range (default: 48 hours or 30 days before to); at most 168 hours or 366 days",
      to: "ISO 8601 end of the range (default now)",
    },
    success: { status: 200, description: "The report", body: momentReportResponse },
  },
  "GET /v1/admin/accounts/{accountId}": {
    summary: "An account: profile, recent events, runs, and why it did or did not enter each moment",
    tag: "Insights",
    success: {
      status: 200,
      description: "{ accountId, traits, recentEvents, runs, decisions }",
      body: accountResponse,
    },
  },
  "GET /v1/admin/runs/{runId}": {
    summary: "A run and what each of its steps did (executed, skipped or failed, with the reason)",
    tag: "Insights",
    success: {
      status: 200,
      description:
        "{ runId, momentId, accountId, status, startedAt, endedAt?, endedBy?, trigger?, test?, steps: [{ stepId, status, outcome?: { reason?, detail? }, recordedAt?, claimedAt? }] }",
      body: runResponse,
    },
  },
  "GET /v1/admin/observed-events": {
    summary: "Every event name seen in the workspace, with counts and whether a moment uses it",
    tag: "Insights",
    query: list,
    success: {
      status: 200,
      description:
        "{ items: [{ name, count, firstSeenAt, lastSeenAt, sampleProperties, usedBy }], nextCursor? }, most frequent first",
      body: observedEventsResponse,
    },
  },
  "POST /v1/admin/observed-events/{name}/promote": {
    summary: "Create a draft moment that starts on this event",
    tag: "Insights",
    success: {
      status: 201,
      description: "The draft moment",
      body: momentResponse,
      headers: { ETag: "The moment's version, for If-Match" },
    },
  },
  "GET /v1/inbox": {
    summary: "An account's (and user's) in-app notifications and feedback prompts, unread first",
    tag: "Ingestion",
    query: { ...inboxUser, ...list },
    headers: userTokenHeaders,
    success: {
      status: 200,
      description:
        "{ items: [{ id, kind, title?, body?, question?, url?, readAt?, createdAt }], nextCursor? }",
      body: inboxPageResponse,
    },
    errors: [403],
  },
  "OPTIONS /v1/inbox": {
    summary: "CORS preflight for the in-app inbox",
    tag: "Ingestion",
    success: { status: 204, description: "CORS headers" },
  },
  "POST /v1/inbox/{id}/read": {
    summary: "Mark an inbox item read",
    tag: "Ingestion",
    query: inboxUser,
    headers: userTokenHeaders,
    success: { status: 200, description: "The item", body: inboxItemResponse },
    errors: [403],
  },
  "OPTIONS /v1/inbox/{id}/read": {
    summary: "CORS preflight for marking read",
    tag: "Ingestion",
    success: { status: 204, description: "CORS headers" },
  },
  "POST /v1/feedback": {
    summary: "Answer a feedback prompt (once): positive, neutral or frustrated, with an optional comment",
    tag: "Ingestion",
    body: feedbackAnswerSchema,
    query: inboxUser,
    headers: userTokenHeaders,
    success: {
      status: 201,
      description: "The answer (409 for a second answer)",
      body: feedbackAnswerResponse,
    },
    errors: [403, 409],
  },
  "POST /v1/inbox/{id}/dismiss": {
    summary: "Record that the user closed a feedback prompt without answering (counted once)",
    tag: "Ingestion",
    query: inboxUser,
    headers: userTokenHeaders,
    success: {
      status: 200,
      description: "The prompt, with dismissedAt (409 once answered)",
      body: inboxItemResponse,
    },
    errors: [403, 409],
  },
  "OPTIONS /v1/inbox/{id}/dismiss": {
    summary: "CORS preflight for dismissing a prompt",
    tag: "Ingestion",
    success: { status: 204, description: "CORS headers" },
  },
  "GET /v1/widget.js": {
    summary: "The in-app widget for a script tag (sets window.Moments); ?v=<version> pins a build",
    tag: "Ingestion",
    query: { v: "The build's version (x-moments-widget-version): cached for a year when current" },
    success: {
      status: 200,
      description: "JavaScript; x-moments-widget-version and x-moments-widget-integrity (SRI) headers",
      headers: widgetHeaders,
      text: ["text/javascript"],
    },
  },
  "GET /v1/widget.mjs": {
    summary: "The in-app widget as an ES module (export { Moments, init, identify, track, reset, on })",
    tag: "Ingestion",
    query: { v: "The build's version (x-moments-widget-version): cached for a year when current" },
    success: {
      status: 200,
      description: "JavaScript module; x-moments-widget-version and x-moments-widget-integrity headers",
      headers: widgetHeaders,
      text: ["text/javascript"],
    },
  },
  "OPTIONS /v1/feedback": {
    summary: "CORS preflight for feedback answers",
    tag: "Ingestion",
    success: { status: 204, description: "CORS headers" },
  },
  "GET /v1/admin/suppressions": {
    summary: "The workspace's suppressed addresses (unsubscribed, bounced, complained), by address",
    tag: "Email",
    query: list,
    success: {
      status: 200,
      description: "{ items: [{ address, reason, suppressedAt, detail? }], nextCursor? }",
      body: suppressionPageResponse,
    },
  },
  "DELETE /v1/admin/suppressions/{address}": {
    summary:
      "Lift a suppression (the person asked to receive email again); 404 if the address is not suppressed",
    tag: "Email",
    success: { status: 204, description: "No content" },
  },
  "GET /v1/unsubscribe": {
    summary: "The page an email's unsubscribe link opens: changes nothing, offers a button that POSTs",
    tag: "Email",
    query: { token: "The signed token from the email's link" },
    headers: { Accept: "text/html gets an HTML page; anything else { address (masked), unsubscribed }" },
    success: {
      status: 200,
      description: "HTML page or { address, unsubscribed }; a bad token is 400 naming token",
      body: unsubscribeResponse,
      text: ["text/html"],
    },
  },
  "POST /v1/unsubscribe": {
    summary: "Unsubscribe (RFC 8058 one-click: body List-Unsubscribe=One-Click, form-encoded or empty)",
    tag: "Email",
    query: { token: "The signed token from the email's link" },
    headers: {
      Accept: "text/html gets a confirmation page; anything else { address (masked), unsubscribed: true }",
    },
    success: {
      status: 200,
      description: "Unsubscribed (idempotent); a bad token is 400 naming token",
      body: unsubscribeResponse,
      text: ["text/html"],
    },
  },
  "GET /v1/admin/moments/{id}/feedback": {
    summary: "A moment's feedback answers with their comments",
    tag: "Moments",
    query: { ...list, order: "oldest (default) or newest first" },
    success: {
      status: 200,
      description:
        "{ items: [{ promptId, accountId, userId?, reaction, comment?, answeredAt }], nextCursor? }",
      body: momentFeedbackPageResponse,
    },
  },
  "GET /v1/admin/moments": {
    summary: "List moments",
    tag: "Moments",
    query: {
      ...list,
      goal: "Only this goal",
      status: "Only this status",
      q: "Search in name and description",
      groupBy: "goal: group the answer by goal",
    },
    success: {
      status: 200,
      description:
        "{ items, nextCursor? } or { groups: [{ goal, items }] }; each item with its headline stats { entered, active, succeeded, failed, successRate, failedRate }",
      body: momentListResponse,
    },
  },
  "POST /v1/admin/moments": {
    summary: "Create a moment (draft), from scratch or from a catalog template",
    tag: "Moments",
    body: z.union([momentInputSchema, momentFromTemplateSchema]),
    success: {
      status: 201,
      description: "The moment",
      body: momentResponse,
      headers: { ETag: "The moment's version, for If-Match" },
    },
  },
  "GET /v1/admin/moments/{id}": {
    summary: "Get a moment",
    tag: "Moments",
    success: {
      status: 200,
      description:
        "The moment, with ETag: its version; allowedTransitions (the status changes it allows now, each saying what it does) and templateSettings (its template's custom settings, each with the JSON Pointer of the field it sets)",
      body: momentResponse,
      headers: { ETag: "The moment's version, for If-Match" },
    },
  },
  "PATCH /v1/admin/moments/{id}": {
    summary: "Update a moment (If-Match: its version)",
    tag: "Moments",
    body: momentPatchSchema,
    headers: { "If-Match": "The version being changed (412 if stale, 428 if missing)" },
    success: {
      status: 200,
      description: "The moment, version incremented",
      body: momentResponse,
      headers: { ETag: "The moment's version, for If-Match" },
    },
    errors: [409, 412, 428],
  },
  "DELETE /v1/admin/moments/{id}": {
    summary: "Delete a draft or archived moment",
    tag: "Moments",
    success: { status: 204, description: "Deleted" },
    errors: [409],
  },
  "POST /v1/admin/moments/{id}/status": {
    summary: "Change status (draft -> running -> stopped/archived -> ...)",
    tag: "Moments",
    body: statusChangeSchema,
    success: {
      status: 200,
      description: "The moment",
      body: momentResponse,
      headers: {
        ETag: "The moment's version, for If-Match",
        "x-moments-runs-stopped":
          "Stopping or archiving a running moment: how many in-flight runs this request ended",
        "x-moments-runs-remaining": "true when runs remain to stop (repeat the request to continue)",
      },
    },
    errors: [409],
  },
  "POST /v1/admin/moments/{id}/duplicate": {
    summary: "Copy a moment's rules and steps into a new draft",
    tag: "Moments",
    success: {
      status: 201,
      description: "The copy",
      body: momentResponse,
      headers: { ETag: "The moment's version, for If-Match" },
    },
  },
  "POST /v1/admin/moments/{id}/steps/{stepId}/test": {
    summary:
      "Test a step: render it with a real account (accountId) or sample traits, and perform it unless dryRun",
    tag: "Moments",
    body: testStepSchema,
    success: {
      status: 200,
      description:
        "{ stepId, action, dryRun, missing: [placeholders without a value], rendered?: the request without secrets, outcome?: { status, reason?, detail? }, runId?: the performed test send, kept as a test run }",
      body: testStepResponse,
    },
  },
  "GET /v1/admin/moments/{id}/accounts": {
    summary: "Accounts in the moment (active by default)",
    tag: "Moments",
    query: { ...list, status: "active (default), completed, stopped or all" },
    success: {
      status: 200,
      description: "{ items: [{ accountId, status, runId, startedAt, endedAt? }], nextCursor? }",
      body: momentAccountsResponse,
    },
  },
  "GET /v1/admin/moment-templates": {
    summary: "The catalog of ready moments",
    tag: "Moments",
    success: {
      status: 200,
      description: "{ items: [{ key, name, goal, description, settings, moment }] }",
      body: momentTemplatesResponse,
    },
  },
  "GET /v1/admin/sources": {
    summary: "List sources",
    tag: "Sources",
    query: list,
    success: { status: 200, description: "{ items, nextCursor? }", body: sourcePageResponse },
  },
  "POST /v1/admin/sources": {
    summary: "Create a source and its first write key (shown once)",
    tag: "Sources",
    body: sourceInputSchema,
    success: { status: 201, description: "The source and writeKey", body: createdSourceResponse },
  },
  "GET /v1/admin/sources/{id}": {
    summary: "Get a source",
    tag: "Sources",
    success: { status: 200, description: "The source", body: sourceResponse },
  },
  "PATCH /v1/admin/sources/{id}": {
    summary: "Update a source",
    tag: "Sources",
    body: sourcePatchSchema,
    success: {
      status: 200,
      description: "The source; its write keys obey the new domains and user verification within 5 s",
      body: sourceResponse,
    },
  },
  "DELETE /v1/admin/sources/{id}": {
    summary: "Delete a source no live moment uses (revokes its keys)",
    tag: "Sources",
    success: { status: 204, description: "Deleted: ingestion refuses its write keys within 5 s" },
    errors: [409],
  },
  "POST /v1/admin/sources/{id}/identity-secret": {
    summary:
      "Issue a new identity secret (shown once); the previous one verifies user tokens for 24 more hours",
    tag: "Sources",
    success: {
      status: 201,
      description:
        "{ identitySecret, identitySecretIssuedAt, previousIdentitySecretValidUntil? }: the secret is shown only now",
      body: issuedIdentitySecretResponse,
    },
  },
  "GET /v1/admin/sources/{id}/debugger": {
    summary: "A source's ingestion debugger: the latest accepted and rejected items, with counts",
    tag: "Sources",
    query: { cursor: "Opaque cursor from the previous page's nextCursor (a page stops before 4 MB)" },
    success: {
      status: 200,
      description:
        "{ counts: { accepted, rejected }, items, nextCursor?, sampling: { until } }: newest first, up to 100 per verdict, for 7 days; rejected items carry the reason. Every rejected item is kept; accepted ones are sampled only while the debugger is watched: this read marks the source watched for 5 minutes (sampling.until), and ingestion starts keeping accepted items within 5 s",
      body: sourceDebuggerResponse,
    },
  },
  "GET /v1/admin/sources/{id}/write-keys": {
    summary: "List a source's write keys (prefix and dates only)",
    tag: "Keys",
    query: list,
    success: { status: 200, description: "{ items, nextCursor? }", body: keyPageResponse },
  },
  "POST /v1/admin/sources/{id}/write-keys": {
    summary: "Issue a write key (shown once)",
    tag: "Keys",
    success: { status: 201, description: "The key record and writeKey", body: issuedWriteKeyResponse },
    errors: [409],
  },
  "DELETE /v1/admin/sources/{id}/write-keys/{keyId}": {
    summary: "Revoke a write key",
    tag: "Keys",
    success: {
      status: 204,
      description:
        "Revoked: ingestion refuses it within 5 s (a checked key is trusted that long per container)",
    },
  },
  "GET /v1/admin/email-templates": {
    summary: "List email templates",
    tag: "Email templates",
    query: list,
    success: { status: 200, description: "{ items, nextCursor? }", body: emailTemplatePageResponse },
  },
  "POST /v1/admin/email-templates": {
    summary: "Create an email template",
    tag: "Email templates",
    body: emailTemplateInputSchema,
    success: { status: 201, description: "The template", body: emailTemplateResponse },
  },
  "GET /v1/admin/email-templates/{id}": {
    summary: "Get an email template",
    tag: "Email templates",
    success: { status: 200, description: "The template", body: emailTemplateResponse },
  },
  "PATCH /v1/admin/email-templates/{id}": {
    summary: "Update an email template",
    tag: "Email templates",
    body: emailTemplatePatchSchema,
    success: { status: 200, description: "The template", body: emailTemplateResponse },
  },
  "DELETE /v1/admin/email-templates/{id}": {
    summary: "Delete an email template no live moment uses",
    tag: "Email templates",
    success: { status: 204, description: "Deleted" },
    errors: [409],
  },
  "POST /v1/admin/email-templates/{id}/preview": {
    summary: "Render a template with an account's profile or sample traits",
    tag: "Email templates",
    body: previewRequestSchema,
    success: {
      status: 200,
      description: "{ from, subject, text, html?, missing }",
      body: emailPreviewResponse,
    },
  },
  "GET /v1/admin/integrations": {
    summary: "List integrations (secrets never shown)",
    tag: "Integrations",
    query: list,
    success: { status: 200, description: "{ items, nextCursor? }", body: integrationPageResponse },
  },
  "POST /v1/admin/integrations": {
    summary: "Create a Slack, Attio or webhook integration",
    tag: "Integrations",
    body: createIntegrationSchema,
    success: {
      status: 201,
      description: "The integration (secrets as { set, last4 })",
      body: integrationResponse,
    },
  },
  "GET /v1/admin/integrations/{id}": {
    summary: "Get an integration",
    tag: "Integrations",
    success: { status: 200, description: "The integration", body: integrationResponse },
  },
  "PATCH /v1/admin/integrations/{id}": {
    summary: "Rename an integration or replace its secret",
    tag: "Integrations",
    body: z.union(Object.values(integrationPatchSchemas)),
    success: { status: 200, description: "The integration", body: integrationResponse },
  },
  "DELETE /v1/admin/integrations/{id}": {
    summary: "Delete an integration no live moment uses",
    tag: "Integrations",
    success: { status: 204, description: "Deleted" },
    errors: [409],
  },
  "GET /v1/admin/integrations/{id}/slack/channels": {
    summary: "Slack channels visible to the bot token",
    tag: "Integrations",
    success: { status: 200, description: "{ items: [{ id, name, isMember }] }", body: slackChannelsResponse },
    errors: [409, 502],
  },
  "GET /v1/admin/admin-keys": {
    summary: "List admin keys",
    tag: "Keys",
    query: list,
    success: { status: 200, description: "{ items, nextCursor? }", body: keyPageResponse },
  },
  "POST /v1/admin/admin-keys": {
    summary: "Issue an admin key (shown once)",
    tag: "Keys",
    success: { status: 201, description: "The key record and adminKey", body: issuedAdminKeyResponse },
  },
  "DELETE /v1/admin/admin-keys/{id}": {
    summary: "Revoke an admin key (not the last one)",
    tag: "Keys",
    success: { status: 204, description: "Revoked" },
    errors: [409],
  },
  "GET /v1/admin/workspace": {
    summary: "The caller's workspace",
    tag: "Workspaces",
    success: { status: 200, description: "{ id, name, createdAt }", body: workspaceResponse },
  },
  "PATCH /v1/admin/workspace": {
    summary: "Rename the workspace",
    tag: "Workspaces",
    body: workspaceInputSchema,
    success: { status: 200, description: "The workspace", body: workspaceResponse },
  },
  "POST /v1/admin/workspaces": {
    summary: "Create a workspace and its first admin key (operator workspace only)",
    tag: "Workspaces",
    body: workspaceInputSchema,
    success: { status: 201, description: "{ workspace, adminKey }", body: createdWorkspaceResponse },
    errors: [403],
  },
  "GET /console": {
    summary: "The console (an HTML page; its app routes in the browser)",
    tag: "Console",
    success: { status: 200, description: "The console's page", text: ["text/html"] },
  },
  "GET /console/{proxy+}": {
    summary: "The console's hashed assets (cached for good), or its page for any other path",
    tag: "Console",
    success: {
      status: 200,
      description: "An asset under assets/ (immutable), or the console's page",
      text: ["text/html", "text/javascript", "text/css"],
    },
    errors: [404],
  },
  "POST /console/session": {
    summary: "Sign in to the console: exchanges an admin key for an HttpOnly session cookie",
    tag: "Console",
    body: signInSchema,
    success: {
      status: 200,
      description: "{ workspaceId, endsAt }, with Set-Cookie; 401 for an unknown or revoked key",
      body: signInResponseSchema,
      headers: {
        "Set-Cookie": "moments_session=…; Path=/; HttpOnly; SameSite=Strict; Max-Age=604800; Secure",
      },
    },
    errors: [401],
  },
  "POST /console/email-frame": {
    summary:
      "An email's HTML, to frame in the console: sandboxed under its own CSP (inline styles apply, no script runs, nothing is fetched)",
    tag: "Console",
    headers: {
      "Content-Type":
        "application/x-www-form-urlencoded: one field, html (a form the console aims at the frame)",
    },
    success: {
      status: 200,
      description:
        "The HTML as posted, with Content-Security-Policy: sandbox; default-src 'none'; style-src 'unsafe-inline'…",
      text: ["text/html"],
    },
    errors: [401, 403],
  },
  "DELETE /console/session": {
    summary: "Sign out: ends the session server-side and clears its cookie",
    tag: "Console",
    headers: { "x-moments-console": "Must be 1 (CSRF check)" },
    success: { status: 204, description: "Signed out (also when no session was open)" },
    errors: [403],
  },
} as const satisfies Record<RouteKey, RouteDoc>;

/**
 * The body a route answers on success, as its documented schema's output type: route handlers are
 * typed with it (AdminRoutes, TypedRoutes), so a handler's answer and its documentation agree.
 */
export type SuccessBody<K extends RouteKey> = (typeof apiDocs)[K]["success"] extends {
  body: infer S extends z.ZodMiniType;
}
  ? z.output<S>
  : undefined;
