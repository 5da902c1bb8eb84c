import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../shared/domain/errors.js";
import { momentInputSchema } from "../../../shared/domain/moment.js";
import {
  isTemplateRequest,
  momentBodyFromTemplate,
  momentTemplateKeys,
  momentTemplates,
  templateSettingsOf,
} from "../../../shared/domain/moment-templates.js";
import { settingPointer, valueAtPointer } from "../../../shared/domain/setting-pointer.js";
import { parseOrThrow } from "../../../shared/domain/validation.js";

const REQUIRED = [
  "cart_abandon",
  "booking_abandon",
  "browse_abandon",
  "trial_expiration_follow_up",
  "payment_failed_recovery",
  "onboarding_nudge",
  "feedback_after_key_action",
];

function problemsOf(run: () => unknown) {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error.details;
    throw error;
  }
  throw new Error("expected a ValidationError");
}

describe("the moment templates catalog", () => {
  it("holds at least the templates the product promises", () => {
    expect(momentTemplateKeys).toEqual(expect.arrayContaining(REQUIRED));
    expect(new Set(momentTemplateKeys).size).toBe(momentTemplateKeys.length);
  });

  it.each(momentTemplates().map((t) => [t.key, t] as const))(
    "%s: its body is a valid moment exactly as listed (defaults filled in, nothing stripped)",
    (_key, template) => {
      const parsed = parseOrThrow(momentInputSchema, template.moment);

      expect(parsed).toEqual(template.moment);
      expect(parsed).toMatchObject({ template: template.key, goal: template.goal, name: template.name });
      expect(parsed.steps.length).toBeGreaterThan(0);
    },
  );

  it.each(momentTemplates().map((t) => [t.key, t] as const))(
    "%s: needs nothing from a workspace (no email template, no integration, no source)",
    (_key, template) => {
      expect(template.moment.sourceIds).toEqual([]);
      for (const step of template.moment.steps) {
        expect(["send_notification", "feedback_prompt"]).toContain(step.action.type);
      }
      expect(JSON.stringify(template.moment)).not.toMatch(/templateId|integrationId/);
      expect(template.description).toMatch(/email steps/);
    },
  );

  it.each(momentTemplates().map((t) => [t.key, t] as const))(
    "%s: every setting is a duration with a default used somewhere in the body",
    (_key, template) => {
      expect(template.settings.length).toBeGreaterThan(0);
      for (const setting of template.settings) {
        expect(setting).toMatchObject({ type: "duration", label: expect.any(String) });
        // A distinctive value for this setting must show up in the built body.
        const body = momentBodyFromTemplate({
          template: template.key,
          name: "x",
          settings: { [setting.key]: { amount: 777, unit: "minutes" } },
        });
        expect(JSON.stringify(body)).toContain('{"amount":777,"unit":"minutes"}');
      }
    },
  );

  it.each(momentTemplates().map((t) => [t.key, t] as const))(
    "%s: a moment made from it shows each setting with the value it set, at the field it set",
    (_key, template) => {
      const settings = Object.fromEntries(
        template.settings.map((setting, i) => [setting.key, { amount: 700 + i, unit: "minutes" as const }]),
      );
      const moment = parseOrThrow(
        momentInputSchema,
        momentBodyFromTemplate({ template: template.key, name: "x", settings }),
      );

      const shown = templateSettingsOf(moment);

      expect(shown.map((s) => [s.key, s.value])).toEqual(Object.entries(settings));
      for (const setting of shown) {
        const atPath = setting.path
          .split("/")
          .slice(1)
          .reduce<unknown>((node, token) => (node as Record<string, unknown>)[token], moment);
        expect(atPath).toEqual(setting.value);
      }
    },
  );

  it("leaves out a setting whose field is gone, and has none for a custom moment", () => {
    const moment = parseOrThrow(
      momentInputSchema,
      momentBodyFromTemplate({ template: "cart_abandon", name: "x" }),
    );

    expect(templateSettingsOf(moment).map((s) => [s.key, s.path])).toEqual([
      ["abandonAfter", "/start/unless/within"],
      ["giveUpAfter", "/end/1/after"],
    ]);
    expect(
      templateSettingsOf({ ...moment, start: { event: "cart_item_added" }, end: [] }).map((s) => s.key),
    ).toEqual([]);
    expect(templateSettingsOf({ ...moment, template: "custom" })).toEqual([]);
  });

  it("names each setting's field by what it is, so an edited copy finds it after items before it moved", () => {
    const moment = parseOrThrow(
      momentInputSchema,
      momentBodyFromTemplate({ template: "cart_abandon", name: "x" }),
    );
    const giveUp = templateSettingsOf(moment).find((s) => s.key === "giveUpAfter");
    expect(giveUp?.target).toEqual({ at: "end_timeout", outcome: "failed" });

    // The success rule before it removed (an unsaved draft): the saved path points past the end.
    const draft = { ...moment, end: moment.end.slice(1) };
    expect(valueAtPointer(draft, giveUp?.path ?? "")).toBeUndefined();
    const path = settingPointer(draft, giveUp?.target ?? { at: "abandonment" });
    expect(path).toBe("/end/0/after");
    expect(valueAtPointer(draft, path ?? "")).toEqual(giveUp?.value);
  });

  it("finds a step's delay by the step's id after the steps before it were removed", () => {
    const moment = {
      start: {},
      end: [],
      reentry: { policy: "once" },
      steps: [{ id: "welcome" }, { id: "reminder", delay: { amount: 2, unit: "days" } }],
    };
    expect(settingPointer(moment, { at: "step_delay", stepId: "reminder" })).toBe("/steps/1/delay");
    const draft = { ...moment, steps: moment.steps.slice(1) };
    expect(settingPointer(draft, { at: "step_delay", stepId: "reminder" })).toBe("/steps/0/delay");
    expect(settingPointer({ ...draft, steps: [] }, { at: "step_delay", stepId: "reminder" })).toBeUndefined();
  });

  it("uses abandonment start rules, end rules and re-entry for cart abandon", () => {
    const cart = momentTemplates().find((t) => t.key === "cart_abandon");

    expect(cart?.moment).toMatchObject({
      goal: "recover",
      start: {
        event: "cart_item_added",
        unless: { event: "checkout_completed", within: { amount: 2, unit: "hours" } },
        key: "cart_id",
      },
      end: expect.arrayContaining([{ outcome: "success", event: "checkout_completed" }]),
      reentry: { policy: "after_exit" },
    });
  });

  it("hands out copies: changing one listed body does not change the next listing", () => {
    const first = momentTemplates()[0];
    if (first) first.moment.steps.length = 0;

    expect(momentTemplates()[0]?.moment.steps.length).toBeGreaterThan(0);
  });
});

