import { MAX_FILE_NAME_CHARS, MAX_THUMBNAIL_BYTES, type ContentOf } from '@conclave/protocol';
import { base64ToBytes, bytesToBase64 } from '../body.js';
import type { Clock } from '../connection/clock.js';
import { ConclaveError, isConclaveError } from '../errors.js';
import type { FileAttachment } from '../store/store.js';
import { BlobOpener, blobIdOf, blobSize, generateFileKey, sealChunks, type FileSource, type Sha256Factory } from './file-crypto.js';
import type { BlobTransport } from './transport.js';

/** What the sender says about a file: its `name` (directories are dropped), `mime` type, a `caption`, an image's size and thumbnail, the seq it replies to. */
export interface FileMeta {
  name: string;
  mime?: string;
  caption?: string;
  /** An image: `width`/`height` in pixels, a `thumbnail` (JPEG or PNG, dropped above `MAX_THUMBNAIL_BYTES`). */
  image?: { width: number; height: number; thumbnail?: Uint8Array };
  replyTo?: number;
}

/** How far a file being sent is: bytes of ciphertext encrypted, uploaded, then the message being sent. */
export interface FileProgress {
  stage: 'encrypting' | 'uploading' | 'sending';
  doneBytes: number;
  totalBytes: number;
}

/** Options of a transfer: progress reports and cancellation (`CONCLAVE_ERR_CANCELLED`). */
export interface TransferOptions<P> {
  onProgress?: (progress: P) => void;
  signal?: AbortSignal;
}

/** Bytes in a MiB. */
const MIB = 1024 * 1024;

/** Times a download resumes after a network failure before it gives up. */
const DOWNLOAD_RESUMES = 3;
/** Wait before resuming a download, ms (times the attempt). */
const RESUME_DELAY_MS = 500;

/** What file transfers need from the client. */
export interface FileTransferDeps {
  transport: BlobTransport | undefined;
  /** The session token for `Authorization: Bearer` (null: the web's cookie). */
  token(): string | null;
  /** The server's largest file in bytes (its `hello`), when known. */
  maxFileBytes(): number | undefined;
  /** The SHA-256 to name and check blobs with (default `@noble/hashes`). */
  sha256?: Sha256Factory | undefined;
  clock: Clock;
}

/**
 * Encrypts files and moves them as blobs (`file-crypto.ts`, `BlobTransport`):
 * the upload half of `ConclaveClient.sendFile` and all of `downloadFile`.
 * Plaintext never leaves the device; the server gets ciphertext and a blob id.
 */
export class FileTransfers {
  constructor(private readonly deps: FileTransferDeps) {}

  /**
   * Encrypts `source` under a fresh key and uploads it.
   * @returns the `file` content announcing it (the caller sends it in the conversation)
   * @throws ConclaveError `CONCLAVE_ERR_FILES_UNAVAILABLE` (no transport), `CONCLAVE_ERR_CANCELLED`,
   *   `FILE_TOO_LARGE` (over the server's `maxFileBytes`, before anything is encrypted, or the
   *   server's refusal), the server's `QUOTA_EXCEEDED`, `SESSION_INVALID`, `FILE_TRANSFER`
   */
  async upload(source: FileSource, meta: FileMeta, options: TransferOptions<FileProgress> = {}): Promise<ContentOf<'file'>> {
    const transport = this.transport();
    const { onProgress, signal } = options;
    const max = this.deps.maxFileBytes();
    if (max !== undefined && source.size > max) {
      const mib = (bytes: number): string => (bytes / MIB).toFixed(bytes < 10 * MIB ? 1 : 0);
      throw new ConclaveError('CONCLAVE_ERR_FILE_TOO_LARGE', `That file is too large (${mib(source.size)} MiB): this server takes files of up to ${mib(max)} MiB.`);
    }
    const key = generateFileKey();
    const totalBytes = blobSize(source.size);
    checkAborted(signal);
    onProgress?.({ stage: 'encrypting', doneBytes: 0, totalBytes });
    const { blobId, size } = await blobIdOf(
      source,
      key,
      (done) => {
        checkAborted(signal);
        onProgress?.({ stage: 'encrypting', doneBytes: done, totalBytes });
      },
      this.deps.sha256,
    );
    checkAborted(signal);
    onProgress?.({ stage: 'uploading', doneBytes: 0, totalBytes });
    await transport.upload({
      blobId,
      size,
      chunks: () => sealChunks(source, key),
      token: this.deps.token(),
      onProgress: (sent) => onProgress?.({ stage: 'uploading', doneBytes: sent, totalBytes }),
      ...(signal !== undefined && { signal }),
    });
    checkAborted(signal);
    onProgress?.({ stage: 'sending', doneBytes: totalBytes, totalBytes });
    const thumbnail = meta.image?.thumbnail;
    return {
      v: 1,
      kind: 'file',
      blob: blobId,
      key: bytesToBase64(key),
      name: fileName(meta.name),
      mime: (meta.mime ?? '').slice(0, 127) || 'application/octet-stream',
      size: source.size,
      ...(meta.caption !== undefined && meta.caption.trim() !== '' && { caption: meta.caption.trim() }),
      ...(meta.image !== undefined && {
        image: {
          width: meta.image.width,
          height: meta.image.height,
          ...(thumbnail !== undefined && thumbnail.byteLength <= MAX_THUMBNAIL_BYTES && { thumbnail: bytesToBase64(thumbnail) }),
        },
      }),
      ...(meta.replyTo !== undefined && { replyTo: meta.replyTo }),
    };
  }

