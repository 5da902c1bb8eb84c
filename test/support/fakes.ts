/**
 * In-memory implementations of the ports in shared/ports/, for use-case tests. Each keeps the
 * semantics its port documents (and the DynamoDB adapter implements), so a use case tested against a
 * fake behaves the same against the real adapter; each also exposes its state for assertions.
 */
import type { EventReceivedDetail } from "../../shared/contracts/bus.js";
import { keys } from "../../shared/contracts/table.js";
import {
  correctsRecord,
  type EndSteps,
  type ExecutionInput,
  endExecutionName,
  type Gate,
  isFinalForEvidence,
  isOpenToEvidence,
  isRejection,
  lookupExecutionName,
  type RunContext,
  type RunInput,
  type RunPhase,
  type StepInput,
  type StepOutcome,
} from "../../shared/contracts/workflow.js";
import type { EmailTemplate } from "../../shared/domain/email-template.js";
import { eventCountKey } from "../../shared/domain/identify.js";
import type { IntegrationKind } from "../../shared/domain/integration.js";
import type { Moment, MomentStatus } from "../../shared/domain/moment.js";
import type { Source } from "../../shared/domain/source.js";
import { decidingEvidence, type EvidenceKind, speaksFor } from "../../shared/domain/step-evidence.js";
import type { Clock } from "../../shared/ports/clock.js";
import type { EventPublisher, Mailer, OutgoingEmail } from "../../shared/ports/delivery.js";
import type { EmailTemplateRepository } from "../../shared/ports/email-templates.js";
import type { MomentRepository } from "../../shared/ports/moments.js";
import {
  type ArmResult,
  GATE_MARGIN_MS,
  type PendingStart,
  type PendingStartRepository,
} from "../../shared/ports/pending-starts.js";
import type {
  PreviousTraits,
  Profile,
  ProfileRepository,
  TouchResult,
  UserProfile,
} from "../../shared/ports/profiles.js";
import type {
  ActiveRun,
  EnterResult,
  EntryGuard,
  Membership,
  MembershipStatus,
  PinnedEndRules,
  PinnedSteps,
  PinnedTimeout,
  StoredRun as PortStoredRun,
  RunEnd,
  RunRef,
  RunRepository,
  RunStatus,
  RunStepRecord,
  StepClaim,
  StepEvidence,
  WorkflowController,
} from "../../shared/ports/runs.js";
import type { SourceRepository } from "../../shared/ports/sources.js";
import type { MessageLog } from "../../shared/use-cases/match-event.js";
import {
  anAttioIntegration,
  aSlackBotIntegration,
  aWebhookIntegration,
  FakeIntegrationRepository,
} from "./fakes-content.js";

const key = (...parts: string[]) => JSON.stringify(parts);

