import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../shared/domain/errors.js";
import {
  allowedTransitions,
  checkTransition,
  duplicateName,
  type MomentStatus,
  mergeMomentPatch,
  momentEtag,
  momentInputOf,
  momentInputSchema,
  momentStatuses,
  parseIfMatch,
  runIsLive,
  sourcesChanged,
  startsMoment,
  statusChangeSchema,
  statusTransitionsOf,
  timeFramePosition,
} from "../../../shared/domain/moment.js";
import { parseOrThrow } from "../../../shared/domain/validation.js";
import { aMoment } from "../../support/fakes.js";

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
  it.each([
    "javascript:alert(1)",
    " JavaScript:{account.x}",
    "{account.link|javascript:alert(1)}",
    "data:text/html,x",
    "//evil.example/{x}",
    "/\\evil.example",
  ])("refuses a notification url that can only render to an unsafe link (%s), naming the field", (url) => {
    const steps = [{ id: "n", action: { type: "send_notification", title: "t", body: "b", url } }];
    expect(problemsOf({ ...validInput, steps })).toEqual([
      {
        path: "steps.0.action.url",
        message: expect.stringContaining("http(s) URL or a path relative to the app"),
      },
    ]);
  });

  it.each([
    "https://app.acme.com/billing?a={account.id}",
    "/settings",
    "{account.portal_url}",
    "settings?tab={x}",
  ])(
    "takes a notification url that is or may render to a safe link (%s): checked again once rendered",
    (url) => {
      const steps = [{ id: "n", action: { type: "send_notification", title: "t", body: "b", url } }];
      expect(() => parseOrThrow(momentInputSchema, { ...validInput, steps })).not.toThrow();
    },
  );

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
    expect(paths).toContain("owner");
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

describe("momentInputSchema: steps a send_webhook could not perform are refused when saved", () => {
  const withWebhook = (action: Record<string, unknown>) => ({
    ...validInput,
    steps: [{ id: "hook", action: { type: "send_webhook", url: "https://hooks.example.com/in", ...action } }],
  });

  it.each(["GET", "HEAD"])("refuses a body on a %s request, naming the body", (method) => {
    expect(problemsOf(withWebhook({ method, body: '{"a": 1}' }))).toEqual([
      { path: "steps.0.action.body", message: "a GET or HEAD request carries no body" },
    ]);
  });

  it.each(["Host", "content-length", "Transfer-Encoding", "webhook-id", "Webhook-Signature", "moments-test"])(
    "refuses the reserved header %s, naming it",
    (name) => {
      expect(problemsOf(withWebhook({ method: "POST", headers: { [name]: "x" } }))).toEqual([
        { path: `steps.0.action.headers.${name}`, message: "is set by Moments and cannot be overridden" },
      ]);
    },
  );

  it("accepts a body on the other methods and ordinary headers", () => {
    for (const method of ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"]) {
      expect(() =>
        parseOrThrow(
          momentInputSchema,
          withWebhook({ method, body: "{}", headers: { Authorization: "Bearer x", "X-Trace": "1" } }),
        ),
      ).not.toThrow();
    }
  });
});

describe("momentInputSchema: condition nesting", () => {
  const nestedAny = (depth: number): unknown =>
    depth === 0 ? { field: "account.plan", op: "eq", value: "pro" } : { any: [nestedAny(depth - 1)] };
  const withWhere = (depth: number) => ({
    ...validInput,
    start: { event: "payment_failed", where: [nestedAny(depth)] },
  });

  it("accepts any groups nested 4 deep", () => {
    expect(() => parseOrThrow(momentInputSchema, withWhere(4))).not.toThrow();
  });

  it("refuses any groups nested deeper, naming the rule's where (DynamoDB could not store it)", () => {
    expect(problemsOf(withWhere(5))).toEqual([
      { path: "start.where", message: 'may nest "any" groups at most 4 deep' },
    ]);
  });
});

