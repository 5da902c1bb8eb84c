/**
 * The one ingestion model: a message of the Segment HTTP Tracking API spec (track, identify, group,
 * page, screen, alias), with Moments' extensions (`accountId`, `userTraits`). Our own bodies
 * (POST /v1/events, /v1/identify, a batch's items) are a subset of it: a track or identify that
 * names its `accountId`. Pure: what a message means, which account it is for and when it happened.
 */
import * as z from "zod/mini";
import { ATTRIBUTE_CHANGED_EVENT } from "../contracts/bus.js";
import { accountIdSchema, eventTimestampSchema, messageIdSchema, userIdSchema } from "./event.js";
import { canonicalInstant } from "./iso-time.js";
import { eventNameSchema, jsonObjectSchema, validUnicode } from "./primitives.js";
import { traitsSchema } from "./profile.js";

export const messageTypes = ["track", "identify", "group", "page", "screen", "alias"] as const;
export type MessageType = (typeof messageTypes)[number];

/** The event a page or screen call becomes, so a moment can start on it (`event.name` is the page's name). */
export const PAGE_EVENT = "page_viewed";
export const SCREEN_EVENT = "screen_viewed";

/** Analytics SDKs send `null` for an id they do not have (an anonymous visitor's userId): the same as none. */
const optional = <T extends z.ZodMiniType>(schema: T) =>
  z.pipe(
    z.nullish(schema),
    z.transform((value: z.infer<T> | null | undefined) => (value === null ? undefined : value)),
  );

const anonymousIdSchema = z.string().check(z.minLength(1), z.maxLength(256), validUnicode);

/**
 * `context` as the SDKs send it (library, page, userAgent, ip...): only `groupId` means something
 * here; the rest is accepted and ignored.
 */
const contextSchema = z.looseObject({ groupId: optional(accountIdSchema) });

export const messageShape = {
  /** What kind of call; the route gives it for single calls, batch items carry it. */
  type: z.optional(z.enum(messageTypes)),
  /** Moments' extension: the account (organization) the message is about. Wins over every other rule. */
  accountId: optional(accountIdSchema),
  userId: optional(userIdSchema),
  anonymousId: optional(anonymousIdSchema),
  /** group: the account the user belongs to. */
  groupId: optional(accountIdSchema),
  /** alias: the id the user had before (usually the anonymousId). */
  previousId: optional(anonymousIdSchema),
  /** track: the event name. */
  event: optional(eventNameSchema),
  /** page, screen: the page's or screen's name. */
  name: optional(z.string().check(z.maxLength(200), validUnicode)),
  category: optional(z.string().check(z.maxLength(200), validUnicode)),
  properties: optional(jsonObjectSchema),
  /**
   * identify: the person's traits (Segment), or the account's when the identify names `accountId`
   * (Moments' own form, with the person's in `userTraits`). group: the account's. track: the
   * account's (Moments' own form).
   */
  traits: optional(traitsSchema),
  /** Moments' extension: the person's traits, merged into the profile of `userId`. */
  userTraits: optional(traitsSchema),
  context: optional(contextSchema),
  /** The client's idempotency key: resending the same messageId never starts a moment twice. */
  messageId: optional(messageIdSchema),
  /** When it happened, on the client's clock (corrected by sentAt when given; see happenedAt). */
  timestamp: optional(eventTimestampSchema),
  /** RudderStack's name for the same: used when there is no timestamp. */
  originalTimestamp: optional(eventTimestampSchema),
  /** When the client sent it (same clock as timestamp): gives the client clock's error. */
  sentAt: optional(eventTimestampSchema),
};

function requireField(ctx: z.core.$RefinementCtx, path: string, message: string) {
  ctx.addIssue({ code: "custom", message, path: [path] });
}