/** A clock stuck at one instant (advance it by hand when a test needs time to pass). */
export class FixedClock implements Clock {
  private current: Date;
  constructor(iso = "2026-11-21T10:00:00.000Z") {
    this.current = new Date(iso);
  }
  now() {
    return new Date(this.current);
  }
  advance(ms: number) {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export function fixedClock(iso?: string): FixedClock {
  return new FixedClock(iso);
}

export class FakeConfigRepository implements SourceRepository, EmailTemplateRepository, MomentRepository {
  readonly sources = new Map<string, Source>();
  readonly templates = new Map<string, EmailTemplate>();
  readonly moments = new Map<string, Moment>();

  async putSource(source: Source) {
    this.sources.set(key(source.workspaceId, source.id), structuredClone(source));
  }

  async getSource(workspaceId: string, sourceId: string) {
    const source = this.sources.get(key(workspaceId, sourceId));
    return source && structuredClone(source);
  }

  async putEmailTemplate(template: EmailTemplate) {
    this.templates.set(key(template.workspaceId, template.id), structuredClone(template));
  }

  async getEmailTemplate(workspaceId: string, templateId: string) {
    const template = this.templates.get(key(workspaceId, templateId));
    return template && structuredClone(template);
  }

  async createMoment(moment: Moment) {
    const k = key(moment.workspaceId, moment.id);
    if (this.moments.has(k)) throw new Error(`moment ${moment.id} already exists`);
    this.moments.set(k, structuredClone(moment));
  }

  async getMoment(workspaceId: string, momentId: string) {
    const moment = this.moments.get(key(workspaceId, momentId));
    return moment && structuredClone(moment);
  }

  async listMoments(workspaceId: string) {
    return [...this.moments.values()]
      .filter((m) => m.workspaceId === workspaceId)
      .map((m) => structuredClone(m));
  }

  /** Optimistic concurrency as in DynamoDB: only a moment still at the expected version is replaced. */
  async updateMoment(next: Moment, expectedVersion: number) {
    const k = key(next.workspaceId, next.id);
    const stored = this.moments.get(k);
    if (!stored || stored.version !== expectedVersion) return undefined;
    this.moments.set(k, structuredClone(next));
    return structuredClone(next);
  }

  async deleteMoment(workspaceId: string, momentId: string, expectedVersion: number) {
    const k = key(workspaceId, momentId);
    if (this.moments.get(k)?.version !== expectedVersion) return false;
    this.moments.delete(k);
    return true;
  }

  /** Optimistic concurrency as in DynamoDB: only a moment still at the caller's version changes. */
  async setMomentStatus(moment: Moment, status: MomentStatus, updatedAt: string) {
    const k = key(moment.workspaceId, moment.id);
    const stored = this.moments.get(k);
    if (!stored || stored.version !== moment.version) return undefined;
    const next: Moment = {
      ...stored,
      status,
      version: stored.version + 1,
      updatedAt,
      ...(status === "running" ? { runningSince: updatedAt } : {}),
    };
    this.moments.set(k, next);
    return structuredClone(next);
  }

  async findByEvent(workspaceId: string, eventName: string) {
    return {
      starting: await this.findRunningMomentsStartingOn(workspaceId, eventName),
      unlessListeners: [...this.moments.values()]
        .filter(
          (m) =>
            m.workspaceId === workspaceId && m.status === "running" && m.start.unless?.event === eventName,
        )
        .map((m) => ({ momentId: m.id, ...(m.start.key === undefined ? {} : { key: m.start.key }) })),
    };
  }

  async findRunningMomentsStartingOn(workspaceId: string, eventName: string) {
    return [...this.moments.values()]
      .filter((m) => m.workspaceId === workspaceId && m.status === "running" && m.start.event === eventName)
      .map((m) => structuredClone(m));
  }
}

/** Integrations with one line per test: `add(workspace, id, kind)` stores one with a dummy secret. */
export class FakeIntegrations extends FakeIntegrationRepository {
  add(workspaceId: string, id: string, kind: IntegrationKind) {
    const meta = { id, workspaceId, name: `${kind} ${id}` };
    const secret = "s".repeat(32);
    this.collection.create(
      kind === "slack"
        ? aSlackBotIntegration({ ...meta, botToken: `xoxb-${secret}` })
        : kind === "attio"
          ? anAttioIntegration({ ...meta, accessToken: secret })
          : aWebhookIntegration({ ...meta, signingSecret: `whsec_${secret}` }),
    );
  }
}

/** Account and user profiles with the adapter's semantics: shallow merges that answer the old values. */
export class FakeProfiles implements ProfileRepository {
  readonly profiles = new Map<string, Profile>();
  readonly users = new Map<string, UserProfile>();

  async mergeTraits(workspaceId: string, accountId: string, traits: Record<string, unknown>, at: string) {
    if (Object.keys(traits).length === 0) return {};
    const k = key(workspaceId, accountId);
    const stored = this.profiles.get(k);
    this.profiles.set(k, {
      ...stored,
      workspaceId,
      accountId,
      traits: { ...stored?.traits, ...structuredClone(traits) },
      updatedAt: at,
    });
    return previousValues(stored?.traits, traits);
  }

  async mergeUserTraits(
    workspaceId: string,
    userId: string,
    traits: Record<string, unknown>,
    at: string,
    accountId?: string,
  ) {
    const k = key(workspaceId, userId);
    const stored = this.users.get(k);
    if (Object.keys(traits).length === 0 && accountId === undefined) return {};
    const nextAccount = accountId ?? stored?.accountId;
    this.users.set(k, {
      workspaceId,
      userId,
      ...(nextAccount === undefined ? {} : { accountId: nextAccount }),
      traits: { ...stored?.traits, ...structuredClone(traits) },
      ...(Object.keys(traits).length > 0
        ? { updatedAt: at }
        : stored?.updatedAt
          ? { updatedAt: stored.updatedAt }
          : {}),
    });
    return previousValues(stored?.traits, traits);
  }

  /** messageIds whose touch was applied: a message counts once. */
  private readonly touched = new Set<string>();

  /** The message log a touch with `finished` marks processed in (one item in the table). */
  messages: FakeMessageLog | undefined;

  async touch(
    workspaceId: string,
    accountId: string,
    eventName: string,
    at: string,
    messageId: string,
    finished?: { at: string; outcome: unknown },
    copy?: string,
  ): Promise<TouchResult> {
    if (this.touched.has(key(workspaceId, messageId))) return "already_applied";
    this.touched.add(key(workspaceId, messageId));
    if (copy !== undefined) this.messages?.touches.set(key(workspaceId, messageId), copy);
    if (finished) {
      if (!this.messages) throw new Error("FakeProfiles.messages is not set: a touch cannot finish");
      await this.messages.finish(workspaceId, messageId, finished.outcome, finished.at);
    }
    const k = key(workspaceId, accountId);
    const stored = this.profiles.get(k) ?? { workspaceId, accountId, traits: {} };
    const counter = eventCountKey(eventName);
    this.profiles.set(k, {
      ...stored,
      // Events arrive out of order: lastSeenAt never moves back.
      ...(stored.lastSeenAt === undefined || stored.lastSeenAt < at ? { lastSeenAt: at } : {}),
      eventCounts: { ...stored.eventCounts, [counter]: (stored.eventCounts?.[counter] ?? 0) + 1 },
    });
    return "applied";
  }

  async get(workspaceId: string, accountId: string) {
    const profile = this.profiles.get(key(workspaceId, accountId));
    return profile && structuredClone(profile);
  }

  async getUser(workspaceId: string, userId: string) {
    const user = this.users.get(key(workspaceId, userId));
    return user && structuredClone(user);
  }

  /** Test helper: the stored traits of an account, or undefined. */
  traitsOf(workspaceId: string, accountId: string) {
    return this.profiles.get(key(workspaceId, accountId))?.traits;
  }
}

/** The stored values of the given traits before a merge; a trait that had no value is left out. */
function previousValues(
  stored: Record<string, unknown> | undefined,
  traits: Record<string, unknown>,
): PreviousTraits {
  const previous: PreviousTraits = {};
  for (const name of Object.keys(traits)) {
    if (stored && Object.hasOwn(stored, name)) previous[name] = structuredClone(stored[name]);
  }
  return previous;
}

interface StoredMembership extends Membership {
  activeRunId?: string;
  /** How many runs entered through this membership (the adapter's ADD entries :one). */
  entries: number;
}

/** A run as the fake stores it: the context it was entered with, and how it ended. */
export interface FakeRun {
  run: RunContext;
  status: RunStatus;
  endedAt?: string;
  endedBy?: string;
  endSteps: EndSteps;
  entrySteps?: StepInput[];
  timeout?: PinnedTimeout;
  test?: true;
}

export type StoredStep =
  | {
      status: "claimed";
      claimedAt: string;
      attempt: string;
      doubtSince?: string;
      /** SES's Reject, come while the attempt held the claim (see the adapter's settleStepInDoubt). */
      rejection?: StepOutcome;
      rejectedMessageIds?: Set<string>;
    }
  | {
      status: StepOutcome["status"];
      outcome: StepOutcome;
      recordedAt: string;
      doubtSince?: string;
      claimedAt?: string;
      /** The attempt whose claim it was recorded over (the adapter keeps the claim's `attempt`). */
      attempt?: string;
      /** SES's Reject replaced the execution its run acted on (the adapter's `correctedAt`). */
      corrected?: true;
      /** The record made in doubt that another attempt's Send corrected (see the adapter). */
      replacedOutcome?: StepOutcome;
    };

type MembershipScope = Pick<RunContext, "workspaceId" | "momentId" | "accountId" | "runKey">;

/** The table's own key of a membership, so keyed memberships sort (and page) as in DynamoDB. */
function membershipKeyOf(scope: MembershipScope) {
  return keys.membership(scope.workspaceId, scope.momentId, scope.accountId, scope.runKey);
}

function itemKey({ pk, sk }: { pk: string; sk: string }) {
  return JSON.stringify([pk, sk]);
}

/**
 * Runs, memberships, the account's active-run index, step records and stats counters, with the
 * semantics of DynamoRunRepository's transactions: an entry writes the membership (the lock and the
 * re-entry guard), the run, the active-run index and the `entered` counter all or nothing; ending a
 * run succeeds only from active and only while the membership holds that run, exactly once; a step
 * outcome is recorded (and counted) once. Counters use the adapter's names (`entered`, the outcome,
 * `steps.<id>.<status>`), summed over shards.
 */
export class FakeRunRepository implements RunRepository {
  readonly memberships = new Map<string, StoredMembership>();
  readonly runs = new Map<string, FakeRun>();
  /** The account run index: ended runs stay, marked with what ended them (as the adapter does). */
  readonly activeRuns = new Map<string, ActiveRun & { endedBy?: string }>();
  readonly steps = new Map<string, StoredStep>();
  readonly evidence = new Map<string, StepEvidence[]>();
  readonly stats = new Map<string, Record<string, number>>();

  async enter(
    run: RunContext,
    // Optional here (the port requires it) so tests that only need a membership can leave it out.
    steps: PinnedSteps = { completion: [], exit: [] },
    guard: EntryGuard = { policy: "after_exit" },
    pinned?: PinnedEndRules,
  ): Promise<EnterResult> {
    const mk = itemKey(membershipKeyOf(run));
    const membership = this.memberships.get(mk);
    const runK = key(run.workspaceId, run.runId);
    const guardHolds =
      guard.policy === "once"
        ? membership === undefined
        : membership?.activeRunId === undefined &&
          (membership === undefined ||
            (membership.runId !== run.runId &&
              (guard.policy === "after_exit" ||
                (membership.endedAt !== undefined && membership.endedAt < guard.endedBefore))));
    if (!guardHolds || this.runs.has(runK)) {
      // The transaction was cancelled: answer from the membership, as the adapter does.
      if (membership?.activeRunId === run.runId) return "entered";
      if (membership?.runId === run.runId) return "already_ran";
      if (membership?.activeRunId !== undefined) return "already_active";
      return "reentry_blocked";
    }
    this.memberships.set(mk, {
      accountId: run.accountId,
      status: "active",
      runId: run.runId,
      activeRunId: run.runId,
      startedAt: run.startedAt,
      entries: (membership?.entries ?? 0) + 1,
    });
    this.runs.set(runK, {
      run: structuredClone(run),
      status: "active",
      endSteps: structuredClone({ completion: steps.completion, exit: steps.exit }),
      ...(steps.entry ? { entrySteps: structuredClone(steps.entry) } : {}),
      ...(steps.timeout ? { timeout: structuredClone(steps.timeout) } : {}),
    });
    this.activeRuns.set(this.activeRunKey(run), {
      momentId: run.momentId,
      runId: run.runId,
      ...(run.runKey === undefined ? {} : { runKey: run.runKey }),
      startedAt: run.startedAt,
      trigger: { timestamp: run.trigger.timestamp },
      ...(pinned ? { pinned: structuredClone(pinned) } : {}),
    });
    this.count(run, "entered");
    return "entered";
  }

  async getMembership(scope: MembershipScope) {
    const membership = this.memberships.get(itemKey(membershipKeyOf(scope)));
    return membership && toMembership(membership);
  }

  async listActiveRuns(workspaceId: string, accountId: string, alsoEndedBy?: string) {
    const { pk } = keys.accountRun(workspaceId, accountId, "");
    return [...this.activeRuns.entries()]
      .filter(([k]) => JSON.parse(k)[0] === pk)
      .filter(([, run]) => run.endedBy === undefined || run.endedBy === alsoEndedBy)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, { endedBy: _endedBy, ...active }]) => structuredClone(active));
  }

  async getRun(workspaceId: string, runId: string): Promise<PortStoredRun | undefined> {
    const stored = this.runs.get(key(workspaceId, runId));
    if (!stored) return undefined;
    const { run } = stored;
    return structuredClone({
      runId,
      workspaceId,
      momentId: run.momentId,
      accountId: run.accountId,
      ...(run.runKey === undefined ? {} : { runKey: run.runKey }),
      status: stored.status,
      startedAt: run.startedAt,
      ...(stored.endedAt === undefined ? {} : { endedAt: stored.endedAt }),
      ...(stored.endedBy === undefined ? {} : { endedBy: stored.endedBy }),
      endSteps: stored.endSteps,
      ...(stored.entrySteps ? { entrySteps: stored.entrySteps } : {}),
      ...(stored.timeout ? { timeout: stored.timeout } : {}),
      context: run,
      ...(stored.test ? { test: true as const } : {}),
    });
  }

  async recordTestSend(run: RunContext, stepId: string, outcome: StepOutcome, at: string) {
    if (this.runs.has(key(run.workspaceId, run.runId))) throw new Error(`run ${run.runId} exists`);
    this.runs.set(key(run.workspaceId, run.runId), {
      run: structuredClone(run),
      status: "completed",
      endedAt: at,
      endedBy: "test_send",
      endSteps: { completion: [], exit: [] },
      test: true,
    });
    this.steps.set(key(run.workspaceId, run.runId, stepId), {
      status: outcome.status,
      outcome: structuredClone(outcome),
      recordedAt: at,
    });
  }

  async endRun(
    ref: RunRef,
    outcome: RunEnd,
    endedBy: string,
    at: string,
  ): Promise<"ended" | "already_ended"> {
    const stored = this.runs.get(key(ref.workspaceId, ref.runId));
    const membership = this.memberships.get(itemKey(membershipKeyOf(ref)));
    if (stored?.status === "active" && membership?.activeRunId === ref.runId) {
      stored.status = outcome;
      stored.endedAt = at;
      stored.endedBy = endedBy;
      membership.status = outcome;
      membership.endedAt = at;
      delete membership.activeRunId;
      const indexed = this.activeRuns.get(this.activeRunKey(ref));
      if (indexed) indexed.endedBy = endedBy;
      this.count(ref, outcome);
      return "ended";
    }
    // A retry of the call that ended it answers as that call did.
    return stored?.status === outcome && stored.endedBy === endedBy ? "ended" : "already_ended";
  }

  async listMemberships(
    workspaceId: string,
    momentId: string,
    page: { limit: number; cursor?: string; status?: MembershipStatus },
  ) {
    const { pk } = keys.membershipPrefix(workspaceId, momentId);
    // The cursor is the last sort key, as opaque to callers as the adapter's.
    const all = [...this.memberships.entries()]
      .map(([k, m]) => ({ sk: String(JSON.parse(k)[1]), pk: String(JSON.parse(k)[0]), m }))
      .filter((e) => e.pk === pk)
      .filter((e) => page.status === undefined || e.m.status === page.status)
      .sort((a, b) => a.sk.localeCompare(b.sk))
      .filter((e) => page.cursor === undefined || e.sk > page.cursor);
    const selected = all.slice(0, page.limit);
    const last = selected.at(-1);
    return {
      items: selected.map((e) => toMembership(e.m)),
      ...(all.length > page.limit && last ? { nextCursor: last.sk } : {}),
    };
  }

  async getRunStatus(workspaceId: string, runId: string) {
    return this.runs.get(key(workspaceId, runId))?.status;
  }

  async claimStep(run: RunContext, stepId: string, attempt: string, at: string): Promise<StepClaim> {
    const k = key(run.workspaceId, run.runId, stepId);
    const existing = this.steps.get(k);
    if (!existing) {
      this.steps.set(k, { status: "claimed", claimedAt: at, attempt });
      return { status: "claimed" };
    }
    if (existing.status !== "claimed")
      return {
        status: "already_done",
        outcome: structuredClone(existing.outcome),
        ...(existing.corrected ? { corrected: true as const } : {}),
      };
    if (existing.attempt === attempt) return { status: "claimed" };
    return {
      status: "in_doubt",
      attempt: existing.attempt,
      ...(existing.doubtSince ? { doubtSince: existing.doubtSince } : {}),
      ...(existing.claimedAt ? { claimedAt: existing.claimedAt } : {}),
    };
  }

  async markStepInDoubt(run: RunContext, stepId: string, attempt: string, at: string) {
    const existing = this.steps.get(key(run.workspaceId, run.runId, stepId));
    if (existing?.status !== "claimed" || existing.attempt !== attempt) return at;
    existing.doubtSince ??= at;
    return existing.doubtSince;
  }

  async takeOverStep(run: RunContext, stepId: string, from: string, to: string, at: string) {
    const k = key(run.workspaceId, run.runId, stepId);
    const existing = this.steps.get(k);
    if (existing?.status !== "claimed") return false;
    if (existing.attempt === to) return true;
    if (existing.attempt !== from) return false;
    this.steps.set(k, { status: "claimed", claimedAt: at, attempt: to });
    return true;
  }

  async releaseStep(run: RunContext, stepId: string, attempt: string) {
    const k = key(run.workspaceId, run.runId, stepId);
    const existing = this.steps.get(k);
    if (existing?.status === "claimed" && existing.attempt === attempt) this.steps.delete(k);
  }

  async recordStepEvidence(workspaceId: string, runId: string, stepId: string, evidence: StepEvidence) {
    // The first piece of each kind stands, and the first of each kind of each attempt (see the adapter).
    const k = key(workspaceId, runId, stepId);
    const pieces = this.evidence.get(k) ?? [];
    if (
      !pieces.some((piece) => piece.kind === evidence.kind) ||
      (evidence.attempt !== undefined &&
        !pieces.some((piece) => piece.kind === evidence.kind && piece.attempt === evidence.attempt))
    )
      pieces.push(structuredClone(evidence));
    this.evidence.set(k, pieces);
  }

  async getStepEvidence(workspaceId: string, runId: string, stepId: string, attempt?: string) {
    return decidingEvidence(this.evidence.get(key(workspaceId, runId, stepId)) ?? [], attempt);
  }

  async listStepEvidence(workspaceId: string, runId: string, stepId: string) {
    return structuredClone(this.evidence.get(key(workspaceId, runId, stepId)) ?? []);
  }

  async recordStep(
    run: RunContext,
    stepId: string,
    outcome: StepOutcome,
    at: string,
    options: { unlessClaimed?: boolean; completeRun?: boolean; replacing?: StepOutcome } = {},
  ): Promise<boolean> {
    const recorded = this.record(run, stepId, outcome, at, options);
    if (options.completeRun) await this.completeRun(run, at);
    return recorded;
  }

  private record(
    run: RunContext,
    stepId: string,
    outcome: StepOutcome,
    at: string,
    options: { unlessClaimed?: boolean; replacing?: StepOutcome },
  ): boolean {
    const k = key(run.workspaceId, run.runId, stepId);
    const existing = this.steps.get(k);
    // The first record stands (and is counted once); a claim is overwritten by its outcome (its
    // doubtSince kept, as the adapter's update keeps it), unless asked not to.
    if (existing && (existing.status !== "claimed" || options.unlessClaimed)) return false;
    // An execution over a claim SES's Reject marked records the rejection (see the adapter).
    const otherMessage =
      outcome.status === "executed" &&
      existing?.status === "claimed" &&
      existing.rejectedMessageIds !== undefined &&
      outcome.detail?.messageId !== undefined &&
      !existing.rejectedMessageIds.has(outcome.detail.messageId);
    const recorded =
      existing?.status === "claimed" && existing.rejection && outcome.status === "executed" && !otherMessage
        ? existing.rejection
        : outcome;
    this.steps.set(k, {
      status: recorded.status,
      outcome: structuredClone(recorded),
      recordedAt: at,
      ...(existing?.status === "claimed" ? { attempt: existing.attempt } : {}),
      ...(recorded !== outcome ? { corrected: true as const } : {}),
      // (and, for a lookup, when it was claimed)
      ...(existing?.doubtSince ? { doubtSince: existing.doubtSince } : {}),
      ...(existing?.doubtSince && existing.claimedAt ? { claimedAt: existing.claimedAt } : {}),
      ...(options.replacing && recorded === outcome
        ? { replacedOutcome: structuredClone(options.replacing) }
        : {}),
    });
    this.count(run, `steps.${stepId}.${recorded.status}`);
    return true;
  }

  async isStepFinal(workspaceId: string, runId: string, stepId: string, kind: EvidenceKind) {
    return isFinalForEvidence(this.steps.get(key(workspaceId, runId, stepId)), kind);
  }

  async settleStepInDoubt(
    workspaceId: string,
    runId: string,
    stepId: string,
    outcome: StepOutcome,
    at: string,
    options: { plainClaim?: boolean; messageId?: string; attempt?: string; replacing?: StepOutcome } = {},
  ): Promise<"settled" | "not_in_doubt"> {
    const k = key(workspaceId, runId, stepId);
    const existing = this.steps.get(k);
    const stored = this.runs.get(key(workspaceId, runId));
    if (!existing || !stored) return "not_in_doubt";
    // Another attempt's evidence leaves this claim or record as it is, but a record of the very
    // message it is about (see the adapter).
    const ofMessage =
      existing.status !== "claimed" &&
      options.messageId !== undefined &&
      existing.outcome.status === "executed" &&
      existing.outcome.detail?.messageId === options.messageId;
    // (nor a record made in doubt, by another attempt's Send: see the adapter)
    const sentElsewhere =
      existing.status !== "claimed" && isOpenToEvidence(existing) && outcome.status === "executed";
    if (!speaksFor(options.attempt, existing.attempt ?? "") && !ofMessage && !sentElsewhere)
      return "not_in_doubt";
    // A plain claim is settled as in doubt since it was claimed (see the adapter).
    const since =
      existing.doubtSince ??
      (options.plainClaim && existing.status === "claimed" ? existing.claimedAt : undefined);
    // A plain claim SES's Reject marked records the rejection (see the adapter).
    const marked =
      options.plainClaim && existing.status === "claimed" && !existing.doubtSince && existing.rejection;
    if (marked) outcome = marked;
    // (an execution of another message of the step is not corrected: see the adapter)
    const recordedMessage =
      existing.status === "claimed" || existing.outcome.status !== "executed"
        ? undefined
        : existing.outcome.detail?.messageId;
    const correcting =
      existing.status !== "claimed" &&
      correctsRecord(existing, outcome) &&
      !(recordedMessage && options.messageId && recordedMessage !== options.messageId);
    // Another attempt's Send keeps what it corrected (or stands in for), which that Send's Reject
    // restores (see the adapter).
    const replacing = marked
      ? undefined
      : correcting
        ? sentElsewhere && (options.replacing || !speaksFor(options.attempt, existing.attempt ?? ""))
          ? existing.outcome
          : undefined
        : options.replacing;
    const replaced = correcting && ofMessage ? existing.replacedOutcome : undefined;
    if (replaced) outcome = replaced;
    if (!since && !correcting) {
      // The attempt holding the claim records SES's answer next: the rejection waits there for it.
      if (existing.status === "claimed" && isRejection(outcome)) {
        existing.rejection ??= structuredClone(outcome);
        if (options.messageId !== undefined)
          existing.rejectedMessageIds = new Set([...(existing.rejectedMessageIds ?? []), options.messageId]);
      }
      return "not_in_doubt";
    }
    if (existing.status !== "claimed" && !correcting) return "not_in_doubt";
    if (existing.status !== "claimed") this.count(stored.run, `steps.${stepId}.${existing.status}`, -1);
    this.steps.set(k, {
      status: outcome.status,
      outcome: structuredClone(outcome),
      recordedAt: at,
      ...(since ? { doubtSince: since } : {}),
      ...(existing.claimedAt ? { claimedAt: existing.claimedAt } : {}),
      ...(existing.attempt === undefined ? {} : { attempt: existing.attempt }),
      ...(existing.status === "claimed" ? {} : { corrected: true as const }),
      ...(replacing ? { replacedOutcome: structuredClone(replacing) } : {}),
    });
    this.count(stored.run, `steps.${stepId}.${outcome.status}`);
    return "settled";
  }

  async listStepsInDoubt(workspaceId: string, runId: string) {
    const prefix = key(workspaceId, runId).slice(0, -1);
    return [...this.steps.entries()].flatMap(([k, step]) =>
      k.startsWith(`${prefix},`) && step.status === "claimed"
        ? [{ stepId: String(JSON.parse(k).at(-1)), attempt: step.attempt }]
        : [],
    );
  }

  async completeRun(run: RunContext, at: string) {
    await this.endRun(run, "completed", "steps_done", at);
  }

  async stopRun(run: RunRef, at: string) {
    const result = await this.endRun(run, "stopped", "moment_stopped", at);
    return result === "ended" ? ("stopped" as const) : ("already_ended" as const);
  }

  /** Test helper: an account in the moment with this run, as `enter` would have left it. */
  seedMembership(run: RunContext, endSteps: EndSteps = { completion: [], exit: [] }) {
    this.memberships.set(itemKey(membershipKeyOf(run)), {
      accountId: run.accountId,
      status: "active",
      runId: run.runId,
      activeRunId: run.runId,
      startedAt: run.startedAt,
      entries: 1,
    });
    this.activeRuns.set(this.activeRunKey(run), {
      momentId: run.momentId,
      runId: run.runId,
      ...(run.runKey === undefined ? {} : { runKey: run.runKey }),
      startedAt: run.startedAt,
      trigger: { timestamp: run.trigger.timestamp },
    });
    this.seedActiveRun(run, endSteps);
  }

  /** Test helper: puts an active run item in place (without its membership). */
  seedActiveRun(run: RunContext, endSteps: EndSteps = { completion: [], exit: [] }) {
    this.runs.set(key(run.workspaceId, run.runId), {
      run: structuredClone(run),
      status: "active",
      endSteps: structuredClone(endSteps),
    });
  }

  /** Test helper: a previous run of the account that ended at `endedAt` (for re-entry rules). */
  seedEndedMembership(scope: MembershipScope & { runId: string }, status: RunEnd, endedAt: string) {
    this.memberships.set(itemKey(membershipKeyOf(scope)), {
      accountId: scope.accountId,
      status,
      runId: scope.runId,
      startedAt: "2026-11-01T00:00:00.000Z",
      endedAt,
      entries: 1,
    });
  }

  /** Test helper: a claim left behind by an attempt that died mid-action. */
  seedClaim(run: RunContext, stepId: string, at = "2026-11-21T09:00:00.000Z", attempt = "died") {
    this.steps.set(key(run.workspaceId, run.runId, stepId), { status: "claimed", claimedAt: at, attempt });
  }

  async listRunSteps(workspaceId: string, runId: string): Promise<RunStepRecord[]> {
    const prefix = key(workspaceId, runId).slice(0, -1);
    const records: RunStepRecord[] = [];
    for (const [k, step] of this.steps) {
      if (!k.startsWith(`${prefix},`)) continue;
      const stepId = (JSON.parse(k) as string[])[2] ?? "";
      records.push(step.status === "claimed" ? { stepId, ...step } : { stepId, ...step });
    }
    return records.sort((a, b) => a.stepId.localeCompare(b.stepId));
  }

  step(run: RunContext, stepId: string): StoredStep | undefined {
    return this.steps.get(key(run.workspaceId, run.runId, stepId));
  }

  run(workspaceId: string, runId: string): FakeRun | undefined {
    return this.runs.get(key(workspaceId, runId));
  }

  membership(
    workspaceId: string,
    momentId: string,
    accountId: string,
    runKey?: string,
  ): StoredMembership | undefined {
    return this.memberships.get(itemKey(keys.membership(workspaceId, momentId, accountId, runKey)));
  }

  /** Test helper: a moment's counters, summed over shards. */
  statsOf(workspaceId: string, momentId: string): Record<string, number> {
    return { ...this.stats.get(key(workspaceId, momentId)) };
  }

  private activeRunKey(run: Pick<RunContext, "workspaceId" | "accountId" | "momentId" | "runKey">) {
    return itemKey(keys.accountRun(run.workspaceId, run.accountId, run.momentId, run.runKey));
  }

  private count(run: Pick<RunContext, "workspaceId" | "momentId">, counter: string, delta = 1) {
    const k = key(run.workspaceId, run.momentId);
    const counters = this.stats.get(k) ?? {};
    counters[counter] = (counters[counter] ?? 0) + delta;
    this.stats.set(k, counters);
  }
}

