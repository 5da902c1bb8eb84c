import { beforeEach, describe, expect, it, vi } from "vitest";
import type { StepInput } from "../../../shared/contracts/workflow.js";
import {
  ConflictError,
  NotFoundError,
  PreconditionFailedError,
  PreconditionRequiredError,
  ValidationError,
} from "../../../shared/domain/errors.js";
import type { Moment } from "../../../shared/domain/moment.js";
import { executeStep, type StepDeps } from "../../../shared/use-cases/execute-step.js";
import {
  changeMomentStatus,
  createMoment,
  deleteMoment,
  duplicateMoment,
  getMoment,
  listMomentAccounts,
  listMoments,
  listMomentTemplates,
  type MomentStatusDeps,
  momentView,
  updateMoment,
} from "../../../shared/use-cases/moments.js";
import {
  aMoment,
  aRun,
  aSource,
  aTemplate,
  FakeConfigRepository,
  FakeIntegrations,
  FakeProfiles,
  FakeRunRepository,
  FakeWorkflows,
  type FixedClock,
  fixedClock,
} from "../../support/fakes.js";
import { FakeStats } from "../../support/fakes-insights.js";

const WS = "ws_1";
const OTHER_WS = "ws_2";

let config: FakeConfigRepository;
let integrations: FakeIntegrations;
let runs: FakeRunRepository;
let workflows: FakeWorkflows;
let clock: FixedClock;
let deps: MomentStatusDeps & { runs: FakeRunRepository };

beforeEach(async () => {
  config = new FakeConfigRepository();
  integrations = new FakeIntegrations();
  runs = new FakeRunRepository();
  workflows = new FakeWorkflows();
  clock = fixedClock("2026-11-21T10:00:00.000Z");
  deps = { moments: config, sources: config, templates: config, integrations, runs, workflows, clock };
  await config.putSource(aSource({ id: "src_1", workspaceId: WS }));
  await config.putSource(aSource({ id: "src_2", workspaceId: WS }));
  await config.putEmailTemplate(aTemplate({ id: "t_1", workspaceId: WS }));
  await config.putSource(aSource({ id: "src_other", workspaceId: OTHER_WS }));
  await config.putEmailTemplate(aTemplate({ id: "t_other", workspaceId: OTHER_WS }));
  integrations.add(WS, "slack_1", "slack");
  integrations.add(WS, "attio_1", "attio");
  integrations.add(WS, "hook_1", "webhook");
  integrations.add(OTHER_WS, "slack_other", "slack");
});

