import type { ActionTaskPayload, StepOutcome } from "../contracts/workflow.js";
import {
  PermanentDeliveryError,
  StepFailedRunError,
  TransientDeliveryError,
} from "../domain/delivery-errors.js";
import { formatMailbox, isEmailAddress, parseMailbox } from "../domain/email.js";
import { type Action, runIsLive } from "../domain/moment.js";
import { render } from "../domain/render.js";
import type { Clock } from "../ports/clock.js";
import type { Mailer } from "../ports/delivery.js";
import type { EmailTemplateRepository } from "../ports/email-templates.js";
import type { MomentRepository } from "../ports/moments.js";
import type { ProfileRepository } from "../ports/profiles.js";
import type { RunRepository } from "../ports/runs.js";

/**
 * Performs one action of a step, for a run, with the step's id (a stable idempotency key: a step is
 * claimed before it runs, so a performer runs at most once per step unless it throws a transient
 * error). Throws TransientDeliveryError to be retried, PermanentDeliveryError to fail the step.
 */
export type ActionPerformer<A extends Action = Action> = (
  run: ActionTaskPayload["run"],
  action: A,
  stepId: string,
) => Promise<StepOutcome>;

export type ActionPerformers = { [T in Action["type"]]?: ActionPerformer<Extract<Action, { type: T }>> };

export interface StepDeps {
  /** Performers of the action types beyond email (in-app, attributes...), by type. */
  actions?: ActionPerformers;
  templates: EmailTemplateRepository;
  profiles: ProfileRepository;
  runs: RunRepository;
  /** Read before every step: a stopped or archived moment's runs do nothing more. */
  moments: Pick<MomentRepository, "getMoment">;
  mailer: Mailer;
  clock: Clock;
}

/**
 * Runs one step of a run, at most once. The step is claimed with a conditional write before its side
 * effect; a retried task that finds the claim done does nothing, and one that finds a claim left by
 * an attempt that died mid-send records the step as failed rather than risk a duplicate send.
 * Transient delivery errors give the claim back and are rethrown for the state machine to retry.
 *
 * Before acting, the step re-checks that its moment is still running (and that the run belongs to
 * the current running period). Stopping a moment stops its runs' executions, but that sweep may not
 * reach every run of a very large moment: a run it missed ends here, as stopped, at its next step.
 */
const REQUIRED_RUN_STATUS = { entry: "active", completion: "success", exit: "failed" } as const;

export async function executeStep(
  deps: StepDeps,
  { run, step, phase = "entry" }: ActionTaskPayload,
): Promise<StepOutcome> {
  const now = () => deps.clock.now().toISOString();
  const runStatus = await deps.runs.getRunStatus(run.workspaceId, run.runId);
  // Entry steps run while the run is active; completion steps once it succeeded, exit steps once it
  // failed. An entry step reached after an end rule matched (a race with the stop) does nothing.
  if (runStatus !== REQUIRED_RUN_STATUS[phase]) {
    const outcome: StepOutcome = {
      status: "skipped",
      reason: phase === "entry" ? "run_not_active" : `run_not_${REQUIRED_RUN_STATUS[phase]}`,
    };
    await deps.runs.recordStep(run, step.id, outcome, now());
    return outcome;
  }
  const moment = await deps.moments.getMoment(run.workspaceId, run.momentId);
  if (!runIsLive(moment, run)) {
    await deps.runs.stopRun(run, now());
    const outcome: StepOutcome = { status: "skipped", reason: "moment_stopped" };
    await deps.runs.recordStep(run, step.id, outcome, now());
    return outcome;
  }
  if (!run.actionsEnabled) {
    const outcome: StepOutcome = { status: "skipped", reason: "actions_disabled" };
    await deps.runs.recordStep(run, step.id, outcome, now());
    return outcome;
  }
  const claim = await deps.runs.claimStep(run, step.id, now());
  if (claim === "already_done") return { status: "skipped", reason: "already_executed" };
  if (claim === "in_doubt") {
    const outcome: StepOutcome = {
      status: "failed",
      reason: "outcome_unknown: an earlier attempt stopped mid-action",
    };
    await deps.runs.recordStep(run, step.id, outcome, now());
    return outcome;
  }
  let outcome: StepOutcome;
  try {
    outcome = await perform(deps, run, step.action, step.id);
  } catch (error) {
    if (error instanceof PermanentDeliveryError) {
      outcome = { status: "failed", reason: error.message };
    } else {
      // Transient delivery errors, and anything that failed before the provider was called (a
      // throttled read, say), had no side effect: give the claim back and let the state machine
      // retry with backoff, rather than leave a claim that would read as "in doubt".
      await deps.runs.releaseStep(run, step.id);
      if (error instanceof TransientDeliveryError) throw error;
      throw new TransientDeliveryError(
        error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      );
    }
  }
  await deps.runs.recordStep(run, step.id, outcome, now());
  if (outcome.status === "failed" && step.onFailure === "fail_run")
    throw new StepFailedRunError(outcome.reason);
  return outcome;
}

async function perform(
  deps: StepDeps,
  run: ActionTaskPayload["run"],
  action: Action,
  stepId: string,
): Promise<StepOutcome> {
  if (action.type === "send_email") return sendEmail(deps, run, action);
  const performer = deps.actions?.[action.type] as ActionPerformer | undefined;
  // Configurable and validated; executed once its delivery is wired in (issue 5).
  if (!performer)
    return { status: "skipped", reason: `action_not_available: ${action.type} is not executed yet` };
  return performer(run, action, stepId);
}

async function sendEmail(
  deps: StepDeps,
  run: ActionTaskPayload["run"],
  action: Extract<Action, { type: "send_email" }>,
): Promise<StepOutcome> {
  const [template, profile, user] = await Promise.all([
    deps.templates.getEmailTemplate(run.workspaceId, action.templateId),
    deps.profiles.get(run.workspaceId, run.accountId),
    run.userId ? deps.profiles.getUser(run.workspaceId, run.userId) : undefined,
  ]);
  if (!template)
    return { status: "failed", reason: `email template "${action.templateId}" no longer exists` };
  // The default recipient {email} is the triggering user's address, else the account's.
  const data = { traits: profile?.traits ?? {}, user: user?.traits ?? {}, event: run.trigger.properties };
  const to = render(action.to ?? "{email}", data).trim();
  if (!isEmailAddress(to)) {
    return {
      status: "skipped",
      reason: `no_recipient: "${action.to ?? "{email}"}" did not render to an email address`,
    };
  }
  const from = parseMailbox(template.from);
  if (!from) return { status: "failed", reason: "the template's sender is not a valid address" };
  const { messageId } = await deps.mailer.send({
    from: formatMailbox(from),
    to,
    // A subject is one header line: a rendered value must not be able to add headers.
    subject: render(template.subject, data)
      .replace(/[\r\n]+/g, " ")
      .trim(),
    text: render(template.text, data),
    ...(template.html ? { html: render(template.html, data, "html") } : {}),
    tags: { workspace: run.workspaceId, moment: run.momentId, run: run.runId },
  });
  return { status: "executed", detail: { messageId } };
}
