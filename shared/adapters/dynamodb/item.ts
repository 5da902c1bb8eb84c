import type { ItemKey } from "../../contracts/table.js";

/** Every item carries its keys and a `type`, so a table scan or export can tell items apart. */
export type Item<T> = T & ItemKey & { type: string; gsi1pk?: string; gsi1sk?: string; expiresAt?: number };

const STORAGE_ATTRIBUTES = new Set(["pk", "sk", "type", "gsi1pk", "gsi1sk", "expiresAt"]);

export function fromItem<T>(item: Record<string, unknown>): T {
  const entity: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(item)) if (!STORAGE_ATTRIBUTES.has(name)) entity[name] = value;
  return entity as T;
}
