/**
 * The single DynamoDB table: attribute names (used by the CDK table definition and the local
 * dynalite table) and the key functions every repository builds its keys with.
 *
 * Item collections:
 * - `WS#<ws>` holds a workspace's configuration: sources, email templates, moments.
 * - `WS#<ws>#ACCOUNT#<account>` holds one account's profile (and its event counters), active-run
 *   index, inbox entries, decisions and recent events.
 * - `WS#<ws>#INBOX#<id>` is one inbox item (notification or feedback prompt), found by its id.
 * - `WS#<ws>#MOMENT#<moment>` holds the moment's memberships (one item per account that entered).
 * - `WS#<ws>#RUN#<run>` holds one run, its step records and the providers' evidence about its sends.
 * - `ADMINKEY#<hash>` / `WRITEKEY#<hash>` resolve a presented key (by its SHA-256) to its owner.
 * - `SESSION#<hash>` is one console session (by the SHA-256 of its cookie token; TTL).
 * - `WS#<ws>#IDENTITY#<kind>#<id>` links a user or anonymous visitor to its account (or user).
 * - `WS#<ws>#SOURCEDEBUG#<source>` holds a source's ingestion debugger: counts and the latest items.
 * GSI1 is sparse: only running moments carry it, so the matcher queries "running moments of this
 * workspace that start on this event" without scanning.
 */
export const table = {
  partitionKey: "pk",
  sortKey: "sk",
  gsi1: { indexName: "gsi1", partitionKey: "gsi1pk", sortKey: "gsi1sk" },
  timeToLiveAttribute: "expiresAt",
} as const;

export interface ItemKey {
  pk: string;
  sk: string;
}

const ws = (workspaceId: string) => `WS#${workspaceId}`;
/** An account's item collection: its profile, active-run index, pending starts and inbox entries. */
const account = (workspaceId: string, accountId: string) => `${ws(workspaceId)}#ACCOUNT#${accountId}`;

/**
 * Sort-key prefixes that queries range over with begins_with; the key builders below and the
 * adapters' queries use these same constants.
 */
export const sortKeyPrefix = {
  /** An account's profile (exactly this) and its event counters (below it). */
  profile: "PROFILE",
  profileEventCount: "PROFILE#COUNT#",
  decision: "DECISION#",
  accountEvent: "EVENT#",
  /** In an observed-events shard: one item per event name. */
  observedEvent: "EVENT#",
  activeRun: "ACTIVERUN#",
  runStep: "STEP#",
  /** GSI1: running moments, and the `unless` listeners of abandonment moments beside them. */
  runningMoment: "MOMENT#",
  unlessListener: "UNLESS#",
} as const;