function toMembership({
  activeRunId: _active,
  entries: _entries,
  ...membership
}: StoredMembership): Membership {
  return structuredClone(membership);
}

/** The matcher's dedupe log: which messages were fully processed, and when. */
export class FakeMessageLog implements MessageLog {
  readonly markers = new Map<string, { at: string; outcome?: unknown }>();
  /** The copy of each message whose touch applied (FakeProfiles.touch writes it, as one item). */
  readonly touches = new Map<string, string>();

  async touchedBy(workspaceId: string, messageId: string) {
    return this.touches.get(key(workspaceId, messageId));
  }

  async isProcessed(workspaceId: string, messageId: string) {
    return this.markers.has(key(workspaceId, messageId));
  }

  async markProcessed(workspaceId: string, messageId: string, at: string) {
    this.markers.set(key(workspaceId, messageId), { at });
  }

  async processed<T>(workspaceId: string, messageId: string) {
    const marker = this.markers.get(key(workspaceId, messageId));
    return marker && { at: marker.at, outcome: structuredClone(marker.outcome) as T };
  }

  async finish<T>(workspaceId: string, messageId: string, outcome: T, at: string) {
    const k = key(workspaceId, messageId);
    const first = this.markers.get(k);
    if (first) return { first: false, at: first.at, outcome: structuredClone(first.outcome) as T };
    this.markers.set(k, { at, outcome: structuredClone(outcome) });
    return { first: true, at, outcome };
  }

