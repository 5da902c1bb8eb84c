/**
 * In-memory implementations of the ports in shared/ports/, for use-case tests. Each keeps the
 * semantics its port documents (and the DynamoDB adapter implements), so a use case tested against a
 * fake behaves the same against the real adapter; each also exposes its state for assertions.
 */
import type { EventReceivedDetail } from "../../shared/contracts/bus.js";
import type { RunContext, RunInput, StepOutcome } from "../../shared/contracts/workflow.js";
import type { EmailTemplate } from "../../shared/domain/email-template.js";
import type { IntegrationKind, StoredIntegration } from "../../shared/domain/integration.js";
import type { Moment, MomentStatus } from "../../shared/domain/moment.js";
import type { Source } from "../../shared/domain/source.js";
import type { Clock } from "../../shared/ports/clock.js";
import type { EventPublisher, Mailer, OutgoingEmail } from "../../shared/ports/delivery.js";
import type { EmailTemplateRepository } from "../../shared/ports/email-templates.js";
import type { IntegrationReader } from "../../shared/ports/integrations.js";
import type { MomentRepository } from "../../shared/ports/moments.js";
import type { Profile, ProfileRepository } from "../../shared/ports/profiles.js";
import type {
  EnterResult,
  Membership,
  MembershipStatus,
  RunRef,
  RunRepository,
  RunStatus,
  StepClaim,
  WorkflowController,
} from "../../shared/ports/runs.js";
import type { SourceRepository } from "../../shared/ports/sources.js";

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

  async findRunningMomentsStartingOn(workspaceId: string, eventName: string) {
    return [...this.moments.values()]
      .filter((m) => m.workspaceId === workspaceId && m.status === "running" && m.start.event === eventName)
      .map((m) => structuredClone(m));
  }
}

/** Integrations as the moment use cases see them: a lookup by id within a workspace. */
export class FakeIntegrations implements IntegrationReader {
  readonly integrations = new Map<string, StoredIntegration>();

  add(workspaceId: string, id: string, kind: IntegrationKind) {
    const base = {
      id,
      workspaceId,
      name: `${kind} ${id}`,
      createdAt: "2026-11-01T00:00:00.000Z",
      updatedAt: "2026-11-01T00:00:00.000Z",
    };
    const secret = "s".repeat(32);
    const integration: StoredIntegration =
      kind === "slack"
        ? { ...base, kind, botToken: `xoxb-${secret}` }
        : kind === "attio"
          ? { ...base, kind, accessToken: secret }
          : { ...base, kind, signingSecret: `whsec_${secret}` };
    this.integrations.set(key(workspaceId, id), integration);
  }

  async getIntegration(workspaceId: string, integrationId: string) {
    const integration = this.integrations.get(key(workspaceId, integrationId));
    return integration && structuredClone(integration);
  }
}

export class FakeProfiles implements ProfileRepository {
  readonly profiles = new Map<string, Profile>();

  async mergeTraits(workspaceId: string, accountId: string, traits: Record<string, unknown>, at: string) {
    const k = key(workspaceId, accountId);
    const stored = this.profiles.get(k);
    this.profiles.set(k, {
      workspaceId,
      accountId,
      traits: { ...stored?.traits, ...structuredClone(traits) },
      updatedAt: at,
    });
  }

  async get(workspaceId: string, accountId: string) {
    const profile = this.profiles.get(key(workspaceId, accountId));
    return profile && structuredClone(profile);
  }

  /** Test helper: the stored traits of an account, or undefined. */
  traitsOf(workspaceId: string, accountId: string) {
    return this.profiles.get(key(workspaceId, accountId))?.traits;
  }
}

interface StoredMembership extends Membership {
  activeRunId?: string;
}

export interface StoredRun {
  run: RunContext;
  status: RunStatus;
  endedAt?: string;
}

export type StoredStep =
  | { status: "claimed"; claimedAt: string }
  | { status: StepOutcome["status"]; outcome: StepOutcome; recordedAt: string };

/**
 * Runs, memberships and step records with the semantics of DynamoRunRepository: the membership is a
 * lock holding at most one active run per (moment, account); a step is claimed before its side effect.
 */
export class FakeRunRepository implements RunRepository {
  readonly memberships = new Map<string, StoredMembership>();
  readonly runs = new Map<string, StoredRun>();
  readonly steps = new Map<string, StoredStep>();

  async enter(run: RunContext): Promise<EnterResult> {
    const k = key(run.workspaceId, run.momentId, run.accountId);
    const membership = this.memberships.get(k);
    if (membership?.activeRunId !== undefined) {
      if (membership.activeRunId !== run.runId) return "already_active";
      // The same run again (a redelivery): answered "entered" so the caller re-drives the start.
    } else if (membership?.runId === run.runId) {
      return "already_ran";
    } else {
      this.memberships.set(k, {
        accountId: run.accountId,
        status: "active",
        runId: run.runId,
        activeRunId: run.runId,
        startedAt: run.startedAt,
      });
    }
    const runKey = key(run.workspaceId, run.runId);
    if (!this.runs.has(runKey)) this.runs.set(runKey, { run: structuredClone(run), status: "active" });
    return "entered";
  }

