/**
 * Ports: what the use cases need from the outside world. Adapters in shared/adapters implement them
 * with AWS SDK clients; unit tests implement them with fakes.
 */
import type { EventReceivedDetail } from "./contracts/bus.js";
import type { RunContext, RunInput, StepOutcome } from "./contracts/workflow.js";
import type { EmailTemplate } from "./domain/email-template.js";
import type { Moment, MomentStatus } from "./domain/moment.js";
import type { AccountProfile } from "./domain/profile.js";
import type { Source } from "./domain/source.js";

export interface WriteKeyOwner {
  workspaceId: string;
  sourceId: string;
}

export interface KeyStore {
  findAdminKey(keyHash: string): Promise<{ workspaceId: string } | undefined>;
  findWriteKey(keyHash: string): Promise<WriteKeyOwner | undefined>;
  putAdminKey(keyHash: string, workspaceId: string, createdAt: string): Promise<void>;
  putWriteKey(keyHash: string, owner: WriteKeyOwner, createdAt: string): Promise<void>;
}

export interface ConfigRepository {
  putSource(source: Source): Promise<void>;
  getSource(workspaceId: string, sourceId: string): Promise<Source | undefined>;
  putEmailTemplate(template: EmailTemplate): Promise<void>;
  getEmailTemplate(workspaceId: string, templateId: string): Promise<EmailTemplate | undefined>;
  createMoment(moment: Moment): Promise<void>;
  getMoment(workspaceId: string, momentId: string): Promise<Moment | undefined>;
  /** Changes status if the moment is still at `expectedVersion`; false when someone else changed it. */
  setMomentStatus(moment: Moment, status: MomentStatus, updatedAt: string): Promise<Moment | undefined>;
  /** Running moments of a workspace whose start rule names this event (eventually consistent). */
  findRunningMomentsStartingOn(workspaceId: string, eventName: string): Promise<Moment[]>;
}

export type Profile = AccountProfile;

export interface ProfileRepository {
  /** Shallow merge: each given trait replaces the stored one; others are kept. */
  mergeTraits(
    workspaceId: string,
    accountId: string,
    traits: Record<string, unknown>,
    at: string,
  ): Promise<void>;
  get(workspaceId: string, accountId: string): Promise<Profile | undefined>;
}

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

export interface EventPublisher {
  /** Puts events on the bus; throws ServiceUnavailableError if any could not be put after retries. */
  publish(details: EventReceivedDetail[]): Promise<void>;
}

export interface WorkflowStarter {
  /** Starts the run's execution, named by its run id; an existing one with that name is not an error. */
  start(input: RunInput): Promise<"started" | "already_started">;
}

export interface OutgoingEmail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
  tags: Record<string, string>;
}

export interface Mailer {
  /** Throws TransientSendError (retry later) or PermanentSendError (do not retry). */
  send(email: OutgoingEmail): Promise<{ messageId: string }>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