function body(overrides: Record<string, unknown> = {}) {
  return {
    name: "Recover failed payments",
    goal: "recover",
    sourceIds: ["src_1"],
    start: { event: "payment_failed" },
    steps: [
      { id: "s1", delay: { amount: 1, unit: "hours" }, action: { type: "send_email", templateId: "t_1" } },
    ],
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject");
}

const slackStep = (integrationId: string) => ({
  id: "notify",
  action: { type: "send_slack", integrationId, channel: "#sales", text: "{accountId} failed to pay" },
});

describe("createMoment", () => {
  it("stores a new moment as draft, version 1, stamped with the clock", async () => {
    // Act
    const moment = await createMoment(deps, WS, body());

    // Assess
    expect(moment).toMatchObject({
      workspaceId: WS,
      status: "draft",
      version: 1,
      template: "custom",
      createdAt: "2026-11-21T10:00:00.000Z",
      updatedAt: "2026-11-21T10:00:00.000Z",
      description: "",
    });
    expect(moment.id).toMatch(/^[0-9a-z]{26}$/);
    expect(await config.getMoment(WS, moment.id)).toEqual(moment);
  });

  it("refuses a step that uses another workspace's template, naming steps.0.action.templateId", async () => {
    // Prepare
    const input = body({ steps: [{ id: "s1", action: { type: "send_email", templateId: "t_other" } }] });

    // Act
    const error = await rejection(createMoment(deps, WS, input));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({
      statusCode: 400,
      details: [{ path: "steps.0.action.templateId", message: 'no email template with id "t_other"' }],
    });
    expect(config.moments.size).toBe(0);
  });

  it("refuses another workspace's source, naming sourceIds.0", async () => {
    const error = await rejection(createMoment(deps, WS, body({ sourceIds: ["src_other"] })));

    expect(error).toMatchObject({
      statusCode: 400,
      details: [{ path: "sourceIds.0", message: 'no source with id "src_other"' }],
    });
    expect(config.moments.size).toBe(0);
  });

  it("accepts a step whose integration exists and is of the kind its action needs", async () => {
    const moment = await createMoment(
      deps,
      WS,
      body({
        steps: [
          slackStep("slack_1"),
          {
            id: "task",
            action: { type: "create_attio_task", integrationId: "attio_1", content: "Call them" },
          },
          {
            id: "hook",
            action: {
              type: "send_webhook",
              method: "POST",
              url: "https://example.com/h",
              integrationId: "hook_1",
            },
          },
        ],
      }),
    );

    expect(moment.steps).toHaveLength(3);
  });

  it("refuses an unknown integration (or another workspace's), naming steps.N.action.integrationId", async () => {
    const error = await rejection(createMoment(deps, WS, body({ steps: [slackStep("slack_other")] })));

    expect(error).toMatchObject({
      statusCode: 400,
      details: [{ path: "steps.0.action.integrationId", message: 'no integration with id "slack_other"' }],
    });
  });

  it("refuses an integration of the wrong kind, saying which kind the action needs", async () => {
    const error = await rejection(
      createMoment(
        deps,
        WS,
        body({
          steps: [{ id: "s1", action: { type: "send_email", templateId: "t_1" } }, slackStep("attio_1")],
        }),
      ),
    );

    expect(error).toMatchObject({
      statusCode: 400,
      details: [
        {
          path: "steps.1.action.integrationId",
          message: 'integration "attio_1" is a attio integration; send_slack needs a slack integration',
        },
      ],
    });
  });

  it("does not look up an integration for a webhook step without one (unsigned)", async () => {
    const lookup = vi.spyOn(integrations, "getIntegration");

    await createMoment(
      deps,
      WS,
      body({
        steps: [{ id: "hook", action: { type: "send_webhook", method: "GET", url: "https://example.com" } }],
      }),
    );

    expect(lookup).not.toHaveBeenCalled();
  });

  it("reports every missing reference at once, in path order (steps.10 after steps.2)", async () => {
    const steps = Array.from({ length: 11 }, (_, i) => ({
      id: `s${i}`,
      action: { type: "send_email", templateId: i === 2 || i === 10 ? "t_missing" : "t_1" },
    }));
    const input = body({ sourceIds: ["src_1", "src_missing"], steps });

    const error = await rejection(createMoment(deps, WS, input));

    expect((error as ValidationError).details.map((d) => d.path)).toEqual([
      "sourceIds.1",
      "steps.2.action.templateId",
      "steps.10.action.templateId",
    ]);
  });

  it("refuses an invalid body before looking anything up, naming the field", async () => {
    const getSource = vi.spyOn(config, "getSource");

    const error = await rejection(createMoment(deps, WS, body({ goal: "nope" })));

    expect(error).toMatchObject({ statusCode: 400, details: [expect.objectContaining({ path: "goal" })] });
    expect(getSource).not.toHaveBeenCalled();
  });

  it("names a bad condition's path", async () => {
    const error = await rejection(
      createMoment(
        deps,
        WS,
        body({ start: { event: "payment_failed", where: [{ field: "plan", op: "eq", value: 1 }] } }),
      ),
    );

    expect((error as ValidationError).details.map((d) => d.path)).toEqual(["start.where.0.field"]);
  });

  it("accepts a moment with no sources yet (it cannot run until it has one)", async () => {
    const moment = await createMoment(deps, WS, body({ sourceIds: [] }));

    expect(moment.sourceIds).toEqual([]);
    expect(moment.status).toBe("draft");
  });

  describe("from a catalog template", () => {
    it("fills the rules and steps from the catalog", async () => {
      const moment = await createMoment(deps, WS, {
        template: "cart_abandon",
        name: "Carts",
        sourceIds: ["src_1"],
        settings: { abandonAfter: { amount: 45, unit: "minutes" } },
      });

      expect(moment).toMatchObject({
        name: "Carts",
        template: "cart_abandon",
        goal: "recover",
        status: "draft",
        sourceIds: ["src_1"],
        start: { event: "cart_item_added", unless: { within: { amount: 45, unit: "minutes" } } },
      });
      expect(moment.steps.length).toBeGreaterThan(0);
    });

    it("still checks the sources exist", async () => {
      const error = await rejection(
        createMoment(deps, WS, { template: "cart_abandon", name: "Carts", sourceIds: ["src_other"] }),
      );

      expect(error).toMatchObject({ statusCode: 400, details: [{ path: "sourceIds.0" }] });
    });

    it("names template for an unknown catalog key", async () => {
      const error = await rejection(createMoment(deps, WS, { template: "nope", name: "x" }));

      expect(error).toMatchObject({ statusCode: 400, details: [{ path: "template" }] });
    });
  });
});

describe("getMoment", () => {
  it("answers 404 for another workspace's moment", async () => {
    await config.createMoment(aMoment({ id: "m_1", workspaceId: OTHER_WS }));

    await expect(getMoment({ moments: config }, WS, "m_1")).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("listMoments", () => {
  it("lists only the caller's workspace, filtered and sorted", async () => {
    await config.createMoment(aMoment({ id: "m_1", goal: "recover", updatedAt: "2026-11-02T00:00:00.000Z" }));
    await config.createMoment(aMoment({ id: "m_2", goal: "recover", updatedAt: "2026-11-03T00:00:00.000Z" }));
    await config.createMoment(aMoment({ id: "m_3", goal: "grow" }));
    await config.createMoment(aMoment({ id: "m_x", workspaceId: OTHER_WS, goal: "recover" }));

    const result = await listMoments({ ...deps, stats: new FakeStats() }, WS, { goal: "recover" });

    expect("items" in result && result.items.map((m) => m.id)).toEqual(["m_2", "m_1"]);
  });

  it("refuses a bad query before reading anything", async () => {
    const read = vi.spyOn(config, "listMoments");

    await expect(listMoments({ ...deps, stats: new FakeStats() }, WS, { limit: "0" })).rejects.toMatchObject({
      statusCode: 400,
      details: [{ path: "limit" }],
    });
    expect(read).not.toHaveBeenCalled();
  });

  describe("with a stats reader", () => {
    let stats: FakeStats;

    beforeEach(() => {
      stats = new FakeStats();
    });

    it("gives each moment its headline stats, summed over shards, and zeros for a moment never entered", async () => {
      await config.createMoment(aMoment({ id: "m_1", updatedAt: "2026-11-02T00:00:00.000Z" }));
      await config.createMoment(aMoment({ id: "m_2", updatedAt: "2026-11-01T00:00:00.000Z" }));
      await stats.increment(WS, "m_1", 0, { entered: 3, success: 1, "steps.s1.executed": 2 });
      await stats.increment(WS, "m_1", 7, { entered: 2, failed: 1, stopped: 1, "feedback.positive": 1 });
      // Another workspace's counters under the same moment id count for nothing here.
      await stats.increment(OTHER_WS, "m_2", 0, { entered: 9 });

      const result = await listMoments({ ...deps, stats }, WS, {});

      expect("items" in result && result.items.map((m) => [m.id, m.stats])).toEqual([
        [
          "m_1",
          // 3 of 5 ended (1 succeeded, 1 failed, 1 stopped); steps, feedback and stopped stay out.
          { entered: 5, active: 2, succeeded: 1, failed: 1, successRate: 50, failedRate: 50 },
        ],
        ["m_2", { entered: 0, active: 0, succeeded: 0, failed: 0, successRate: null, failedRate: null }],
      ]);
    });

    it("reads the stats of the returned page only, in one call", async () => {
      for (const [id, day] of [
        ["m_1", "03"],
        ["m_2", "02"],
        ["m_3", "01"],
      ] as const) {
        await config.createMoment(aMoment({ id, updatedAt: `2026-11-${day}T00:00:00.000Z` }));
      }
      const readMany = vi.spyOn(stats, "readMany");

      const result = await listMoments({ ...deps, stats }, WS, { limit: "2" });

      expect(readMany.mock.calls).toEqual([[WS, ["m_1", "m_2"]]]);
      expect("items" in result && result.items.map((m) => m.stats?.entered)).toEqual([0, 0]);
    });

    it("gives grouped moments their stats too", async () => {
      await config.createMoment(aMoment({ id: "m_1", goal: "recover" }));
      await config.createMoment(aMoment({ id: "m_2", goal: "grow" }));
      await stats.increment(WS, "m_2", 4, { entered: 1, success: 1 });

      const result = await listMoments({ ...deps, stats }, WS, { groupBy: "goal" });

      expect("groups" in result && result.groups.map((g) => [g.goal, g.items.map((m) => m.stats)])).toEqual([
        ["grow", [{ entered: 1, active: 0, succeeded: 1, failed: 0, successRate: 100, failedRate: 0 }]],
        [
          "recover",
          [{ entered: 0, active: 0, succeeded: 0, failed: 0, successRate: null, failedRate: null }],
        ],
      ]);
    });

    it("reads no stats when nothing matches", async () => {
      const readMany = vi.spyOn(stats, "readMany");

      const result = await listMoments({ ...deps, stats }, WS, { q: "nothing like this" });

      expect(result).toEqual({ items: [] });
      expect(readMany).not.toHaveBeenCalled();
    });
  });
});

describe("updateMoment", () => {
  beforeEach(async () => {
    await config.createMoment(aMoment({ id: "m_1", status: "draft", version: 3 }));
    clock.advance(60_000);
  });

  it("replaces the fields it names, bumps the version and stamps updatedAt", async () => {
    const updated = await updateMoment(deps, WS, "m_1", { name: "Renamed", samplingRate: 25 }, '"3"');

    expect(updated).toMatchObject({
      name: "Renamed",
      samplingRate: 25,
      version: 4,
      updatedAt: "2026-11-21T10:01:00.000Z",
      createdAt: "2026-11-01T00:00:00.000Z",
      status: "draft",
      id: "m_1",
    });
    expect(await config.getMoment(WS, "m_1")).toEqual(updated);
  });

  it.each(["3", '"3"', 'W/"3"', '"2", "3"'])("accepts If-Match %j", async (ifMatch) => {
    await expect(updateMoment(deps, WS, "m_1", { name: "x" }, ifMatch)).resolves.toMatchObject({
      version: 4,
    });
  });

  it("answers 428 without If-Match, writing nothing", async () => {
    const error = await rejection(updateMoment(deps, WS, "m_1", { name: "x" }, undefined));

    expect(error).toBeInstanceOf(PreconditionRequiredError);
    expect(error).toMatchObject({ statusCode: 428, message: expect.stringContaining('"3"') });
    expect((await config.getMoment(WS, "m_1"))?.version).toBe(3);
  });

  it("answers 412 for a stale version, writing nothing", async () => {
    const error = await rejection(updateMoment(deps, WS, "m_1", { name: "x" }, '"2"'));

    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect(error).toMatchObject({ statusCode: 412 });
    expect((await config.getMoment(WS, "m_1"))?.name).toBe("Recover failed payments");
  });

  it("answers 412 when someone else writes between our read and our conditional write", async () => {
    vi.spyOn(config, "updateMoment").mockImplementationOnce(async () => {
      const stored = await config.getMoment(WS, "m_1");
      if (stored) config.moments.set(JSON.stringify([WS, "m_1"]), { ...stored, name: "Theirs", version: 4 });
      return undefined;
    });

    const error = await rejection(updateMoment(deps, WS, "m_1", { name: "Mine" }, '"3"'));

    expect(error).toMatchObject({ statusCode: 412, message: expect.stringContaining('"4"') });
    expect((await config.getMoment(WS, "m_1"))?.name).toBe("Theirs");
  });

  it("refuses status with a 400 naming it (status changes go through /status)", async () => {
    await expect(updateMoment(deps, WS, "m_1", { status: "running" }, '"3"')).rejects.toMatchObject({
      statusCode: 400,
      details: [{ path: "status" }],
    });
  });

  it("validates the merged moment, naming the failing path", async () => {
    await expect(
      updateMoment(
        deps,
        WS,
        "m_1",
        {
          steps: [
            {
              id: "a",
              delay: { amount: 1, unit: "weeks" },
              action: { type: "send_email", templateId: "t_1" },
            },
          ],
        },
        '"3"',
      ),
    ).rejects.toMatchObject({ statusCode: 400, details: [{ path: "steps.0.delay.unit" }] });
  });

  it("checks the merged moment's references", async () => {
    await expect(
      updateMoment(deps, WS, "m_1", { steps: [slackStep("attio_1")] }, '"3"'),
    ).rejects.toMatchObject({
      statusCode: 400,
      details: [{ path: "steps.0.action.integrationId" }],
    });
  });

  it("lets a draft change its sources", async () => {
    await expect(updateMoment(deps, WS, "m_1", { sourceIds: ["src_2"] }, '"3"')).resolves.toMatchObject({
      sourceIds: ["src_2"],
    });
  });

  it.each(["running", "stopped"] as const)(
    "refuses to change the sources of a %s moment with 409",
    async (status) => {
      await config.createMoment(aMoment({ id: "m_2", status, version: 1 }));

      const error = await rejection(updateMoment(deps, WS, "m_2", { sourceIds: ["src_1", "src_2"] }, "1"));

      expect(error).toBeInstanceOf(ConflictError);
      expect(error).toMatchObject({ statusCode: 409, details: [{ path: "sourceIds" }] });
    },
  );

  it("lets a running moment resend its sources in another order, and edit other fields", async () => {
    await config.createMoment(
      aMoment({ id: "m_2", status: "running", sourceIds: ["src_1", "src_2"], version: 1 }),
    );

    const updated = await updateMoment(
      deps,
      WS,
      "m_2",
      { sourceIds: ["src_2", "src_1"], name: "Edited" },
      "1",
    );

    expect(updated).toMatchObject({ name: "Edited", status: "running", version: 2 });
  });

  it("moves a running moment to its new start event for the matcher", async () => {
    await config.createMoment(aMoment({ id: "m_2", status: "running", version: 1 }));

    await updateMoment(deps, WS, "m_2", { start: { event: "invoice_overdue" } }, "1");

    expect(await config.findRunningMomentsStartingOn(WS, "payment_failed")).toEqual([]);
    expect((await config.findRunningMomentsStartingOn(WS, "invoice_overdue")).map((m) => m.id)).toEqual([
      "m_2",
    ]);
  });

  it("answers 404 for another workspace's moment", async () => {
    await expect(updateMoment(deps, OTHER_WS, "m_1", { name: "x" }, '"3"')).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});

describe("deleteMoment", () => {
  it.each(["draft", "archived"] as const)("deletes a %s moment", async (status) => {
    await config.createMoment(aMoment({ id: "m_1", status }));

    await deleteMoment(deps, WS, "m_1");

    expect(await config.getMoment(WS, "m_1")).toBeUndefined();
  });

  it.each(["running", "stopped"] as const)(
    "refuses to delete a %s moment with 409 naming the status",
    async (status) => {
      await config.createMoment(aMoment({ id: "m_1", status }));

      const error = await rejection(deleteMoment(deps, WS, "m_1"));

      expect(error).toMatchObject({
        statusCode: 409,
        message: expect.stringContaining(`A ${status} moment`),
      });
      expect(await config.getMoment(WS, "m_1")).toBeDefined();
    },
  );

  it("answers 409 when the moment changed between the check and the delete", async () => {
    await config.createMoment(aMoment({ id: "m_1", status: "draft" }));
    vi.spyOn(config, "deleteMoment").mockResolvedValueOnce(false);

    await expect(deleteMoment(deps, WS, "m_1")).rejects.toMatchObject({ statusCode: 409 });
  });

  it("answers 404 for another workspace's moment, deleting nothing", async () => {
    await config.createMoment(aMoment({ id: "m_1", workspaceId: OTHER_WS, status: "draft" }));

    await expect(deleteMoment(deps, WS, "m_1")).rejects.toBeInstanceOf(NotFoundError);
    expect(await config.getMoment(OTHER_WS, "m_1")).toBeDefined();
  });
});

describe("duplicateMoment", () => {
  it("copies rules and steps into a new draft named ' (copy)', version 1", async () => {
    const original = aMoment({
      id: "m_1",
      status: "running",
      version: 7,
      runningSince: "2026-11-02T00:00:00.000Z",
      end: [{ outcome: "success", event: "payment_succeeded" }],
      reentry: { policy: "after_exit" },
      template: "payment_failed_recovery",
    });
    await config.createMoment(original);
    clock.advance(1000);

    const copy = await duplicateMoment(deps, WS, "m_1");

    expect(copy).toEqual({
      ...original,
      id: copy.id,
      name: "Recover failed payments (copy)",
      status: "draft",
      version: 1,
      runningSince: undefined,
      createdAt: "2026-11-21T10:00:01.000Z",
      updatedAt: "2026-11-21T10:00:01.000Z",
    } satisfies Partial<Moment>);
    expect(copy).not.toHaveProperty("runningSince");
    expect(copy.id).not.toBe("m_1");
    expect(await config.getMoment(WS, copy.id)).toEqual(copy);
    expect(await config.getMoment(WS, "m_1")).toEqual(original);
  });

  it("answers 404 for another workspace's moment", async () => {
    await config.createMoment(aMoment({ id: "m_1", workspaceId: OTHER_WS }));

    await expect(duplicateMoment(deps, WS, "m_1")).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("changeMomentStatus", () => {
  it("starts a draft moment that has a source, bumping its version and opening a running period", async () => {
    // Prepare
    await config.createMoment(aMoment({ id: "m_1", status: "draft", version: 1 }));
    clock.advance(60_000);

    // Act
    const { moment, runs: ended } = await changeMomentStatus(deps, WS, "m_1", { status: "running" });

    // Assess
    expect(moment).toMatchObject({
      status: "running",
      version: 2,
      updatedAt: "2026-11-21T10:01:00.000Z",
      runningSince: "2026-11-21T10:01:00.000Z",
    });
    expect(ended).toBeUndefined();
    expect(await config.findRunningMomentsStartingOn(WS, "payment_failed")).toHaveLength(1);
  });

  it("refuses draft -> running without a source with 400 naming sourceIds (cross-field validation)", async () => {
    await config.createMoment(aMoment({ id: "m_1", status: "draft", sourceIds: [] }));

    const error = await rejection(changeMomentStatus(deps, WS, "m_1", { status: "running" }));

    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({
      statusCode: 400,
      message: expect.stringMatching(/at least one source/),
      details: [{ path: "sourceIds" }],
    });
    expect((await config.getMoment(WS, "m_1"))?.status).toBe("draft");
  });

  it("refuses to start a moment whose template was deleted since it was saved, naming the step", async () => {
    await config.createMoment(
      aMoment({
        id: "m_1",
        status: "draft",
        steps: [
          {
            id: "s1",
            phase: "entry",
            delay: { amount: 0, unit: "minutes" },
            action: { type: "send_email", templateId: "t_gone" },
          },
        ],
      }),
    );

    const error = await rejection(changeMomentStatus(deps, WS, "m_1", { status: "running" }));

    expect(error).toMatchObject({ statusCode: 409, details: [{ path: "steps.0.action.templateId" }] });
    expect((await config.getMoment(WS, "m_1"))?.status).toBe("draft");
  });

  it("refuses an illegal transition with 409 naming the allowed ones", async () => {
    await config.createMoment(aMoment({ id: "m_1", status: "draft" }));

    const error = await rejection(changeMomentStatus(deps, WS, "m_1", { status: "archived" }));

    expect(error).toMatchObject({
      statusCode: 409,
      message: "A draft moment cannot become archived; allowed: running",
      details: [{ path: "status", message: "allowed from draft: running" }],
    });
  });

  it("treats running -> running as a no-op: same moment back, nothing written", async () => {
    // Prepare
    const stored = aMoment({ id: "m_1", status: "running", version: 4 });
    await config.createMoment(stored);
    const setStatus = vi.spyOn(config, "setMomentStatus");

    // Act
    const result = await changeMomentStatus(deps, WS, "m_1", { status: "running" });

    // Assess
    expect(result).toEqual({ moment: stored });
    expect(setStatus).not.toHaveBeenCalled();
  });

  it("answers 409 when someone else changed the moment at the same time", async () => {
    await config.createMoment(aMoment({ id: "m_1", status: "running", version: 3 }));
    // Another writer moves the moment between our read and our conditional write.
    vi.spyOn(config, "setMomentStatus").mockResolvedValueOnce(undefined);

    const error = await rejection(changeMomentStatus(deps, WS, "m_1", { status: "stopped" }));

    expect(error).toMatchObject({
      statusCode: 409,
      message: expect.stringMatching(/changed at the same time/),
    });
  });

  it("answers 404 for a moment of another workspace", async () => {
    await config.createMoment(aMoment({ id: "m_1", workspaceId: OTHER_WS, status: "draft" }));

    await expect(changeMomentStatus(deps, WS, "m_1", { status: "running" })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect((await config.getMoment(OTHER_WS, "m_1"))?.status).toBe("draft");
  });

  it("refuses an unknown status with 400 naming the field", async () => {
    await config.createMoment(aMoment({ id: "m_1" }));

    await expect(changeMomentStatus(deps, WS, "m_1", { status: "paused" })).rejects.toMatchObject({
      statusCode: 400,
      details: [expect.objectContaining({ path: "status" })],
    });
  });

  describe("ending in-flight runs", () => {
    const runOf = (accountId: string, momentId = "m_1") =>
      aRun({ momentId, accountId, runId: `run_${momentId}_${accountId}` });

    async function seed(accounts: string[], momentId = "m_1") {
      for (const account of accounts) {
        const run = runOf(account, momentId);
        runs.seedMembership(run);
        await workflows.start({ run, phase: "entry", steps: [], completeWhenStepsDone: true });
      }
    }

    beforeEach(async () => {
      await config.createMoment(aMoment({ id: "m_1", status: "running" }));
      await config.createMoment(aMoment({ id: "m_2", status: "running" }));
    });

    it.each(["stopped", "archived"] as const)(
      "%s: ends every active run as stopped and stops its execution",
      async (status) => {
        // Prepare
        await seed(["a", "b", "c"]);
        await runs.completeRun(runOf("b"), "2026-11-21T09:30:00.000Z");
        await seed(["z"], "m_2");
        clock.advance(5000);

        // Act
        const result = await changeMomentStatus(deps, WS, "m_1", { status });

        // Assess
        expect(result.moment.status).toBe(status);
        expect(result.runs).toEqual({ stopped: 2, remaining: false });
        for (const account of ["a", "c"]) {
          expect(runs.membership(WS, "m_1", account)).toMatchObject({
            status: "stopped",
            endedAt: "2026-11-21T10:00:05.000Z",
          });
          expect(runs.membership(WS, "m_1", account)).not.toHaveProperty("activeRunId");
          expect(runs.run(WS, runOf(account).runId)?.status).toBe("stopped");
        }
        expect([...workflows.stopped.keys()].sort()).toEqual([runOf("a").runId, runOf("c").runId]);
        expect(workflows.stopped.get(runOf("a").runId)).toBe(`The moment was ${status}`);
        // The completed run and the other moment's run are left alone.
        expect(runs.membership(WS, "m_1", "b")?.status).toBe("completed");
        expect(runs.membership(WS, "m_2", "z")?.status).toBe("active");
      },
    );

    it("stops at most sweepLimit runs per request; repeating the request continues the sweep", async () => {
      await seed(["a", "b", "c"]);

      const first = await changeMomentStatus(deps, WS, "m_1", { status: "stopped" }, { sweepLimit: 2 });
      const again = await changeMomentStatus(deps, WS, "m_1", { status: "stopped" }, { sweepLimit: 2 });
      const done = await changeMomentStatus(deps, WS, "m_1", { status: "stopped" }, { sweepLimit: 2 });

      expect(first.runs).toEqual({ stopped: 2, remaining: true });
      expect(again.runs).toEqual({ stopped: 1, remaining: false });
      expect(done.runs).toEqual({ stopped: 0, remaining: false });
      expect(workflows.stopped.size).toBe(3);
      expect((await config.getMoment(WS, "m_1"))?.version).toBe(2);
    });

    it("stops sweeping after its time budget, leaving the rest for a repeated request", async () => {
      await seed(Array.from({ length: 150 }, (_, i) => `acct_${String(i).padStart(3, "0")}`));
      // Each run takes 100 ms of the clock: the first page of 100 takes 10 s, past the 8 s budget.
      const stopRun = runs.stopRun.bind(runs);
      vi.spyOn(runs, "stopRun").mockImplementation(async (ref, at) => {
        clock.advance(100);
        return stopRun(ref, at);
      });

      const result = await changeMomentStatus(
        deps,
        WS,
        "m_1",
        { status: "stopped" },
        { sweepBudgetMs: 8000 },
      );

      expect(result.runs).toEqual({ stopped: 100, remaining: true });
    });

    it("keeps going when stopping one execution fails, and reports runs remaining", async () => {
      await seed(["a", "b", "c"]);
      workflows.failStopOf.set(
        runOf("b").runId,
        Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }),
      );

      const result = await changeMomentStatus(deps, WS, "m_1", { status: "stopped" });

      expect(result.runs).toEqual({ stopped: 2, remaining: true });
      expect(result.moment.status).toBe("stopped");
      // Recorded as stopped before its execution: its steps will do nothing even though it still runs.
      expect(runs.run(WS, runOf("b").runId)?.status).toBe("stopped");
      expect([...workflows.stopped.keys()].sort()).toEqual([runOf("a").runId, runOf("c").runId]);
    });

    // stopRun releases the membership, so a repeated sweep (it lists active memberships) never sees
    // the run again: when settling its steps in doubt fails, the run's execution is left running,
    // and its step in doubt, run again, settles (or finishes) itself.
    describe("when settling a step in doubt fails after the run was marked stopped", () => {
      const throttled = () => Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
      const hook = {
        id: "hook",
        delaySeconds: 0,
        action: { type: "send_webhook" as const, method: "POST" as const, url: "https://hooks.example/in" },
      };
      const email = {
        id: "mail",
        delaySeconds: 0,
        action: { type: "send_email" as const, templateId: "t_1" },
      } as StepInput;
      const delivered: string[] = [];
      const stepDeps = (): StepDeps => ({
        actions: {
          send_webhook: async (ctx) => ({
            preview: {},
            perform: async () => {
              delivered.push(ctx.idempotencyKey);
              return { status: "executed" as const };
            },
          }),
        },
        profiles: new FakeProfiles(),
        runs,
        moments: config,
        clock,
        workflows,
      });

      async function inDoubt(step: StepInput) {
        const run = runOf("a");
        await runs.enter(run, { completion: [], exit: [], entry: [step] });
        await workflows.start({ run, phase: "entry", steps: [step], completeWhenStepsDone: true });
        runs.seedClaim(run, step.id, "2026-11-21T09:59:00.000Z", "attempt-1");
        await runs.markStepInDoubt(run, step.id, "attempt-1", "2026-11-21T09:59:00.000Z");
        return run;
      }

      it("a webhook whose hand-off fails: its execution is not stopped, and its retry finishes it", async () => {
        delivered.length = 0;
        const run = await inDoubt(hook);
        vi.spyOn(workflows, "start").mockRejectedValueOnce(throttled());

        const first = await changeMomentStatus(deps, WS, "m_1", { status: "stopped" });
        const again = await changeMomentStatus(deps, WS, "m_1", { status: "stopped" });

        expect(first.runs).toEqual({ stopped: 0, remaining: true });
        expect(again.runs).toEqual({ stopped: 0, remaining: false });
        expect(runs.run(WS, run.runId)?.status).toBe("stopped");
        expect(workflows.stopped.has(run.runId)).toBe(false);
        // The execution's retry of the step (it was left in doubt by a lost answer).
        const outcome = await executeStep(stepDeps(), { run, step: hook as StepInput, phase: "entry" });
        expect(outcome).toEqual({ status: "executed" });
        expect(runs.step(run, "hook")).toMatchObject({ status: "executed" });
        expect(delivered).toEqual([`${run.runId}:hook`]);
      });

      it("an email whose settlement fails: its execution, after its wait, records it skipped (SES's evidence corrects it)", async () => {
        const run = await inDoubt(email);
        vi.spyOn(runs, "settleStepInDoubt").mockRejectedValueOnce(throttled());

        const first = await changeMomentStatus(deps, WS, "m_1", { status: "stopped" });

        expect(first.runs).toEqual({ stopped: 0, remaining: true });
        expect(runs.step(run, "mail")).toMatchObject({ status: "claimed" });
        expect(workflows.stopped.has(run.runId)).toBe(false);
        const outcome = await executeStep(stepDeps(), { run, step: email, phase: "entry" });
        expect(outcome).toMatchObject({
          status: "skipped",
          reason: expect.stringMatching(/^run_not_active: /),
        });
        expect(runs.step(run, "mail")).toMatchObject({ status: "skipped", outcome });
        // The evidence, arriving later, corrects it.
        const settled = await runs.settleStepInDoubt(
          WS,
          run.runId,
          "mail",
          { status: "executed", detail: { reconciled: "send_event" } },
          "2026-11-21T10:05:00.000Z",
        );
        expect(settled).toBe("settled");
      });

      it("settles before stopping the execution when nothing fails", async () => {
        const run = await inDoubt(email);
        const order: string[] = [];
        const settle = runs.settleStepInDoubt.bind(runs);
        vi.spyOn(runs, "settleStepInDoubt").mockImplementation(async (...args) => {
          order.push("settle");
          return settle(...args);
        });
        const stop = workflows.stop.bind(workflows);
        vi.spyOn(workflows, "stop").mockImplementation(async (...args) => {
          order.push("stop");
          return stop(...args);
        });

        const result = await changeMomentStatus(deps, WS, "m_1", { status: "stopped" });

        expect(result.runs).toEqual({ stopped: 1, remaining: false });
        expect(order).toEqual(["settle", "stop"]);
        expect(runs.step(run, "mail")).toMatchObject({
          status: "skipped",
          outcome: { reason: expect.stringMatching(/^run_not_active/) },
        });
      });
    });

    it("does not stop the execution of a run that completed before the sweep reached it", async () => {
      await seed(["a"]);
      vi.spyOn(runs, "stopRun").mockResolvedValueOnce("already_ended");

      const result = await changeMomentStatus(deps, WS, "m_1", { status: "stopped" });

      expect(result.runs).toEqual({ stopped: 0, remaining: false });
      expect(workflows.stopped.size).toBe(0);
    });

    it("has at most 10 runs being stopped at once", async () => {
      await seed(Array.from({ length: 35 }, (_, i) => `acct_${String(i).padStart(2, "0")}`));
      let inFlight = 0;
      let most = 0;
      const stopRun = runs.stopRun.bind(runs);
      vi.spyOn(runs, "stopRun").mockImplementation(async (ref, at) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight -= 1;
        return stopRun(ref, at);
      });

      const result = await changeMomentStatus(deps, WS, "m_1", { status: "stopped" });

      expect(result.runs).toEqual({ stopped: 35, remaining: false });
      expect(most).toBe(10);
    });

    it("does not sweep when starting a moment", async () => {
      await config.createMoment(aMoment({ id: "m_3", status: "stopped" }));
      const list = vi.spyOn(runs, "listMemberships");

      await changeMomentStatus(deps, WS, "m_3", { status: "running" });

      expect(list).not.toHaveBeenCalled();
    });
  });
});

describe("listMomentAccounts", () => {
  beforeEach(async () => {
    await config.createMoment(aMoment({ id: "m_1" }));
    for (const account of ["acct_a", "acct_b", "acct_c", "acct_d"]) {
      await runs.enter(aRun({ momentId: "m_1", accountId: account, runId: `run_${account}` }));
    }
    await runs.completeRun(
      aRun({ momentId: "m_1", accountId: "acct_b", runId: "run_acct_b" }),
      "2026-11-22T00:00:00.000Z",
    );
    await runs.stopRun(
      aRun({ momentId: "m_1", accountId: "acct_d", runId: "run_acct_d" }),
      "2026-11-22T01:00:00.000Z",
    );
  });

  it("lists the accounts currently in the moment by default", async () => {
    const page = await listMomentAccounts(deps, WS, "m_1", {});

    expect(page).toEqual({
      items: [
        { accountId: "acct_a", status: "active", runId: "run_acct_a", startedAt: "2026-11-21T10:00:00.000Z" },
        { accountId: "acct_c", status: "active", runId: "run_acct_c", startedAt: "2026-11-21T10:00:00.000Z" },
      ],
    });
  });

  it("lists the whole history with status=all, with endedAt only for finished ones", async () => {
    const page = await listMomentAccounts(deps, WS, "m_1", { status: "all" });

    expect(page.items).toEqual([
      { accountId: "acct_a", status: "active", runId: "run_acct_a", startedAt: "2026-11-21T10:00:00.000Z" },
      {
        accountId: "acct_b",
        runId: "run_acct_b",
        status: "completed",
        startedAt: "2026-11-21T10:00:00.000Z",
        endedAt: "2026-11-22T00:00:00.000Z",
      },
      { accountId: "acct_c", status: "active", runId: "run_acct_c", startedAt: "2026-11-21T10:00:00.000Z" },
      {
        accountId: "acct_d",
        runId: "run_acct_d",
        status: "stopped",
        startedAt: "2026-11-21T10:00:00.000Z",
        endedAt: "2026-11-22T01:00:00.000Z",
      },
    ]);
  });

  it.each([
    ["stopped", ["acct_d"]],
    ["completed", ["acct_b"]],
  ])("lists only %s accounts when asked", async (status, expected) => {
    const page = await listMomentAccounts(deps, WS, "m_1", { status });

    expect(page.items.map((i) => i.accountId)).toEqual(expected);
  });

  it("gives each account its latest run's id, for the run view", async () => {
    const page = await listMomentAccounts(deps, WS, "m_1", {});

    expect(page.items[0]?.runId).toBe("run_acct_a");
  });

  it("asks for 50 active items by default and passes the cursor through", async () => {
    const list = vi.spyOn(runs, "listMemberships");

    await listMomentAccounts(deps, WS, "m_1", {});
    await listMomentAccounts(deps, WS, "m_1", { limit: "2", cursor: "acct_a", status: "all" });

    expect(list.mock.calls[0]?.[2]).toEqual({ limit: 50, status: "active" });
    expect(list.mock.calls[1]?.[2]).toEqual({ limit: 2, cursor: "acct_a" });
  });

  it("pages with nextCursor", async () => {
    const first = await listMomentAccounts(deps, WS, "m_1", { limit: "2", status: "all" });
    const second = await listMomentAccounts(deps, WS, "m_1", {
      limit: "2",
      status: "all",
      ...(first.nextCursor ? { cursor: first.nextCursor } : {}),
    });

    expect(first.items.map((i) => i.accountId)).toEqual(["acct_a", "acct_b"]);
    expect(first.nextCursor).toBeDefined();
    expect(second.items.map((i) => i.accountId)).toEqual(["acct_c", "acct_d"]);
    expect(second).not.toHaveProperty("nextCursor");
  });

  it.each(["0", "201", "-1", "1.5", "abc", ""])("refuses limit=%j with 400 naming limit", async (limit) => {
    const list = vi.spyOn(runs, "listMemberships");

    await expect(listMomentAccounts(deps, WS, "m_1", { limit })).rejects.toMatchObject({
      statusCode: 400,
      details: [{ path: "limit", message: "must be a whole number from 1 to 200" }],
    });
    expect(list).not.toHaveBeenCalled();
  });

  it("refuses an unknown status with 400 naming status", async () => {
    await expect(listMomentAccounts(deps, WS, "m_1", { status: "gone" })).rejects.toMatchObject({
      statusCode: 400,
      details: [
        { path: "status", message: "must be one of active, completed, success, failed, stopped, all" },
      ],
    });
  });

  it.each(["1", "200"])("accepts limit=%s", async (limit) => {
    await expect(listMomentAccounts(deps, WS, "m_1", { limit })).resolves.toBeDefined();
  });

  it("answers 404 for a moment of another workspace", async () => {
    await expect(listMomentAccounts(deps, OTHER_WS, "m_1", {})).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("listMomentTemplates", () => {
  it("lists the catalog with each template's settings and ready body", () => {
    const { items } = listMomentTemplates();

    expect(items.map((t) => t.key)).toContain("payment_failed_recovery");
    expect(items[0]).toEqual({
      key: expect.any(String),
      name: expect.any(String),
      goal: expect.any(String),
      description: expect.any(String),
      settings: expect.any(Array),
      moment: expect.objectContaining({ start: expect.any(Object), steps: expect.any(Array) }),
    });
  });
});

describe("momentView", () => {
  it("says what a running moment allows: stop or archive, no delete, sources fixed", () => {
    const view = momentView(aMoment({ status: "running", sourceIds: ["src_1"] }));

    expect(view.allowedTransitions.map((t) => t.status)).toEqual(["stopped", "archived"]);
    expect(view).toMatchObject({ deletable: false, sourcesLocked: true });
  });

  it("lets a draft be deleted and its sources changed, and says why it cannot start without one", () => {
    const view = momentView(aMoment({ status: "draft", sourceIds: [] }));

    expect(view).toMatchObject({ deletable: true, sourcesLocked: false });
    expect(view.allowedTransitions).toEqual([
      expect.objectContaining({ status: "running", blockedBy: expect.stringMatching(/source/) }),
    ]);
  });
});