export const keys = {
  workspace: (workspaceId: string): ItemKey => ({ pk: ws(workspaceId), sk: "WORKSPACE" }),
  adminKey: (keyHash: string): ItemKey => ({ pk: `ADMINKEY#${keyHash}`, sk: "ADMINKEY" }),
  writeKey: (keyHash: string): ItemKey => ({ pk: `WRITEKEY#${keyHash}`, sk: "WRITEKEY" }),
  /** A console session, addressed by the SHA-256 of the token its cookie carries (TTL). */
  consoleSession: (tokenHash: string): ItemKey => ({ pk: `SESSION#${tokenHash}`, sk: "SESSION" }),
  source: (workspaceId: string, sourceId: string): ItemKey => ({
    pk: ws(workspaceId),
    sk: `SOURCE#${sourceId}`,
  }),
  emailTemplate: (workspaceId: string, templateId: string): ItemKey => ({
    pk: ws(workspaceId),
    sk: `TEMPLATE#${templateId}`,
  }),
  moment: (workspaceId: string, momentId: string): ItemKey => ({
    pk: ws(workspaceId),
    sk: `MOMENT#${momentId}`,
  }),
  /** The listable record of a write key (the lookup item is `writeKey(hash)`). */
  writeKeyRecord: (workspaceId: string, sourceId: string, keyId: string): ItemKey => ({
    pk: ws(workspaceId),
    sk: `WRITEKEYREC#${sourceId}#${keyId}`,
  }),
  /** The listable record of an admin key (the lookup item is `adminKey(hash)`). */
  adminKeyRecord: (workspaceId: string, keyId: string): ItemKey => ({
    pk: ws(workspaceId),
    sk: `ADMINKEYREC#${keyId}`,
  }),
  integration: (workspaceId: string, integrationId: string): ItemKey => ({
    pk: ws(workspaceId),
    sk: `INTEGRATION#${integrationId}`,
  }),
  /** The workspace's unsubscribe-token signing keys (created on first send). */
  unsubscribeKeys: (workspaceId: string): ItemKey => ({ pk: ws(workspaceId), sk: "UNSUBSCRIBEKEYS" }),
  /** A suppressed address; the workspace's list is one collection, ordered by address. */
  suppression: (workspaceId: string, address: string): ItemKey => ({
    pk: `${ws(workspaceId)}#SUPPRESSION`,
    sk: `ADDRESS#${address}`,
  }),
  suppressionPrefix: (workspaceId: string) => ({
    pk: `${ws(workspaceId)}#SUPPRESSION`,
    skPrefix: "ADDRESS#",
  }),
  profile: (workspaceId: string, accountId: string): ItemKey => ({
    pk: account(workspaceId, accountId),
    sk: sortKeyPrefix.profile,
  }),
  /**
   * One event name's activity on an account: how many such events, when the latest happened. Its own
   * small item beside the profile (one Query with the profile's prefix reads both), so counting an
   * event writes ~200 bytes, one write unit, whatever the size of the account's traits.
   */
  profileEventCount: (workspaceId: string, accountId: string, eventKey: string): ItemKey => ({
    pk: account(workspaceId, accountId),
    sk: `${sortKeyPrefix.profileEventCount}${eventKey}`,
  }),
  membership: (workspaceId: string, momentId: string, accountId: string, runKey?: string): ItemKey => ({
    pk: `${ws(workspaceId)}#MOMENT#${momentId}`,
    sk: runKey === undefined ? `ACCOUNT#${accountId}` : `ACCOUNT#${accountId}#KEY#${runKey}`,
  }),
  /** The run key a membership's sort key holds (`membership` with a `runKey`), if any. */
  membershipRunKey: (sk: string, accountId: string): string | undefined => {
    const keyed = `ACCOUNT#${accountId}#KEY#`;
    return sk.startsWith(keyed) ? sk.slice(keyed.length) : undefined;
  },
  membershipPrefix: (workspaceId: string, momentId: string) => ({
    pk: `${ws(workspaceId)}#MOMENT#${momentId}`,
    skPrefix: "ACCOUNT#",
  }),
  run: (workspaceId: string, runId: string): ItemKey => ({
    pk: `${ws(workspaceId)}#RUN#${runId}`,
    sk: "RUN",
  }),
  runStep: (workspaceId: string, runId: string, stepId: string): ItemKey => ({
    pk: `${ws(workspaceId)}#RUN#${runId}`,
    sk: `${sortKeyPrefix.runStep}${stepId}`,
  }),
  /** What a provider reported about a step's send (an SES Send or Reject event), for reconciliation. */
  runStepEvidence: (workspaceId: string, runId: string, stepId: string): ItemKey => ({
    pk: `${ws(workspaceId)}#RUN#${runId}`,
    sk: `EVIDENCE#${stepId}`,
  }),

  /**
   * One shard of a moment's stats counters. Counters are spread over `STATS_SHARDS` partitions (the
   * shard picked by hashing the run id), so a busy moment's counters are no hot key; readers sum all
   * shards.
   */
  momentStatsShard: (workspaceId: string, momentId: string, shard: number): ItemKey => ({
    pk: `${ws(workspaceId)}#MOMENTSTATS#${momentId}#${shard}`,
    sk: "STATS",
  }),
  /**
   * One time bucket of a moment's run counters in one shard (the run's stats shard): `H#2026-12-06T13`
   * (an hour) or `D#2026-12-06` (a day). A report queries each shard's range of one kind.
   */
  momentSeries: (
    workspaceId: string,
    momentId: string,
    shard: number,
    bucket: "hour" | "day",
    key: string,
  ): ItemKey => ({
    pk: momentSeriesPk(workspaceId, momentId, shard),
    sk: `${bucket === "hour" ? "H" : "D"}#${key}`,
  }),
  /**
   * A message's marks (dedupe window; TTL): `touchedAt`, its activity (event counter, lastSeenAt) is
   * on its account (profileEventCount), written in the same transaction as that counter, so a
   * redelivered or concurrent copy counts nothing; `processedAt` and what was decided, once the
   * matcher finished it.
   */
  processedMessage: (workspaceId: string, messageId: string): ItemKey => ({
    pk: `${ws(workspaceId)}#MSG#${messageId}`,
    sk: "PROCESSED",
  }),
  /** What processing a message decided to publish, kept until it is published (an outbox; TTL). */
  messageOutbox: (workspaceId: string, messageId: string): ItemKey => ({
    pk: `${ws(workspaceId)}#MSG#${messageId}`,
    sk: "OUTBOX",
  }),
  /** What the matcher decided for one (account, event), per moment (TTL 7 days). */
  decision: (
    workspaceId: string,
    accountId: string,
    at: string,
    messageId: string,
    momentId: string,
  ): ItemKey => ({
    pk: account(workspaceId, accountId),
    sk: `${sortKeyPrefix.decision}${at}#${messageId}#${momentId}`,
  }),
  /** A recent event of an account (TTL 7 days). */
  accountEvent: (workspaceId: string, accountId: string, at: string, messageId: string): ItemKey => ({
    pk: account(workspaceId, accountId),
    sk: `${sortKeyPrefix.accountEvent}${at}#${messageId}`,
  }),
  /** A user's profile (person traits), beside the account's. */
  userProfile: (workspaceId: string, userId: string): ItemKey => ({
    pk: `${ws(workspaceId)}#USER#${userId}`,
    sk: "PROFILE",
  }),
  /** One shard of an observed event name's counters (sharded like stats: a hot event is no hot key). */
  observedEventShard: (workspaceId: string, eventName: string, shard: number): ItemKey => ({
    pk: `${ws(workspaceId)}#OBSERVED#${shard}`,
    sk: `${sortKeyPrefix.observedEvent}${eventName}`,
  }),
  /**
   * An account's run of one moment (per run key when the moment has one), kept while the run is
   * active: the matcher finds the runs an event might end with one Query on the account.
   */
  accountRun: (workspaceId: string, accountId: string, momentId: string, runKey?: string): ItemKey => ({
    pk: account(workspaceId, accountId),
    sk: `${sortKeyPrefix.activeRun}${momentId}${runKey === undefined ? "" : `#${runKey}`}`,
  }),
  /**
   * An armed abandonment start of one moment for an account (per run key): the trigger waiting for
   * its `within` to pass unless the `unless` event comes first.
   */
  pendingStart: (workspaceId: string, accountId: string, momentId: string, runKey?: string): ItemKey => ({
    pk: account(workspaceId, accountId),
    sk: runKey === undefined ? `PENDING#${momentId}` : `PENDING#${momentId}#${runKey}`,
  }),
  /** GSI1 key of a running moment, indexed by the event that starts it. */
  runningMomentsByStartEvent: (workspaceId: string, eventName: string) => ({
    gsi1pk: `${ws(workspaceId)}#RUNNING#${eventName}`,
  }),
  /**
   * An inbox item, looked up by id within its workspace (the id the app's read and answer calls
   * name), and its listing entry in the account's collection: under `INBOX#U#` while unread and
   * `INBOX#R#` once read, each sorted by creation time, so "unread first, then newest" is two
   * descending range reads with no scan or in-memory sort.
   */
  inboxItem: (workspaceId: string, id: string): ItemKey => ({
    pk: `${ws(workspaceId)}#INBOX#${id}`,
    sk: "ITEM",
  }),
  inboxEntry: (
    workspaceId: string,
    accountId: string,
    state: "U" | "R",
    createdAt: string,
    id: string,
  ): ItemKey => ({
    pk: account(workspaceId, accountId),
    sk: `INBOX#${state}#${createdAt}#${id}`,
  }),
  inboxEntryPrefix: (workspaceId: string, accountId: string, state: "U" | "R") => ({
    pk: account(workspaceId, accountId),
    skPrefix: `INBOX#${state}#`,
  }),
  /** A moment's feedback answers, in their own collection, oldest first. */
  feedback: (workspaceId: string, momentId: string, answeredAt: string, promptId: string): ItemKey => ({
    pk: `${ws(workspaceId)}#MOMENTFEEDBACK#${momentId}`,
    sk: `FEEDBACK#${answeredAt}#${promptId}`,
  }),
  /**
   * What ingestion knows of an identity: the account a user (or anonymous visitor) belongs to, and
   * the user a visitor became. Written by group, identify and alias calls; read to resolve the
   * account of messages that do not name one.
   */
  identityLink: (workspaceId: string, kind: "user" | "anonymous", id: string): ItemKey => ({
    pk: `${ws(workspaceId)}#IDENTITY#${kind}#${id}`,
    sk: "LINK",
  }),
  /** A source's ingestion debugger counters (accepted, rejected; also the ring positions). */
  sourceDebugCounts: (workspaceId: string, sourceId: string): ItemKey => ({
    pk: `${ws(workspaceId)}#SOURCEDEBUG#${sourceId}`,
    sk: "COUNTS",
  }),
  /**
   * One slot of a source's debugger ring of recent items, per verdict: a new item overwrites the
   * oldest slot, so the debugger holds a bounded number of items (and TTL drops them after a week).
   */
  sourceDebugSlot: (
    workspaceId: string,
    sourceId: string,
    verdict: "accepted" | "rejected",
    slot: number,
  ): ItemKey => ({
    pk: `${ws(workspaceId)}#SOURCEDEBUG#${sourceId}`,
    sk: `${verdict.toUpperCase()}#${String(slot).padStart(4, "0")}`,
  }),
  sourceDebugPrefix: (workspaceId: string, sourceId: string, verdict: "accepted" | "rejected") => ({
    pk: `${ws(workspaceId)}#SOURCEDEBUG#${sourceId}`,
    skPrefix: `${verdict.toUpperCase()}#`,
  }),
  feedbackPrefix: (workspaceId: string, momentId: string) => ({
    pk: `${ws(workspaceId)}#MOMENTFEEDBACK#${momentId}`,
    skPrefix: "FEEDBACK#",
  }),
} as const;

