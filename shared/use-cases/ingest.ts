/**
 * Ingestion: every call of the one message model (track, identify, group, page, screen, alias; alone
 * or in a batch) is checked, linked, resolved to an account and put on the bus, and every item,
 * used or not, is counted in the source's debugger. A 2xx always means each item is either on the
 * bus or kept in the debugger with the reason it was not used: nothing is dropped silently. Accepted
 * items are kept (a sample) only while the source's debugger is watched.
 */
import { randomUUID } from "node:crypto";
import type { BusDetail, DetailHeader } from "../contracts/bus-details.js";
import { isDebuggerWatched } from "../domain/debugger-watch.js";
import {
  DomainError,
  errorBody,
  type FieldProblem,
  PayloadTooLargeError,
  ServiceUnavailableError,
  ValidationError,
} from "../domain/errors.js";
import { MAX_BATCH_BYTES } from "../domain/event.js";
import {
  batchEnvelopeSchema,
  eventOf,
  happenedAt,
  type IdentityKind,
  type IdentityLink,
  identifyTraitsAreAccounts,
  linksOf,
  MAX_MESSAGE_BYTES,
  type Message,
  type MessageType,
  messageSchema,
  messageTypes,
  namedAccount,
  resolveAccount,
  type SourceSubject,
} from "../domain/message.js";
import { assertOriginAllowed } from "../domain/origin.js";
import { isValidUnicode } from "../domain/primitives.js";
import { parseOrThrow } from "../domain/validation.js";
import type { Clock } from "../ports/clock.js";
import type { EventPublisher } from "../ports/delivery.js";
import type { DebugEntry, IdentityLinks, IngestDebugger } from "../ports/ingestion.js";
import type { WriteKeyOwner } from "../ports/keys.js";
import type { SourceRepository } from "../ports/sources.js";
import { authenticateSender, type Sender, senderNeedsUserToken, unprovenUser } from "./authenticate.js";

export interface IngestDeps {
  publisher: EventPublisher;
  clock: Clock;
  identities: IdentityLinks;
  debug: IngestDebugger;
  /** Read only when a message's account must come from the source's subject (consumer mode). */
  sources: Pick<SourceRepository, "getSource">;
}

/** Why one item was not used: the API's error body. */
export interface ItemError {
  code: string;
  message: string;
  /** Failing fields, with paths inside the item (`accountId`, `properties`...). */
  details?: FieldProblem[];
}

/**
 * The answer to a batch (202). Both lists are in index order and together name every item once:
 * `accepted` gives each used item's messageId (the client's, or the one generated for it),
 * `rejected` says why each other item was not used (it is in the source's debugger).
 */
export interface BatchResult {
  accepted: Array<{ index: number; messageId: string }>;
  rejected: Array<{ index: number; error: ItemError }>;
}

/** The answer to a single call (202): its messageId, and why it was not used if it was not. */
export interface CallResult {
  messageId: string;
  error?: ItemError;
}

/** The code of an item that is valid but names no account Moments can resolve (yet). */
export const ACCOUNT_UNRESOLVED = "account_unresolved";

type Checked = { raw: unknown; message: Message } | { raw: unknown; error: DomainError };

/**
 * A browser of a source that requires user tokens may only send messages about the account (its
 * `accountId`, or the group it names) and user its token covers: anything else is refused (401,
 * like an invalid item), so a write key copied out of a web page cannot change another account's
 * traits. Servers (no Origin) are not asked.
 */
function verifySender(owner: WriteKeyOwner, sender: Sender, item: Checked, now: Date): Checked {
  if (!("message" in item) || !senderNeedsUserToken(owner, sender)) return item;
  const { message } = item;
  // The account the message will be processed for (namedAccount: what resolveAccount takes first),
  // not another of its fields: a token for one account must not let `context.groupId` (or a track's
  // ignored top-level groupId) steer the message into another. A message that names none would be
  // routed by the user's or the visitor's links, which no token covers: refused, with the same
  // answer as a wrong token (never checked against an empty account, whose token a backend may sign).
  const accountId = namedAccount(message);
  try {
    if (accountId === undefined) throw unprovenUser();
    authenticateSender(owner, sender, { accountId, userId: message.userId }, now);
    return item;
  } catch (error) {
    if (error instanceof DomainError) return { raw: item.raw, error };
    throw error;
  }
}

