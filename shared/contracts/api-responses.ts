/**
 * The bodies the API answers, as zod schemas: the OpenAPI document describes every success response
 * with them, and the route handlers are typed against them (see `SuccessBody` in api-docs.ts), so a
 * handler cannot answer something its documentation does not say. Objects are strict: the document
 * says `additionalProperties: false`, and the live conformance test (test/integration/openapi-
 * conformance.test.ts) fails on any field a handler adds without documenting it here.
 */
import * as z from "zod/mini";
import { conditionSchema } from "../domain/conditions.js";
import { reactions } from "../domain/inbox.js";
import type { decisionReasons } from "../domain/insights.js";
import { messageTypes } from "../domain/message.js";
import { goals, momentFields, momentStatuses } from "../domain/moment.js";
import { durationSchema } from "../domain/primitives.js";
import { suppressionReasons } from "../domain/suppression.js";
import { membershipStatuses } from "../ports/runs.js";

/**
 * Names of the objects a client meets again and again (Moment, Source...): the OpenAPI document
 * lists each once under `components.schemas` and every operation refers to it, so a client
 * generated from it has one type per object.
 */
export const apiSchemas = z.registry<{ id: string }>();
function named<T extends z.ZodMiniType>(id: string, schema: T): T {
  apiSchemas.add(schema, { id });
  return schema;
}

// Conditions are recursive (`any` groups): one named schema instead of a copy per operation.
apiSchemas.add(conditionSchema, { id: "Condition" });

/** A time the server wrote (ISO 8601 UTC) or a client sent (ISO 8601 with an offset). */
const time = z.iso.datetime({ offset: true });
const count = z.int().check(z.minimum(0));
/** A percentage with one decimal, null while there is nothing to divide by. */
const rate = z.nullable(z.number().check(z.minimum(0), z.maximum(100)));
const traits = z.record(z.string(), z.unknown());

/** Every paged list: a page of items and, unless it is the last page, the cursor of the next. */
export function pageOf<T extends z.ZodMiniType>(item: T) {
  return z.strictObject({ items: z.array(item), nextCursor: z.optional(z.string()) });
}

// ---------------------------------------------------------------------------------------------
// Meta and ingestion
// ---------------------------------------------------------------------------------------------

export const healthResponse = z.strictObject({ ok: z.literal(true) });
export const openApiResponse = z.record(z.string(), z.unknown());

const fieldProblem = z.strictObject({ path: z.string(), message: z.string() });
export const errorBodySchema = named(
  "ErrorBody",
  z.strictObject({
    code: z.string(),
    message: z.string(),
    details: z.optional(z.array(fieldProblem)),
  }),
);
export const errorEnvelopeSchema = z.strictObject({ error: errorBodySchema });

/**
 * A single ingestion call's answer: its messageId, and, when the item was valid but not used (no
 * account resolved), why: the item is then in the source's debugger instead of on the bus.
 */
export const acceptedResponse = z.strictObject({ messageId: z.string(), error: z.optional(errorBodySchema) });

export const batchResponse = named(
  "BatchResult",
  z.strictObject({
    accepted: z.array(z.strictObject({ index: count, messageId: z.string() })),
    rejected: z.array(z.strictObject({ index: count, error: errorBodySchema })),
  }),
);

// ---------------------------------------------------------------------------------------------
// In-app inbox and feedback
// ---------------------------------------------------------------------------------------------

const reaction = z.enum(reactions);

export const inboxItemResponse = named(
  "InboxItem",
  z.strictObject({
    id: z.string(),
    kind: z.enum(["notification", "feedback_prompt"]),
    title: z.optional(z.string()),
    body: z.optional(z.string()),
    url: z.optional(z.string()),
    question: z.optional(z.string()),
    followUp: z.optional(z.string()),
    createdAt: time,
    readAt: z.optional(time),
    answeredAt: z.optional(time),
    dismissedAt: z.optional(time),
    reaction: z.optional(reaction),
    comment: z.optional(z.string()),
  }),
);
export const inboxPageResponse = pageOf(inboxItemResponse);

export const feedbackAnswerResponse = named(
  "FeedbackAnswer",
  z.strictObject({
    promptId: z.string(),
    reaction,
    comment: z.optional(z.string()),
    answeredAt: time,
  }),
);

