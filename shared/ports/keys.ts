export interface WriteKeyOwner {
  workspaceId: string;
  sourceId: string;
}

/** API keys by the SHA-256 of the presented key; the key itself is never stored. */
export interface KeyStore {
  findAdminKey(keyHash: string): Promise<{ workspaceId: string } | undefined>;
  findWriteKey(keyHash: string): Promise<WriteKeyOwner | undefined>;
  putAdminKey(keyHash: string, workspaceId: string, createdAt: string): Promise<void>;
  putWriteKey(keyHash: string, owner: WriteKeyOwner, createdAt: string): Promise<void>;
}