/** One item, checked: its size as sent, then its fields. */
function check(raw: unknown, type: MessageType | "from_item"): Checked {
  try {
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      throw new ValidationError([{ path: "", message: "must be an object" }]);
    }
    const size = Buffer.byteLength(JSON.stringify(raw), "utf8");
    const itemType = type === "from_item" ? (raw as { type?: unknown }).type : type;
    if (size > MAX_MESSAGE_BYTES) {
      const what = itemType === "identify" || itemType === "group" ? `An ${itemType}` : "An event";
      throw new PayloadTooLargeError(
        `${what} may be at most ${MAX_MESSAGE_BYTES / 1024} KB; this one is ${Math.ceil(size / 1024)} KB`,
      );
    }
    if (!(messageTypes as readonly unknown[]).includes(itemType)) {
      throw new ValidationError([{ path: "type", message: `must be one of ${messageTypes.join(", ")}` }]);
    }
    return { raw, message: parseOrThrow(messageSchema, { ...raw, type: itemType }) };
  } catch (error) {
    if (error instanceof DomainError) return { raw, error };
    throw error;
  }
}

type Outcome =
  | {
      index: number;
      raw: unknown;
      messageId: string;
      message: Message;
      accountId?: string;
      detail?: BusDetail;
    }
  | { index: number; raw: unknown; messageId?: string; message?: Message; error: ItemError };

/**
 * Checks, links, resolves and publishes the items, then records them all in the debugger. Links
 * come first, for the whole request in order: a batch whose group call follows the identify and
 * track of the same user resolves them all. Storage failures are 503s (the client retries with the
 * same messageIds, which never start a moment twice).
 */
async function ingestItems(
  deps: IngestDeps,
  owner: WriteKeyOwner,
  checked: Checked[],
  envelopeSentAt: string | undefined,
): Promise<Outcome[]> {
  const receivedAt = deps.clock.now().toISOString();
  const { workspaceId } = owner;
  const links = new Map<string, Promise<IdentityLink | undefined>>();
  const linkKey = (kind: IdentityKind, id: string) => `${kind}:${id}`;
  const outcomes = await transient("link the identities of", async () => {
    const writes = new Map<string, { kind: IdentityKind; id: string; link: IdentityLink }>();
    for (const item of checked) {
      if (!("message" in item)) continue;
      for (const write of linksOf(item.message)) {
        const key = linkKey(write.kind, write.id);
        const merged = { ...writes.get(key)?.link, ...write.link };
        writes.set(key, { ...write, link: merged });
        links.set(key, Promise.resolve(merged));
      }
    }
    await Promise.all(
      [...writes.values()].map((w) => deps.identities.put(workspaceId, w.kind, w.id, w.link, receivedAt)),
    );
    const lookup = (kind: IdentityKind, id: string) => {
      const key = linkKey(kind, id);
      let link = links.get(key);
      if (!link) {
        link = deps.identities.get(workspaceId, kind, id);
        links.set(key, link);
      }
      return link;
    };
    let subject: Promise<SourceSubject> | undefined;
    const sourceSubject = () => {
      subject ??= deps.sources
        .getSource(workspaceId, owner.sourceId)
        .then((source) => source?.subject ?? "account");
      return subject;
    };
    return Promise.all(
      checked.map(async (item, index): Promise<Outcome> => {
        if (!("message" in item)) return { index, raw: item.raw, error: errorBody(item.error) };
        const { message } = item;
        const messageId = message.messageId ?? randomUUID();
        const accountId = await resolveAccount(message, lookup, sourceSubject);
        const header = {
          workspaceId,
          sourceId: owner.sourceId,
          messageId,
          ...(message.userId ? { userId: message.userId } : {}),
          timestamp: happenedAt(message, receivedAt, envelopeSentAt),
          receivedAt,
        };
        const used = detailOf(message, header, accountId);
        if ("error" in used) return { index, raw: item.raw, messageId, message, error: used.error };
        return {
          index,
          raw: item.raw,
          messageId,
          message,
          ...(accountId ? { accountId } : {}),
          ...(used.detail ? { detail: used.detail } : {}),
        };
      }),
    );
  });
  const details = outcomes.flatMap((o) => ("detail" in o && o.detail ? [o.detail] : []));
  // All or nothing on the bus side: the publisher retries refused entries and throws (503) if any
  // is still not on the bus, so a 2xx always means every used item is.
  if (details.length > 0) await deps.publisher.publish(details);
  await transient("record", () =>
    deps.debug.record(
      workspaceId,
      owner.sourceId,
      outcomes.map((o) => debugEntry(o, receivedAt)),
      // The mark came with the key (trusted 5 s): a source nobody watches keeps no accepted item.
      { sampleAccepted: isDebuggerWatched(owner.debuggerWatchedUntil, deps.clock.now()) },
    ),
  );
  return outcomes;
}