export const momentFeedbackItem = named(
  "MomentFeedbackAnswer",
  z.strictObject({
    promptId: z.string(),
    accountId: z.string(),
    userId: z.optional(z.string()),
    reaction,
    comment: z.optional(z.string()),
    answeredAt: time,
  }),
);
export const momentFeedbackPageResponse = pageOf(momentFeedbackItem);

export const unsubscribeResponse = z.strictObject({ address: z.string(), unsubscribed: z.boolean() });

// ---------------------------------------------------------------------------------------------
// Moments
// ---------------------------------------------------------------------------------------------

/** A moment as stored: what the list shows of each. */
const storedMomentShape = {
  ...momentFields,
  id: z.string(),
  workspaceId: z.string(),
  status: z.enum(momentStatuses),
  version: z.int().check(z.minimum(1)),
  runningSince: z.optional(time),
  createdAt: time,
  updatedAt: time,
};

export const statusTransitionResponse = named(
  "StatusTransition",
  z.strictObject({
    status: z.enum(momentStatuses),
    label: z.string(),
    effect: z.string(),
    endsRuns: z.boolean(),
    blockedBy: z.optional(z.string()),
  }),
);

const settingTargetResponse = named(
  "MomentTemplateSettingTarget",
  z.discriminatedUnion("at", [
    z.strictObject({ at: z.literal("abandonment") }),
    z.strictObject({ at: z.literal("cooldown") }),
    z.strictObject({ at: z.literal("end_timeout"), outcome: z.enum(["success", "failed"]) }),
    z.strictObject({ at: z.literal("step_delay"), stepId: z.string() }),
  ]),
);

export const templateSettingResponse = named(
  "MomentTemplateSetting",
  z.strictObject({
    key: z.string(),
    label: z.string(),
    type: z.literal("duration"),
    /**
     * The field the setting lives in, by what it is (not where): a client editing a copy of the
     * moment finds it there again after items before it were removed or reordered.
     */
    target: settingTargetResponse,
    /** The field the setting lives in now, as a JSON Pointer into the moment ("/start/unless/within"). */
    path: z.string(),
    value: durationSchema,
  }),
);

/**
 * One moment, with what can be done with it: the status changes it allows now (from the domain's
 * transition table, the one the API enforces), each saying what it does; and its template's custom
 * settings (the abandonment window…), read from the fields they set.
 */
export const momentResponse = named(
  "Moment",
  z.strictObject({
    ...storedMomentShape,
    allowedTransitions: z.array(statusTransitionResponse),
    /** Whether DELETE is allowed now (a draft or an archived moment). */
    deletable: z.boolean(),
    /** Whether its sources are fixed (it has run: changing them would re-target live runs). */
    sourcesLocked: z.boolean(),
    templateSettings: z.array(templateSettingResponse),
  }),
);

const stepStats = z.strictObject({ executed: count, skipped: count, failed: count });
/** A feedback step's prompts (or all of a moment's): shown, answered by reaction, dismissed. */
const promptStats = z.strictObject({
  shown: count,
  answered: count,
  dismissed: count,
  positive: count,
  neutral: count,
  frustrated: count,
  responseRate: rate,
});

export const headlineStatsSchema = named(
  "HeadlineStats",
  z.strictObject({
    entered: count,
    active: count,
    succeeded: count,
    failed: count,
    successRate: rate,
    failedRate: rate,
  }),
);

export const listedMomentResponse = named(
  "ListedMoment",
  z.strictObject({
    ...storedMomentShape,
    stats: headlineStatsSchema,
    /** Runs entered per day over the last 7 days (UTC), oldest first, today last. */
    trend: z.array(z.strictObject({ day: z.iso.date(), entered: count })),
  }),
);

export const momentListResponse = z.union([
  pageOf(listedMomentResponse),
  z.strictObject({
    groups: z.array(z.strictObject({ goal: z.enum(goals), items: z.array(listedMomentResponse) })),
  }),
]);

export const momentAccountsResponse = pageOf(
  z.strictObject({
    accountId: z.string(),
    status: z.enum(membershipStatuses as readonly ["active", ...string[]]),
    runId: z.string(),
    startedAt: time,
    endedAt: z.optional(time),
  }),
);

