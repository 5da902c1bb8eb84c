import * as z from "zod/mini";
import { issueApiKey, MAX_ACTIVE_WRITE_KEYS, toKeyView } from "../domain/api-keys.js";
import { debuggerWatchRenewal } from "../domain/debugger-watch.js";
import { ConflictError, NotFoundError, ValidationError } from "../domain/errors.js";
import { newId } from "../domain/ids.js";
import type { Moment } from "../domain/moment.js";
import { isId } from "../domain/primitives.js";
import { MAX_LIST_BYTES, takeWithinBytes } from "../domain/response-budget.js";
import {
  type Source,
  sourceInputSchema,
  sourcePatchSchema,
  toSourceView,
  type WriteKeyPolicy,
  writeKeyPolicy,
} from "../domain/source.js";
import { generateIdentitySecret, rotateIdentitySecrets, toIdentitySecretView } from "../domain/user-token.js";
import { parseOrThrow } from "../domain/validation.js";
import type { Clock } from "../ports/clock.js";
import {
  compareDebugEntries,
  type DebugCounts,
  type DebugEntry,
  type IngestDebugger,
  type ListedDebugEntry,
} from "../ports/ingestion.js";
import type { KeyStore } from "../ports/keys.js";
import type { SourceRepository, SourceStore } from "../ports/sources.js";
import { mapPage, parsePageQuery } from "./paging.js";

/** Issuing a key takes no options: an absent body or `{}`. */
export const emptyBodySchema = z.optional(z.strictObject({}));

export interface SourceDeps {
  sources: SourceStore;
  debug: IngestDebugger;
  keys: KeyStore;
  clock: Clock;
  /** Deleting a source asks which moments still use it. */
  moments: { listMoments(workspaceId: string): Promise<Moment[]> };
}

/**
 * Creates a source, its first write key and its identity secret. Both are returned only here; the
 * key is kept only as a hash (the secret must be kept: it verifies HMACs).
 */
export async function createSource(
  deps: { sources: SourceRepository; keys: KeyStore; clock: Clock },
  workspaceId: string,
  body: unknown,
) {
  const input = parseOrThrow(sourceInputSchema, body);
  const now = deps.clock.now();
  const at = now.toISOString();
  const identitySecret = generateIdentitySecret();
  const source: Source = {
    ...input,
    identitySecrets: rotateIdentitySecrets(undefined, identitySecret, now),
    id: newId(now.getTime()),
    workspaceId,
    createdAt: at,
    updatedAt: at,
  };
  await deps.sources.putSource(source);
  const { secret } = await issueKeyFor(deps, source);
  return { ...toSourceView(source), writeKey: secret, identitySecret };
}

/**
 * Issues a new identity secret (shown only here). The previous one keeps verifying tokens for
 * IDENTITY_SECRET_GRACE_HOURS, time to deploy the new one to the app's backend.
 */
export async function rotateIdentitySecret(
  deps: Pick<SourceDeps, "sources" | "keys" | "clock">,
  workspaceId: string,
  sourceId: string,
  body: unknown,
) {
  parseOrThrow(emptyBodySchema, body);
  const source = await findSource(deps, workspaceId, sourceId);
  const now = deps.clock.now();
  const identitySecret = generateIdentitySecret();
  const identitySecrets = rotateIdentitySecrets(source.identitySecrets, identitySecret, now);
  const updated = await deps.sources.updateSource(
    workspaceId,
    sourceId,
    { identitySecrets },
    now.toISOString(),
  );
  if (!updated) throw notFound(sourceId);
  await keepKeyPolicyInStep(deps, workspaceId, sourceId, undefined);
  return { identitySecret, ...toIdentitySecretView(updated.identitySecrets) };
}

export async function listSources(
  deps: Pick<SourceDeps, "sources">,
  workspaceId: string,
  query: Record<string, string | undefined>,
) {
  const page = await deps.sources.listSources(workspaceId, parsePageQuery(query));
  return mapPage(page, toSourceView);
}

export async function getSource(deps: { sources: SourceRepository }, workspaceId: string, sourceId: string) {
  return toSourceView(await findSource(deps, workspaceId, sourceId));
}

/**
 * Renames a source or changes its allowedDomains or requireUserToken. Each write key's lookup item
 * carries a copy of the source's policy (so ingestion authenticates, checks the origin and verifies
 * the user with one read): a change is copied onto them before answering, so the next browser
 * request already obeys it.
 */