  processedAt(workspaceId: string, messageId: string): string | undefined {
    return this.markers.get(key(workspaceId, messageId))?.at;
  }

  readonly outbox = new Map<string, unknown>();

  async stash<T>(workspaceId: string, messageId: string, payload: T): Promise<T> {
    const k = key(workspaceId, messageId);
    if (!this.outbox.has(k)) this.outbox.set(k, structuredClone(payload));
    return structuredClone(this.outbox.get(k)) as T;
  }
}

export class FakePublisher implements EventPublisher {
  readonly published: EventReceivedDetail[] = [];
  /** When set, the next publish throws it (and publishes nothing). */
  failWith: Error | undefined;

  async publish(details: EventReceivedDetail[]) {
    const error = this.failWith;
    if (error) {
      this.failWith = undefined;
      throw error;
    }
    this.published.push(...structuredClone(details));
  }
}

/**
 * Step Functions as far as starting and stopping go: executions are keyed by name (the run id for
 * the entry phase, `<runId>-end` for the completion or exit phase), a second start with a name is a
 * no-op; stopping (always the entry execution) an unknown or already stopped one is not an error.
 */
export class FakeWorkflows implements WorkflowController {
  readonly executions = new Map<string, RunInput>();
  readonly startCalls: RunInput[] = [];
  readonly stopCalls: { runId: string; cause: string }[] = [];
  /** Entry executions stopped, by name, with the cause. */
  readonly stopped = new Map<string, string>();
  /** When set, stopping this run id throws it (a throttled StopExecution, say). */
  failStopOf: Map<string, Error> = new Map();