export const momentTemplatesResponse = named(
  "MomentTemplates",
  z.strictObject({
    items: z.array(
      z.strictObject({
        key: z.string(),
        name: z.string(),
        goal: z.enum(goals),
        description: z.string(),
        settings: z.array(
          z.strictObject({
            key: z.string(),
            label: z.string(),
            type: z.literal("duration"),
            default: durationSchema,
          }),
        ),
        moment: z.strictObject(momentFields),
      }),
    ),
  }),
);

export const momentStatsResponse = named(
  "MomentStats",
  z.strictObject({
    momentId: z.string(),
    ...headlineStatsSchema.shape,
    stopped: count,
    completed: count,
    steps: z.record(z.string(), stepStats),
    feedback: promptStats,
    feedbackSteps: z.record(z.string(), promptStats),
  }),
);

const byReason = z.record(z.string(), count);
const endSplit = z.union([
  z.strictObject({ rule: z.literal("event"), event: z.string(), count }),
  z.strictObject({ rule: z.enum(["timeout", "step_failed", "execution_failed"]), count }),
]);

export const momentReportResponse = named(
  "MomentReport",
  z.strictObject({
    momentId: z.string(),
    bucket: z.enum(["hour", "day"]),
    from: time,
    to: time,
    totals: z.strictObject({
      ...headlineStatsSchema.shape,
      stopped: count,
      completed: count,
    }),
    /** Every bucket of the range, oldest first, zeros where nothing happened. */
    series: z.array(
      z.strictObject({
        start: time,
        entered: count,
        succeeded: count,
        failed: count,
        stopped: count,
        completed: count,
        active: count,
      }),
    ),
    ends: z.strictObject({ success: z.array(endSplit), failed: z.array(endSplit) }),
    steps: z.array(
      z.strictObject({
        stepId: z.string(),
        executed: count,
        skipped: count,
        failed: count,
        skippedBy: byReason,
        failedBy: byReason,
      }),
    ),
    feedback: z.strictObject({
      ...promptStats.shape,
      latestComments: z.array(
        z.strictObject({
          promptId: z.string(),
          accountId: z.string(),
          userId: z.optional(z.string()),
          reaction,
          comment: z.string(),
          answeredAt: time,
        }),
      ),
    }),
  }),
);

const stepOutcome = named(
  "StepOutcome",
  z.discriminatedUnion("status", [
    z.strictObject({ status: z.literal("executed"), detail: z.optional(z.record(z.string(), z.string())) }),
    z.strictObject({ status: z.literal("skipped"), reason: z.string() }),
    z.strictObject({ status: z.literal("failed"), reason: z.string() }),
  ]),
);

export const testStepResponse = named(
  "TestStepResult",
  z.strictObject({
    stepId: z.string(),
    action: z.string(),
    dryRun: z.boolean(),
    missing: z.array(z.string()),
    rendered: z.optional(z.record(z.string(), z.unknown())),
    outcome: z.optional(stepOutcome),
    runId: z.optional(z.string()),
  }),
);

// ---------------------------------------------------------------------------------------------
// Insights: accounts, runs, observed events
// ---------------------------------------------------------------------------------------------

const decisionCommon = {
  momentId: z.optional(z.string()),
  momentName: z.optional(z.string()),
  runKey: z.optional(z.string()),
  accountId: z.string(),
  messageId: z.string(),
  event: z.string(),
  at: time,
  outcome: z.enum(["started", "ended", "armed", "cancelled", "skipped"]),
  message: z.string(),
};
type Reason = (typeof decisionReasons)[number];
const decision = <R extends Reason, S extends z.core.$ZodLooseShape>(reason: R, shape: S) =>
  z.strictObject({ reason: z.literal(reason), ...decisionCommon, ...shape });