describe("momentBodyFromTemplate", () => {
  it("fills the rules and steps, and takes the name, sources and settings from the request", () => {
    const body = momentBodyFromTemplate({
      template: "cart_abandon",
      name: "Carts",
      sourceIds: ["src_1"],
      settings: { abandonAfter: { amount: 30, unit: "minutes" } },
    });

    expect(parseOrThrow(momentInputSchema, body)).toMatchObject({
      name: "Carts",
      template: "cart_abandon",
      sourceIds: ["src_1"],
      start: { unless: { within: { amount: 30, unit: "minutes" } } },
      end: expect.arrayContaining([{ outcome: "failed", after: { amount: 7, unit: "days" } }]),
    });
  });

  it("lets the request override description, goal, actionsEnabled and samplingRate", () => {
    const body = momentBodyFromTemplate({
      template: "onboarding_nudge",
      name: "Nudge",
      description: "Ours",
      goal: "other",
      actionsEnabled: false,
      samplingRate: 10,
    });

    expect(body).toMatchObject({
      description: "Ours",
      goal: "other",
      actionsEnabled: false,
      samplingRate: 10,
    });
  });

  it("takes a time frame, checked like any moment's", () => {
    const timeFrame = { from: "2026-11-27T00:00:00Z", until: "2026-11-30T00:00:00Z" };

    expect(
      momentBodyFromTemplate({ template: "cart_abandon", name: "Black Friday", timeFrame }),
    ).toMatchObject({
      timeFrame,
    });
    const problems = problemsOf(() =>
      momentBodyFromTemplate({
        template: "cart_abandon",
        name: "Backwards",
        timeFrame: { from: timeFrame.until, until: timeFrame.from },
      }),
    );
    expect(problems).toEqual([{ path: "timeFrame.until", message: "must be later than from" }]);
  });

  it("names template for an unknown catalog key, listing the known ones", () => {
    const problems = problemsOf(() => momentBodyFromTemplate({ template: "nope", name: "x" }));

    expect(problems).toEqual([{ path: "template", message: expect.stringContaining("cart_abandon") }]);
  });

  it("names settings.<key> for a setting the template does not have", () => {
    const problems = problemsOf(() =>
      momentBodyFromTemplate({
        template: "cart_abandon",
        name: "x",
        settings: { cooldown: { amount: 1, unit: "days" } },
      }),
    );

    expect(problems).toEqual([
      { path: "settings.cooldown", message: expect.stringContaining("abandonAfter") },
    ]);
  });

  it("names the failing part of a malformed setting", () => {
    const problems = problemsOf(() =>
      momentBodyFromTemplate({
        template: "cart_abandon",
        name: "x",
        settings: { abandonAfter: { amount: 2, unit: "weeks" } },
      }),
    );

    expect(problems.map((p) => p.path)).toEqual(["settings.abandonAfter.unit"]);
  });

  it("requires a name", () => {
    expect(problemsOf(() => momentBodyFromTemplate({ template: "cart_abandon" })).map((p) => p.path)).toEqual(
      ["name"],
    );
  });
});

describe("isTemplateRequest", () => {
  it.each([
    [{ template: "cart_abandon", name: "x" }, true],
    // A full body records the catalog key it came from; its start rule makes it a full body.
    [{ template: "cart_abandon", name: "x", start: { event: "e" } }, false],
    [{ template: "custom", name: "x" }, false],
    [{ name: "x" }, false],
    [null, false],
    [["template"], false],
    ["cart_abandon", false],
  ])("%j -> %s", (body, expected) => {
    expect(isTemplateRequest(body)).toBe(expected);
  });
});