export async function updateSource(
  deps: Pick<SourceDeps, "sources" | "keys" | "clock">,
  workspaceId: string,
  sourceId: string,
  body: unknown,
) {
  const patch = parseOrThrow(sourcePatchSchema, body);
  if (!isId(sourceId)) throw notFound(sourceId);
  const updated = await deps.sources.updateSource(
    workspaceId,
    sourceId,
    {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.allowedDomains !== undefined ? { allowedDomains: patch.allowedDomains } : {}),
      ...(patch.requireUserToken !== undefined ? { requireUserToken: patch.requireUserToken } : {}),
      ...(patch.subject !== undefined ? { subject: patch.subject } : {}),
    },
    deps.clock.now().toISOString(),
  );
  if (!updated) throw notFound(sourceId);
  if (patch.allowedDomains !== undefined || patch.requireUserToken !== undefined) {
    await keepKeyPolicyInStep(deps, workspaceId, sourceId, undefined);
  }
  return toSourceView(updated);
}

/**
 * Deletes a source that no live moment uses, and with it its write keys (they stop authenticating
 * at once). A moment that is not archived and lists the source is a 409 naming it: archive the
 * moment or take the source out of it first.
 */
export async function deleteSource(deps: SourceDeps, workspaceId: string, sourceId: string): Promise<void> {
  await findSource(deps, workspaceId, sourceId);
  const users = (await deps.moments.listMoments(workspaceId)).filter(
    (moment) => moment.status !== "archived" && moment.sourceIds.includes(sourceId),
  );
  if (users.length > 0) throw sourceInUse(users);
  // Keys first: if this stops halfway the source is still there and a retry finishes the job.
  await deps.keys.deleteWriteKeys(workspaceId, sourceId);
  await deps.sources.deleteSource(workspaceId, sourceId);
  // A key issued while the first pass ran was stored before the source was gone (issuing reads the
  // source first), so a second pass after the delete catches it.
  await deps.keys.deleteWriteKeys(workspaceId, sourceId);
}

/**
 * The source's ingestion debugger: how many items it accepted and rejected, and the latest of each
 * (up to 100 per verdict, for 7 days), newest first, each with the reason it was not used.
 *
 * Reading it is watching it: accepted items are sampled only while someone looks (see
 * debugger-watch.ts), so this marks the source watched for the next 5 minutes, unless a recent read
 * already did, and copies the mark onto its write keys before answering (ingestion reads it with
 * the key: sampling starts within the key's 5 s trust). `sampling.until` says until when.
 */
export async function sourceDebugger(
  deps: { sources: SourceStore; debug: IngestDebugger; keys: KeyStore; clock: Clock },
  workspaceId: string,
  sourceId: string,
  query: Record<string, string | undefined> = {},
  maxBytes: number = MAX_LIST_BYTES,
): Promise<{ counts: DebugCounts; items: DebugEntry[]; nextCursor?: string; sampling: { until: string } }> {
  const after = query.cursor === undefined ? undefined : decodeDebugCursor(query.cursor);
  const source = await findSource(deps, workspaceId, sourceId);
  const now = deps.clock.now();
  const [until, { counts, items }] = await Promise.all([
    watchDebugger(deps, source, now),
    deps.debug.list(workspaceId, sourceId, now.toISOString()),
  ]);
  // Up to 200 kept items of up to 32 KB each (more in UTF-8 and escaped): a page stops before the response
  // nears Lambda's 6 MB, and the cursor names the last item shown.
  const rest = after ? items.filter((item) => compareDebugEntries(item, after) > 0) : items;
  const page = takeWithinBytes(rest, { maxBytes });
  const last = page.at(-1);
  return {
    counts,
    items: page.map(({ position: _position, ...entry }) => entry),
    ...(rest.length > page.length && last ? { nextCursor: encodeDebugCursor(last) } : {}),
    sampling: { until },
  };
}

/** Marks the source's debugger watched (when its mark is not fresh) and answers until when it is. */
async function watchDebugger(
  deps: { sources: SourceStore; keys: KeyStore },
  source: Source,
  now: Date,
): Promise<string> {
  const renewal = debuggerWatchRenewal(source.debuggerWatchedUntil, now);
  if (!renewal) return source.debuggerWatchedUntil ?? now.toISOString();
  const { workspaceId, id } = source;
  const marked = await deps.sources.markDebuggerWatched(
    workspaceId,
    id,
    renewal.until,
    renewal.renewIfBefore,
  );
  // Copied like the policy (a concurrent change or new key converges on the source's): by whoever
  // wrote the mark; a read that lost the race answers the winner's mark.
  if (!marked) return (await deps.sources.getSource(workspaceId, id))?.debuggerWatchedUntil ?? renewal.until;
  await keepKeyPolicyInStep(deps, workspaceId, id, undefined);
  return renewal.until;
}

function encodeDebugCursor(entry: ListedDebugEntry): string {
  return Buffer.from(JSON.stringify([entry.receivedAt, entry.position]), "utf8").toString("base64url");
}

