import { z } from 'zod';

/**
 * Encrypted files: the blob store's HTTP API and its limits, shared by the
 * server and every client. A blob is the ciphertext of one file (see
 * `FileContent` for what members learn about it); the server stores and
 * serves opaque bytes and never sees a file's name, type, key or content.
 *
 * - `PUT BLOB_PATH/<id>`: upload a ciphertext whose SHA-256 (lowercase hex)
 *   is `<id>`. Authenticated by `Authorization: Bearer <session token>` or, from
 *   a page of the same origin, by the session cookie. The body streams to a
 *   temporary file, is checked against `<id>`, fsynced and renamed before the
 *   reply: 201 `{id, size}` (200 when the blob was already there). Errors:
 *   400 `CONCLAVE_ERR_BLOB_DIGEST_MISMATCH`, 401 `CONCLAVE_ERR_SESSION_INVALID`,
 *   411 `CONCLAVE_ERR_BAD_FRAME` (no Content-Length), 413 `CONCLAVE_ERR_FILE_TOO_LARGE`
 *   (over the `max_file_mb` setting), 413 `CONCLAVE_ERR_QUOTA_EXCEEDED`
 *   (the user's blobs would pass the `file_quota_mb` setting).
 * - `GET BLOB_PATH/<id>`: the ciphertext (`application/octet-stream`), with
 *   `Range: bytes=N-` / `bytes=N-M` for resuming (206). Only for users who are
 *   current members of a conversation the blob was announced in (see
 *   `SendFrame.attachments`), or its uploader: 403 `CONCLAVE_ERR_NOT_MEMBER`
 *   otherwise, 404 `CONCLAVE_ERR_BLOB_NOT_FOUND` when there is no such blob.
 *
 * A blob never announced is deleted after `ORPHAN_BLOB_MS`; an announced
 * one with the last message that announced it (the `retention_days` setting).
 */
export const BLOB_PATH = '/api/blobs';

/** A blob's id: the SHA-256 of its ciphertext, 64 lowercase hex digits. */
export const BlobIdSchema = z.string().regex(/^[0-9a-f]{64}$/).brand<'BlobId'>();
/** A blob's id (see `BlobIdSchema`). */
export type BlobId = z.infer<typeof BlobIdSchema>;
/** Brands a string already known to be a blob id. */
export const asBlobId = (s: string): BlobId => s as BlobId;

/** Blobs one `send` frame may announce. */
export const MAX_ATTACHMENTS = 4;

/** Default of the `max_file_mb` setting: the largest file, in MiB of plaintext. */
export const DEFAULT_MAX_FILE_MB = 25;
/** Default of the `file_quota_mb` setting: the stored blobs one user may have at once, in MiB. */
export const DEFAULT_FILE_QUOTA_MB = 1024;

/** How long an uploaded blob that no message announced is kept, in ms (a day). */
export const ORPHAN_BLOB_MS = 24 * 3600_000;

/**
 * Plaintext bytes per encrypted chunk of a file (64 KiB). Each chunk of
 * ciphertext is this plus `FILE_TAG_BYTES`, so a download can resume at any
 * chunk boundary.
 */
export const FILE_CHUNK_BYTES = 64 * 1024;
/** Bytes of AES-GCM tag after each chunk (NIST SP 800-38D, 128-bit tag). */
export const FILE_TAG_BYTES = 16;

/** Longest file name carried, in characters. */
export const MAX_FILE_NAME_CHARS = 255;
/** Largest image thumbnail carried inside a `file` content, in bytes. */
export const MAX_THUMBNAIL_BYTES = 6 * 1024;

/**
 * The ciphertext size of a file whose padded plaintext is `paddedBytes`:
 * one tag per chunk, and one chunk (a bare tag) for an empty file.
 */
export function blobSizeFor(paddedBytes: number): number {
  const chunks = Math.max(1, Math.ceil(paddedBytes / FILE_CHUNK_BYTES));
  return paddedBytes + chunks * FILE_TAG_BYTES;
}

/**
 * The size a file of `bytes` is padded to before encryption (Padmé,
 * Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and
 * Communication with PURBs", PETS 2019, §4): at most 12 % more, and a blob's
 * size tells only O(log log n) bits of the file's.
 */
export function paddedFileSize(bytes: number): number {
  if (bytes <= 1) return bytes;
  const e = Math.floor(Math.log2(bytes));
  const s = Math.floor(Math.log2(e)) + 1;
  const lastBits = e - s;
  const mask = 2 ** lastBits - 1;
  return Math.floor((bytes + mask) / (mask + 1)) * (mask + 1);
}
