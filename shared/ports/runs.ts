import type { RunContext, RunInput, StepOutcome } from "../contracts/workflow.js";

/** `stopped`: the run was ended because its moment was stopped or archived. */
export type MembershipStatus = "active" | "completed" | "stopped";
export const membershipStatuses: readonly MembershipStatus[] = ["active", "completed", "stopped"];

export type RunStatus = MembershipStatus;

export interface Membership {
  accountId: string;
  status: MembershipStatus;
  runId: string;
  startedAt: string;
  endedAt?: string;
}

/** What `stopRun` needs to find a run and the membership it holds. */
export type RunRef = Pick<RunContext, "workspaceId" | "momentId" | "accountId" | "runId">;

export type EnterResult = "entered" | "already_active" | "already_ran";

export type StepClaim = "claimed" | "already_done" | "in_doubt";

export interface RunRepository {
  /**
   * Records that the account enters the moment with this run, unless another run of that moment is
   * active for the account. Re-entering with the same run id (a redelivery) answers "entered" again,
   * so the caller re-drives the start idempotently.
   */
  enter(run: RunContext): Promise<EnterResult>;
  /** Memberships of a moment in account order, optionally only those with one status. */
  listMemberships(
    workspaceId: string,
    momentId: string,
    page: { limit: number; cursor?: string; status?: MembershipStatus },
  ): Promise<{ items: Membership[]; nextCursor?: string }>;
  getRunStatus(workspaceId: string, runId: string): Promise<RunStatus | undefined>;
  /** Claims a step before its side effect, so a retried task never repeats it. */
  claimStep(run: RunContext, stepId: string, at: string): Promise<StepClaim>;
  /** Gives a claim back after a failure that certainly had no side effect, so a retry may run it. */
  releaseStep(run: RunContext, stepId: string): Promise<void>;
  recordStep(run: RunContext, stepId: string, outcome: StepOutcome, at: string): Promise<void>;
  /**
   * Ends a run that went through its steps. A run already stopped keeps its `stopped` outcome (and
   * still releases its membership, as stopped, if a stop sweep died before doing so).
   */
  completeRun(run: RunContext, at: string): Promise<void>;
  /**
   * Ends an active run with outcome `stopped` and releases its membership, if the membership still
   * holds that run. Idempotent: repeating it (a re-driven sweep) finishes a half-done stop.
   * "already_ended" when the run had completed (or the membership moved on) first.
   */
  stopRun(run: RunRef, at: string): Promise<"stopped" | "already_ended">;
}

export interface WorkflowStarter {
  /** Starts the run's execution, named by its run id; an existing one with that name is not an error. */
  start(input: RunInput): Promise<"started" | "already_started">;
}

export interface WorkflowController extends WorkflowStarter {
  /** Stops the run's execution; one that does not exist or has already ended is not an error. */
  stop(runId: string, cause: string): Promise<"stopped" | "not_running">;
}