function decodeDebugCursor(cursor: string): { receivedAt: string; position: string } {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(value) && value.length === 2 && value.every((part) => typeof part === "string"))
      return { receivedAt: value[0] as string, position: value[1] as string };
  } catch {
    // falls through to the 400
  }
  throw new ValidationError([{ path: "cursor", message: "is not a cursor from this listing" }]);
}

/** Issues another write key for a source (rotation); the key is returned only here. */
export async function issueWriteKey(
  deps: { sources: SourceRepository; keys: KeyStore; clock: Clock },
  workspaceId: string,
  sourceId: string,
  body: unknown,
) {
  parseOrThrow(emptyBodySchema, body);
  const source = await findSource(deps, workspaceId, sourceId);
  const { record, secret } = await issueKeyFor(deps, source);
  return { ...toKeyView(record), writeKey: secret };
}

export async function listWriteKeys(
  deps: { sources: SourceRepository; keys: KeyStore },
  workspaceId: string,
  sourceId: string,
  query: Record<string, string | undefined>,
) {
  const pageRequest = parsePageQuery(query);
  await findSource(deps, workspaceId, sourceId);
  const page = await deps.keys.listWriteKeys(workspaceId, sourceId, pageRequest);
  return mapPage(page, toKeyView);
}

/** Revokes a write key: from now on it authenticates nothing (401). */
export async function revokeWriteKey(
  deps: { sources: SourceRepository; keys: KeyStore; clock: Clock },
  workspaceId: string,
  sourceId: string,
  keyId: string,
): Promise<void> {
  await findSource(deps, workspaceId, sourceId);
  const result = isId(keyId)
    ? await deps.keys.revokeWriteKey(workspaceId, sourceId, keyId, deps.clock.now().toISOString())
    : "not_found";
  if (result === "not_found") throw new NotFoundError(`No write key ${keyId.slice(0, 64)} on this source`);
}

async function issueKeyFor(
  deps: { sources: SourceRepository; keys: KeyStore; clock: Clock },
  source: Source,
) {
  const issued = issueApiKey("write", deps.clock.now());
  const policy = writeKeyPolicy(source);
  const result = await deps.keys.putWriteKey(
    { workspaceId: source.workspaceId, sourceId: source.id, ...policy },
    issued.hash,
    issued.record,
    MAX_ACTIVE_WRITE_KEYS,
  );
  if (result === "limit_reached") {
    throw new ConflictError(
      `A source may have at most ${MAX_ACTIVE_WRITE_KEYS} active write keys. To rotate, revoke a key you no longer deploy, then issue the new one.`,
    );
  }
  // The policy may have changed between reading the source and storing the key.
  await keepKeyPolicyInStep(deps, source.workspaceId, source.id, policy);
  return issued;
}

/**
 * Makes the keys' copy of the source's policy converge on the source's. Two changes (or a change
 * and a new key) can interleave; whoever writes last re-reads the source afterwards and copies
 * again if it moved, so the final write is always of the current policy. `written`: what the
 * caller already copied (undefined: nothing yet).
 */
async function keepKeyPolicyInStep(
  deps: { sources: SourceRepository; keys: KeyStore },
  workspaceId: string,
  sourceId: string,
  written: WriteKeyPolicy | undefined,
) {
  let copied = written === undefined ? undefined : JSON.stringify(written);
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await deps.sources.getSource(workspaceId, sourceId);
    if (!current) return;
    const policy = writeKeyPolicy(current);
    if (JSON.stringify(policy) === copied) return;
    await deps.keys.setWriteKeyPolicy(workspaceId, sourceId, policy);
    copied = JSON.stringify(policy);
  }
}

async function findSource(
  deps: { sources: SourceRepository },
  workspaceId: string,
  sourceId: string,
): Promise<Source> {
  const source = isId(sourceId) ? await deps.sources.getSource(workspaceId, sourceId) : undefined;
  if (!source) throw notFound(sourceId);
  return source;
}

function notFound(sourceId: string) {
  return new NotFoundError(`No source ${sourceId.slice(0, 64)}`);
}

/** The 409 for deleting a source live moments use, naming them so the admin knows where to look. */
function sourceInUse(moments: Moment[]): ConflictError {
  const names = moments
    .slice(0, 5)
    .map((m) => `"${m.name}" (${m.id}, ${m.status})`)
    .join(", ");
  const more = moments.length > 5 ? ` and ${moments.length - 5} more` : "";
  const one = moments.length === 1;
  return new ConflictError(
    `The source is used by ${one ? "a moment that is" : "moments that are"} not archived: ${names}${more}. Archive ${one ? "it" : "them"} or remove the source from ${one ? "its" : "their"} sourceIds first.`,
    moments.map((m) => ({ path: `moments.${m.id}`, message: `"${m.name}" is ${m.status}` })),
  );
}
