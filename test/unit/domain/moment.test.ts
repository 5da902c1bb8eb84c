import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../shared/domain/errors.js";
import {
  allowedTransitions,
  checkTransition,
  type MomentStatus,
  momentInputSchema,
  startsMoment,
  statusChangeSchema,
} from "../../../shared/domain/moment.js";
import { parseOrThrow } from "../../../shared/domain/validation.js";

const validInput = {
  name: "Recover failed payments",
  goal: "recover",
  sourceIds: ["src_1"],
  start: { event: "payment_failed" },
  steps: [
    { id: "s1", action: { type: "send_email", templateId: "t_1" } },
    { id: "s2", delay: { amount: 2, unit: "days" }, action: { type: "send_email", templateId: "t_2" } },
  ],
};

function problemsOf(input: unknown) {
  try {
    parseOrThrow(momentInputSchema, input);
  } catch (error) {
    if (error instanceof ValidationError) return error.details;
    throw error;
  }
  throw new Error("expected a ValidationError");
}

describe("momentInputSchema", () => {
  it("fills defaults: empty description, and a step without delay runs at once", () => {
    const moment = parseOrThrow(momentInputSchema, validInput);

    expect(moment.description).toBe("");
    expect(moment.steps[0]?.delay).toEqual({ amount: 0, unit: "minutes" });
    expect(moment.steps[1]?.delay).toEqual({ amount: 2, unit: "days" });
  });

  it("defaults sources and steps to none", () => {
    const moment = parseOrThrow(momentInputSchema, {
      name: "x",
      goal: "other",
      start: { event: "signed_up" },
    });

    expect(moment.sourceIds).toEqual([]);
    expect(moment.steps).toEqual([]);
  });

  it("refuses duplicate step ids, naming the second occurrence", () => {
    const steps = [
      { id: "s1", action: { type: "send_email", templateId: "t_1" } },
      { id: "s2", action: { type: "send_email", templateId: "t_1" } },
      { id: "s1", action: { type: "send_email", templateId: "t_1" } },
    ];

    expect(problemsOf({ ...validInput, steps })).toEqual([
      { path: "steps.2.id", message: 'duplicate step id "s1"' },
    ]);
  });

  it("names the failing nested field with a dotted path", () => {
    const steps = [{ id: "s1", delay: { amount: 1, unit: "weeks" }, action: validInput.steps[0]?.action }];

    expect(problemsOf({ ...validInput, steps }).map((p) => p.path)).toEqual(["steps.0.delay.unit"]);
  });

  it("refuses an unknown action type", () => {
    const steps = [{ id: "s1", action: { type: "send_sms", templateId: "t_1" } }];

    expect(problemsOf({ ...validInput, steps }).map((p) => p.path)).toEqual(["steps.0.action.type"]);
  });

  it("refuses an unknown goal and unknown top-level fields", () => {
    const paths = problemsOf({ ...validInput, goal: "world_domination", owner: "me" }).map((p) => p.path);

    expect(paths).toContain("goal");
    expect(paths).toContain("");
  });

  it("refuses more than 50 steps and more than 20 sources", () => {
    const steps = Array.from({ length: 51 }, (_, i) => ({
      id: `s${i}`,
      action: { type: "send_email", templateId: "t_1" },
    }));
    const sourceIds = Array.from({ length: 21 }, (_, i) => `src_${i}`);

    expect(
      problemsOf({ ...validInput, steps, sourceIds })
        .map((p) => p.path)
        .sort(),
    ).toEqual(["sourceIds", "steps"]);
  });
});

describe("statusChangeSchema", () => {
  it("accepts a known status only", () => {
    expect(statusChangeSchema.safeParse({ status: "running" }).success).toBe(true);
    expect(statusChangeSchema.safeParse({ status: "paused" }).success).toBe(false);
  });
});

describe("checkTransition", () => {
  const withSource = { sourceIds: ["src_1"] };

  it.each([
    ["draft", "running"],
    ["running", "stopped"],
    ["running", "archived"],
    ["stopped", "running"],
    ["stopped", "archived"],
    ["archived", "draft"],
  ] as const)("allows %s -> %s", (from, to) => {
    expect(checkTransition({ status: from, ...withSource }, to)).toEqual({ ok: true });
  });

  it.each([
    ["draft", "stopped", "running"],
    ["draft", "archived", "running"],
    ["running", "draft", "stopped, archived"],
    ["archived", "running", "draft"],
  ] as const)("refuses %s -> %s, naming the allowed ones (%s)", (from, to, allowed) => {
    const check = checkTransition({ status: from, ...withSource }, to);

    expect(check).toEqual({
      ok: false,
      reason: `A ${from} moment cannot become ${to}; allowed: ${allowed}`,
    });
  });

  it("refuses to run a moment without a source", () => {
    const check = checkTransition({ status: "draft", sourceIds: [] }, "running");

    expect(check).toEqual({ ok: false, reason: expect.stringMatching(/at least one source/) });
  });

  it("lets a sourceless moment move where running is not the target", () => {
    expect(checkTransition({ status: "running", sourceIds: [] }, "stopped")).toEqual({ ok: true });
  });
});

describe("allowedTransitions", () => {
  it.each([
    ["draft", ["running"]],
    ["running", ["stopped", "archived"]],
    ["stopped", ["running", "archived"]],
    ["archived", ["draft"]],
  ] as [MomentStatus, MomentStatus[]][])("from %s answers %j", (from, expected) => {
    expect(allowedTransitions(from)).toEqual(expected);
  });
});

describe("startsMoment", () => {
  const moment = {
    status: "running" as const,
    start: { event: "payment_failed" },
    sourceIds: ["src_1", "src_2"],
  };

  it("starts on the named event from one of its sources", () => {
    expect(startsMoment(moment, { event: "payment_failed", sourceId: "src_2" })).toBe(true);
  });

  it("does not start on an event from another source", () => {
    expect(startsMoment(moment, { event: "payment_failed", sourceId: "src_9" })).toBe(false);
  });

  it("does not start on another event", () => {
    expect(startsMoment(moment, { event: "Payment_Failed", sourceId: "src_1" })).toBe(false);
  });

  it.each(["draft", "stopped", "archived"] as const)("does not start a %s moment", (status) => {
    expect(startsMoment({ ...moment, status }, { event: "payment_failed", sourceId: "src_1" })).toBe(false);
  });
});