export const decisionResponse = named(
  "Decision",
  z.discriminatedUnion("reason", [
    decision("started", { runId: z.string() }),
    decision("ended_success", { runId: z.string(), rule: z.optional(z.string()) }),
    decision("ended_failed", { runId: z.string(), rule: z.optional(z.string()) }),
    decision("abandonment_armed", { dueAt: time }),
    decision("abandonment_not_armed", { cause: z.enum(["newer_trigger", "unless_event"]) }),
    decision("abandonment_cancelled", {}),
    decision("filter_failed", { condition: z.string(), rule: z.optional(z.enum(["start", "end"])) }),
    decision("reentry_blocked", {
      policy: z.enum(["once", "after_exit", "cooldown"]),
      until: z.optional(time),
    }),
    decision("sampled_out", { samplingRate: z.number() }),
    decision("moment_not_running", { status: z.enum([...momentStatuses, "deleted"]) }),
    decision("source_mismatch", { sourceId: z.string() }),
    decision("already_active", { runId: z.optional(z.string()) }),
    decision("too_old", { timestamp: time, maxAgeSeconds: count }),
    decision("outside_time_frame", { from: z.optional(time), until: z.optional(time) }),
    decision("duplicate", {}),
  ]),
);

const runStatus = z.enum(membershipStatuses as readonly ["active", ...string[]]);

export const accountResponse = named(
  "Account",
  z.strictObject({
    accountId: z.string(),
    traits,
    lastSeenAt: z.optional(time),
    recentEvents: z.array(
      z.strictObject({
        messageId: z.string(),
        event: z.string(),
        timestamp: time,
        receivedAt: time,
        sourceId: z.string(),
        propertyNames: z.array(z.string()),
      }),
    ),
    runs: z.array(
      z.strictObject({
        momentId: z.string(),
        momentName: z.string(),
        runKey: z.optional(z.string()),
        runId: z.string(),
        status: runStatus,
        startedAt: time,
        endedAt: z.optional(time),
      }),
    ),
    decisions: z.array(decisionResponse),
  }),
);

export const runResponse = named(
  "Run",
  z.strictObject({
    runId: z.string(),
    momentId: z.string(),
    accountId: z.string(),
    runKey: z.optional(z.string()),
    status: runStatus,
    startedAt: time,
    endedAt: z.optional(time),
    endedBy: z.optional(z.string()),
    trigger: z.optional(z.strictObject({ event: z.string(), messageId: z.string(), timestamp: time })),
    steps: z.array(
      z.union([
        z.strictObject({ stepId: z.string(), status: z.literal("claimed"), claimedAt: time }),
        z.strictObject({
          stepId: z.string(),
          status: z.enum(["executed", "skipped", "failed"]),
          outcome: stepOutcome,
          recordedAt: time,
        }),
      ]),
    ),
    test: z.optional(z.literal(true)),
  }),
);

export const observedEventsResponse = z.strictObject({
  nextCursor: z.optional(z.string()),
  items: z.array(
    z.strictObject({
      name: z.string(),
      count,
      firstSeenAt: time,
      lastSeenAt: time,
      sampleProperties: z.array(z.string()),
      usedBy: z.array(
        z.strictObject({ momentId: z.string(), name: z.string(), status: z.enum(momentStatuses) }),
      ),
    }),
  ),
});

// ---------------------------------------------------------------------------------------------
// Sources, keys, workspaces
// ---------------------------------------------------------------------------------------------

/** When the source's identity secret was issued (absent: none), until when the previous verifies. */
const identitySecretState = z.strictObject({
  identitySecretIssuedAt: z.optional(time),
  previousIdentitySecretValidUntil: z.optional(time),
});

export const sourceResponse = named(
  "Source",
  z.strictObject({
    id: z.string(),
    name: z.string(),
    allowedDomains: z.array(z.string()),
    subject: z.enum(["account", "user"]),
    requireUserToken: z.boolean(),
    ...identitySecretState.shape,
    createdAt: time,
    updatedAt: time,
  }),
);
export const sourcePageResponse = pageOf(sourceResponse);

/** What analytics.js loads from its cdnURL: the Segment.io destination pointed at this API. */
export const analyticsJsSettingsResponse = z.object({
  integrations: z.strictObject({
    "Segment.io": z.strictObject({
      apiKey: z.string(),
      apiHost: z.string(),
      protocol: z.enum(["http", "https"]),
    }),
  }),
  plan: z.record(z.string(), z.unknown()),
  metrics: z.strictObject({ sampleRate: z.number() }),
});

