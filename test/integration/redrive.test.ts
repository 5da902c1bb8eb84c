/**
 * Nothing is left undriven (issue 9, point 6) on the local stack: an execution that runs a run's
 * completion steps, or an abandonment gate, is aborted from outside (StopExecution on the local Step
 * Functions, as an operator would in the console: we never stop those ourselves). Its status change
 * reaches run-state through the local default bus, which starts the work it left in a fresh
 * execution, so the completion email or the abandoned-cart run still happens, exactly once.
 */
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executionArn } from "../../shared/adapters/step-functions-starter.js";
import { Env } from "../../shared/contracts/functions.js";
import { endExecutionName, redriveName } from "../../shared/contracts/workflow.js";
import { sentEmails } from "../support/local-api.js";
import { type RunView, type Scenario, startScenario, unique } from "../support/scenario.js";
import { waitFor } from "../support/wait-for.js";

let s: Scenario;
let sfn: SFNClient;
let stateMachineArn = "";
let templateId = "";

beforeAll(async () => {
  // An hour is 3.6 s: long enough to abort an execution while it waits.
  s = await startScenario("Re-drive tests", { timeScale: 0.001 });
  // The local stack points the functions' SDK at its Step Functions; the test talks to it the same way.
  stateMachineArn = process.env[Env.stateMachineArn] ?? "";
  sfn = new SFNClient({ endpoint: process.env.AWS_ENDPOINT_URL_SFN });
  const template = await s.admin<{ id: string }>("POST", "/v1/admin/email-templates", {
    name: "Thanks",
    from: "team@acme.example",
    subject: "Thanks {first_name}",
    text: "Hello {first_name}",
  });
  expect(template.status, JSON.stringify(template.body)).toBe(201);
  templateId = template.body.id;
});

afterAll(async () => {
  sfn?.destroy();
  await s?.stop();
});

const emailsTo = async (address: string) =>
  (await sentEmails(s.stack.inboxUrl)).filter((email) =>
    email.destination.to.some((to) => to.includes(address)),
  );

const statusOf = async (name: string) =>
  (
    await sfn
      .send(new DescribeExecutionCommand({ executionArn: executionArn(stateMachineArn, name) }))
      .catch(() => undefined)
  )?.status;

/** Aborts a running execution, as an operator's StopExecution in the console would. */
async function abort(name: string) {
  await waitFor(async () => (await statusOf(name)) === "RUNNING", {
    timeoutMs: 20_000,
    description: `${name} running`,
  });
  await sfn.send(
    new StopExecutionCommand({ executionArn: executionArn(stateMachineArn, name), cause: "operator" }),
  );
}

describe("a failed execution's work is re-driven", () => {
  it("a completion execution aborted while its step waits: a fresh one sends the email at its time, once", async () => {
    const event = unique("trial_started");
    const paid = unique("paid");
    const momentId = await s.runningMoment({
      name: unique("Thanks after paying"),
      goal: "convert",
      start: { event },
      end: [{ outcome: "success", event: paid }],
      steps: [
        {
          id: "thanks",
          phase: "completion",
          delay: { amount: 1, unit: "hours" },
          action: { type: "send_email", templateId },
        },
      ],
    });
    const accountId = unique("acct");
    const address = `${accountId}@example.com`;
    await s.track({ event, accountId, traits: { first_name: "Ada", email: address } });
    const runId = await s.runId(accountId, momentId);
    await s.track({ event: paid, accountId });

    // The completion execution waits out the step's hour (3.6 s): abort it meanwhile.
    await abort(endExecutionName(runId));

    await waitFor(async () => (await emailsTo(address)).length === 1, {
      timeoutMs: 30_000,
      description: "the completion email",
    });
    await s.stack.idle();
    expect(await emailsTo(address)).toHaveLength(1);
    expect(await statusOf(endExecutionName(runId))).toBe("ABORTED");
    expect(await statusOf(redriveName(endExecutionName(runId), 1))).toBe("SUCCEEDED");
    expect(await statusOf(redriveName(endExecutionName(runId), 2))).toBeUndefined();
    const run = await s.admin<RunView>("GET", `/v1/admin/runs/${encodeURIComponent(runId)}`);
    expect(run.body).toMatchObject({ status: "success" });
    expect(run.body.steps.find((step) => step.stepId === "thanks")).toMatchObject({ status: "executed" });
  });

  it("an abandonment gate aborted before it opened: a fresh gate starts the run at the due time, once", async () => {
    const added = unique("cart_item_added");
    const checkedOut = unique("checkout_completed");
    const momentId = await s.runningMoment({
      name: unique("Cart abandon"),
      goal: "convert",
      start: { event: added, unless: { event: checkedOut, within: { amount: 1, unit: "hours" } } },
      steps: [
        { id: "remind", delay: { amount: 0, unit: "hours" }, action: { type: "send_email", templateId } },
      ],
    });
    const accountId = unique("acct");
    const address = `${accountId}@example.com`;
    await s.track({ event: added, accountId, traits: { first_name: "Ada", email: address } });

    const gate = await waitFor(
      async () => {
        const { executions } = await sfn.send(
          new ListExecutionsCommand({ stateMachineArn, statusFilter: "RUNNING" }),
        );
        return executions?.find((execution) => execution.name?.startsWith("gate-"))?.name;
      },
      { timeoutMs: 20_000, description: "the gate waiting" },
    );
    await abort(gate);

    await waitFor(async () => (await emailsTo(address)).length === 1, {
      timeoutMs: 30_000,
      description: "the abandonment run's email",
    });
    await s.stack.idle();
    expect(await emailsTo(address)).toHaveLength(1);
    expect(await statusOf(redriveName(gate, 1))).toBe("SUCCEEDED");
    const stats = await s.stats<{ entered: number }>(momentId);
    expect(stats.entered).toBe(1);
  });
});
