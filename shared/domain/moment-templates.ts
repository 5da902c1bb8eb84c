/**
 * The moment templates catalog: ready moment bodies for the common lifecycle playbooks.
 *
 * A catalog body must be valid in ANY workspace, so it refers to no workspace object (no email
 * template, no integration): its steps are in-app notifications and feedback prompts, and its
 * rules use conventional event names. Each description tells the admin to add email steps with
 * their own templates and to rename events to theirs. Durations an admin typically tunes (how long
 * until a cart counts as abandoned...) are settings with defaults.
 */
import * as z from "zod/mini";
import { ValidationError } from "./errors.js";
import { type Goal, goals, type MomentInput, timeFrameSchema } from "./moment.js";
import { type Duration, durationSchema, nameSchema } from "./primitives.js";
import { type SettingTarget, settingPointer, valueAtPointer } from "./setting-pointer.js";
import { parseOrThrow } from "./validation.js";

export interface TemplateSetting {
  key: string;
  label: string;
  type: "duration";
  default: Duration;
}

export interface MomentTemplate {
  key: string;
  name: string;
  goal: Goal;
  description: string;
  settings: TemplateSetting[];
  /** The ready moment body, built with the settings' defaults. */
  moment: MomentInput;
}

type CatalogSetting = TemplateSetting & { target: SettingTarget };

interface CatalogEntry {
  key: string;
  name: string;
  goal: Goal;
  description: string;
  settings: CatalogSetting[];
  build(settings: Record<string, Duration>): Omit<MomentInput, "name" | "description" | "goal" | "template">;
}

const ADD_EMAIL =
  "Add email steps (send_email with one of your email templates) where an email fits better than an in-app message, and rename the events to the ones your app sends.";

const minutes = (amount: number): Duration => ({ amount, unit: "minutes" });
const hours = (amount: number): Duration => ({ amount, unit: "hours" });
const days = (amount: number): Duration => ({ amount, unit: "days" });

/** A setting's value (bodyOf fills in the declared defaults; entries read only what they declare). */
function setting(settings: Record<string, Duration>, key: string): Duration {
  const value = settings[key];
  if (!value) throw new Error(`Catalog entry reads setting "${key}", which it does not declare`);
  return value;
}

/** Fresh each time: a built body is handed out and may be changed by its receiver. */
const common = () => ({ sourceIds: [] as string[], actionsEnabled: true, samplingRate: 100 });

