/** In-memory suppression list and unsubscribe keys, for unit tests of the email performer. */
import type { Suppression } from "../../shared/domain/suppression.js";
import {
  currentKey,
  keyById,
  newSigningKeySet,
  rotateSigningKeySet,
  type SigningKeySet,
} from "../../shared/domain/unsubscribe.js";
import type { Mailer } from "../../shared/ports/delivery.js";
import type { EmailTemplateRepository, Page, PageRequest } from "../../shared/ports/email-templates.js";
import type { SuppressionStore, UnsubscribeKeyStore } from "../../shared/ports/suppressions.js";
import type { EmailDeps } from "../../shared/use-cases/actions/email.js";

export class FakeSuppressionList implements SuppressionStore {
  readonly items = new Map<string, Suppression>();
  /** Addresses looked up, in order (to assert what was checked). */
  readonly lookups: string[] = [];

  private key(workspaceId: string, address: string) {
    return `${workspaceId}|${address}`;
  }

  async getSuppression(workspaceId: string, address: string) {
    this.lookups.push(address);
    return this.items.get(this.key(workspaceId, address));
  }

  async suppress(workspaceId: string, suppression: Suppression) {
    const key = this.key(workspaceId, suppression.address);
    if (this.items.has(key)) return "already_suppressed" as const;
    this.items.set(key, structuredClone(suppression));
    return "suppressed" as const;
  }

  async listSuppressions(workspaceId: string, page: PageRequest): Promise<Page<Suppression>> {
    const all = [...this.items.entries()]
      .filter(([key]) => key.startsWith(`${workspaceId}|`))
      .map(([, value]) => value)
      .sort((a, b) => a.address.localeCompare(b.address));
    const start = page.cursor === undefined ? 0 : Number(page.cursor);
    const items = all.slice(start, start + page.limit);
    return {
      items,
      ...(start + page.limit < all.length ? { nextCursor: String(start + page.limit) } : {}),
    };
  }

  async removeSuppression(workspaceId: string, address: string) {
    return this.items.delete(this.key(workspaceId, address));
  }
}

export class FakeUnsubscribeKeys implements UnsubscribeKeyStore {
  readonly sets = new Map<string, SigningKeySet>();

  async signingKey(workspaceId: string) {
    let set = this.sets.get(workspaceId);
    if (!set) {
      set = newSigningKeySet();
      this.sets.set(workspaceId, set);
    }
    return currentKey(set);
  }

  async verificationKey(workspaceId: string, keyId: string) {
    const set = this.sets.get(workspaceId);
    return set ? keyById(set, keyId) : undefined;
  }

  async rotateSigningKey(workspaceId: string) {
    const set = this.sets.get(workspaceId);
    const next = set ? rotateSigningKeySet(set) : newSigningKeySet();
    this.sets.set(workspaceId, next);
    return { current: next.current };
  }
}

export const TEST_API_URL = "https://api.moments.test/";

/** Email performer deps with in-memory suppressions and keys and a fixed public API URL. */
export function emailDeps(
  templates: Pick<EmailTemplateRepository, "getEmailTemplate">,
  mailer: Mailer,
  overrides: Partial<EmailDeps> = {},
): EmailDeps & { suppressions: FakeSuppressionList; unsubscribeKeys: FakeUnsubscribeKeys } {
  return {
    templates,
    mailer,
    suppressions: new FakeSuppressionList(),
    unsubscribeKeys: new FakeUnsubscribeKeys(),
    publicApiUrl: TEST_API_URL,
    ...overrides,
  } as EmailDeps & { suppressions: FakeSuppressionList; unsubscribeKeys: FakeUnsubscribeKeys };
}