/** A source's ingestion debugger (GET /v1/admin/sources/{id}/debugger). */
export const sourceDebuggerResponse = named(
  "SourceDebugger",
  z.strictObject({
    counts: z.strictObject({ accepted: count, rejected: count }),
    items: z.array(
      z.strictObject({
        verdict: z.enum(["accepted", "rejected"]),
        receivedAt: time,
        type: z.optional(z.enum(messageTypes)),
        messageId: z.optional(z.string()),
        accountId: z.optional(z.string()),
        reason: z.optional(errorBodySchema),
        item: z.unknown(),
        itemTruncated: z.optional(z.string()),
      }),
    ),
    nextCursor: z.optional(z.string()),
    /**
     * Accepted items are sampled only while the debugger is watched: this read marked the source
     * watched (or found it marked) until `until`; ingestion starts sampling within 5 s of it.
     */
    sampling: z.strictObject({ until: time }),
  }),
);
export const createdSourceResponse = named(
  "CreatedSource",
  z.strictObject({ ...sourceResponse.shape, writeKey: z.string(), identitySecret: z.string() }),
);
/** A new identity secret (shown only in this answer) and the state of the source's secrets. */
export const issuedIdentitySecretResponse = named(
  "IssuedIdentitySecret",
  z.strictObject({ ...identitySecretState.shape, identitySecret: z.string() }),
);

export const keyResponse = named(
  "ApiKey",
  z.strictObject({
    id: z.string(),
    prefix: z.string(),
    createdAt: time,
    lastUsedAt: z.optional(time),
    revokedAt: z.optional(time),
  }),
);
export const keyPageResponse = pageOf(keyResponse);
export const issuedWriteKeyResponse = named(
  "IssuedWriteKey",
  z.strictObject({ ...keyResponse.shape, writeKey: z.string() }),
);
export const issuedAdminKeyResponse = named(
  "IssuedAdminKey",
  z.strictObject({ ...keyResponse.shape, adminKey: z.string() }),
);

export const workspaceResponse = named(
  "Workspace",
  z.strictObject({ id: z.string(), name: z.string(), createdAt: time }),
);
export const createdWorkspaceResponse = z.strictObject({
  workspace: workspaceResponse,
  adminKey: z.string(),
});

// ---------------------------------------------------------------------------------------------
// Email templates, suppressions, integrations
// ---------------------------------------------------------------------------------------------

export const emailTemplateResponse = named(
  "EmailTemplate",
  z.strictObject({
    id: z.string(),
    name: z.string(),
    from: z.string(),
    subject: z.string(),
    text: z.string(),
    html: z.optional(z.string()),
    createdAt: time,
    updatedAt: time,
  }),
);
export const emailTemplatePageResponse = pageOf(emailTemplateResponse);

export const emailPreviewResponse = named(
  "EmailPreview",
  z.strictObject({
    from: z.string(),
    subject: z.string(),
    text: z.string(),
    html: z.optional(z.string()),
    missing: z.array(z.string()),
  }),
);

export const suppressionPageResponse = pageOf(
  z.strictObject({
    address: z.string(),
    reason: z.enum(suppressionReasons),
    suppressedAt: time,
    detail: z.optional(z.string()),
  }),
);

/** A secret as the API shows it: whether it is set, and its last 4 characters. */
const maskedSecret = named(
  "MaskedSecret",
  z.union([
    z.strictObject({ set: z.literal(true), last4: z.string() }),
    z.strictObject({ set: z.literal(false) }),
  ]),
);
const integrationBase = { id: z.string(), name: z.string(), createdAt: time, updatedAt: time };

export const integrationResponse = named(
  "Integration",
  z.discriminatedUnion("kind", [
    z.strictObject({
      ...integrationBase,
      kind: z.literal("slack"),
      webhookUrl: maskedSecret,
      botToken: maskedSecret,
    }),
    z.strictObject({ ...integrationBase, kind: z.literal("attio"), accessToken: maskedSecret }),
    z.strictObject({
      ...integrationBase,
      kind: z.literal("webhook"),
      // `value`: only in the answer that generated the secret (created without one), never again.
      signingSecret: z.union([
        z.strictObject({ set: z.literal(true), last4: z.string(), value: z.optional(z.string()) }),
        z.strictObject({ set: z.literal(false) }),
      ]),
    }),
  ]),
);
export const integrationPageResponse = pageOf(integrationResponse);

export const slackChannelsResponse = z.strictObject({
  items: z.array(z.strictObject({ id: z.string(), name: z.string(), isMember: z.boolean() })),
  truncated: z.optional(z.boolean()),
});
