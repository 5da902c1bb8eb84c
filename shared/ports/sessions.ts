import type { ConsoleSession } from "../domain/console-session.js";

/** Console sessions by the SHA-256 of their token. Expired ones are never returned. */
export interface SessionStore {
  put(tokenHash: string, session: ConsoleSession): Promise<void>;
  find(tokenHash: string, now: Date): Promise<ConsoleSession | undefined>;
  /** Moves a session's end (a used session slides); nothing happens if it is gone meanwhile. */
  extend(tokenHash: string, endsAt: string): Promise<void>;
  delete(tokenHash: string): Promise<void>;
}
