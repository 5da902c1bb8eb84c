import type { Source } from "../domain/source.js";

export interface SourceRepository {
  putSource(source: Source): Promise<void>;
  getSource(workspaceId: string, sourceId: string): Promise<Source | undefined>;
}