const catalog: CatalogEntry[] = [
  {
    key: "cart_abandon",
    name: "Cart Abandon",
    goal: "recover",
    description: `Reminds a shopper who added items to a cart and did not check out. One run per cart (cart_id); the run succeeds on checkout_completed. ${ADD_EMAIL}`,
    settings: [
      {
        key: "abandonAfter",
        label: "Cart counts as abandoned after",
        type: "duration",
        default: hours(2),
        target: { at: "abandonment" },
      },
      {
        key: "giveUpAfter",
        label: "Stop trying to recover it after",
        type: "duration",
        default: days(7),
        target: { at: "end_timeout", outcome: "failed" },
      },
    ],
    build: (s) => ({
      ...common(),
      start: {
        event: "cart_item_added",
        unless: { event: "checkout_completed", within: setting(s, "abandonAfter") },
        key: "cart_id",
      },
      end: [
        { outcome: "success", event: "checkout_completed" },
        { outcome: "failed", after: setting(s, "giveUpAfter") },
      ],
      reentry: { policy: "after_exit" },
      steps: [
        {
          id: "cart-reminder",
          name: "Cart reminder",
          phase: "entry",
          delay: minutes(0),
          action: {
            type: "send_notification",
            title: "You left something in your cart",
            body: "Your cart is saved. Pick up where you left off and check out in a minute.",
          },
        },
      ],
    }),
  },
  {
    key: "booking_abandon",
    name: "Booking Abandon",
    goal: "recover",
    description: `Nudges a customer who started a booking and did not complete it. One run per booking (booking_id); the run succeeds on booking_completed. ${ADD_EMAIL}`,
    settings: [
      {
        key: "abandonAfter",
        label: "Booking counts as abandoned after",
        type: "duration",
        default: hours(1),
        target: { at: "abandonment" },
      },
      {
        key: "giveUpAfter",
        label: "Stop trying to recover it after",
        type: "duration",
        default: days(3),
        target: { at: "end_timeout", outcome: "failed" },
      },
    ],
    build: (s) => ({
      ...common(),
      start: {
        event: "booking_started",
        unless: { event: "booking_completed", within: setting(s, "abandonAfter") },
        key: "booking_id",
      },
      end: [
        { outcome: "success", event: "booking_completed" },
        { outcome: "failed", after: setting(s, "giveUpAfter") },
      ],
      reentry: { policy: "after_exit" },
      steps: [
        {
          id: "booking-reminder",
          name: "Booking reminder",
          phase: "entry",
          delay: minutes(0),
          action: {
            type: "send_notification",
            title: "Your booking is not finished yet",
            body: "Your details are saved. Complete your booking before your slot is taken.",
          },
        },
      ],
    }),
  },
  {
    key: "browse_abandon",
    name: "Browse Abandon",
    goal: "convert",
    description: `Follows up with a visitor who viewed a product and did not add anything to the cart. At most once a week per account; the run succeeds on cart_item_added. ${ADD_EMAIL}`,
    settings: [
      {
        key: "abandonAfter",
        label: "Follow up after",
        type: "duration",
        default: hours(4),
        target: { at: "abandonment" },
      },
      {
        key: "cooldown",
        label: "At most once per",
        type: "duration",
        default: days(7),
        target: { at: "cooldown" },
      },
    ],
    build: (s) => ({
      ...common(),
      start: {
        event: "product_viewed",
        unless: { event: "cart_item_added", within: setting(s, "abandonAfter") },
      },
      end: [
        { outcome: "success", event: "cart_item_added" },
        { outcome: "failed", after: days(3) },
      ],
      reentry: { policy: "cooldown", cooldown: setting(s, "cooldown") },
      steps: [
        {
          id: "browse-nudge",
          name: "Still interested?",
          phase: "entry",
          delay: minutes(0),
          action: {
            type: "send_notification",
            title: "Still thinking it over?",
            body: "The product you looked at is still available. Take another look.",
          },
        },
      ],
    }),
  },
  {
    key: "trial_expiration_follow_up",
    name: "Trial Expiration Follow-up",
    goal: "convert",
    description: `Reminds a trial user that the trial ends soon, then asks what holds them back. The run succeeds on subscription_started and fails if there is none within the conversion window. ${ADD_EMAIL}`,
    settings: [
      {
        key: "followUpAfter",
        label: "Ask for feedback after",
        type: "duration",
        default: days(2),
        target: { at: "step_delay", stepId: "trial-feedback" },
      },
      {
        key: "convertWithin",
        label: "Counts as converted within",
        type: "duration",
        default: days(14),
        target: { at: "end_timeout", outcome: "failed" },
      },
    ],
    build: (s) => ({
      ...common(),
      start: { event: "trial_ending_soon" },
      end: [
        { outcome: "success", event: "subscription_started" },
        { outcome: "failed", after: setting(s, "convertWithin") },
      ],
      reentry: { policy: "once" },
      steps: [
        {
          id: "trial-reminder",
          name: "Trial ends soon",
          phase: "entry",
          delay: minutes(0),
          action: {
            type: "send_notification",
            title: "Your trial ends soon",
            body: "Keep everything you set up: choose a plan before your trial ends.",
          },
        },
        {
          id: "trial-feedback",
          name: "What holds you back?",
          phase: "entry",
          delay: setting(s, "followUpAfter"),
          action: {
            type: "feedback_prompt",
            question: "What is holding you back from choosing a plan?",
            followUp: "Thanks. Anything we could do to help?",
          },
        },
      ],
    }),
  },
  {
    key: "payment_failed_recovery",
    name: "Payment Failed Recovery",
    goal: "recover",
    description: `Asks a customer whose payment failed to update their payment method, with a reminder. The run succeeds on payment_succeeded and fails after the grace period. ${ADD_EMAIL}`,
    settings: [
      {
        key: "reminderAfter",
        label: "Remind again after",
        type: "duration",
        default: days(3),
        target: { at: "step_delay", stepId: "update-card-reminder" },
      },
      {
        key: "gracePeriod",
        label: "Grace period",
        type: "duration",
        default: days(7),
        target: { at: "end_timeout", outcome: "failed" },
      },
    ],
    build: (s) => ({
      ...common(),
      start: { event: "payment_failed" },
      end: [
        { outcome: "success", event: "payment_succeeded" },
        { outcome: "failed", after: setting(s, "gracePeriod") },
      ],
      reentry: { policy: "after_exit" },
      steps: [
        {
          id: "update-card",
          name: "Update your card",
          phase: "entry",
          delay: minutes(0),
          action: {
            type: "send_notification",
            title: "Your payment did not go through",
            body: "Update your payment method to keep your account active.",
          },
        },
        {
          id: "update-card-reminder",
          name: "Reminder",
          phase: "entry",
          delay: setting(s, "reminderAfter"),
          action: {
            type: "send_notification",
            title: "Reminder: update your payment method",
            body: "We still could not charge your card. Update it to avoid an interruption.",
          },
        },
      ],
    }),
  },
  {
    key: "onboarding_nudge",
    name: "Onboarding Nudge",
    goal: "activate",
    description: `Nudges a new account that signed up and did not finish onboarding. The run succeeds on onboarding_completed. ${ADD_EMAIL}`,
    settings: [
      {
        key: "nudgeAfter",
        label: "Nudge if not onboarded after",
        type: "duration",
        default: days(1),
        target: { at: "abandonment" },
      },
      {
        key: "giveUpAfter",
        label: "Stop nudging after",
        type: "duration",
        default: days(14),
        target: { at: "end_timeout", outcome: "failed" },
      },
    ],
    build: (s) => ({
      ...common(),
      start: {
        event: "account_created",
        unless: { event: "onboarding_completed", within: setting(s, "nudgeAfter") },
      },
      end: [
        { outcome: "success", event: "onboarding_completed" },
        { outcome: "failed", after: setting(s, "giveUpAfter") },
      ],
      reentry: { policy: "once" },
      steps: [
        {
          id: "onboarding-nudge",
          name: "Finish setting up",
          phase: "entry",
          delay: minutes(0),
          action: {
            type: "send_notification",
            title: "You are a few steps away",
            body: "Finish setting up your account to get the most out of it.",
          },
        },
      ],
    }),
  },
  {
    key: "feedback_after_key_action",
    name: "Feedback After Key Action",
    goal: "grow",
    description: `Asks for feedback shortly after an account completes a key action, at most once a month per account. Rename key_action_completed to your key event. ${ADD_EMAIL}`,
    settings: [
      {
        key: "askAfter",
        label: "Ask after",
        type: "duration",
        default: hours(1),
        target: { at: "step_delay", stepId: "ask-feedback" },
      },
      {
        key: "cooldown",
        label: "At most once per",
        type: "duration",
        default: days(30),
        target: { at: "cooldown" },
      },
    ],
    build: (s) => ({
      ...common(),
      start: { event: "key_action_completed" },
      end: [],
      reentry: { policy: "cooldown", cooldown: setting(s, "cooldown") },
      steps: [
        {
          id: "ask-feedback",
          name: "How did it go?",
          phase: "entry",
          delay: setting(s, "askAfter"),
          action: {
            type: "feedback_prompt",
            question: "How did that go?",
            followUp: "What could we do better?",
          },
        },
      ],
    }),
  },
];

