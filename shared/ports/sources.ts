import type { Source } from "../domain/source.js";
import type { Page, PageRequest } from "./email-templates.js";

/** What other areas need of sources (moment validation): create one, read one. */
export interface SourceRepository {
  /** Creates a source (ids are fresh, so this never replaces another). */
  putSource(source: Source): Promise<void>;
  getSource(workspaceId: string, sourceId: string): Promise<Source | undefined>;
}

export type SourceChanges = Partial<
  Pick<Source, "name" | "allowedDomains" | "subject" | "requireUserToken" | "identitySecrets">
>;

/** The whole lifecycle, for the admin API. */
export interface SourceStore extends SourceRepository {
  /** Oldest first (ids sort by creation time). A cursor from another listing is a ValidationError. */
  listSources(workspaceId: string, page: PageRequest): Promise<Page<Source>>;
  /** Applies the changes if the source exists; the updated source, or undefined when there is none. */
  updateSource(
    workspaceId: string,
    sourceId: string,
    changes: SourceChanges,
    updatedAt: string,
  ): Promise<Source | undefined>;
  /**
   * Marks the source's debugger watched until `until`, unless the stored mark already reaches
   * `renewIfBefore` (another GET renewed it) or the source is gone. Not a change of the source: its
   * updatedAt stays. True when this call wrote the mark.
   */
  markDebuggerWatched(
    workspaceId: string,
    sourceId: string,
    until: string,
    renewIfBefore: string,
  ): Promise<boolean>;
  /** False when there was nothing to delete. */
  deleteSource(workspaceId: string, sourceId: string): Promise<boolean>;
}