/** A storage failure before the answer is a 503: the client retries, nothing is lost. */
async function transient<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw new ServiceUnavailableError(
      `Could not ${what} the items (${error instanceof Error ? error.name : "error"}); retry with the same messageIds`,
    );
  }
}

/**
 * What a message puts on the bus: track, page and screen an event of their account; identify and
 * group an identify (account and person traits). An alias only links ids: it is used, with nothing
 * to publish. A message that needs an account and has none is not used (ACCOUNT_UNRESOLVED).
 */
function detailOf(
  message: Message,
  header: Omit<DetailHeader, "accountId">,
  accountId: string | undefined,
): { detail?: BusDetail } | { error: ItemError } {
  const type = message.type ?? "track";
  if (type === "alias") return {};
  const event = eventOf(message);
  if (event) {
    if (!accountId) return { error: unresolved(message) };
    return {
      detail: {
        ...header,
        accountId,
        ...event,
        ...(message.traits ? { traits: message.traits } : {}),
        ...(message.userTraits ? { userTraits: message.userTraits } : {}),
      },
    };
  }
  // identify or group
  const consumerMode =
    accountId !== undefined &&
    namedAccount(message) === undefined &&
    !!message.traits &&
    (accountId === message.userId || accountId === message.anonymousId);
  const accountTraits =
    type === "group" || identifyTraitsAreAccounts(message) || consumerMode ? message.traits : undefined;
  const userTraits =
    type === "identify" && !identifyTraitsAreAccounts(message) ? message.traits : message.userTraits;
  const personTraits = message.userId ? userTraits : undefined;
  if (!accountId && !personTraits) {
    // Nothing to keep but the links (already written): a visitor's traits need an account or a user.
    return message.traits && Object.keys(message.traits).length > 0 ? { error: unresolved(message) } : {};
  }
  return {
    detail: {
      ...header,
      ...(accountId ? { accountId } : {}),
      ...(accountTraits ? { traits: accountTraits } : {}),
      ...(personTraits ? { userTraits: personTraits } : {}),
    },
  };
}

function unresolved(message: Message): ItemError {
  const who = message.userId
    ? `user ${message.userId.slice(0, 64)}`
    : message.anonymousId
      ? `anonymous visitor ${message.anonymousId.slice(0, 64)}`
      : "sender";
  return {
    code: ACCOUNT_UNRESOLVED,
    message: `No account is linked to the ${who}: send accountId, a group call (or context.groupId) first, or set the source's subject to "user" if each person is an account`,
  };
}

/** Longest messageId the debugger takes from an item it could not read (a valid one is up to 128). */
const MAX_RAW_MESSAGE_ID_LENGTH = 256;

/**
 * What an item says it is, as sent, for the debugger to show an item that failed its checks: its
 * `type` when it is one of the message types, its `messageId` when it is a string of valid Unicode
 * up to 256 characters. So a developer finds "why was my event dropped" by the SDK's messageId.
 */
function sentIdentity(raw: unknown): { type?: MessageType; messageId?: string } {
  if (raw === null || typeof raw !== "object") return {};
  const { type, messageId } = raw as { type?: unknown; messageId?: unknown };
  return {
    ...((messageTypes as readonly unknown[]).includes(type) ? { type: type as MessageType } : {}),
    ...(typeof messageId === "string" &&
    messageId.length > 0 &&
    messageId.length <= MAX_RAW_MESSAGE_ID_LENGTH &&
    isValidUnicode(messageId)
      ? { messageId }
      : {}),
  };
}

