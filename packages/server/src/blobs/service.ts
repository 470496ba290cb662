import type { Readable } from 'node:stream';
import { ORPHAN_BLOB_MS, type BlobId, type UserInfo } from '@conclave/protocol';
import type { ConversationService } from '../conversations/service.js';
import { ServiceError } from '../errors.js';
import type { Metrics } from '../metrics/metrics.js';
import type { SettingsService } from '../settings/service.js';
import type { BlobStorage } from './storage.js';
import type { BlobStore } from './store.js';

/** Bytes in a MiB. */
const MIB = 1024 * 1024;

/** Blobs deleted per statement by the purge (it repeats until none is left). */
const PURGE_BATCH = 500;

/** A blob a user may download: its size in bytes, and a reader of its bytes `start`…`end` (inclusive). */
export interface BlobDownload {
  size: number;
  read(start: number, end: number): Promise<Readable>;
}

/** What one purge removed: links past retention, blobs (rows and bytes), unfinished uploads. */
export interface BlobPurge {
  links: number;
  blobs: number;
  temp: number;
}

/**
 * Encrypted files (`BLOB_PATH`): who may upload how much, who may download
 * what, which messages announced which blob, and when a blob goes. Stores
 * and serves opaque ciphertext; never sees a file's name, type or key.
 * Metadata in a `BlobStore`, bytes in a `BlobStorage`.
 */
export class BlobService {
  constructor(
    private readonly store: BlobStore,
    private readonly storage: BlobStorage,
    private readonly conversations: ConversationService,
    private readonly settings: SettingsService,
    /** Counts bytes stored and served, and blobs deleted. */
    private readonly metrics?: Metrics,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Checks an upload before its body is read: the blob of `id` by `user`,
   * `length` bytes long (its Content-Length).
   * @returns the stored blob's size when it is there already (a retry: nothing more to read), else undefined
   * @throws ServiceError FILE_TOO_LARGE (over the `max_file_mb` setting's ciphertext size),
   *   FORBIDDEN (another user uploaded these very bytes), QUOTA_EXCEEDED (the user's blobs would pass `file_quota_mb`)
   */
  async admit(user: UserInfo, id: BlobId, length: number): Promise<number | undefined> {
    const existing = await this.store.find(id);
    if (existing !== undefined) {
      if (existing.uploaderId !== user.userId) {
        throw new ServiceError('CONCLAVE_ERR_FORBIDDEN', 'blob uploaded by another user', { message: 'Someone else uploaded that file; encrypt it afresh to share it.' });
      }
      return existing.size;
    }
    if (length > (await this.settings.maxBlobBytes())) {
      const mib = Number(await this.settings.get('max_file_mb'));
      throw new ServiceError('CONCLAVE_ERR_FILE_TOO_LARGE', `${length} bytes`, { message: `That file is too large: this server takes files of up to ${mib} MiB.` });
    }
    const quota = await this.settings.fileQuotaBytes();
    const used = quota > 0 ? await this.store.bytesUploadedBy(user.userId) : 0;
    if (quota > 0 && used + length > quota) {
      const mib = (bytes: number) => (bytes / MIB).toFixed(1);
      throw new ServiceError('CONCLAVE_ERR_QUOTA_EXCEEDED', `${length} bytes`, {
        message: `Your files on this server would pass your quota (${mib(used)} of ${mib(quota)} MiB used); files go when their messages do, or ask an admin.`,
      });
    }
    return undefined;
  }

  /**
   * Stores an upload `admit` let through: streams `body` (at most `length`
   * bytes) to the storage, durably, then records it. Concurrent uploads of
   * one user may together pass the quota by what they upload at once.
   * @returns the size and whether this call stored it (false: it was there already)
   * @throws ServiceError BLOB_DIGEST_MISMATCH, FILE_TOO_LARGE; the stream's error when the upload is aborted
   */
  async upload(user: UserInfo, id: BlobId, length: number, body: Readable): Promise<{ size: number; created: boolean }> {
    const size = await this.storage.put(id, body, length);
    const created = await this.store.insert({ id, uploaderId: user.userId, size, createdAt: this.now() });
    if (created) this.metrics?.blobStored(size);
    return { size, created };
  }

  /**
   * Opens a blob for `user`: its uploader, or a current member of a
   * conversation where a message announced it.
   * @returns its size (bytes) and a reader of the bytes `start`…`end` (inclusive, within the size),
   *   which throws ServiceError BLOB_NOT_FOUND when the bytes are gone
   * @throws ServiceError BLOB_NOT_FOUND (no such blob), NOT_MEMBER (not for this user)
   */
  async open(user: UserInfo, id: BlobId): Promise<BlobDownload> {
    const blob = await this.store.find(id);
    if (blob === undefined) throw new ServiceError('CONCLAVE_ERR_BLOB_NOT_FOUND');
    if (blob.uploaderId !== user.userId && !(await this.memberOfAny(await this.store.conversationsOf(id), user.userId))) {
      throw new ServiceError('CONCLAVE_ERR_NOT_MEMBER', `blob ${id}`, { message: 'That file was not shared in a conversation you are in.' });
    }
    return {
      size: blob.size,
      read: async (start, end) => {
        const body = await this.storage.read(id, start, end);
        if (body === undefined) throw new ServiceError('CONCLAVE_ERR_BLOB_NOT_FOUND', `bytes of ${id} missing`);
        this.metrics?.blobServed(end - start + 1);
        return body;
      },
    };
  }

  private async memberOfAny(conversationIds: string[], userId: string): Promise<boolean> {
    for (const id of conversationIds) if (await this.conversations.hasMember(id, userId)) return true;
    return false;
  }

  /**
   * Checks the attachments of a message before it is appended: each must
   * exist and have been uploaded by `userId`.
   * @throws ServiceError BLOB_NOT_FOUND naming the first one that does not (in `detail`)
   */
  async checkAttachments(userId: string, ids: readonly BlobId[]): Promise<void> {
    const mine = new Set(await this.store.uploadedBy(userId, ids));
    const missing = ids.find((id) => !mine.has(id));
    if (missing !== undefined) throw new ServiceError('CONCLAVE_ERR_BLOB_NOT_FOUND', `attachment ${missing}`);
  }

  /** Records that the logged message (conversation, seq) sent at `sentAt` (ms) announced `ids`. */
  link(ids: readonly BlobId[], conversationId: string, seq: number, sentAt: number): Promise<void> {
    return this.store.link(ids, conversationId, seq, sentAt);
  }

  /**
   * Deletes links older than `retentionMs` before `now` (none when 0: kept
   * forever), then every blob left without a link that was announced, or that
   * is older than `ORPHAN_BLOB_MS` and never was — its row, then its bytes —
   * and uploads left unfinished for as long.
   */
  async purge(now: number, retentionMs: number): Promise<BlobPurge> {
    const links = retentionMs === 0 ? 0 : await this.store.deleteLinksBefore(now - retentionMs);
    let blobs = 0;
    for (;;) {
      const ids = await this.store.deleteUnreferenced(now - ORPHAN_BLOB_MS, PURGE_BATCH);
      for (const id of ids) await this.storage.delete(id);
      blobs += ids.length;
      if (ids.length < PURGE_BATCH) break;
    }
    const temp = await this.storage.sweepTemp(now - ORPHAN_BLOB_MS);
    this.metrics?.blobsDeleted(blobs);
    return { links, blobs, temp };
  }
}