/** Sort-key prefixes of the kinds of item in a workspace's collection (`WS#<ws>`), for listing. */
export const workspaceItemPrefix = {
  source: "SOURCE#",
  emailTemplate: "TEMPLATE#",
  moment: "MOMENT#",
  integration: "INTEGRATION#",
  adminKeyRecord: "ADMINKEYREC#",
  writeKeyRecords: (sourceId: string) => `WRITEKEYREC#${sourceId}#`,
} as const;

/**
 * The partition keys ingestion writes (identity links, source debuggers), as IAM wildcards: the
 * ingest function may write those items and no other.
 */
export const ingestionWrittenKeys = ["WS#*#IDENTITY#*", "WS#*#SOURCEDEBUG#*"] as const;

/** How many shards a moment's stats (and an observed event's counters) are spread over. */
export const STATS_SHARDS = 32;

/** The partition of a moment's time-series shard (see keys.momentSeries). */
export function momentSeriesPk(workspaceId: string, momentId: string, shard: number): string {
  return `${ws(workspaceId)}#MOMENTSERIES#${momentId}#${shard}`;
}

/** How long decisions and recent events are kept (seconds): "why didn't X enter?" for a week. */
export const INSIGHT_TTL_SECONDS = 7 * 86_400;

/** How long a processed messageId is remembered: a resend within this window changes nothing. */
export const DEDUPE_TTL_SECONDS = 48 * 3600;

/** The `expiresAt` (TTL, epoch seconds) of an item written at `at` (ISO 8601) that lives `ttlSeconds`. */
export function expiresAtFor(at: string, ttlSeconds: number): number {
  return Math.floor(Date.parse(at) / 1000) + ttlSeconds;
}
