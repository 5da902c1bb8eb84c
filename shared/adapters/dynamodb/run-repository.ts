import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { expiresAtFor, INSIGHT_TTL_SECONDS, keys, sortKeyPrefix } from "../../contracts/table.js";
import {
  correctsRecord,
  type EndSteps,
  isFinalForEvidence,
  isOpenToEvidence,
  isRejection,
  type RunContext,
  type StepInput,
  type StepOutcome,
} from "../../contracts/workflow.js";
import { breakdownCounter, type EndCause } from "../../domain/report.js";
import {
  decidingEvidence,
  EVIDENCE_KINDS,
  type EvidenceKind,
  speaksFor,
} from "../../domain/step-evidence.js";
import type {
  ActiveRun,
  ClaimedStep,
  EnterResult,
  EntryGuard,
  Membership,
  MembershipStatus,
  PinnedEndRules,
  PinnedSteps,
  PinnedTimeout,
  RunEnd,
  RunRef,
  RunRepository,
  RunStatus,
  RunStepRecord,
  StepClaim,
  StepEvidence,
  StoredRun,
} from "../../ports/runs.js";
import { failedConditions, isConditionalCheckFailed, transactWrite, withConflictRetries } from "./errors.js";
import { decodeCursor, encodeCursor, queryAll } from "./item.js";
import { runCounted, statsUpdate } from "./stats-ops.js";