  async stop(runId: string, cause: string) {
    this.stopCalls.push({ runId, cause });
    const failure = this.failStopOf.get(runId);
    if (failure) throw failure;
    if (!this.executions.has(runId) || this.stopped.has(runId)) return "not_running" as const;
    this.stopped.set(runId, cause);
    return "stopped" as const;
  }

  async start(input: RunInput) {
    this.startCalls.push(structuredClone(input));
    const name = input.phase === "entry" ? input.run.runId : endExecutionName(input.run.runId);
    if (this.executions.has(name)) return "already_started" as const;
    this.executions.set(name, structuredClone(input));
    return "started" as const;
  }

  /** Executions finishing an ended run's entry steps in doubt, by run id: their steps. */
  readonly finishes = new Map<string, string[]>();

  async startFinish(run: RunContext, steps: string[]) {
    if (this.finishes.has(run.runId)) return "already_started" as const;
    this.finishes.set(run.runId, [...steps]);
    return "started" as const;
  }

  /** Abandonment gates started, by execution name. */
  readonly gates = new Map<string, Gate>();
  /** Re-driven executions (the work a failed execution left), by execution name. */
  readonly restarts = new Map<string, ExecutionInput>();

  async restart(name: string, input: ExecutionInput) {
    if (this.restarts.has(name)) return "already_started" as const;
    this.restarts.set(name, structuredClone(input));
    return "started" as const;
  }

