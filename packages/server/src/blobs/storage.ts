import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobId } from '@conclave/protocol';
import { ServiceError } from '../errors.js';

/**
 * Where the bytes of encrypted files live, apart from their metadata
 * (`BlobStore`). A blob is immutable and named by the SHA-256 of its bytes.
 *
 * `DiskBlobStorage` keeps them in a directory (`<dataDir>/blobs` by default,
 * the `blobDir` server option): `<first 2 hex of id>/<id>`, uploads going
 * through `tmp/`. A cluster of nodes today needs that directory on a volume
 * every node mounts (NFS, a cloud file share): a node serves blobs another
 * node stored, and the hourly purge of any node deletes them.
 *
 * Scale-out plan: an S3-compatible object store (AWS S3, MinIO, Garage,
 * Ceph RGW) implementing this same interface, chosen by a `--blob-url`:
 * `put` as a multipart upload of the stream with `x-amz-checksum-sha256`
 * (the store checks the digest; a mismatch aborts the upload, so nothing is
 * visible), `read` as a ranged `GetObject`, `delete` as `DeleteObject`, and
 * `sweepTemp` as aborting incomplete multipart uploads (or a bucket lifecycle
 * rule). Objects are never listed or served publicly: the nodes authorise
 * every download and stream it through, as now.
 */
export interface BlobStorage {
  /**
   * Stores the bytes of `body` as blob `id`: durable before it resolves.
   * Never buffers the whole body.
   * @param maxBytes the body must not pass this many bytes (its Content-Length)
   * @returns the size stored, in bytes
   * @throws ServiceError BLOB_DIGEST_MISMATCH (the SHA-256 of the bytes is not `id`; nothing is kept);
   *   ServiceError FILE_TOO_LARGE (more than `maxBytes` arrived); the stream's error when it fails or is aborted
   */
  put(id: BlobId, body: Readable, maxBytes: number): Promise<number>;
  /**
   * The bytes `start`…`end` (inclusive) of blob `id`, streamed; undefined when
   * its bytes are missing.
   */
  read(id: BlobId, start: number, end: number): Promise<Readable | undefined>;
  /** Removes the bytes of blob `id` (nothing when they are not there). */
  delete(id: BlobId): Promise<void>;
  /**
   * Removes uploads left unfinished (a crash mid-upload) that started before `before` (ms).
   * @returns how many were removed.
   */
  sweepTemp(before: number): Promise<number>;
}

/** Counts and hashes the bytes passing through; fails past `maxBytes`. */
class Digest extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.byteLength;
    if (this.bytes > this.maxBytes) return done(new ServiceError('CONCLAVE_ERR_FILE_TOO_LARGE', `more than ${this.maxBytes} bytes`));
    this.hash.update(chunk);
    done(null, chunk);
  }
}

/** Opens `dir` and fsyncs it, so an entry created or renamed in it is on disk (POSIX: fsync of the directory). */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** `BlobStorage` in a local (or shared) directory; files and directories are the server user's only (0600/0700). */
export class DiskBlobStorage implements BlobStorage {
  private readonly tmp: string;

  constructor(private readonly root: string) {
    this.tmp = path.join(root, 'tmp');
  }

  private pathOf(id: BlobId): string {
    return path.join(this.root, id.slice(0, 2), id);
  }

  /**
   * Streams to `tmp/<random>` while hashing, checks the digest, fsyncs the
   * file, renames it to `<2 hex>/<id>` and fsyncs that directory (and the
   * root when the subdirectory is new): after a crash the blob is either
   * wholly there or not at all.
   */
  async put(id: BlobId, body: Readable, maxBytes: number): Promise<number> {
    await mkdir(this.tmp, { recursive: true, mode: 0o700 });
    const temp = path.join(this.tmp, randomBytes(12).toString('hex'));
    const digest = new Digest(maxBytes);
    let placed = false;
    try {
      // `flush`: the file is fsynced before it is closed, and the pipeline settles after the close.
      await pipeline(body, digest, createWriteStream(temp, { flags: 'wx', mode: 0o600, flush: true }));
      if (digest.hash.digest('hex') !== id) throw new ServiceError('CONCLAVE_ERR_BLOB_DIGEST_MISMATCH', `${digest.bytes} bytes`);
      const shard = path.dirname(this.pathOf(id));
      const created = await mkdir(shard, { recursive: true, mode: 0o700 });
      await rename(temp, this.pathOf(id));
      placed = true;
      await syncDirectory(shard);
      if (created !== undefined) await syncDirectory(this.root);
      return digest.bytes;
    } finally {
      if (!placed) await rm(temp, { force: true });
    }
  }

  async read(id: BlobId, start: number, end: number): Promise<Readable | undefined> {
    const file = this.pathOf(id);
    try {
      await stat(file);
    } catch {
      return undefined;
    }
    return createReadStream(file, { start, end });
  }

  async delete(id: BlobId): Promise<void> {
    await rm(this.pathOf(id), { force: true });
  }

  async sweepTemp(before: number): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.tmp);
    } catch {
      return 0;
    }
    let removed = 0;
    for (const name of names) {
      const file = path.join(this.tmp, name);
      const info = await stat(file).catch(() => undefined);
      if (info === undefined || info.mtimeMs >= before) continue;
      await rm(file, { force: true });
      removed++;
    }
    return removed;
  }
}