export class DynamoRunRepository implements RunRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * One transaction: the membership (the lock: one active run per moment, account and run key, and
   * the re-entry rule), the run with its pinned end steps, the account's active-run index, and the
   * stats counter. So an entry is counted exactly once, and never half made.
   */
  async enter(
    run: RunContext,
    steps: PinnedSteps,
    guard: EntryGuard = { policy: "after_exit" },
    pinned?: PinnedEndRules,
  ): Promise<EnterResult> {
    const membershipKey = keys.membership(run.workspaceId, run.momentId, run.accountId, run.runKey);
    const guardCondition = {
      once: "attribute_not_exists(runId)",
      after_exit: "attribute_not_exists(activeRunId) AND (attribute_not_exists(runId) OR runId <> :run)",
      cooldown:
        "attribute_not_exists(activeRunId) AND (attribute_not_exists(runId) OR (runId <> :run AND endedAt < :endedBefore))",
    }[guard.policy];
    if (
      await transactWrite(this.db, [
        {
          Update: {
            TableName: this.tableName,
            Key: membershipKey,
            UpdateExpression:
              "SET #type = :type, accountId = :account, momentId = :moment, #status = :active, runId = :run, activeRunId = :run, startedAt = :at ADD entries :one REMOVE endedAt",
            ConditionExpression: guardCondition,
            ExpressionAttributeNames: { "#type": "type", "#status": "status" },
            ExpressionAttributeValues: {
              ":type": "membership",
              ":account": run.accountId,
              ":moment": run.momentId,
              ":active": "active",
              ":run": run.runId,
              ":at": run.startedAt,
              ":one": 1,
              ...(guard.policy === "cooldown" ? { ":endedBefore": guard.endedBefore } : {}),
            },
          },
        },
        {
          Put: {
            TableName: this.tableName,
            Item: {
              ...keys.run(run.workspaceId, run.runId),
              type: "run",
              // What getRun and the settle's projection read beside the context. (Items before this
              // one also kept the run id, workspace, moment version and the trigger's event and
              // messageId beside it, read by nothing: the key and the context hold them.)
              momentId: run.momentId,
              accountId: run.accountId,
              ...(run.runKey === undefined ? {} : { runKey: run.runKey }),
              status: "active",
              startedAt: run.startedAt,
              // The pinned context an end rule or timeout continues the run from, without what the
              // key and the attributes above already hold (getRun puts them back): every write of the
              // run (its entry and its end, both in transactions at 2 WRU per started KB) pays for its
              // whole size, and the trigger's properties share the first KB with the rest.
              context: storedContext(run),
              // The steps of every phase and the timeout: executions carry their ids only. No end
              // steps are no attribute (getRun reads none as none): every update of the run is billed
              // by its whole size, per started KB, twice in a transaction.
              ...(steps.completion.length > 0 || steps.exit.length > 0
                ? { endSteps: { completion: steps.completion, exit: steps.exit } }
                : {}),
              ...(steps.entry ? { entrySteps: steps.entry } : {}),
              ...(steps.timeout ? { timeout: steps.timeout } : {}),
            },
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
        {
          Put: {
            TableName: this.tableName,
            Item: {
              ...keys.accountRun(run.workspaceId, run.accountId, run.momentId, run.runKey),
              type: "account_run",
              momentId: run.momentId,
              runId: run.runId,
              ...(run.runKey === undefined ? {} : { runKey: run.runKey }),
              startedAt: run.startedAt,
              triggerTimestamp: run.trigger.timestamp,
              ...(pinned ? { pinned } : {}),
            },
          },
        },
        ...runCounted(this.tableName, run, "entered", run.startedAt),
      ])
    )
      return "entered";
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: membershipKey, ConsistentRead: true }),
    );
    // The same run again (a redelivery): the first attempt's transaction made it whole; carry on.
    if (Item?.activeRunId === run.runId) return "entered";
    if (Item?.runId === run.runId) return "already_ran";
    if (Item?.activeRunId !== undefined) return "already_active";
    return "reentry_blocked";
  }

  async getMembership(run: Pick<RunContext, "workspaceId" | "momentId" | "accountId" | "runKey">) {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.membership(run.workspaceId, run.momentId, run.accountId, run.runKey),
        ConsistentRead: true,
      }),
    );
    return Item ? toMembership(Item) : undefined;
  }

  async listActiveRuns(workspaceId: string, accountId: string, alsoEndedBy?: string): Promise<ActiveRun[]> {
    const { pk } = keys.accountRun(workspaceId, accountId, "");
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
      FilterExpression:
        alsoEndedBy === undefined
          ? "attribute_not_exists(endedBy)"
          : "attribute_not_exists(endedBy) OR endedBy = :by",
      ExpressionAttributeValues: {
        ":pk": pk,
        ":prefix": sortKeyPrefix.activeRun,
        ...(alsoEndedBy === undefined ? {} : { ":by": alsoEndedBy }),
      },
    });
    return items.map(
      (item): ActiveRun => ({
        momentId: String(item.momentId),
        runId: String(item.runId),
        ...(typeof item.runKey === "string" ? { runKey: item.runKey } : {}),
        startedAt: String(item.startedAt),
        ...(typeof item.triggerTimestamp === "string"
          ? { trigger: { timestamp: item.triggerTimestamp } }
          : {}),
        ...(item.pinned ? { pinned: item.pinned as PinnedEndRules } : {}),
      }),
    );
  }

  async listRunSteps(workspaceId: string, runId: string): Promise<RunStepRecord[]> {
    const { pk } = keys.run(workspaceId, runId);
    const records: RunStepRecord[] = [];
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :step)",
      ExpressionAttributeValues: { ":pk": pk, ":step": sortKeyPrefix.runStep },
      ConsistentRead: true,
    });
    for (const item of items) {
      if (typeof item.stepId !== "string") continue;
      const doubt = typeof item.doubtSince === "string" ? { doubtSince: item.doubtSince } : {};
      if (item.status === "claimed" && typeof item.claimedAt === "string") {
        records.push({ stepId: item.stepId, status: "claimed", claimedAt: item.claimedAt, ...doubt });
      } else if (item.outcome && typeof item.recordedAt === "string") {
        const outcome = item.outcome as StepOutcome;
        records.push({
          stepId: item.stepId,
          status: outcome.status,
          outcome,
          recordedAt: item.recordedAt,
          ...(typeof item.claimedAt === "string" ? { claimedAt: item.claimedAt } : {}),
          ...doubt,
        });
      }
    }
    return records;
  }

  async recordTestSend(run: RunContext, stepId: string, outcome: StepOutcome, at: string) {
    const expiresAt = expiresAtFor(at, INSIGHT_TTL_SECONDS);
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.tableName,
              Item: {
                ...keys.run(run.workspaceId, run.runId),
                type: "run",
                test: true,
                runId: run.runId,
                workspaceId: run.workspaceId,
                momentId: run.momentId,
                momentVersion: run.momentVersion,
                accountId: run.accountId,
                status: "completed",
                startedAt: run.startedAt,
                endedAt: at,
                endedBy: "test_send",
                // Without the sample event's properties: they were rendered already, and an admin's
                // sample can be as large as a request, too large for an item.
                context: { ...run, trigger: { ...run.trigger, properties: {} } },
                expiresAt,
              },
              // Test run ids are fresh: never replace a real run.
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          {
            Put: {
              TableName: this.tableName,
              Item: {
                ...keys.runStep(run.workspaceId, run.runId, stepId),
                type: "run_step",
                stepId,
                status: outcome.status,
                outcome,
                recordedAt: at,
                expiresAt,
              },
            },
          },
        ],
      }),
    );
  }

  async getRun(workspaceId: string, runId: string): Promise<StoredRun | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.run(workspaceId, runId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return {
      runId,
      workspaceId,
      momentId: String(Item.momentId),
      accountId: String(Item.accountId),
      ...(typeof Item.runKey === "string" ? { runKey: Item.runKey } : {}),
      status: toStatus(Item.status),
      startedAt: String(Item.startedAt),
      ...(typeof Item.endedAt === "string" ? { endedAt: Item.endedAt } : {}),
      ...(typeof Item.endedBy === "string" ? { endedBy: Item.endedBy } : {}),
      endSteps: (Item.endSteps as EndSteps | undefined) ?? { completion: [], exit: [] },
      ...(Array.isArray(Item.entrySteps) ? { entrySteps: Item.entrySteps as StepInput[] } : {}),
      ...(Item.timeout ? { timeout: Item.timeout as PinnedTimeout } : {}),
      ...(Item.context ? { context: runContextOf(Item as StoredRunItem, workspaceId, runId) } : {}),
      ...(Item.test === true ? { test: true as const } : {}),
    };
  }

  /**
   * One transaction: the run's outcome (only from active: exactly one outcome, however many end
   * events race), the membership's release, the active-run index, and the outcome's counters (the
   * total, its cause, and the series' hour and day buckets).
   */
  async endRun(
    run: RunRef,
    outcome: RunEnd,
    endedBy: string,
    at: string,
    cause?: EndCause,
  ): Promise<"ended" | "already_ended"> {
    if (await transactWrite(this.db, this.endItems(run, outcome, endedBy, at, cause))) return "ended";
    const stored = await this.getRun(run.workspaceId, run.runId);
    // A retry of the call that ended it: answer as it did, so the caller finishes what it started.
    return stored?.status === outcome && stored.endedBy === endedBy ? "ended" : "already_ended";
  }

  /** The items of endRun's transaction; `counted`: more counters for its stats update. */
  private endItems(
    run: RunRef,
    outcome: RunEnd,
    endedBy: string,
    at: string,
    cause?: EndCause,
    counted: Record<string, number> = {},
  ) {
    return [
      {
        Update: {
          TableName: this.tableName,
          Key: keys.run(run.workspaceId, run.runId),
          // The outcome is the status (runs ended before this also kept it as `outcome`, read by nothing).
          UpdateExpression: "SET #status = :outcome, endedAt = :at, endedBy = :by",
          ConditionExpression: "#status = :active",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":outcome": outcome,
            ":at": at,
            ":by": endedBy,
            ":active": "active",
          },
        },
      },
      {
        Update: {
          TableName: this.tableName,
          Key: keys.membership(run.workspaceId, run.momentId, run.accountId, run.runKey),
          UpdateExpression: "SET #status = :outcome, endedAt = :at REMOVE activeRunId",
          ConditionExpression: "activeRunId = :run",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":outcome": outcome, ":at": at, ":run": run.runId },
        },
      },
      {
        // Marked, not deleted: until it expires, a redelivery of the event that ended the run
        // still finds it and can finish the end (stop the entry, start the end execution).
        Update: {
          TableName: this.tableName,
          Key: keys.accountRun(run.workspaceId, run.accountId, run.momentId, run.runKey),
          UpdateExpression: "SET endedBy = :by, endedAt = :at, expiresAt = :expires",
          ExpressionAttributeValues: {
            ":by": endedBy,
            ":at": at,
            ":expires": expiresAtFor(at, INSIGHT_TTL_SECONDS),
          },
        },
      },
      ...runCounted(this.tableName, run, outcome, at, cause, counted),
    ];
  }

  /**
   * With a status, memberships of other statuses are filtered out by DynamoDB after reading, so one
   * query page may hold few matches: we read on until the page is full, but at most
   * MAX_FILTERED_READS queries per call (a moment with a million finished accounts and a handful of
   * active ones must not make one request read them all). A page may therefore hold fewer items
   * than `limit` and still have a `nextCursor`.
   */
  async listMemberships(
    workspaceId: string,
    momentId: string,
    page: { limit: number; cursor?: string; status?: MembershipStatus },
  ) {
    const { pk, skPrefix } = keys.membershipPrefix(workspaceId, momentId);
    const items: Membership[] = [];
    let startKey: Record<string, unknown> | undefined = page.cursor
      ? decodeCursor(page.cursor, pk, skPrefix)
      : undefined;
    let reads = 0;
    do {
      const result = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
          ExpressionAttributeValues: {
            ":pk": pk,
            ":prefix": skPrefix,
            ...(page.status ? { ":status": page.status } : {}),
          },
          ...(page.status
            ? { FilterExpression: "#status = :status", ExpressionAttributeNames: { "#status": "status" } }
            : {}),
          // Never more than the page still needs, so LastEvaluatedKey is exactly where to resume.
          Limit: page.limit - items.length,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of result.Items ?? []) items.push(toMembership(item));
      startKey = result.LastEvaluatedKey;
      reads += 1;
    } while (startKey && items.length < page.limit && reads < MAX_FILTERED_READS);
    return { items, ...(startKey ? { nextCursor: encodeCursor(startKey) } : {}) };
  }

  async getRunStatus(workspaceId: string, runId: string) {
    const { Item } = await this.db.send(
      // Once per step: the status only, not the run's pinned context.
      new GetCommand({
        TableName: this.tableName,
        Key: keys.run(workspaceId, runId),
        ConsistentRead: true,
        ProjectionExpression: "#status",
        ExpressionAttributeNames: { "#status": "status" },
      }),
    );
    if (!Item) return undefined;
    return toStatus(Item.status);
  }

  async claimStep(run: RunContext, stepId: string, attempt: string, at: string): Promise<StepClaim> {
    const key = keys.runStep(run.workspaceId, run.runId, stepId);
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key, type: "run_step", stepId, status: "claimed", claimedAt: at, attempt },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return { status: "claimed" };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    if (Item?.status !== "claimed")
      return {
        status: "already_done",
        ...(Item?.outcome ? { outcome: Item.outcome as StepOutcome } : {}),
        ...(typeof Item?.correctedAt === "string" ? { corrected: true as const } : {}),
      };
    // Our own claim: the first write was applied and only its answer was lost (the SDK retried it).
    if (Item.attempt === attempt) return { status: "claimed" };
    return {
      status: "in_doubt",
      // A claim written before claims carried their attempt: "" stands for it.
      attempt: typeof Item.attempt === "string" ? Item.attempt : "",
      ...(typeof Item.doubtSince === "string" ? { doubtSince: Item.doubtSince } : {}),
      ...(typeof Item.claimedAt === "string" ? { claimedAt: Item.claimedAt } : {}),
    };
  }

  async markStepInDoubt(run: RunContext, stepId: string, attempt: string, at: string) {
    const { Attributes } = await this.db
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.runStep(run.workspaceId, run.runId, stepId),
          UpdateExpression: "SET doubtSince = if_not_exists(doubtSince, :at)",
          ConditionExpression: `#status = :claimed AND ${attemptIs(attempt)}`,
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":at": at, ":claimed": "claimed", ...attemptValue(attempt) },
          ReturnValues: "ALL_NEW",
        }),
      )
      .catch((error: unknown) => {
        // Recorded or taken over meanwhile: the doubt is someone else's to resolve, from now.
        if (isConditionalCheckFailed(error)) return { Attributes: { doubtSince: at } };
        throw error;
      });
    return typeof Attributes?.doubtSince === "string" ? Attributes.doubtSince : at;
  }

  async takeOverStep(run: RunContext, stepId: string, from: string, to: string, at: string) {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.runStep(run.workspaceId, run.runId, stepId),
          // (SES's Reject marked on the claim was of the attempt taken over: see markRejection)
          UpdateExpression:
            "SET attempt = :to, claimedAt = :at REMOVE doubtSince, rejection, rejectedMessageIds",
          ConditionExpression: `#status = :claimed AND ${attemptIs(from)}`,
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":to": to, ":at": at, ":claimed": "claimed", ...attemptValue(from) },
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
    // Our own take-over, whose answer was lost.
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.runStep(run.workspaceId, run.runId, stepId),
        ConsistentRead: true,
      }),
    );
    return Item?.status === "claimed" && Item.attempt === to;
  }

  async releaseStep(run: RunContext, stepId: string, attempt: string) {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.runStep(run.workspaceId, run.runId, stepId),
          ConditionExpression: `#status = :claimed AND ${attemptIs(attempt)}`,
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":claimed": "claimed", ...attemptValue(attempt) },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async recordStepEvidence(workspaceId: string, runId: string, stepId: string, evidence: StepEvidence) {
    const { kind, ...piece } = evidence;
    // One attribute per kind, each set once: a redelivered event changes nothing, and pieces of
    // different kinds (a Send, a Reject) written at the same instant both stay (an update of one
    // attribute never overwrites the other), for getStepEvidence to decide between. A piece of an
    // attempt (its `attempt` tag) is also kept under `<kind>@<attempt>`, set once too: the first
    // piece of a kind may be another attempt's, which speaks for its own claim only. (The plain
    // `<kind>` stays written, first piece of each, for a function of the previous version.)
    const mine = evidence.attempt === undefined ? "" : ", #mine = if_not_exists(#mine, :piece)";
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.runStepEvidence(workspaceId, runId, stepId),
        UpdateExpression: `SET #type = :type, #kind = if_not_exists(#kind, :piece)${mine}, expiresAt = if_not_exists(expiresAt, :expires)`,
        ExpressionAttributeNames: {
          "#type": "type",
          "#kind": kind,
          ...(evidence.attempt === undefined ? {} : { "#mine": `${kind}@${evidence.attempt}` }),
        },
        ExpressionAttributeValues: {
          ":type": "run_step_evidence",
          ":piece": piece,
          ":expires": expiresAtFor(evidence.at, INSIGHT_TTL_SECONDS),
        },
      }),
    );
  }

  async getStepEvidence(workspaceId: string, runId: string, stepId: string, attempt?: string) {
    return decidingEvidence(await this.listStepEvidence(workspaceId, runId, stepId), attempt);
  }

  async listStepEvidence(workspaceId: string, runId: string, stepId: string): Promise<StepEvidence[]> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.runStepEvidence(workspaceId, runId, stepId),
        ConsistentRead: true,
      }),
    );
    if (!Item) return [];
    const pieceOf = (kind: EvidenceKind, fields: unknown): StepEvidence[] => {
      if (typeof fields !== "object" || fields === null) return [];
      const { at, messageId, reason, attempt: of } = fields as Record<string, unknown>;
      return [
        {
          kind,
          at: String(at),
          ...(typeof messageId === "string" ? { messageId } : {}),
          ...(typeof reason === "string" ? { reason } : {}),
          ...(typeof of === "string" ? { attempt: of } : {}),
        },
      ];
    };
    return [
      // (an item from before pieces were kept by kind holds its one piece at the top level)
      ...(Item.kind === "sent" || Item.kind === "rejected" ? pieceOf(Item.kind, Item) : []),
      ...EVIDENCE_KINDS.flatMap((kind) => pieceOf(kind, Item[kind])),
      // (each attempt's own pieces: `<kind>@<attempt>`)
      ...EVIDENCE_KINDS.flatMap((kind) =>
        Object.entries(Item).flatMap(([name, fields]) =>
          name.startsWith(`${kind}@`) ? pieceOf(kind, fields) : [],
        ),
      ),
    ];
  }

  async isStepFinal(workspaceId: string, runId: string, stepId: string, kind: EvidenceKind) {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.runStep(workspaceId, runId, stepId),
        ConsistentRead: true,
        // (the reason tells a failure made in doubt: see isOpenToEvidence, isFinalForEvidence)
        ProjectionExpression: "#status, doubtSince, outcome.#reason, replacedOutcome.#status",
        ExpressionAttributeNames: { "#status": "status", "#reason": "reason" },
      }),
    );
    return isFinalForEvidence(Item, kind);
  }

  async settleStepInDoubt(
    workspaceId: string,
    runId: string,
    stepId: string,
    outcome: StepOutcome,
    at: string,
    options: { plainClaim?: boolean; messageId?: string; attempt?: string; replacing?: StepOutcome } = {},
  ): Promise<"settled" | "not_in_doubt"> {
    // A record that changed under this write (another piece of evidence settled it first, say) is
    // read again, and corrected if the outcome still corrects it: the evidence that prevails
    // wins whichever write lands first. A claim that changed hands is not (its new attempt wins).
    const seen: { attempt?: string } = {};
    for (let read = 0; read < 3; read++) {
      const result = await this.settleOnce(workspaceId, runId, stepId, outcome, at, options, seen);
      if (result !== "changed") return result;
    }
    return "not_in_doubt";
  }

  /** One read and conditional write of settleStepInDoubt ("changed": the write's condition failed). */
  private async settleOnce(
    workspaceId: string,
    runId: string,
    stepId: string,
    outcome: StepOutcome,
    at: string,
    options: { plainClaim?: boolean; messageId?: string; attempt?: string; replacing?: StepOutcome },
    /** The attempt whose claim the first read found (set by it): a re-read is "again". */
    seen: { attempt?: string },
  ): Promise<"settled" | "not_in_doubt" | "changed"> {
    const key = keys.runStep(workspaceId, runId, stepId);
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    if (!Item) return "not_in_doubt";
    const again = seen.attempt !== undefined;
    const attempt = typeof Item.attempt === "string" ? Item.attempt : "";
    // Evidence of another attempt's send (one taken over since: SES took the first email, its
    // event came after the wait) neither settles nor marks this attempt's claim, nor corrects its
    // record: it is kept for the log only (see speaksFor).
    // (A record of the very message the evidence is about is, whoever recorded it: an execution
    // recorded from an earlier attempt's Send after the claim's own attempt had its wait with no
    // evidence, see settleDoubt in execute-step.ts, is corrected by that message's Reject.)
    const ofMessage =
      Item.status !== "claimed" &&
      options.messageId !== undefined &&
      recordedMessageId(Item) === options.messageId;
    // (Nor is a record made in doubt, skipped or failed `send_in_doubt`, by a Send of another
    // attempt: nobody sends the step again, and that Send, which no Reject of its attempt
    // retracts (the caller decided it from all that attempt's evidence), tells its email went out.)
    const sentElsewhere =
      Item.status !== "claimed" && isOpenToEvidence(Item) && outcome.status === "executed";
    if (!speaksFor(options.attempt, attempt) && !ofMessage && !sentElsewhere) return "not_in_doubt";
    // (and every write below is conditional on it, so a take-over under this settle wins)
    const ofAttempt = options.attempt === undefined ? "" : ` AND ${attemptIs(attempt)}`;
    seen.attempt ??= attempt;
    // A plain claim (no doubt mark: its attempt is alive, or died mid-action), when asked (its run
    // ended, or its wake-up failed for good: no retry will come), is settled like one in doubt since
    // it was claimed, and keeps that mark, so later evidence can still correct what it records.
    const plain =
      options.plainClaim === true && Item.status === "claimed" && typeof Item.doubtSince !== "string";
    // SES's Reject marked on that claim (see markRejection; it came after this settle read the
    // evidence, or while it settles) is what it records: nothing else would read the mark again.
    const marked = plain && (Item.rejection as StepOutcome | undefined)?.status === "failed";
    // A claim that changed hands is not settled again (its new attempt wins); the same claim,
    // marked by a Reject under the first write, is.
    if (again && Item.status === "claimed" && !(marked && attempt === seen.attempt)) return "not_in_doubt";
    if (marked) outcome = Item.rejection as StepOutcome;
    // A record made while in doubt (skipped: its run ended; failed `send_in_doubt`: its wake-up
    // failed for good) is corrected by what the provider did, and an execution (SES answered, or
    // its Send event settled it) by SES's Reject, which prevails; a skip never replaces a record.
    const correcting =
      Item.status !== "claimed" &&
      correctsRecord(Item, outcome) &&
      !otherMessage(recordedMessageId(Item), options.messageId);
    const recorded = correcting ? (Item.outcome as StepOutcome) : undefined;
    // Such a record corrected by another attempt's Send (sentElsewhere) keeps what it replaced, as
    // a claim settled from one keeps what it stands in for (`replacing`), and that Send's Reject
    // restores it rather than recording the rejection: that attempt's evidence then settles nothing
    // of this claim's (see settlingEvidence), as when the Reject came first, and the record stays
    // open to this attempt's own evidence. So any order records the same.
    const replacing = marked
      ? undefined
      : correcting
        ? sentElsewhere && (options.replacing || !speaksFor(options.attempt, attempt))
          ? recorded
          : undefined
        : options.replacing;
    const replaced = correcting && ofMessage ? (Item.replacedOutcome as StepOutcome | undefined) : undefined;
    if (replaced) outcome = replaced;
    if (!plain && !correcting && typeof Item.doubtSince !== "string") {
      // The step's own attempt holds its claim, not in doubt: SES took the email, and the attempt
      // is about to record its answer. The rejection waits on the claim for that record.
      if (Item.status === "claimed" && isRejection(outcome))
        return this.markRejection(
          key,
          outcome,
          options.messageId,
          options.attempt === undefined ? undefined : attempt,
        );
      return "not_in_doubt";
    }
    if (Item.status !== "claimed" && !correcting) return "not_in_doubt";
    const { Item: runItem } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.run(workspaceId, runId),
        ProjectionExpression: "momentId",
      }),
    );
    if (typeof runItem?.momentId !== "string") return "not_in_doubt";
    const settled = await transactWrite(this.db, [
      {
        Update: {
          TableName: this.tableName,
          Key: key,
          // (a correction says so: the run acted on the record it replaces, see alreadyDone)
          UpdateExpression: `SET #status = :status, outcome = :outcome, recordedAt = :at${plain ? ", doubtSince = :since" : correcting ? ", correctedAt = :at" : ""}${replacing ? ", replacedOutcome = :replacing" : ""}${replaced ? " REMOVE replacedOutcome" : ""}`,
          // Exactly the record read: a take-over (which removes doubtSince, or, of a plain claim,
          // changes its attempt), the live attempt's own record, or another settle wins.
          ConditionExpression: correcting
            ? `#status = :recorded AND recordedAt = :recordedAt${typeof Item.doubtSince === "string" ? " AND attribute_exists(doubtSince)" : ""}`
            : plain
              ? `#status = :claimed AND attribute_not_exists(recordedAt) AND attribute_not_exists(doubtSince) AND ${attemptIs(attempt)}${marked ? "" : " AND attribute_not_exists(rejection)"}`
              : `#status = :claimed AND attribute_not_exists(recordedAt) AND attribute_exists(doubtSince)${ofAttempt}`,
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":status": outcome.status,
            ":outcome": outcome,
            ":at": at,
            ...(correcting
              ? { ":recorded": Item.status, ":recordedAt": Item.recordedAt }
              : { ":claimed": "claimed" }),
            ...(replacing ? { ":replacing": replacing } : {}),
            ...(plain ? { ":since": typeof Item.claimedAt === "string" ? Item.claimedAt : at } : {}),
            ...(plain || (!correcting && ofAttempt) ? attemptValue(attempt) : {}),
          },
        },
      },
      statsUpdate(
        this.tableName,
        workspaceId,
        runItem.momentId,
        runId,
        correcting && recorded
          ? correctionCounters(stepId, recorded, outcome)
          : stepCounters(stepId, outcome, 1),
      ),
    ]);
    return settled ? "settled" : "changed";
  }

  /**
   * Marks SES's rejection on a claim its attempt holds (set once), for that attempt's record to take
   * (see recordStep). "changed" when the claim was recorded meanwhile: the settle reads it again.
   */
  private async markRejection(
    key: ReturnType<typeof keys.runStep>,
    rejection: StepOutcome,
    messageId: string | undefined,
    /** The attempt the rejection is about: only its claim is marked (undefined: any). */
    attempt: string | undefined,
  ): Promise<"not_in_doubt" | "changed"> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          // (with the messages rejected, a set: SES may reject two sends of the step, and the record
          // of a message outside it ignores the rejection)
          UpdateExpression:
            messageId === undefined
              ? "SET rejection = if_not_exists(rejection, :rejection)"
              : "SET rejection = if_not_exists(rejection, :rejection) ADD rejectedMessageIds :message",
          ConditionExpression: `#status = :claimed AND attribute_not_exists(recordedAt)${attempt === undefined ? "" : ` AND ${attemptIs(attempt)}`}`,
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":rejection": rejection,
            ":claimed": "claimed",
            ...(messageId === undefined ? {} : { ":message": new Set([messageId]) }),
            ...(attempt === undefined ? {} : attemptValue(attempt)),
          },
        }),
      );
      return "not_in_doubt";
    } catch (error) {
      if (isConditionalCheckFailed(error)) return "changed";
      throw error;
    }
  }

  async listStepsInDoubt(workspaceId: string, runId: string): Promise<ClaimedStep[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :step)",
      // In doubt, or plainly claimed: an attempt that died mid-action (a Lambda timeout) leaves no mark.
      FilterExpression: "#status = :claimed",
      ProjectionExpression: "stepId, attempt",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: {
        ":pk": keys.run(workspaceId, runId).pk,
        ":step": sortKeyPrefix.runStep,
        ":claimed": "claimed",
      },
      ConsistentRead: true,
    });
    return items.flatMap((item) =>
      typeof item.stepId === "string"
        ? [{ stepId: item.stepId, attempt: typeof item.attempt === "string" ? item.attempt : "" }]
        : [],
    );
  }

  /**
   * Records a step's outcome once, with its counter in the same transaction: a retried task that
   * records again changes nothing (the first record stands, and is counted once). A claim's
   * `doubtSince` stays on the record, so evidence arriving later can still correct a skip.
   */
  async recordStep(
    run: RunContext,
    stepId: string,
    outcome: StepOutcome,
    at: string,
    options: { unlessClaimed?: boolean; completeRun?: boolean; replacing?: StepOutcome } = {},
  ): Promise<boolean> {
    const record = this.stepRecord(
      keys.runStep(run.workspaceId, run.runId, stepId),
      stepId,
      outcome,
      at,
      // An execution is not written over SES's Reject marked on the claim (see rejectionMarked).
      options.unlessClaimed
        ? "attribute_not_exists(pk)"
        : outcome.status === "executed"
          ? "attribute_not_exists(recordedAt) AND attribute_not_exists(rejection)"
          : "attribute_not_exists(recordedAt)",
      options.replacing ? { ":replacing": options.replacing } : {},
    );
    // (what it stands in for, restored by a Reject of the Send it is decided from: see settleOnce)
    if (options.replacing) record.Update.UpdateExpression += ", replacedOutcome = :replacing";
    const counters = stepCounters(stepId, outcome, 1);
    if (options.completeRun) {
      // The last step's record and the run's completion in one transaction (one round trip; the
      // stats shard updated once, with both counters).
      const both = [record, ...this.endItems(run, "completed", "steps_done", at, undefined, counters)];
      try {
        await withConflictRetries(() => this.db.send(new TransactWriteCommand({ TransactItems: both })));
        return true;
      } catch (error) {
        const failed = failedConditions(error);
        if (!failed) throw error;
        // The step was recorded already, or the run ended otherwise (stopped, ended by a rule,
        // completed by an earlier attempt): each part alone, as it stands.
        const recorded = failed[0]
          ? await this.rejectionMarked(run, stepId, outcome, at, options)
          : await this.recordStep(
              run,
              stepId,
              outcome,
              at,
              options.replacing ? { replacing: options.replacing } : {},
            );
        if (!failed.slice(1).some(Boolean)) await this.completeRun(run, at);
        return recorded;
      }
    }
    if (
      await transactWrite(this.db, [
        record,
        statsUpdate(this.tableName, run.workspaceId, run.momentId, run.runId, counters),
      ])
    )
      return true;
    return this.rejectionMarked(run, stepId, outcome, at, options);
  }

  /** A step's record (its outcome over its claim), with the condition it is written on. */
  private stepRecord(
    key: ReturnType<typeof keys.runStep>,
    stepId: string,
    outcome: StepOutcome,
    at: string,
    condition: string,
    values: Record<string, unknown> = {},
  ) {
    return {
      Update: {
        TableName: this.tableName,
        Key: key,
        UpdateExpression:
          "SET #type = :type, stepId = :step, #status = :status, outcome = :outcome, recordedAt = :at",
        ConditionExpression: condition,
        ExpressionAttributeNames: { "#type": "type", "#status": "status" },
        ExpressionAttributeValues: {
          ":type": "run_step",
          ":step": stepId,
          ":status": outcome.status,
          ":outcome": outcome,
          ":at": at,
          ...values,
        },
      },
    };
  }

  /**
   * After a step's record lost its condition: recorded already (false), or (rarely) an execution
   * whose claim SES's Reject marked meanwhile (see settleStepInDoubt), recorded as that rejection in
   * place of the execution its attempt reported (true), counted as such: the record tells what SES
   * did, whichever came first.
   */
  private async rejectionMarked(
    run: RunContext,
    stepId: string,
    outcome: StepOutcome,
    at: string,
    options: { unlessClaimed?: boolean },
  ): Promise<boolean> {
    if (outcome.status !== "executed" || options.unlessClaimed) return false;
    const key = keys.runStep(run.workspaceId, run.runId, stepId);
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    const rejection = Item?.rejection as StepOutcome | undefined;
    if (Item?.status !== "claimed" || typeof Item.recordedAt === "string" || rejection?.status !== "failed")
      return false;
    // SES rejected another message of this step (an earlier send it took, whose evidence came too
    // late to stop this one): this execution stands.
    const recorded = rejectedOther(outcome.detail?.messageId, rejectedMessages(Item)) ? outcome : rejection;
    const record = this.stepRecord(
      key,
      stepId,
      recorded,
      at,
      "#status = :claimed AND attribute_not_exists(recordedAt) AND attribute_exists(rejection)",
      { ":claimed": "claimed" },
    );
    // The rejection stands in for the execution the attempt reports, which its run acts on: a
    // correction (see alreadyDone).
    if (recorded === rejection) record.Update.UpdateExpression += ", correctedAt = :at";
    return transactWrite(this.db, [
      record,
      statsUpdate(
        this.tableName,
        run.workspaceId,
        run.momentId,
        run.runId,
        stepCounters(stepId, recorded, 1),
      ),
    ]);
  }

  async completeRun(run: RunContext, at: string) {
    // A run stopped (or ended by an end rule) meanwhile keeps that outcome.
    await this.endRun(run, "completed", "steps_done", at);
  }

  async stopRun(run: RunRef, at: string) {
    return this.endRun(run, "stopped", "moment_stopped", at).then((result) =>
      result === "ended" ? ("stopped" as const) : ("already_ended" as const),
    );
  }
}