  /** Lookup executions started (a step of an ended run in doubt), by execution name. */
  readonly lookups = new Map<string, { runId: string; phase: RunPhase; stepId: string }>();

  async startLookup(run: { runId: string }, phase: RunPhase, stepId: string) {
    const name = lookupExecutionName(run.runId, stepId);
    if (this.lookups.has(name)) return "already_started" as const;
    this.lookups.set(name, { runId: run.runId, phase, stepId });
    return "started" as const;
  }

  async startGate(gate: Gate, name: string) {
    if (this.gates.has(name)) return "already_started" as const;
    this.gates.set(name, structuredClone(gate));
    return "started" as const;
  }

  /** The run's entry execution, if started. */
  entry(runId: string): RunInput | undefined {
    return this.executions.get(runId);
  }

  /** The run's end (completion or exit) execution, if started. */
  end(runId: string): RunInput | undefined {
    return this.executions.get(endExecutionName(runId));
  }
}

export class FakeMailer implements Mailer {
  readonly sent: OutgoingEmail[] = [];
  private readonly failures: Error[] = [];

  /** The next send throws this error (queue several for several sends). */
  failNextWith(error: Error) {
    this.failures.push(error);
  }

  async send(email: OutgoingEmail) {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.sent.push(structuredClone(email));
    return { messageId: `ses-${this.sent.length}` };
  }
}

