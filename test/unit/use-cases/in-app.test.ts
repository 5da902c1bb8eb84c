import { beforeEach, describe, expect, it } from "vitest";
import type { InboxItem } from "../../../shared/domain/inbox.js";
import { inboxItemId } from "../../../shared/domain/inbox.js";
import { isSafeLink } from "../../../shared/domain/links.js";
import { inAppPerformers } from "../../../shared/use-cases/actions/in-app.js";
import { callable } from "../../support/actions.js";
import { aRun, FakeProfiles, fixedClock } from "../../support/fakes.js";

/** Stores by id, like the adapter's conditional put: a second put of an id changes nothing. */
class FakeInbox {
  readonly items = new Map<string, InboxItem>();
  async putItem(item: InboxItem) {
    if (this.items.has(item.id)) return "exists" as const;
    this.items.set(item.id, item);
    return "stored" as const;
  }
}

let inbox: FakeInbox;
let profiles: FakeProfiles;
let clock = fixedClock("2026-11-21T10:00:00.000Z");

beforeEach(async () => {
  inbox = new FakeInbox();
  clock = fixedClock("2026-11-21T10:00:00.000Z");
  profiles = new FakeProfiles();
  await profiles.mergeTraits("ws_1", "acct_1", { first_name: "Acme admin", plan: "pro" }, "t0");
  await profiles.mergeUserTraits("ws_1", "u1", { first_name: "Ada" }, "t0", "acct_1");
});

const performers = () => callable(inAppPerformers({ inbox, clock }), { profiles, clock });

describe("send_notification", () => {
  it("refuses a url that renders to a script link, and stores nothing", async () => {
    await profiles.mergeTraits(
      "ws_1",
      "acct_1",
      { homepage: "javascript:alert(document.cookie)" },
      "2026-11-20T00:00:00.000Z",
    );
    const perform = performers().send_notification;
    if (!perform) throw new Error("send_notification is expected");

    const outcome = await perform(
      aRun(),
      { type: "send_notification", title: "Hi", body: "Look", url: "{homepage}" },
      "s1",
    );

    expect(outcome).toMatchObject({ status: "failed", reason: expect.stringMatching(/^unsafe_url/) });
    expect(inbox.items.size).toBe(0);
  });

  it("stores the rendered notification for the run's account and user, under the step's id", async () => {
    const run = aRun({ userId: "u1", trigger: { ...aRun().trigger, properties: { cart_total: 42 } } });
    const perform = performers().send_notification;
    if (!perform) throw new Error("send_notification is expected");
    const outcome = await perform(
      run,
      {
        type: "send_notification",
        title: "Hi {first_name}",
        body: "{account.plan}: {event.cart_total}",
        url: "/c/{event.cart_total}",
      },
      "s1",
    );
    const id = inboxItemId("run_1", "s1");
    expect(outcome).toEqual({ status: "executed", detail: { inboxItemId: id } });
    expect([...inbox.items.values()]).toEqual([
      {
        id,
        workspaceId: "ws_1",
        accountId: "acct_1",
        userId: "u1",
        momentId: "m_1",
        runId: "run_1",
        stepId: "s1",
        kind: "notification",
        title: "Hi Ada",
        body: "pro: 42",
        url: "/c/42",
        createdAt: "2026-11-21T10:00:00.000Z",
      },
    ]);
  });

  it("is account-wide when the run has no user, and renders a missing value with its default", async () => {
    const perform = performers().send_notification;
    if (!perform) throw new Error("send_notification is expected");
    await perform(
      aRun({ accountId: "acct_2" }),
      { type: "send_notification", title: "Hi {first_name|there}", body: "b" },
      "s1",
    );
    const [item] = inbox.items.values();
    expect(item?.title).toBe("Hi there");
    expect(item && "userId" in item).toBe(false);
    expect(item && "url" in item).toBe(false);
  });

  it("stores one item however often the step is retried", async () => {
    const perform = performers().send_notification;
    if (!perform) throw new Error("send_notification is expected");
    const action = { type: "send_notification" as const, title: "t", body: "b" };
    const first = await perform(aRun(), action, "s1");
    clock.advance(1000);
    const again = await perform(aRun(), action, "s1");
    expect(again).toEqual(first);
    expect(inbox.items.size).toBe(1);
    await perform(aRun(), action, "s2");
    expect(inbox.items.size).toBe(2);
  });
});

describe("feedback_prompt", () => {
  it("stores the rendered question and follow-up as a prompt", async () => {
    const perform = performers().feedback_prompt;
    if (!perform) throw new Error("feedback_prompt is expected");
    await perform(
      aRun({ userId: "u1" }),
      {
        type: "feedback_prompt",
        question: "How is it going, {first_name}?",
        followUp: "What went wrong, {user.first_name}?",
      },
      "ask",
    );
    const [item] = inbox.items.values();
    expect(item).toMatchObject({
      id: inboxItemId("run_1", "ask"),
      kind: "feedback_prompt",
      question: "How is it going, Ada?",
      followUp: "What went wrong, Ada?",
    });
    expect(item && "title" in item).toBe(false);
  });
});

describe("isSafeLink", () => {
  it.each([
    ["https://app.acme.com/billing", true],
    ["http://localhost:3000/x", true],
    ["/billing?tab=plan", true],
    ["settings", true],
    ["javascript:alert(1)", false],
    ["JavaScript:alert(1)", false],
    ["data:text/html,<script>", false],
    ["//evil.com/x", false],
    ["vbscript:x", false],
    ["/\\evil.com/x", false],
    ["\\\\evil.com/x", false],
    ["java\tscript:alert(1)", false],
  ])("%s -> %s", (url, safe) => {
    expect(isSafeLink(url)).toBe(safe);
  });
});