/** A step outcome's counters, each by `delta`: its status, and what a skip or a failure was (the report's funnel). */
function stepCounters(stepId: string, outcome: StepOutcome, delta: 1 | -1): Record<string, number> {
  return {
    [`steps.${stepId}.${outcome.status}`]: delta,
    ...(outcome.status === "executed"
      ? {}
      : { [breakdownCounter.stepReason(stepId, outcome.status, outcome.reason)]: delta }),
  };
}

/**
 * The counters of a record corrected from one outcome to another, added up counter by counter: a
 * failure corrected to another failure (send_in_doubt to rejected, say) moves its reasons and leaves
 * `failed` as it was (merged as two objects, the -1 overwrote the +1 and `failed` lost one).
 */
function correctionCounters(stepId: string, from: StepOutcome, to: StepOutcome): Record<string, number> {
  const counters = stepCounters(stepId, to, 1);
  for (const [name, delta] of Object.entries(stepCounters(stepId, from, -1)))
    counters[name] = (counters[name] ?? 0) + delta;
  return counters;
}

/** The SES messageId an execution was recorded with (its outcome's detail), if any. */
function recordedMessageId(item: Record<string, unknown>): string | undefined {
  const detail = (item.outcome as { detail?: { messageId?: unknown } } | undefined)?.detail;
  return typeof detail?.messageId === "string" ? detail.messageId : undefined;
}