// Builders of valid domain objects; override what a test is about.

export function aMoment(overrides: Partial<Moment> = {}): Moment {
  return {
    id: "m_1",
    workspaceId: "ws_1",
    name: "Recover failed payments",
    description: "",
    goal: "recover",
    status: "running",
    version: 1,
    template: "custom",
    sourceIds: ["src_1"],
    actionsEnabled: true,
    samplingRate: 100,
    start: { event: "payment_failed" },
    end: [],
    reentry: { policy: "once" },
    steps: [
      {
        id: "s1",
        phase: "entry",
        delay: { amount: 0, unit: "minutes" },
        action: { type: "send_email", templateId: "t_1" },
      },
    ],
    createdAt: "2026-11-01T00:00:00.000Z",
    updatedAt: "2026-11-01T00:00:00.000Z",
    ...overrides,
  };
}

export function aSource(overrides: Partial<Source> = {}): Source {
  return {
    id: "src_1",
    workspaceId: "ws_1",
    name: "Web app",
    allowedDomains: [],
    createdAt: "2026-11-01T00:00:00.000Z",
    ...overrides,
  };
}

export function aTemplate(overrides: Partial<EmailTemplate> = {}): EmailTemplate {
  return {
    id: "t_1",
    workspaceId: "ws_1",
    name: "Card failed",
    from: '"Anna at Acme" <anna@mail.acme.com>',
    subject: "Hi {first_name|there}",
    text: "Your card ending {event.last4} failed.",
    createdAt: "2026-11-01T00:00:00.000Z",
    updatedAt: "2026-11-01T00:00:00.000Z",
    ...overrides,
  };
}

