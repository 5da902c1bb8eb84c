import { beforeEach, describe, expect, it, vi } from "vitest";
import { ConflictError, NotFoundError, ValidationError } from "../../../shared/domain/errors.js";
import {
  changeMomentStatus,
  createMoment,
  getMoment,
  listMomentAccounts,
} from "../../../shared/use-cases/moments.js";
import {
  aMoment,
  aRun,
  aSource,
  aTemplate,
  configRepos,
  FakeConfigRepository,
  FakeRunRepository,
  type FixedClock,
  fixedClock,
} from "../../support/fakes.js";

const WS = "ws_1";
const OTHER_WS = "ws_2";

let config: FakeConfigRepository;
let runs: FakeRunRepository;
let clock: FixedClock;

beforeEach(async () => {
  config = new FakeConfigRepository();
  runs = new FakeRunRepository();
  clock = fixedClock("2026-11-21T10:00:00.000Z");
  await config.putSource(aSource({ id: "src_1", workspaceId: WS }));
  await config.putEmailTemplate(aTemplate({ id: "t_1", workspaceId: WS }));
  await config.putSource(aSource({ id: "src_other", workspaceId: OTHER_WS }));
  await config.putEmailTemplate(aTemplate({ id: "t_other", workspaceId: OTHER_WS }));
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

describe("createMoment", () => {
  it("stores a new moment as draft, version 1, stamped with the clock", async () => {
    // Act
    const moment = await createMoment({ ...configRepos(config), clock }, WS, body());

    // Assess
    expect(moment).toMatchObject({
      workspaceId: WS,
      status: "draft",
      version: 1,
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
    const error = await rejection(createMoment({ ...configRepos(config), clock }, WS, input));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({
      statusCode: 400,
      details: [{ path: "steps.0.action.templateId", message: 'no email template with id "t_other"' }],
    });
    expect(config.moments.size).toBe(0);
  });

  it("refuses another workspace's source, naming sourceIds.0", async () => {
    const error = await rejection(
      createMoment({ ...configRepos(config), clock }, WS, body({ sourceIds: ["src_other"] })),
    );

    expect(error).toMatchObject({
      statusCode: 400,
      details: [{ path: "sourceIds.0", message: 'no source with id "src_other"' }],
    });
    expect(config.moments.size).toBe(0);
  });

  it("reports every missing reference at once, in path order", async () => {
    const input = body({
      sourceIds: ["src_1", "src_missing"],
      steps: [
        { id: "s1", action: { type: "send_email", templateId: "t_1" } },
        { id: "s2", action: { type: "send_email", templateId: "t_missing" } },
      ],
    });

    const error = await rejection(createMoment({ ...configRepos(config), clock }, WS, input));

    expect((error as ValidationError).details.map((d) => d.path)).toEqual([
      "sourceIds.1",
      "steps.1.action.templateId",
    ]);
  });

  it("refuses an invalid body before looking anything up", async () => {
    const getSource = vi.spyOn(config, "getSource");

    const error = await rejection(
      createMoment({ ...configRepos(config), clock }, WS, body({ goal: "nope" })),
    );

    expect(error).toMatchObject({ statusCode: 400, details: [expect.objectContaining({ path: "goal" })] });
    expect(getSource).not.toHaveBeenCalled();
  });

  it("accepts a moment with no sources yet (it cannot run until it has one)", async () => {
    const moment = await createMoment({ ...configRepos(config), clock }, WS, body({ sourceIds: [] }));

    expect(moment.sourceIds).toEqual([]);
    expect(moment.status).toBe("draft");
  });
});

describe("getMoment", () => {
  it("answers 404 for another workspace's moment", async () => {
    await config.createMoment(aMoment({ id: "m_1", workspaceId: OTHER_WS }));

    await expect(getMoment({ moments: config }, WS, "m_1")).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("changeMomentStatus", () => {
  it("starts a draft moment that has a source, bumping its version", async () => {
    // Prepare
    await config.createMoment(aMoment({ id: "m_1", status: "draft", version: 1 }));
    clock.advance(60_000);

    // Act
    const updated = await changeMomentStatus({ ...configRepos(config), clock }, WS, "m_1", {
      status: "running",
    });

    // Assess
    expect(updated).toMatchObject({ status: "running", version: 2, updatedAt: "2026-11-21T10:01:00.000Z" });
    expect(await config.findRunningMomentsStartingOn(WS, "payment_failed")).toHaveLength(1);
  });

  it("refuses draft -> running without a source with 409", async () => {
    await config.createMoment(aMoment({ id: "m_1", status: "draft", sourceIds: [] }));

    const error = await rejection(
      changeMomentStatus({ ...configRepos(config), clock }, WS, "m_1", { status: "running" }),
    );

    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({ statusCode: 409, message: expect.stringMatching(/at least one source/) });
    expect((await config.getMoment(WS, "m_1"))?.status).toBe("draft");
  });

  it("refuses an illegal transition with 409 naming the allowed ones", async () => {
    await config.createMoment(aMoment({ id: "m_1", status: "draft" }));

    const error = await rejection(
      changeMomentStatus({ ...configRepos(config), clock }, WS, "m_1", { status: "archived" }),
    );

    expect(error).toMatchObject({
      statusCode: 409,
      message: "A draft moment cannot become archived; allowed: running",
    });
  });

  it("treats the current status as a no-op: same moment back, nothing written", async () => {
    // Prepare
    const stored = aMoment({ id: "m_1", status: "running", version: 4 });
    await config.createMoment(stored);
    const setStatus = vi.spyOn(config, "setMomentStatus");

    // Act
    const result = await changeMomentStatus({ ...configRepos(config), clock }, WS, "m_1", {
      status: "running",
    });

    // Assess
    expect(result).toEqual(stored);
    expect(setStatus).not.toHaveBeenCalled();
  });

  it("answers 409 when someone else changed the moment at the same time", async () => {
    await config.createMoment(aMoment({ id: "m_1", status: "running", version: 3 }));
    // Another writer moves the moment between our read and our conditional write.
    vi.spyOn(config, "setMomentStatus").mockResolvedValueOnce(undefined);

    const error = await rejection(
      changeMomentStatus({ ...configRepos(config), clock }, WS, "m_1", { status: "stopped" }),
    );

    expect(error).toMatchObject({
      statusCode: 409,
      message: expect.stringMatching(/changed at the same time/),
    });
  });

  it("answers 404 for a moment of another workspace", async () => {
    await config.createMoment(aMoment({ id: "m_1", workspaceId: OTHER_WS, status: "draft" }));

    await expect(
      changeMomentStatus({ ...configRepos(config), clock }, WS, "m_1", { status: "running" }),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect((await config.getMoment(OTHER_WS, "m_1"))?.status).toBe("draft");
  });

  it("refuses an unknown status with 400 naming the field", async () => {
    await config.createMoment(aMoment({ id: "m_1" }));

    await expect(
      changeMomentStatus({ ...configRepos(config), clock }, WS, "m_1", { status: "paused" }),
    ).rejects.toMatchObject({ statusCode: 400, details: [expect.objectContaining({ path: "status" })] });
  });
});

describe("listMomentAccounts", () => {
  beforeEach(async () => {
    await config.createMoment(aMoment({ id: "m_1" }));
    for (const account of ["acct_a", "acct_b", "acct_c"]) {
      await runs.enter(aRun({ momentId: "m_1", accountId: account, runId: `run_${account}` }));
    }
    await runs.completeRun(
      aRun({ momentId: "m_1", accountId: "acct_b", runId: "run_acct_b" }),
      "2026-11-22T00:00:00.000Z",
    );
  });

  it("lists the accounts that entered, with endedAt only for finished ones", async () => {
    const page = await listMomentAccounts({ moments: config, runs }, WS, "m_1", {});

    expect(page).toEqual({
      items: [
        { accountId: "acct_a", status: "active", startedAt: "2026-11-21T10:00:00.000Z" },
        {
          accountId: "acct_b",
          status: "completed",
          startedAt: "2026-11-21T10:00:00.000Z",
          endedAt: "2026-11-22T00:00:00.000Z",
        },
        { accountId: "acct_c", status: "active", startedAt: "2026-11-21T10:00:00.000Z" },
      ],
    });
  });

  it("does not expose run ids", async () => {
    const page = await listMomentAccounts({ moments: config, runs }, WS, "m_1", {});

    expect(page.items[0]).not.toHaveProperty("runId");
  });

  it("asks for 50 items by default and passes the cursor through", async () => {
    const list = vi.spyOn(runs, "listMemberships");

    await listMomentAccounts({ moments: config, runs }, WS, "m_1", {});
    await listMomentAccounts({ moments: config, runs }, WS, "m_1", { limit: "2", cursor: "acct_a" });

    expect(list.mock.calls[0]?.[2]).toEqual({ limit: 50 });
    expect(list.mock.calls[1]?.[2]).toEqual({ limit: 2, cursor: "acct_a" });
  });

  it("pages with nextCursor", async () => {
    const first = await listMomentAccounts({ moments: config, runs }, WS, "m_1", { limit: "2" });
    const second = await listMomentAccounts({ moments: config, runs }, WS, "m_1", {
      limit: "2",
      ...(first.nextCursor ? { cursor: first.nextCursor } : {}),
    });

    expect(first.items.map((i) => i.accountId)).toEqual(["acct_a", "acct_b"]);
    expect(first.nextCursor).toBeDefined();
    expect(second.items.map((i) => i.accountId)).toEqual(["acct_c"]);
    expect(second).not.toHaveProperty("nextCursor");
  });

  it.each(["0", "201", "-1", "1.5", "abc", ""])("refuses limit=%j with 400 naming limit", async (limit) => {
    const list = vi.spyOn(runs, "listMemberships");

    await expect(listMomentAccounts({ moments: config, runs }, WS, "m_1", { limit })).rejects.toMatchObject({
      statusCode: 400,
      details: [{ path: "limit", message: "must be a whole number from 1 to 200" }],
    });
    expect(list).not.toHaveBeenCalled();
  });

  it.each(["1", "200"])("accepts limit=%s", async (limit) => {
    await expect(listMomentAccounts({ moments: config, runs }, WS, "m_1", { limit })).resolves.toBeDefined();
  });

  it("answers 404 for a moment of another workspace", async () => {
    await expect(listMomentAccounts({ moments: config, runs }, OTHER_WS, "m_1", {})).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});