  async listMemberships(
    workspaceId: string,
    momentId: string,
    page: { limit: number; cursor?: string; status?: MembershipStatus },
  ) {
    // Keys are JSON arrays: a membership key is the moment key with one more element.
    const prefix = `${key(workspaceId, momentId).slice(0, -1)},`;
    const all = [...this.memberships.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .map(([, m]) => m)
      .filter((m) => page.status === undefined || m.status === page.status)
      .sort((a, b) => a.accountId.localeCompare(b.accountId))
      .filter((m) => page.cursor === undefined || m.accountId > page.cursor);
    const items = all.slice(0, page.limit).map(({ activeRunId: _active, ...membership }) => membership);
    const last = items.at(-1);
    return { items, ...(all.length > page.limit && last ? { nextCursor: last.accountId } : {}) };
  }

  async getRunStatus(workspaceId: string, runId: string) {
    return this.runs.get(key(workspaceId, runId))?.status;
  }

  async claimStep(run: RunContext, stepId: string, at: string): Promise<StepClaim> {
    const k = key(run.workspaceId, run.runId, stepId);
    const existing = this.steps.get(k);
    if (!existing) {
      this.steps.set(k, { status: "claimed", claimedAt: at });
      return "claimed";
    }
    return existing.status === "claimed" ? "in_doubt" : "already_done";
  }

  async releaseStep(run: RunContext, stepId: string) {
    const k = key(run.workspaceId, run.runId, stepId);
    if (this.steps.get(k)?.status === "claimed") this.steps.delete(k);
  }

  async recordStep(run: RunContext, stepId: string, outcome: StepOutcome, at: string) {
    this.steps.set(key(run.workspaceId, run.runId, stepId), {
      status: outcome.status,
      outcome: structuredClone(outcome),
      recordedAt: at,
    });
  }

  async completeRun(run: RunContext, at: string) {
    const stored = this.runs.get(key(run.workspaceId, run.runId));
    let outcome: "completed" | "stopped" = "completed";
    if (stored?.status === "stopped") {
      // A stopped run keeps its outcome.
      outcome = "stopped";
    } else if (stored) {
      stored.status = "completed";
      stored.endedAt ??= at;
    } else {
      this.runs.set(key(run.workspaceId, run.runId), { run, status: "completed", endedAt: at });
    }
    const membership = this.memberships.get(key(run.workspaceId, run.momentId, run.accountId));
    // Only the run holding the membership releases it.
    if (membership && membership.activeRunId === run.runId) {
      membership.status = outcome;
      membership.endedAt = at;
      delete membership.activeRunId;
    }
  }

  async stopRun(run: RunRef, at: string) {
    const stored = this.runs.get(key(run.workspaceId, run.runId));
    if (stored?.status === "completed") return "already_ended" as const;
    if (stored) {
      stored.status = "stopped";
      stored.endedAt ??= at;
    }
    const membership = this.memberships.get(key(run.workspaceId, run.momentId, run.accountId));
    if (!membership || membership.activeRunId !== run.runId) return "stopped" as const;
    membership.status = "stopped";
    membership.endedAt = at;
    delete membership.activeRunId;
    return "stopped" as const;
  }

  /** Test helper: an account in the moment with this run, as `enter` would have left it. */
  seedMembership(run: RunContext) {
    this.memberships.set(key(run.workspaceId, run.momentId, run.accountId), {
      accountId: run.accountId,
      status: "active",
      runId: run.runId,
      activeRunId: run.runId,
      startedAt: run.startedAt,
    });
    this.seedActiveRun(run);
  }

  /** Test helper: puts an active run in place, as `enter` would have. */
  seedActiveRun(run: RunContext) {
    this.runs.set(key(run.workspaceId, run.runId), { run: structuredClone(run), status: "active" });
  }

  /** Test helper: a claim left behind by an attempt that died mid-action. */
  seedClaim(run: RunContext, stepId: string, at = "2026-11-21T09:00:00.000Z") {
    this.steps.set(key(run.workspaceId, run.runId, stepId), { status: "claimed", claimedAt: at });
  }

  step(run: RunContext, stepId: string): StoredStep | undefined {
    return this.steps.get(key(run.workspaceId, run.runId, stepId));
  }

  run(workspaceId: string, runId: string): StoredRun | undefined {
    return this.runs.get(key(workspaceId, runId));
  }

  membership(workspaceId: string, momentId: string, accountId: string): StoredMembership | undefined {
    return this.memberships.get(key(workspaceId, momentId, accountId));
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
 * Step Functions as far as starting and stopping go: execution names are unique, a second start is a
 * no-op; stopping an unknown or already stopped execution is not an error.
 */
export class FakeWorkflows implements WorkflowController {
  readonly executions = new Map<string, RunInput>();
  readonly startCalls: RunInput[] = [];
  readonly stopped = new Map<string, string>();
  /** When set, stopping this run id throws it (a throttled StopExecution, say). */
  failStopOf: Map<string, Error> = new Map();

  async stop(runId: string, cause: string) {
    const failure = this.failStopOf.get(runId);
    if (failure) throw failure;
    if (!this.executions.has(runId) || this.stopped.has(runId)) return "not_running" as const;
    this.stopped.set(runId, cause);
    return "stopped" as const;
  }

  async start(input: RunInput) {
    this.startCalls.push(structuredClone(input));
    if (this.executions.has(input.run.runId)) return "already_started" as const;
    this.executions.set(input.run.runId, structuredClone(input));
    return "started" as const;
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
