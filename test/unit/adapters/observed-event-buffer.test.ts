import { beforeEach, describe, expect, it, vi } from "vitest";
import { IDLE_EVENT_NAME_TTL_MS, MemoryIdleEventNames } from "../../../shared/adapters/idle-event-names.js";
import { OBSERVED_FLUSH_MS, ObservedEventBuffer } from "../../../shared/adapters/observed-event-buffer.js";
import { type FixedClock, fixedClock } from "../../support/fakes.js";
import { FakeInsights } from "../../support/fakes-insights.js";

const T0 = "2026-12-06T10:00:00.000Z";
let clock: FixedClock;
let insights: FakeInsights;
let buffer: ObservedEventBuffer;

const at = () => clock.now().toISOString();
const observed = async (name: string) =>
  (await insights.listObservedEvents("ws_1")).find((event) => event.name === name);

beforeEach(() => {
  clock = fixedClock(T0);
  insights = new FakeInsights();
  buffer = new ObservedEventBuffer(insights, clock);
});

describe("ObservedEventBuffer", () => {
  it("writes a name's first event at once, so a new name shows right away", async () => {
    await buffer.observeEvent("ws_1", "page_viewed", ["path"], at(), 3);

    expect(await observed("page_viewed")).toMatchObject({ count: 1, firstSeenAt: T0, lastSeenAt: T0 });
  });

  it("adds up the next events of the name and writes them once, after the flush interval", async () => {
    // Prepare
    const write = vi.spyOn(insights, "observeEvent");
    await buffer.observeEvent("ws_1", "page_viewed", ["path"], at(), 3);
    for (let i = 0; i < 5; i++) {
      clock.advance(1000);
      await buffer.observeEvent("ws_1", "page_viewed", [`p${i}`], at(), i);
    }
    const last = at();

    // Act: not due yet, then due
    await buffer.flushDue();
    const beforeDue = (await observed("page_viewed"))?.count;
    clock.advance(OBSERVED_FLUSH_MS);
    await buffer.flushDue();

    // Assess: two writes for six events, every one counted
    expect(beforeDue).toBe(1);
    expect(write).toHaveBeenCalledTimes(2);
    expect(await observed("page_viewed")).toMatchObject({
      count: 6,
      firstSeenAt: T0,
      lastSeenAt: last,
      sampleProperties: expect.arrayContaining(["path", "p0", "p4"]),
    });
  });

  it("writes every count held at shutdown (flushAll), due or not, and nothing twice", async () => {
    // Prepare: two names written at once, then one more event of each held
    const write = vi.spyOn(insights, "observeEvent");
    for (const name of ["page_viewed", "report_exported"]) {
      await buffer.observeEvent("ws_1", name, [], at(), 1);
      clock.advance(1000);
      await buffer.observeEvent("ws_1", name, [], at(), 1);
    }

    // Act: the container shuts down before the flush interval
    const failed = await buffer.flushAll();
    await buffer.flushAll();

    // Assess
    expect(failed).toBe(0);
    expect(write).toHaveBeenCalledTimes(4);
    expect((await observed("page_viewed"))?.count).toBe(2);
    expect((await observed("report_exported"))?.count).toBe(2);
  });

  it("writes a name at once again after a quiet interval", async () => {
    await buffer.observeEvent("ws_1", "page_viewed", [], at(), 1);
    clock.advance(OBSERVED_FLUSH_MS);

    await buffer.observeEvent("ws_1", "page_viewed", [], at(), 1);

    expect((await observed("page_viewed"))?.count).toBe(2);
  });

  it("keeps the counts of a failed write for the next flush", async () => {
    // Prepare
    await buffer.observeEvent("ws_1", "page_viewed", [], at(), 1);
    await buffer.observeEvent("ws_1", "page_viewed", [], at(), 1);
    clock.advance(OBSERVED_FLUSH_MS);
    vi.spyOn(insights, "observeEvent").mockRejectedValueOnce(new Error("Throttled"));

    // Act
    const failed = await buffer.flushDue();
    await buffer.observeEvent("ws_1", "page_viewed", [], at(), 1);
    clock.advance(OBSERVED_FLUSH_MS);
    const failedAgain = await buffer.flushDue();

    // Assess
    expect([failed, failedAgain]).toEqual([1, 0]);
    expect((await observed("page_viewed"))?.count).toBe(3);
  });

  it("keeps workspaces and names apart, and writes everything else through", async () => {
    await buffer.observeEvent("ws_1", "a", [], at(), 1);
    await buffer.observeEvent("ws_2", "a", [], at(), 1);
    await buffer.observeEvent("ws_1", "b", [], at(), 1);
    await buffer.recordAccountEvent("ws_1", "acct_1", {
      messageId: "m1",
      event: "a",
      timestamp: T0,
      receivedAt: T0,
      sourceId: "src_1",
      propertyNames: [],
    });

    expect((await observed("a"))?.count).toBe(1);
    expect((await observed("b"))?.count).toBe(1);
    expect((await insights.listObservedEvents("ws_2"))[0]).toMatchObject({ name: "a", count: 1 });
    expect(await insights.listAccountEvents("ws_1", "acct_1", 10)).toHaveLength(1);
  });
});

describe("the idle-name memory and the buffer together", () => {
  it("hold every count of a remembered idle name in memory: no write while the matcher skips its checks", async () => {
    // Prepare: the checked event that found the name idle wrote its count at once
    const idle = new MemoryIdleEventNames(clock);
    await buffer.observeEvent("ws_1", "page_viewed", [], at(), 1);
    idle.remember("ws_1", "page_viewed");
    const write = vi.spyOn(insights, "observeEvent");

    // Act: batches end (flushDue) and events come while the name is remembered
    while (idle.isIdle("ws_1", "page_viewed")) {
      await buffer.flushDue();
      await buffer.observeEvent("ws_1", "page_viewed", [], at(), 1);
      clock.advance(500);
    }

    // Assess: the idle memory is no longer than the flush interval, so none of these waited on a write
    expect(IDLE_EVENT_NAME_TTL_MS).toBeLessThanOrEqual(OBSERVED_FLUSH_MS);
    expect(write).not.toHaveBeenCalled();
  });
});

describe("MemoryIdleEventNames", () => {
  it("remembers an idle name for its time, per workspace", () => {
    const idle = new MemoryIdleEventNames(clock);
    idle.remember("ws_1", "page_viewed");

    expect(idle.isIdle("ws_1", "page_viewed")).toBe(true);
    expect(idle.isIdle("ws_2", "page_viewed")).toBe(false);
    expect(idle.isIdle("ws_1", "signed_up")).toBe(false);
    clock.advance(IDLE_EVENT_NAME_TTL_MS);
    expect(idle.isIdle("ws_1", "page_viewed")).toBe(false);
  });
});
