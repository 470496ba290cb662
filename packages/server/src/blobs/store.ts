import type { BlobId } from '@conclave/protocol';

/** What the server knows of a stored blob (never its content). Times in ms. */
export interface BlobRecord {
  id: BlobId;
  uploaderId: string;
  /** Bytes of ciphertext. */
  size: number;
  createdAt: number;
  /** When a message first announced it; null while never announced. */
  announcedAt: number | null;
}

/** Persistence of blob metadata and of which messages announced which blob. */
export interface BlobStore {
  find(id: BlobId): Promise<BlobRecord | undefined>;
  /**
   * Records a blob unless one with its id exists.
   * @returns true when this call recorded it, false when it was there already.
   */
  insert(blob: Omit<BlobRecord, 'announcedAt'>): Promise<boolean>;
  /** Bytes of every stored blob `userId` uploaded (0 when none). */
  bytesUploadedBy(userId: string): Promise<number>;
  /** The ids among `ids` that exist and were uploaded by `userId`. */
  uploadedBy(userId: string, ids: readonly BlobId[]): Promise<BlobId[]>;
  /**
   * Links each of `ids` that still exists to the message (conversation, seq)
   * at `linkedAt` (ms; a link already there stays as it is), and sets
   * `announcedAt` of those not yet announced to `linkedAt`.
   */
  link(ids: readonly BlobId[], conversationId: string, seq: number, linkedAt: number): Promise<void>;
  /** The conversations whose messages announced the blob (none when never announced or all expired). */
  conversationsOf(id: BlobId): Promise<string[]>;
  /**
   * Deletes links made before `before` (ms).
   * @returns how many were deleted.
   */
  deleteLinksBefore(before: number): Promise<number>;
  /**
   * Deletes, and returns, up to `limit` blobs without a link that were
   * announced, or were created before `orphanBefore` (ms) and never announced.
   * The condition is checked by the delete itself, so a blob linked meanwhile
   * stays; only the returned ones' bytes may be removed.
   */
  deleteUnreferenced(orphanBefore: number, limit: number): Promise<BlobId[]>;
}