/** Whether two messageIds, both known, name different messages (evidence of another send of the step). */
const otherMessage = (recorded: string | undefined, evidence: string | undefined) =>
  recorded !== undefined && evidence !== undefined && recorded !== evidence;

/** The messages SES rejected, marked on a claim (a string set). */
function rejectedMessages(item: Record<string, unknown>): ReadonlySet<string> {
  return item.rejectedMessageIds instanceof Set ? (item.rejectedMessageIds as Set<string>) : new Set();
}

/** Whether the rejections marked are all of other messages than the one recorded (both known). */
const rejectedOther = (recorded: string | undefined, rejected: ReadonlySet<string>) =>
  recorded !== undefined && rejected.size > 0 && !rejected.has(recorded);

/** The condition that a claim is the attempt's ("" is a claim from before claims carried one). */
const attemptIs = (attempt: string) =>
  attempt === "" ? "attribute_not_exists(attempt)" : "attempt = :attempt";
const attemptValue = (attempt: string): Record<string, string> =>
  attempt === "" ? {} : { ":attempt": attempt };

/** Query rounds one filtered listing may use before answering a short page with a cursor. */
const MAX_FILTERED_READS = 5;

function toStatus(value: unknown): RunStatus {
  return value === "active" || value === "stopped" || value === "success" || value === "failed"
    ? value
    : "completed";
}