function bodyOf(entry: CatalogEntry, settings: Record<string, Duration>, name: string): MomentInput {
  return {
    name,
    description: entry.description,
    goal: entry.goal,
    template: entry.key,
    ...entry.build({
      ...Object.fromEntries(entry.settings.map((declared) => [declared.key, declared.default])),
      ...settings,
    }),
  };
}

/** The catalog as the API lists it: each template with its ready body (default settings). */
export function momentTemplates(): MomentTemplate[] {
  return catalog.map((entry) => ({
    key: entry.key,
    name: entry.name,
    goal: entry.goal,
    description: entry.description,
    settings: entry.settings.map(({ target: _target, ...s }) => ({ ...s, default: { ...s.default } })),
    moment: bodyOf(entry, {}, entry.name),
  }));
}

export const momentTemplateKeys: readonly string[] = catalog.map((entry) => entry.key);

/**
 * `POST /moments` with a catalog key instead of a full body. Fields of the full model given here
 * (goal, description, sourceIds, actionsEnabled, samplingRate, timeFrame) override the catalog's; rules and
 * steps come from the catalog (edit them afterwards with PATCH).
 */
export const momentFromTemplateSchema = z.strictObject({
  template: z.string(),
  name: nameSchema,
  description: z.optional(z.string().check(z.maxLength(2000))),
  goal: z.optional(z.enum(goals)),
  sourceIds: z.optional(z.array(z.string())),
  actionsEnabled: z.optional(z.boolean()),
  samplingRate: z.optional(z.number()),
  timeFrame: z.optional(timeFrameSchema),
  settings: z.optional(z.record(z.string(), durationSchema)),
});

