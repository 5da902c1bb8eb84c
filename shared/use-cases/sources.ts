import { generateApiKey, hashApiKey } from "../domain/api-keys.js";
import { newId } from "../domain/ids.js";
import type { Source } from "../domain/source.js";
import { sourceInputSchema } from "../domain/source.js";
import { parseOrThrow } from "../domain/validation.js";
import type { Clock } from "../ports/clock.js";
import type { KeyStore } from "../ports/keys.js";
import type { SourceRepository } from "../ports/sources.js";

export interface SourceDeps {
  sources: SourceRepository;
  keys: KeyStore;
  clock: Clock;
}

/** Creates a source and its first write key. The key is returned only here; only its hash is kept. */
export async function createSource(deps: SourceDeps, workspaceId: string, body: unknown) {
  const input = parseOrThrow(sourceInputSchema, body);
  const now = deps.clock.now().toISOString();
  const source: Source = { ...input, id: newId(), workspaceId, createdAt: now };
  const writeKey = generateApiKey("write");
  await deps.sources.putSource(source);
  await deps.keys.putWriteKey(hashApiKey(writeKey), { workspaceId, sourceId: source.id }, now);
  return { ...toSourceView(source), writeKey };
}

export function toSourceView(source: Source) {
  return {
    id: source.id,
    name: source.name,
    allowedDomains: source.allowedDomains,
    createdAt: source.createdAt,
  };
}