function toMembership(item: Record<string, unknown>): Membership {
  // The key is read from the sort key, which every membership item (old ones included) carries.
  const runKey = keys.membershipRunKey(String(item.sk), String(item.accountId));
  return {
    accountId: String(item.accountId),
    ...(runKey === undefined ? {} : { runKey }),
    status: toStatus(item.status),
    runId: String(item.runId),
    startedAt: String(item.startedAt),
    ...(typeof item.endedAt === "string" ? { endedAt: item.endedAt } : {}),
  };
}

/** What a run item keeps of its context: not the ids its key holds, nor its top-level attributes. */
type StoredContext = Omit<
  RunContext,
  "workspaceId" | "runId" | "momentId" | "accountId" | "runKey" | "startedAt"
>;

interface StoredRunItem {
  momentId: string;
  accountId: string;
  runKey?: string;
  startedAt: string;
  /** A StoredContext; the whole RunContext in items written before it was trimmed. */
  context: StoredContext & Partial<RunContext>;
}

/**
 * The run's context without the workspace and run ids (its key), its moment, account, run key and
 * start (attributes of the run item itself): about 160 bytes of copies that were on every run item,
 * and a run item past 1 KB costs 2 WRU more at its entry and again at its end.
 */
export function storedContext(run: RunContext): StoredContext {
  const { workspaceId, runId, momentId, accountId, runKey, startedAt, ...rest } = run;
  return rest;
}

/** The whole context back from a run item (either shape: trimmed, or whole as items before it). */
export function runContextOf(item: StoredRunItem, workspaceId: string, runId: string): RunContext {
  return {
    ...item.context,
    workspaceId,
    runId,
    momentId: item.momentId,
    accountId: item.accountId,
    ...(item.runKey === undefined ? {} : { runKey: item.runKey }),
    startedAt: item.startedAt,
  };
}
