/**
 * The moment engine on the local stack: start filters, end rules (success mid-way, timeout -> failed,
 * racing ends), re-entry, sampling and duplicate delivery. Time runs 1000x faster (an hour lasts
 * 3.6 s), so waits are real but short; everything is observed through the API, the local SES inbox,
 * and the Step Functions API.
 */
import { DescribeExecutionCommand, SFNClient } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runIdFor } from "../../shared/domain/ids.js";
import { sentEmails } from "../support/local-api.js";
import { type Scenario, startScenario, unique } from "../support/scenario.js";
import { waitFor } from "../support/wait-for.js";

let s: Scenario;
let sfn: SFNClient;
const stateMachineArn = "arn:aws:states:us-east-1:000000000000:stateMachine:moments-run";

beforeAll(async () => {
  s = await startScenario("Engine tests", { timeScale: 0.001 });
  sfn = new SFNClient({
    endpoint: process.env.AWS_ENDPOINT_URL_SFN,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
});

afterAll(async () => {
  await s?.stop();
});

async function template(subject: string) {
  const response = await s.admin<{ id: string }>("POST", "/v1/admin/email-templates", {
    name: subject,
    from: "Anna <anna@acme.com>",
    subject,
    text: `${subject} for {first_name}`,
  });
  expect(response.status).toBe(201);
  return response.body.id;
}

const runningMoment = (body: Record<string, unknown>) => s.runningMoment({ goal: "convert", ...body });

function emailStep(id: string, templateId: string, delayHours = 0, phase = "entry") {
  return {
    id,
    phase,
    delay: { amount: delayHours, unit: "hours" },
    action: { type: "send_email", templateId },
  };
}

const track = (event: string, accountId: string, email: string, extra: Record<string, unknown> = {}) =>
  s.track({ event, accountId, traits: { first_name: "Ada", email }, ...extra });

async function inbox(address: string) {
  return (await sentEmails(s.stack.inboxUrl)).filter((email) => email.destination.to.includes(address));
}

async function membership(momentId: string, accountId: string) {
  const list = await s.admin<{ items: Array<{ accountId: string; status: string }> }>(
    "GET",
    `/v1/admin/moments/${momentId}/accounts?status=all`,
  );
  return list.body.items.find((item) => item.accountId === accountId);
}

describe("the moment engine", () => {
  it("starts only when the start rule's filters pass", async () => {
    const event = unique("trial_started");
    const welcome = await template("Welcome");
    await runningMoment({
      name: "Pro only",
      start: { event, where: [{ field: "account.plan", op: "eq", value: "pro" }] },
      steps: [emailStep("welcome", welcome)],
    });
    const free = `${unique("free")}@example.com`;
    const pro = `${unique("pro")}@example.com`;
    await track(event, unique("acct"), free, { traits: { first_name: "Ada", email: free, plan: "free" } });
    await track(event, unique("acct"), pro, { traits: { first_name: "Ada", email: pro, plan: "pro" } });

    await waitFor(async () => (await inbox(pro)).length === 1, {
      timeoutMs: 10_000,
      description: "the pro email",
    });
    await s.stack.idle();
    expect(await inbox(free)).toHaveLength(0);
  });

  it("ends a run on a success event mid-way: entry steps stop, completion steps run at once", async () => {
    const event = unique("cart_started");
    const upgraded = unique("upgraded");
    const [first, later, thanks] = await Promise.all([
      template("First"),
      template("Later"),
      template("Thanks"),
    ]);
    const momentId = await runningMoment({
      name: "Ends on success",
      start: { event },
      end: [{ outcome: "success", event: upgraded }],
      steps: [
        emailStep("first", first),
        emailStep("later", later, 24),
        emailStep("thanks", thanks, 0, "completion"),
      ],
    });
    const accountId = unique("acct");
    const address = `${accountId}@example.com`;
    const startMessageId = await track(event, accountId, address);
    await waitFor(async () => (await inbox(address)).length === 1, {
      timeoutMs: 10_000,
      description: "the first email",
    });

    await track(upgraded, accountId, address);

    const emails = await waitFor(
      async () => {
        const list = await inbox(address);
        return list.length === 2 && list;
      },
      { timeoutMs: 10_000, description: "the completion email" },
    );
    expect(emails.map((e) => e.subject)).toEqual(["First", "Thanks"]);
    expect(await membership(momentId, accountId)).toMatchObject({ status: "success" });
    // The entry execution (still waiting a day for "later") was stopped, not left to run; the run id
    // (and so the execution name) is derived from the start event's messageId.
    const runId = runIdFor(s.stack.workspaceId, momentId, accountId, startMessageId);
    const execution = await sfn.send(
      new DescribeExecutionCommand({
        executionArn: `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${runId}`,
      }),
    );
    expect(execution.status).toBe("ABORTED");
  });

  // The two tests that wait out an hour of their moment (3.6 s here) run side by side: their moments,
  // accounts and addresses are their own, and waiting for the stack to be idle waits for both.
  it.concurrent("ends a run as failed on its timeout and runs the exit steps", async () => {
    const event = unique("trial_ending");
    const sorry = await template("Sorry to see you go");
    const momentId = await runningMoment({
      name: "Times out",
      start: { event },
      end: [
        { outcome: "success", event: unique("never") },
        { outcome: "failed", after: { amount: 1, unit: "hours" } },
      ],
      steps: [emailStep("sorry", sorry, 0, "exit")],
    });
    const accountId = unique("acct");
    const address = `${accountId}@example.com`;
    await track(event, accountId, address);

    await waitFor(async () => (await inbox(address)).length === 1, {
      timeoutMs: 20_000,
      description: "the exit email",
    });
    expect((await inbox(address))[0]?.subject).toBe("Sorry to see you go");
    expect(await membership(momentId, accountId)).toMatchObject({ status: "failed" });
  });

  it.concurrent("starts an abandonment moment `within` after the last trigger, and not when the unless event came first", async () => {
    const added = unique("cart_item_added");
    const checkedOut = unique("checkout_completed");
    const reminder = await template("You left something in your cart");
    await runningMoment({
      name: "Cart abandon",
      start: {
        event: added,
        unless: { event: checkedOut, within: { amount: 1, unit: "hours" } },
        key: "cart_id",
      },
      steps: [emailStep("remind", reminder)],
    });
    const accountId = unique("acct");
    const address = `${accountId}@example.com`;
    // Cart 1 is abandoned (added twice: the second add resets the timer); cart 2 is checked out.
    await track(added, accountId, address, { properties: { cart_id: "c1" } });
    await track(added, accountId, address, { properties: { cart_id: "c1" } });
    await track(added, accountId, address, { properties: { cart_id: "c2" } });
    // The checkout may well be processed before its add (same queue batch): it still cancels.
    await track(checkedOut, accountId, address, { properties: { cart_id: "c2" } });

    // An hour is 3.6 s here: the reminder arrives once, for the abandoned cart only.
    await waitFor(async () => (await inbox(address)).length === 1, {
      timeoutMs: 20_000,
      description: "the reminder",
    });
    await s.stack.idle();
    expect(await inbox(address)).toHaveLength(1);
  });

  it("gives a run exactly one outcome when end events race", async () => {
    const event = unique("signed_up");
    const won = unique("won");
    const lost = unique("lost");
    const [yay, nay] = await Promise.all([template("Yay"), template("Nay")]);
    const momentId = await runningMoment({
      name: "Races",
      start: { event },
      end: [
        { outcome: "success", event: won },
        { outcome: "failed", event: lost },
      ],
      steps: [emailStep("yay", yay, 0, "completion"), emailStep("nay", nay, 0, "exit")],
    });
    const accountId = unique("acct");
    const address = `${accountId}@example.com`;
    await track(event, accountId, address);
    await waitFor(async () => (await membership(momentId, accountId))?.status === "active", {
      description: "the run to start",
    });

    await Promise.all([
      track(won, accountId, address),
      track(lost, accountId, address),
      track(won, accountId, address),
    ]);

    await waitFor(async () => (await inbox(address)).length >= 1, {
      timeoutMs: 10_000,
      description: "an end email",
    });
    await s.stack.idle();
    const emails = await inbox(address);
    expect(emails).toHaveLength(1);
    const status = (await membership(momentId, accountId))?.status;
    expect(status).toBe(emails[0]?.subject === "Yay" ? "success" : "failed");
  });

  it("lets an account in once when the re-entry policy is once, however often it triggers", async () => {
    const event = unique("onboarded");
    const hello = await template("Hello once");
    await runningMoment({
      name: "Once",
      start: { event },
      reentry: { policy: "once" },
      steps: [emailStep("hello", hello)],
    });
    const accountId = unique("acct");
    const address = `${accountId}@example.com`;
    await track(event, accountId, address);
    await waitFor(async () => (await inbox(address)).length === 1, {
      timeoutMs: 10_000,
      description: "the email",
    });
    await s.stack.idle();

    await track(event, accountId, address);
    await s.stack.idle();
    expect(await inbox(address)).toHaveLength(1);
  });

  it("lets an account in again after its run ended when the policy is after_exit", async () => {
    const event = unique("reordered");
    const again = await template("Again");
    await runningMoment({
      name: "After exit",
      start: { event },
      reentry: { policy: "after_exit" },
      steps: [emailStep("again", again)],
    });
    const accountId = unique("acct");
    const address = `${accountId}@example.com`;
    await track(event, accountId, address);
    await waitFor(async () => (await inbox(address)).length === 1, {
      timeoutMs: 10_000,
      description: "the first email",
    });
    await s.stack.idle();

    await track(event, accountId, address);
    await waitFor(async () => (await inbox(address)).length === 2, {
      timeoutMs: 10_000,
      description: "the second email",
    });
  });

  it("starts nobody at sampling rate 0", async () => {
    const event = unique("sampled");
    const hi = await template("Sampled");
    const momentId = await runningMoment({
      name: "Holdout",
      start: { event },
      samplingRate: 0,
      steps: [emailStep("hi", hi)],
    });
    const accountId = unique("acct");
    await track(event, accountId, `${accountId}@example.com`);
    await s.stack.idle();
    expect(await membership(momentId, accountId)).toBeUndefined();
  });

  it("changes nothing when the same event is delivered again", async () => {
    const event = unique("paid");
    const receipt = await template("Receipt");
    await runningMoment({
      name: "Dedupe",
      start: { event },
      reentry: { policy: "after_exit" },
      steps: [emailStep("receipt", receipt)],
    });
    const accountId = unique("acct");
    const address = `${accountId}@example.com`;
    const body = {
      event,
      accountId,
      messageId: unique("dup"),
      traits: { first_name: "Ada", email: address },
    };
    expect((await s.api("POST", "/v1/events", { key: s.writeKey, body })).status).toBe(202);
    await waitFor(async () => (await inbox(address)).length === 1, {
      timeoutMs: 10_000,
      description: "the email",
    });
    await s.stack.idle();

    expect((await s.api("POST", "/v1/events", { key: s.writeKey, body })).status).toBe(202);
    await s.stack.idle();
    expect(await inbox(address)).toHaveLength(1);
  });

  it("chains moments: an identify that changes an attribute starts the moment listening for it", async () => {
    const welcomePro = await template("Welcome to Pro");
    const plan = unique("plan");
    const momentId = await runningMoment({
      name: "On upgrade",
      start: {
        event: "attribute_changed",
        where: [
          { field: "event.attribute", op: "eq", value: plan },
          { field: "event.to", op: "eq", value: "pro" },
        ],
      },
      steps: [emailStep("welcome", welcomePro)],
    });
    const accountId = unique("acct");
    const address = `${accountId}@example.com`;
    const identify = await s.api("POST", "/v1/identify", {
      key: s.writeKey,
      body: {
        accountId,
        messageId: unique("id"),
        traits: { email: address, first_name: "Ada", [plan]: "pro" },
      },
    });
    expect(identify.status).toBe(202);

    await waitFor(async () => (await inbox(address)).length === 1, {
      timeoutMs: 10_000,
      description: "the chained email",
    });
    expect(await membership(momentId, accountId)).toBeDefined();
  });

  it("explains in the account view why an account did not enter", async () => {
    const event = unique("viewed_pricing");
    const momentId = await runningMoment({
      name: "Big carts only",
      start: { event, where: [{ field: "event.total", op: "gt", value: 100 }] },
      steps: [],
    });
    const accountId = unique("acct");
    await track(event, accountId, `${accountId}@example.com`, { properties: { total: 4 } });
    await s.stack.idle();

    const view = await s.admin<{
      decisions: Array<{ momentId?: string; reason: string; condition?: string }>;
    }>("GET", `/v1/admin/accounts/${accountId}`);
    expect(view.status).toBe(200);
    const decision = view.body.decisions.find((d) => d.momentId === momentId);
    expect(decision).toMatchObject({ reason: "filter_failed" });
    expect(decision?.condition).toContain("event.total gt 100");
  });

  it("counts entries and outcomes exactly once in the moment's stats", async () => {
    const event = unique("started_trial");
    const converted = unique("converted");
    const momentId = await runningMoment({
      name: "Counted",
      start: { event },
      end: [{ outcome: "success", event: converted }],
      reentry: { policy: "after_exit" },
      steps: [],
    });
    const accounts = [unique("acct"), unique("acct"), unique("acct")];
    for (const accountId of accounts) await track(event, accountId, `${accountId}@example.com`);
    await s.stack.idle();
    // Two accounts convert; one sends the converting event twice (racing itself).
    const [first, second] = accounts as [string, string, string];
    await Promise.all([
      track(converted, first, `${first}@example.com`),
      track(converted, first, `${first}@example.com`),
      track(converted, second, `${second}@example.com`),
    ]);

    const stats = await waitFor(
      async () => {
        const response = await s.admin<{
          entered: number;
          active: number;
          succeeded: number;
          successRate: number | null;
        }>("GET", `/v1/admin/moments/${momentId}/stats`);
        return response.body.succeeded === 2 && response.body;
      },
      { timeoutMs: 10_000, description: "two successes in the stats" },
    );
    await s.stack.idle();
    expect(stats).toMatchObject({ entered: 3, active: 1, succeeded: 2 });
  });

  it("chains moments through an update_attribute step: the change starts the moment listening for it", async () => {
    const attribute = unique("onboarded");
    const nextStep = await template("Ready for the next step");
    const finished = unique("finished_setup");
    await runningMoment({
      name: "Marks onboarded",
      start: { event: finished },
      steps: [
        {
          id: "mark",
          action: { type: "update_attribute", scope: "account", attribute, value: true },
        },
      ],
    });
    await runningMoment({
      name: "After onboarding",
      start: {
        event: "attribute_changed",
        where: [
          { field: "event.attribute", op: "eq", value: attribute },
          { field: "event.to", op: "eq", value: true },
        ],
      },
      steps: [emailStep("next", nextStep)],
    });
    const accountId = unique("acct");
    const address = `${accountId}@example.com`;

    await track(finished, accountId, address);

    await waitFor(async () => (await inbox(address)).length === 1, {
      timeoutMs: 15_000,
      description: "the chained email",
    });
    expect((await inbox(address))[0]?.subject).toBe("Ready for the next step");
  });
});