function debugEntry(outcome: Outcome, receivedAt: string): DebugEntry {
  const sent = sentIdentity(outcome.raw);
  const type = outcome.message?.type ?? sent.type;
  const messageId = outcome.messageId ?? sent.messageId;
  return {
    verdict: "error" in outcome ? "rejected" : "accepted",
    receivedAt,
    ...(type ? { type } : {}),
    ...(messageId ? { messageId } : {}),
    ...("accountId" in outcome && outcome.accountId ? { accountId: outcome.accountId } : {}),
    ...("error" in outcome ? { reason: outcome.error } : {}),
    item: outcome.raw,
  };
}

/**
 * A single call (POST /v1/events or /v1/track, /v1/identify, /v1/group, /v1/page, /v1/screen,
 * /v1/alias, and analytics.js's one-letter paths): the route gives the type. An invalid item is a
 * 400 naming its fields (413 over 32 KB), and is also shown in the debugger; a valid one that names
 * no resolvable account is accepted (202) with the reason, and kept in the debugger.
 */
export async function ingestCall(
  deps: IngestDeps,
  owner: WriteKeyOwner,
  body: unknown,
  type: MessageType,
  origin?: string,
  userToken?: string,
): Promise<CallResult> {
  assertOriginAllowed(owner, origin);
  const checked = verifySender(owner, { origin, userToken }, check(body, type), deps.clock.now());
  if ("error" in checked) {
    // Best effort: the caller gets the error itself either way.
    await deps.debug
      .record(
        owner.workspaceId,
        owner.sourceId,
        [
          {
            verdict: "rejected",
            receivedAt: deps.clock.now().toISOString(),
            ...sentIdentity(body),
            type,
            reason: errorBody(checked.error),
            item: body ?? null,
          },
        ],
        { sampleAccepted: false },
      )
      .catch(() => undefined);
    throw checked.error;
  }
  const [outcome] = await ingestItems(deps, owner, [checked], undefined);
  if (!outcome?.messageId) throw new Error("ingestItems answers one outcome per item");
  return { messageId: outcome.messageId, ...("error" in outcome ? { error: outcome.error } : {}) };
}

/**
 * A batch (POST /v1/batch, /v1/import, analytics.js's /b): up to 500 KB of items of any type, each
 * checked on its own: an item that is invalid, oversized (over 32 KB) or without a resolvable
 * account is reported by index (and kept in the debugger) and its valid siblings go through. The
 * whole request fails only for what concerns all of it: a refused origin (403), a malformed
 * envelope (400), over 500 KB (413), or storage or a bus that did not take every used item (503:
 * the client resends the batch, and items with their own messageId are not processed twice).
 */
export async function ingestBatch(
  deps: IngestDeps,
  owner: WriteKeyOwner,
  body: unknown,
  origin?: string,
  userToken?: string,
): Promise<BatchResult> {
  assertOriginAllowed(owner, origin);
  const sender = { origin, userToken };
  // A browser batch without any token is refused whole; a token that does not cover an item
  // rejects that item (401 in its error), like any other invalid item.
  if (userToken === undefined && senderNeedsUserToken(owner, sender)) {
    authenticateSender(owner, sender, { accountId: "" }, deps.clock.now());
  }
  const bytes = body === undefined ? 0 : Buffer.byteLength(JSON.stringify(body), "utf8");
  if (bytes > MAX_BATCH_BYTES) {
    throw new PayloadTooLargeError(
      `A batch may be at most ${MAX_BATCH_BYTES / 1024} KB; this one is ${Math.ceil(bytes / 1024)} KB. Split it into several requests`,
    );
  }
  const { batch, sentAt } = parseOrThrow(batchEnvelopeSchema, body);
  const outcomes = await ingestItems(
    deps,
    owner,
    batch.map((item) => verifySender(owner, sender, check(item, "from_item"), deps.clock.now())),
    sentAt,
  );
  const result: BatchResult = { accepted: [], rejected: [] };
  for (const outcome of outcomes) {
    if ("error" in outcome) result.rejected.push({ index: outcome.index, error: outcome.error });
    else result.accepted.push({ index: outcome.index, messageId: outcome.messageId });
  }
  return result;
}