export function aRun(overrides: Partial<RunContext> = {}): RunContext {
  return {
    workspaceId: "ws_1",
    momentId: "m_1",
    momentVersion: 1,
    runId: "run_1",
    accountId: "acct_1",
    startedAt: "2026-11-21T10:00:00.000Z",
    actionsEnabled: true,
    trigger: {
      event: "payment_failed",
      messageId: "msg_1",
      timestamp: "2026-11-21T09:59:00.000Z",
      properties: {},
    },
    ...overrides,
  };
}

export function anEventDetail(overrides: Partial<EventReceivedDetail> = {}): EventReceivedDetail {
  return {
    workspaceId: "ws_1",
    sourceId: "src_1",
    messageId: "msg_1",
    event: "payment_failed",
    accountId: "acct_1",
    timestamp: "2026-11-21T09:59:00.000Z",
    receivedAt: "2026-11-21T10:00:00.000Z",
    properties: {},
    ...overrides,
  };
}

/** The fake config repository serves as each of the three config ports. */
export function configRepos(config: FakeConfigRepository) {
  return { moments: config, sources: config, templates: config };
}

/** Armed abandonment starts, in memory, with the adapter's semantics (latest trigger wins; take by token). */
export class FakePendingStarts implements PendingStartRepository {
  readonly armed = new Map<string, PendingStart & { workspaceId: string; accountId: string }>();
  /** Cancellations kept (the adapter's tombstones): when the unless event happened. */
  readonly cancelledAt = new Map<string, string>();

  private key(workspaceId: string, accountId: string, momentId: string, runKey?: string) {
    return JSON.stringify([workspaceId, accountId, momentId, runKey ?? null]);
  }

  async arm(
    pending: PendingStart & { workspaceId: string; accountId: string },
    at: string,
  ): Promise<ArmResult> {
    const key = this.key(pending.workspaceId, pending.accountId, pending.momentId, pending.runKey);
    const current = this.armed.get(key);
    // An older trigger never replaces a newer one, nor arms past a later cancellation.
    const cancelledAt = this.cancelledAt.get(key);
    if (cancelledAt !== undefined && cancelledAt >= pending.trigger.timestamp) return "unless_event";
    if (current && current.trigger.timestamp > pending.trigger.timestamp) return "newer_trigger";
    this.cancelledAt.delete(key);
    const waiting =
      current !== undefined &&
      current.token !== pending.token &&
      Date.parse(current.dueAt) > Date.parse(at) + GATE_MARGIN_MS;
    // The item keeps naming the gate that waits for it (one gate per start).
    this.armed.set(
      key,
      structuredClone(waiting && current.gate ? { ...pending, gate: current.gate } : pending),
    );
    if (waiting) {
      const { workspaceId: _w, accountId: _a, ...rearmed } = current;
      return { rearmed };
    }
    return "armed";
  }

  async current(workspaceId: string, accountId: string, momentId: string, runKey: string | undefined) {
    const pending = this.armed.get(this.key(workspaceId, accountId, momentId, runKey));
    return pending && { token: pending.token, dueAt: pending.dueAt };
  }

  async peek(
    workspaceId: string,
    accountId: string,
    momentId: string,
    runKey: string | undefined,
    token: string,
  ) {
    const pending = this.armed.get(this.key(workspaceId, accountId, momentId, runKey));
    return pending?.token === token ? structuredClone(pending.trigger) : undefined;
  }

  async cancel(
    workspaceId: string,
    accountId: string,
    momentId: string,
    runKey: string | undefined,
    at: string,
  ) {
    const key = this.key(workspaceId, accountId, momentId, runKey);
    const current = this.armed.get(key);
    // A trigger that happened after the unless event stays armed.
    if (current && current.trigger.timestamp > at) return false;
    const previous = this.cancelledAt.get(key);
    if (previous === undefined || previous <= at) this.cancelledAt.set(key, at);
    return this.armed.delete(key);
  }

  async take(
    workspaceId: string,
    accountId: string,
    momentId: string,
    runKey: string | undefined,
    token: string,
  ) {
    const key = this.key(workspaceId, accountId, momentId, runKey);
    const pending = this.armed.get(key);
    if (pending?.token !== token) return undefined;
    this.armed.delete(key);
    return structuredClone(pending.trigger);
  }
}

/**
 * SES's sending event about a step's email, in the shape EventBridge delivers it to ses-feedback:
 * its tags name the step (and, since emails carry it, the claim's attempt).
 */
export function sesStepEvent(
  type: "Email Sent" | "Email Rejected",
  mail: { messageId: string; timestamp?: string; runId?: string; stepId: string; attempt?: string },
) {
  return {
    source: "aws.ses",
    "detail-type": type,
    detail: {
      mail: {
        messageId: mail.messageId,
        ...(mail.timestamp === undefined ? {} : { timestamp: mail.timestamp }),
        tags: {
          workspace: ["ws_1"],
          run: [mail.runId ?? "run_1"],
          step: [mail.stepId],
          ...(mail.attempt === undefined ? {} : { attempt: [mail.attempt] }),
        },
      },
      ...(type === "Email Rejected" ? { reject: { reason: "Bad content" } } : {}),
    },
  };
}