  /**
   * Downloads and opens a file, streaming its plaintext to `write` in order.
   * A network failure resumes where the last whole chunk ended (Range), up to
   * `DOWNLOAD_RESUMES` times. When it throws, what `write` got must be thrown away.
   * @param options.onProgress bytes of ciphertext received, of the blob's total
   * @returns the plaintext's SHA-256 (hex) and size in bytes
   * @throws ConclaveError `CONCLAVE_ERR_FILE_CORRUPT` (altered, truncated, not the announced blob),
   *   the server's refusal (`NOT_MEMBER`, `BLOB_NOT_FOUND`, `SESSION_INVALID`), `FILE_TRANSFER`,
   *   `CANCELLED`, `FILES_UNAVAILABLE`
   */
  async download(
    file: FileAttachment,
    write: (bytes: Uint8Array) => Promise<void> | void,
    options: TransferOptions<{ doneBytes: number; totalBytes: number }> = {},
  ): Promise<{ sha256: string; size: number }> {
    const transport = this.transport();
    const { onProgress, signal } = options;
    const totalBytes = blobSize(file.size);
    const opener = new BlobOpener({ blobId: file.blob, key: base64ToBytes(file.key), size: file.size }, write, this.deps.sha256);
    for (let attempt = 0; ; attempt++) {
      checkAborted(signal);
      const offset = opener.resumeOffset();
      let received = offset;
      try {
        const body = await transport.download({ blobId: file.blob, offset, token: this.deps.token(), ...(signal !== undefined && { signal }) });
        onProgress?.({ doneBytes: received, totalBytes });
        for await (const piece of body) {
          checkAborted(signal);
          await opener.push(piece);
          received += piece.byteLength;
          onProgress?.({ doneBytes: Math.min(received, totalBytes), totalBytes });
        }
        return await opener.finish();
      } catch (err) {
        if (!isConclaveError(err, 'CONCLAVE_ERR_FILE_TRANSFER') || attempt >= DOWNLOAD_RESUMES || signal?.aborted === true) throw err;
        opener.discardPartial();
        await new Promise<void>((resolve) => this.deps.clock.setTimeout(resolve, RESUME_DELAY_MS * (attempt + 1)));
      }
    }
  }

  private transport(): BlobTransport {
    if (this.deps.transport === undefined) throw new ConclaveError('CONCLAVE_ERR_FILES_UNAVAILABLE');
    return this.deps.transport;
  }
}

/** A file name to announce: no directories, no control characters, at most `MAX_FILE_NAME_CHARS` (keeping the extension). */
export function fileName(name: string): string {
  const base = (name.split(/[/\\]/).pop() ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim();
  const clean = base === '' || base === '.' || base === '..' ? 'file' : base;
  if (clean.length <= MAX_FILE_NAME_CHARS) return clean;
  const dot = clean.lastIndexOf('.');
  const ext = dot > 0 && clean.length - dot <= 16 ? clean.slice(dot) : '';
  return clean.slice(0, MAX_FILE_NAME_CHARS - ext.length) + ext;
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new ConclaveError('CONCLAVE_ERR_CANCELLED');
}