/** Is this create body the catalog form? (A full body always has a start rule.) */
export function isTemplateRequest(body: unknown): boolean {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return false;
  const fields = body as Record<string, unknown>;
  return typeof fields.template === "string" && fields.template !== "custom" && !("start" in fields);
}

/**
 * Builds the full moment body for a catalog request; the caller validates the result with
 * `momentInputSchema` like any other body. Unknown keys and settings are 400s naming them.
 */
export function momentBodyFromTemplate(body: unknown): Record<string, unknown> {
  const request = parseOrThrow(momentFromTemplateSchema, body);
  const entry = catalog.find((e) => e.key === request.template);
  if (!entry) {
    throw new ValidationError([
      {
        path: "template",
        message: `no moment template "${request.template}"; one of: ${momentTemplateKeys.join(", ")}`,
      },
    ]);
  }
  const settings = request.settings ?? {};
  const known = new Set(entry.settings.map((s) => s.key));
  const unknown = Object.keys(settings).filter((key) => !known.has(key));
  if (unknown.length > 0) {
    throw new ValidationError(
      unknown.map((key) => ({
        path: `settings.${key}`,
        message: `not a setting of ${entry.key}; its settings: ${[...known].join(", ")}`,
      })),
    );
  }
  const { template: _template, settings: _settings, ...overrides } = request;
  return { ...bodyOf(entry, settings, request.name), ...overrides };
}

/** A template's setting as a moment made from it has it now, and where it lives (a JSON Pointer). */
export interface MomentTemplateSetting {
  key: string;
  label: string;
  type: "duration";
  /** The field holding it, by what it is: a client finds it again in an edited copy of the moment. */
  target: SettingTarget;
  /** The field holding it, as a JSON Pointer into the moment ("/start/unless/within"). */
  path: string;
  value: Duration;
}

/**
 * The custom settings of the template a moment was made from (the abandonment window, a cooldown,
 * a timeout…), read from the fields they set, each with the field (by what it is, and its path
 * now) so a client edits it there. A setting whose field the admin removed (no more abandonment rule) is left out.
 */
export function templateSettingsOf(
  moment: Pick<MomentInput, "start" | "end" | "reentry" | "steps" | "template">,
): MomentTemplateSetting[] {
  const entry = catalog.find((e) => e.key === moment.template);
  if (!entry) return [];
  return entry.settings.flatMap((setting) => {
    const path = settingPointer(moment, setting.target);
    const value = path === undefined ? undefined : valueAtPointer(moment, path);
    if (path === undefined || value === undefined) return [];
    const { key, label, type, target } = setting;
    return [{ key, label, type, target, path, value: value as Duration }];
  });
}
