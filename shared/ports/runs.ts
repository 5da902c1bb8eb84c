import type { RunContext, RunInput, StepOutcome } from "../contracts/workflow.js";

export type MembershipStatus = "active" | "completed";

export interface Membership {
  accountId: string;
  status: MembershipStatus;
  runId: string;
  startedAt: string;
  endedAt?: string;
}

export type EnterResult = "entered" | "already_active" | "already_ran";

export type StepClaim = "claimed" | "already_done" | "in_doubt";

export interface RunRepository {
  /**
   * Records that the account enters the moment with this run, unless another run of that moment is
   * active for the account. Re-entering with the same run id (a redelivery) answers "entered" again,
   * so the caller re-drives the start idempotently.
   */
  enter(run: RunContext): Promise<EnterResult>;
  listMemberships(
    workspaceId: string,
    momentId: string,
    page: { limit: number; cursor?: string },
  ): Promise<{ items: Membership[]; nextCursor?: string }>;
  getRunStatus(workspaceId: string, runId: string): Promise<"active" | "completed" | undefined>;
  /** Claims a step before its side effect, so a retried task never repeats it. */
  claimStep(run: RunContext, stepId: string, at: string): Promise<StepClaim>;
  /** Gives a claim back after a failure that certainly had no side effect, so a retry may run it. */
  releaseStep(run: RunContext, stepId: string): Promise<void>;
  recordStep(run: RunContext, stepId: string, outcome: StepOutcome, at: string): Promise<void>;
  completeRun(run: RunContext, at: string): Promise<void>;
}

export interface WorkflowStarter {
  /** Starts the run's execution, named by its run id; an existing one with that name is not an error. */
  start(input: RunInput): Promise<"started" | "already_started">;
}