/** The rules that depend on the type of call. */
function messageRules(value: z.infer<z.ZodMiniObject<typeof messageShape>>, ctx: z.core.$RefinementCtx) {
  const type = value.type ?? "track";
  if (type === "track") {
    if (value.event === undefined) requireField(ctx, "event", "must be an event name");
    // Only the engine emits attribute_changed (from a real trait change); an app sending it could
    // start chained moments on a change that never happened. Apps change traits with identify.
    else if (value.event === ATTRIBUTE_CHANGED_EVENT)
      requireField(
        ctx,
        "event",
        `"${ATTRIBUTE_CHANGED_EVENT}" is reserved for the engine; send an identify to change traits`,
      );
  }
  if (type === "group" && value.groupId === undefined && value.accountId === undefined)
    requireField(ctx, "groupId", "a group call needs the groupId of the account");
  if (type === "alias") {
    if (value.previousId === undefined) requireField(ctx, "previousId", "an alias needs the previous id");
    if (value.userId === undefined) requireField(ctx, "userId", "an alias needs the userId");
  } else if (
    value.accountId === undefined &&
    value.userId === undefined &&
    value.anonymousId === undefined &&
    value.groupId === undefined &&
    value.context?.groupId === undefined
  ) {
    requireField(
      ctx,
      "accountId",
      "send accountId, or a userId or anonymousId from which Moments resolves the account",
    );
  }
  // userTraits belong to a person: without a userId there is no profile to merge them into.
  if (value.userTraits !== undefined && value.userId === undefined)
    requireField(ctx, "userTraits", "userTraits need a userId (the person they describe)");
}

/**
 * One message, any type. Unknown top-level fields are ignored rather than rejected: analytics SDKs
 * add their own (integrations, _metadata, writeKey...), and refusing them would lose events.
 */
export const messageSchema = z.object(messageShape).check(
  // Also when a field failed: a 400 names every failing field at once (an invalid `properties` and
  // a missing `event`), not one per attempt. The rules only read fields they check the type of.
  z.superRefine(messageRules, { when: () => true }),
);
export type Message = z.infer<typeof messageSchema>;

/** Largest single message, as sent (Segment's limit per call). */
export { MAX_MESSAGE_BYTES } from "../contracts/routes.js";

/**
 * The envelope of a batch (POST /v1/batch, /v1/import, analytics.js's /b). Items are checked one by
 * one, so an invalid item is reported by index and never costs its valid siblings.
 */
export const batchEnvelopeSchema = z.object({
  batch: z.array(z.unknown()).check(z.minLength(1, "must hold at least one item")),
  /** When the client sent the batch: corrects the items' timestamps (those without their own sentAt). */
  sentAt: optional(eventTimestampSchema),
});

/**
 * The documented shape of a batch, for the OpenAPI document. Requests are not parsed with it: each
 * item is checked on its own, and any object is accepted (202), answered in `rejected` with the
 * error a single call would get, so the document must not refuse it either.
 */
export const batchRequestSchema = z.object({
  batch: z
    .array(
      z.union([z.object({ ...messageShape, type: z.enum(messageTypes) }), z.record(z.string(), z.unknown())]),
    )
    .check(z.minLength(1)),
  sentAt: z.optional(eventTimestampSchema),
});

/**
 * When the message happened, as an ISO instant (UTC), by Segment's rule: the time the client gave
 * (Segment's `originalTimestamp`: the `timestamp` it sent, else, as RudderStack's SDKs send it,
 * `originalTimestamp`), corrected for the client clock's error when the client says when it sent
 * the message (`sentAt`, the message's, else the batch's): receivedAt − (sentAt − original), since
 * sentAt and receipt are the same moment on two clocks. Without sentAt (a historical import over
 * the HTTP API) the time is taken as sent; without any time, it is the receipt. A sentAt that would
 * move the time outside years 0000 to 9999 is nonsense and ignored.
 */
export function happenedAt(message: Message, receivedAt: string, envelopeSentAt?: string): string {
  const original = message.timestamp ?? message.originalTimestamp;
  if (original === undefined) return receivedAt;
  const sentAt = message.sentAt ?? envelopeSentAt;
  if (sentAt === undefined) return canonicalInstant(Date.parse(original)) ?? original;
  const corrected = Date.parse(receivedAt) - (Date.parse(sentAt) - Date.parse(original));
  return canonicalInstant(corrected) ?? canonicalInstant(Date.parse(original)) ?? original;
}