describe("momentInputSchema: ordering operands", () => {
  const withCondition = (op: string, value: unknown) => ({
    ...validInput,
    start: { event: "payment_failed", where: [{ field: "event.total", op, value }] },
  });

  it.each([10, -1.5, "42", "2e3", "2026-05-01", "2026-05-01T10:00:00Z", "2026-05-01T10:00:00+02:00"])(
    "accepts what evaluation can order: %j",
    (value) => {
      for (const op of ["gt", "gte", "lt", "lte"])
        expect(() => parseOrThrow(momentInputSchema, withCondition(op, value))).not.toThrow();
    },
  );

  // Each of these could never hold (evaluation orders numbers and ISO dates only): a moment saved
  // with one would silently never start anyone.
  it.each(["abc", "", "10 apples", "2023-02-29", "yesterday", true, null, ["1"]])(
    "refuses what nothing can be ordered against, naming the value: %j",
    (value) => {
      expect(problemsOf(withCondition("gt", value))).toEqual([
        { path: "start.where.0.value", message: expect.stringMatching(/^operator "gt" needs a number/) },
      ]);
    },
  );
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
      reason: `${from === "archived" ? "An" : "A"} ${from} moment cannot become ${to}; allowed: ${allowed}`,
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

describe("statusTransitionsOf", () => {
  it("offers exactly the allowed transitions, each saying what it does and whether it ends runs", () => {
    const offered = statusTransitionsOf({ status: "running", sourceIds: ["src_1"] });

    expect(offered.map((t) => [t.status, t.label, t.endsRuns])).toEqual([
      ["stopped", "Stop", true],
      ["archived", "Archive", true],
    ]);
    expect(offered[0]?.effect).toMatch(/runs in progress end now/);
    expect(offered.every((t) => t.blockedBy === undefined)).toBe(true);
  });

  it.each(momentStatuses)("agrees with checkTransition from %s", (from) => {
    const offered = statusTransitionsOf({ status: from, sourceIds: ["src_1"] }).map((t) => t.status);

    for (const to of momentStatuses) {
      expect(checkTransition({ status: from, sourceIds: ["src_1"] }, to).ok).toBe(offered.includes(to));
    }
  });

  it("says why a draft without a source cannot start yet", () => {
    const [start] = statusTransitionsOf({ status: "draft", sourceIds: [] });

    expect(start).toMatchObject({ status: "running", label: "Start" });
    expect(start?.blockedBy).toMatch(/at least one source/);
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

describe("momentInputOf", () => {
  it("keeps only the fields an admin sets, which the input schema accepts as they are", () => {
    const moment = aMoment({ runningSince: "2026-11-01T00:00:00.000Z" });

    const input = momentInputOf(moment);

    expect(Object.keys(input).sort()).toEqual(
      [
        "name",
        "description",
        "goal",
        "template",
        "sourceIds",
        "actionsEnabled",
        "samplingRate",
        "start",
        "end",
        "reentry",
        "steps",
      ].sort(),
    );
    expect(parseOrThrow(momentInputSchema, input)).toEqual(input);
  });
});

describe("momentInputSchema: time frame", () => {
  it("takes a frame open at either end, with ISO timestamps (offsets too)", () => {
    for (const timeFrame of [
      { from: "2026-11-27T00:00:00Z" },
      { until: "2026-11-30T23:59:59.999Z" },
      { from: "2026-11-27T00:00:00+01:00", until: "2026-11-30T00:00:00-05:00" },
      {},
    ]) {
      expect(parseOrThrow(momentInputSchema, { ...validInput, timeFrame }).timeFrame).toEqual(timeFrame);
    }
  });

  it("refuses a frame that ends before it starts, or is not ISO, naming the field", () => {
    expect(
      problemsOf({
        ...validInput,
        timeFrame: { from: "2026-11-30T00:00:00Z", until: "2026-11-30T00:00:00Z" },
      }),
    ).toEqual([{ path: "timeFrame.until", message: "must be later than from" }]);
    expect(problemsOf({ ...validInput, timeFrame: { from: "next friday" } })).toEqual([
      expect.objectContaining({ path: "timeFrame.from" }),
    ]);
    expect(problemsOf({ ...validInput, timeFrame: { start: "2026-11-30T00:00:00Z" } })).toEqual([
      expect.objectContaining({ path: "timeFrame.start" }),
    ]);
  });

  it("places a time before, within (from inclusive) or after (until exclusive) the frame", () => {
    const frame = { from: "2026-11-27T00:00:00Z", until: "2026-11-30T00:00:00+01:00" };

    expect(timeFramePosition(frame, "2026-11-26T23:59:59.999Z")).toBe("before");
    expect(timeFramePosition(frame, "2026-11-27T00:00:00.000Z")).toBe("within");
    expect(timeFramePosition(frame, "2026-11-29T22:59:59.999Z")).toBe("within");
    expect(timeFramePosition(frame, "2026-11-29T23:00:00.000Z")).toBe("after");
    expect(timeFramePosition(undefined, "2026-11-29T23:00:00.000Z")).toBe("within");
  });
});

describe("mergeMomentPatch", () => {
  const moment = aMoment({ name: "Before", description: "kept" });

  function patchProblems(body: unknown) {
    try {
      mergeMomentPatch(moment, body);
    } catch (error) {
      if (error instanceof ValidationError) return error.details;
      throw error;
    }
    throw new Error("expected a ValidationError");
  }

  it("replaces the fields it names and keeps the others", () => {
    const merged = mergeMomentPatch(moment, { name: "After", samplingRate: 50 });

    expect(merged).toMatchObject({ name: "After", samplingRate: 50, description: "kept", goal: moment.goal });
  });

  it("removes a field given null: the time frame goes, a defaulted field gets its default back", () => {
    const framed = aMoment({ timeFrame: { until: "2026-11-30T00:00:00.000Z" }, samplingRate: 10 });

    const merged = mergeMomentPatch(framed, { timeFrame: null, samplingRate: null });

    expect(merged.timeFrame).toBeUndefined();
    expect(merged.samplingRate).toBe(100);
  });

  it("replaces steps wholesale", () => {
    const merged = mergeMomentPatch(moment, {
      steps: [{ id: "only", action: { type: "send_notification", title: "t", body: "b" } }],
    });

    expect(merged.steps).toEqual([
      {
        id: "only",
        phase: "entry",
        delay: { amount: 0, unit: "minutes" },
        action: { type: "send_notification", title: "t", body: "b" },
      },
    ]);
  });

  it("validates the merged moment with the full schema, naming the failing path", () => {
    expect(patchProblems({ start: { event: "x", where: [{ field: "event.total", op: "gt" }] } })).toEqual([
      {
        path: "start.where.0.value",
        message:
          'operator "gt" needs a number (or an ISO 8601 date such as 2026-05-01 or 2026-05-01T10:00:00Z)',
      },
    ]);
    expect(
      patchProblems({ steps: [{ id: "a", action: { type: "send_email" } }] }).map((p) => p.path),
    ).toEqual(["steps.0.action.templateId"]);
  });

  it.each(["status", "id", "version", "workspaceId", "createdAt", "updatedAt", "runningSince"])(
    "refuses %s with a 400 naming it",
    (field) => {
      expect(patchProblems({ [field]: "x" })).toEqual([{ path: field, message: expect.any(String) }]);
    },
  );

  it("points status changes at the status route", () => {
    expect(patchProblems({ status: "running" })[0]?.message).toMatch(/\/status/);
  });

  it.each([null, [], "name", 3])("refuses a body that is not an object: %j", (body) => {
    expect(patchProblems(body)).toEqual([{ path: "", message: expect.any(String) }]);
  });
});

describe("parseIfMatch", () => {
  it.each([
    ["3", [3]],
    ['"3"', [3]],
    ['W/"3"', [3]],
    [' "3" , "4"', [3, 4]],
  ])("%j -> %j", (header, expected) => {
    expect(parseIfMatch(header)).toEqual(expected);
  });

  it.each([undefined, "", "  "])("answers undefined for an absent header: %j", (header) => {
    expect(parseIfMatch(header)).toBeUndefined();
  });

  it.each(["*", "abc", '"3', "3.5", '"3", x'])("refuses %j with a 400 naming If-Match", (header) => {
    expect(() => parseIfMatch(header)).toThrow(ValidationError);
    try {
      parseIfMatch(header);
    } catch (error) {
      expect((error as ValidationError).details[0]?.path).toBe("If-Match");
    }
  });

  it("reads back the ETag it makes", () => {
    expect(parseIfMatch(momentEtag({ version: 12 }))).toEqual([12]);
  });
});

describe("sourcesChanged", () => {
  it.each([
    [["a", "b"], ["b", "a"], false],
    [["a"], ["a"], false],
    [["a"], ["a", "b"], true],
    [["a", "b"], ["a"], true],
    [["a"], ["b"], true],
    [[], [], false],
  ])("%j -> %j: %s", (before, after, expected) => {
    expect(sourcesChanged(before, after)).toBe(expected);
  });
});

describe("duplicateName", () => {
  it("appends (copy)", () => {
    expect(duplicateName("Cart rescue")).toBe("Cart rescue (copy)");
  });

  it("shortens a long name so the copy's name is still valid", () => {
    const name = duplicateName("x".repeat(200));

    expect(name).toHaveLength(200);
    expect(name.endsWith(" (copy)")).toBe(true);
  });
});

describe("runIsLive", () => {
  const run = { startedAt: "2026-11-21T10:00:00.000Z" };

  it("is live while its moment runs", () => {
    expect(runIsLive({ status: "running" }, run)).toBe(true);
    expect(runIsLive({ status: "running", runningSince: "2026-11-21T09:00:00.000Z" }, run)).toBe(true);
  });

  it.each(["draft", "stopped", "archived"] as const)("is not live when the moment is %s", (status) => {
    expect(runIsLive({ status }, run)).toBe(false);
  });

  it("is not live when the moment is gone", () => {
    expect(runIsLive(undefined, run)).toBe(false);
  });

  it("is not live when it started before the moment's current running period", () => {
    expect(runIsLive({ status: "running", runningSince: "2026-11-21T11:00:00.000Z" }, run)).toBe(false);
  });
});

describe("momentInputSchema: AWS limits refused up front", () => {
  const email = { type: "send_email", templateId: "t_1" };

  it("refuses entry steps whose delays add up to more than a Standard execution's year, naming the step", () => {
    const steps = [
      { id: "a", delay: { amount: 200, unit: "days" }, action: email },
      { id: "b", delay: { amount: 150, unit: "days" }, action: email },
      { id: "c", delay: { amount: 20, unit: "days" }, action: email },
      { id: "d", delay: { amount: 1, unit: "days" }, action: email },
    ];
    expect(problemsOf({ ...validInput, steps })).toEqual([
      { path: "steps.2.delay", message: expect.stringContaining("add up to more than a year") },
    ]);
  });

  it("adds delays per phase: each phase runs in its own execution", () => {
    const steps = [
      { id: "a", delay: { amount: 300, unit: "days" }, action: email },
      { id: "b", phase: "exit", delay: { amount: 300, unit: "days" }, action: email },
    ];
    expect(parseOrThrow(momentInputSchema, { ...validInput, steps }).steps).toHaveLength(2);
  });

  it("refuses a moment too large for one DynamoDB item, naming the largest field", () => {
    // Each webhook body may be 64 KB: six of them are a 384 KB moment, under the API's 512 KB body limit.
    const webhook = {
      type: "send_webhook",
      method: "POST",
      url: "https://hooks.example.com/x",
      body: "x".repeat(64 * 1024),
    };
    const steps = Array.from({ length: 6 }, (_, i) => ({ id: `s${i}`, action: webhook }));
    const problems = problemsOf({ ...validInput, steps });
    expect(problems).toContainEqual({ path: "steps", message: expect.stringContaining("400 KB") });
    expect(parseOrThrow(momentInputSchema, { ...validInput, steps: steps.slice(0, 5) }).steps).toHaveLength(
      5,
    );
  });
});
