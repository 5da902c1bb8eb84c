import { describe, expect, it } from "vitest";
import { matchEndRule, timeoutOf } from "../../../shared/domain/end-rules.js";
import type { Facts } from "../../../shared/domain/evaluate.js";
import type { EndRule } from "../../../shared/domain/moment.js";

const noFacts: Facts = { event: {}, account: {}, user: {} };
const run = { startedAt: "2024-05-01T10:00:00.000Z" };
const later = "2024-05-01T11:00:00.000Z";

const paid: EndRule = { outcome: "success", event: "invoice_paid" };
const bigPaid: EndRule = {
  outcome: "success",
  event: "invoice_paid",
  where: [{ field: "event.amount", op: "gte", value: 100 }],
};
const smallPaidFails: EndRule = {
  outcome: "failed",
  event: "invoice_paid",
  where: [{ field: "event.amount", op: "lt", value: 100 }],
};
const paidFails: EndRule = { outcome: "failed", event: "invoice_paid" };
const cancelled: EndRule = { outcome: "failed", event: "subscription_cancelled" };
const proAccount: EndRule = {
  outcome: "success",
  event: "plan_changed",
  where: [{ field: "account.plan", op: "eq", value: "pro" }],
};
const weekTimeout: EndRule = { outcome: "failed", after: { amount: 7, unit: "days" } };
const dayTimeout: EndRule = { outcome: "success", after: { amount: 1, unit: "days" } };
const hours24Timeout: EndRule = { outcome: "failed", after: { amount: 24, unit: "hours" } };

const event = (
  name: string,
  properties: Record<string, unknown> = {},
  account: Record<string, unknown> = {},
) => ({
  name,
  facts: { ...noFacts, event: properties, account },
});

describe("matchEndRule", () => {
  it.each([
    ["no end rules: nothing ends the run", [], event("invoice_paid"), undefined],
    ["an event rule by name", [cancelled, paid], event("invoice_paid"), { outcome: "success", ruleIndex: 1 }],
    [
      "a failed rule by name",
      [paid, cancelled],
      event("subscription_cancelled"),
      { outcome: "failed", ruleIndex: 1 },
    ],
    ["another event ends nothing", [paid, cancelled], event("page_viewed"), undefined],
    ["event names are case-sensitive", [paid], event("Invoice_Paid"), undefined],
    [
      "the where filter holds",
      [bigPaid],
      event("invoice_paid", { amount: 150 }),
      { outcome: "success", ruleIndex: 0 },
    ],
    ["the where filter fails", [bigPaid], event("invoice_paid", { amount: 50 }), undefined],
    ["the where filter on a missing property fails", [bigPaid], event("invoice_paid"), undefined],
    [
      "filters pick between rules on the same event",
      [bigPaid, smallPaidFails],
      event("invoice_paid", { amount: 50 }),
      { outcome: "failed", ruleIndex: 1 },
    ],
    [
      "both a success and a failed rule match: the first listed (success) wins",
      [paid, paidFails],
      event("invoice_paid"),
      { outcome: "success", ruleIndex: 0 },
    ],
    [
      "both a success and a failed rule match: the first listed (failed) wins",
      [paidFails, paid],
      event("invoice_paid"),
      { outcome: "failed", ruleIndex: 0 },
    ],
    [
      "a failing earlier rule is passed over for a later one",
      [bigPaid, paidFails],
      event("invoice_paid", { amount: 1 }),
      { outcome: "failed", ruleIndex: 1 },
    ],
    [
      "the index counts timeout rules too",
      [weekTimeout, dayTimeout, paid],
      event("invoice_paid"),
      { outcome: "success", ruleIndex: 2 },
    ],
    ["timeout rules never match an event", [weekTimeout, dayTimeout], event("invoice_paid"), undefined],
    [
      "filters see the account",
      [proAccount],
      event("plan_changed", {}, { plan: "pro" }),
      { outcome: "success", ruleIndex: 0 },
    ],
    ["filters on the account can fail", [proAccount], event("plan_changed", {}, { plan: "free" }), undefined],
  ] as const)("%s", (_description, rules, incoming, expected) => {
    expect(matchEndRule(rules, incoming, run, later)).toEqual(expected);
  });

  it.each([
    ["an event after the start ends the run", run, "2024-05-01T10:00:00.001Z", true],
    ["an event at the start instant ends the run", run, "2024-05-01T10:00:00.000Z", true],
    ["an event before the start never ends it", run, "2024-05-01T09:59:59.999Z", false],
    ["the start is compared as an instant, not as text", run, "2024-05-01T11:59:00+02:00", false],
    ["an unreadable timestamp never ends a run", run, "soon", false],
    [
      "with a trigger timestamp, the run began at the trigger: an end sent just after it counts",
      { startedAt: "2024-05-01T10:00:05.000Z", trigger: { timestamp: "2024-05-01T10:00:00.000Z" } },
      "2024-05-01T10:00:03.000Z",
      true,
    ],
    [
      "with a trigger timestamp, an event before the trigger still never ends it",
      { startedAt: "2024-05-01T10:00:05.000Z", trigger: { timestamp: "2024-05-01T10:00:00.000Z" } },
      "2024-05-01T09:59:59.000Z",
      false,
    ],
    [
      "a trigger timestamp ahead of the start cannot push the start later",
      { startedAt: "2024-05-01T10:00:00.000Z", trigger: { timestamp: "2024-05-01T10:04:00.000Z" } },
      "2024-05-01T10:01:00.000Z",
      true,
    ],
  ] as const)("%s", (_description, theRun, timestamp, ends) => {
    expect(matchEndRule([paid], event("invoice_paid"), theRun, timestamp) !== undefined).toBe(ends);
  });
});

describe("timeoutOf", () => {
  it.each([
    ["no rules: no timeout", [], undefined],
    ["only event rules: no timeout", [paid, cancelled], undefined],
    ["one timeout", [paid, weekTimeout], { seconds: 604_800, outcome: "failed", ruleIndex: 1 }],
    [
      "the earliest timeout wins, wherever it is listed",
      [weekTimeout, paid, dayTimeout],
      { seconds: 86_400, outcome: "success", ruleIndex: 2 },
    ],
    [
      "equally early timeouts: the first listed wins (1 day before 24 hours)",
      [dayTimeout, hours24Timeout],
      { seconds: 86_400, outcome: "success", ruleIndex: 0 },
    ],
    [
      "equally early timeouts: the first listed wins (24 hours before 1 day)",
      [hours24Timeout, dayTimeout],
      { seconds: 86_400, outcome: "failed", ruleIndex: 0 },
    ],
    [
      "a zero timeout is the earliest",
      [weekTimeout, { outcome: "failed", after: { amount: 0, unit: "minutes" } }],
      { seconds: 0, outcome: "failed", ruleIndex: 1 },
    ],
  ] as const)("%s", (_description, rules, expected) => {
    expect(timeoutOf(rules as readonly EndRule[])).toEqual(expected);
  });
});