/** An id that identifies a person: a known user, or a visitor before they sign in. */
export type IdentityKind = "user" | "anonymous";

/** What an identity is linked to: the account it belongs to, and for a visitor the user it became. */
export interface IdentityLink {
  accountId?: string;
  userId?: string;
}

export interface LinkWrite {
  kind: IdentityKind;
  id: string;
  link: IdentityLink;
}

/**
 * The account a message names itself: `accountId`, else a group call's `groupId`, else
 * `context.groupId`. Undefined when it has to be resolved from the sender's identity.
 */
export function namedAccount(message: Message): string | undefined {
  return (
    message.accountId ?? (message.type === "group" ? message.groupId : undefined) ?? message.context?.groupId
  );
}

/**
 * The identity links a message establishes, for later messages to resolve their account: a group
 * (or an identify naming its account) links the user, or the visitor, to the account; an identify
 * with both ids, and an alias, link the visitor to the user.
 */
export function linksOf(message: Message): LinkWrite[] {
  const type = message.type ?? "track";
  const links: LinkWrite[] = [];
  if (type === "alias" && message.previousId && message.userId) {
    links.push({ kind: "anonymous", id: message.previousId, link: { userId: message.userId } });
    return links;
  }
  if (type === "group" || type === "identify") {
    const accountId = namedAccount(message);
    if (accountId && message.userId) links.push({ kind: "user", id: message.userId, link: { accountId } });
    else if (accountId && message.anonymousId)
      links.push({ kind: "anonymous", id: message.anonymousId, link: { accountId } });
  }
  if (type === "identify" && message.userId && message.anonymousId)
    links.push({ kind: "anonymous", id: message.anonymousId, link: { userId: message.userId } });
  return links;
}

/** How a source's messages map to accounts when they do not name one. */
export type SourceSubject = "account" | "user";

/**
 * Resolves the account of a message that names none, from its identity links: the account linked
 * to its userId; else the one linked to its anonymousId, directly or through the user it became;
 * else, for a source in consumer mode (`subject: "user"`, the person is the account), the userId
 * (or the user the visitor became), then the anonymousId.
 */
export async function resolveAccount(
  message: Message,
  lookup: (kind: IdentityKind, id: string) => Promise<IdentityLink | undefined>,
  subject: () => Promise<SourceSubject>,
): Promise<string | undefined> {
  const named = namedAccount(message);
  if (named) return named;
  let userId = message.userId;
  if (userId) {
    const link = await lookup("user", userId);
    if (link?.accountId) return link.accountId;
  }
  if (message.anonymousId) {
    const visitor = await lookup("anonymous", message.anonymousId);
    if (visitor?.accountId) return visitor.accountId;
    if (!userId && visitor?.userId) {
      userId = visitor.userId;
      const link = await lookup("user", userId);
      if (link?.accountId) return link.accountId;
    }
  }
  if ((await subject()) === "user") return userId ?? message.anonymousId;
  return undefined;
}

/** Whose traits an identify's `traits` are: the account's in Moments' own form (it names accountId). */
export function identifyTraitsAreAccounts(message: Message): boolean {
  return message.accountId !== undefined;
}

/** The event name and properties a track, page or screen call puts on the bus. */
export function eventOf(
  message: Message,
): { event: string; properties: Record<string, unknown> } | undefined {
  const type = message.type ?? "track";
  const properties = message.properties ?? {};
  if (type === "track" && message.event) return { event: message.event, properties };
  if (type === "page" || type === "screen") {
    return {
      event: type === "page" ? PAGE_EVENT : SCREEN_EVENT,
      properties: {
        ...properties,
        ...(message.name !== undefined ? { name: message.name } : {}),
        ...(message.category !== undefined ? { category: message.category } : {}),
      },
    };
  }
  return undefined;
}
