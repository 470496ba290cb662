import { asBlobId, FILE_CHUNK_BYTES, FILE_TAG_BYTES, blobSizeFor, paddedFileSize, type BlobId } from '@conclave/protocol';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { ConclaveError } from '../errors.js';

/**
 * File encryption: the STREAM construction (Hoang, Reyhanitabar, Rogaway,
 * Vizár, "Online Authenticated-Encryption and its Nonce-Reuse
 * Misuse-Resistance", CRYPTO 2015, §7) over AES-256-GCM from WebCrypto,
 * as age and Tink's streaming AEAD use it. Every file gets a fresh random
 * 256-bit key, so nonces never repeat across files.
 *
 * - The plaintext is the file padded with zeros to `paddedFileSize` (Padmé).
 * - It is cut into `FILE_CHUNK_BYTES` chunks (the last may be shorter, or
 *   empty for an empty file). Chunk i is sealed under the 96-bit nonce
 *   `i` (big-endian, 11 bytes) ‖ `last` (1 byte: 1 for the final chunk, else 0),
 *   giving the chunk's ciphertext and its 16-byte tag.
 * - The blob is the chunks' ciphertexts one after the other; its id is their
 *   SHA-256 (`BlobId`).
 *
 * A reordered chunk fails its tag (wrong counter), a truncated blob lacks
 * a chunk sealed as `last`, and bytes after it are refused: each is a
 * `CONCLAVE_ERR_FILE_CORRUPT`.
 */

/**
 * An incremental SHA-256 (FIPS 180-4). The default is `@noble/hashes` (pure
 * JavaScript, every runtime); a platform with a native one passes it through
 * `ClientOptions.sha256` (the terminal: `node:crypto`, ~20× faster: hashing is
 * most of what a device spends on a file, `bench:files` `clientCrypto`).
 */
export type Sha256Factory = () => { update(bytes: Uint8Array): unknown; digest(): Uint8Array };

/** `@noble/hashes`' SHA-256. */
export const nobleSha256: Sha256Factory = () => sha256.create();

/** Bytes of a file key. */
export const FILE_KEY_BYTES = 32;
/** Bytes of one sealed chunk on the wire (all but the last). */
export const SEALED_CHUNK_BYTES = FILE_CHUNK_BYTES + FILE_TAG_BYTES;

/** Where a file's bytes come from: a browser `File`, an open file on disk, bytes in memory. */
export interface FileSource {
  /** Size of the file, in bytes. */
  readonly size: number;
  /** `length` bytes from `offset` (fewer only at the end). */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** A `FileSource` over bytes in memory. */
export function bytesSource(bytes: Uint8Array): FileSource {
  return { size: bytes.byteLength, read: async (offset, length) => bytes.subarray(offset, offset + length) };
}

/** A fresh random file key (`FILE_KEY_BYTES`). */
export function generateFileKey(): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(FILE_KEY_BYTES));
}

type AesKey = Parameters<typeof globalThis.crypto.subtle.encrypt>[1];

async function importKey(raw: Uint8Array, usage: 'encrypt' | 'decrypt'): Promise<AesKey> {
  if (raw.byteLength !== FILE_KEY_BYTES) throw new ConclaveError('CONCLAVE_ERR_FILE_CORRUPT', 'The file key has the wrong length.');
  return globalThis.crypto.subtle.importKey('raw', raw.slice(), { name: 'AES-GCM' }, false, [usage]);
}

function chunkNonce(index: number, last: boolean): Uint8Array<ArrayBuffer> {
  const nonce = new Uint8Array(12);
  const view = new DataView(nonce.buffer);
  // 11-byte counter; a 25 MiB file has ~400 chunks, and 2^53 bounds JavaScript's integers anyway.
  view.setUint32(3, Math.floor(index / 2 ** 32));
  view.setUint32(7, index >>> 0);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

/** Number of chunks of a file of `size` bytes (after padding). */
export function chunkCount(size: number): number {
  return Math.max(1, Math.ceil(paddedFileSize(size) / FILE_CHUNK_BYTES));
}

/** The blob size (bytes of ciphertext) of a file of `size` bytes. */
export function blobSize(size: number): number {
  return blobSizeFor(paddedFileSize(size));
}

/**
 * The sealed chunks of `source` under `key`, in order: each `SEALED_CHUNK_BYTES`
 * but the last. Reads the source one chunk at a time, so memory stays at a chunk.
 * Deterministic for one key and source: the digest pass and the upload pass agree.
 * @throws whatever `source.read` throws
 */
export async function* sealChunks(source: FileSource, key: Uint8Array): AsyncGenerator<Uint8Array> {
  const aes = await importKey(key, 'encrypt');
  const padded = paddedFileSize(source.size);
  const count = chunkCount(source.size);
  for (let i = 0; i < count; i++) {
    const start = i * FILE_CHUNK_BYTES;
    const length = Math.min(FILE_CHUNK_BYTES, padded - start);
    const plain = new Uint8Array(length);
    const real = Math.max(0, Math.min(length, source.size - start));
    if (real > 0) {
      const bytes = await source.read(start, real);
      if (bytes.byteLength !== real) throw new ConclaveError('CONCLAVE_ERR_FILE_CORRUPT', 'The file changed while it was being sent.');
      plain.set(bytes);
    }
    const sealed = await globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv: chunkNonce(i, i === count - 1) }, aes, plain);
    yield new Uint8Array(sealed);
  }
}

/**
 * Encrypts `source` once to learn its blob id (the SHA-256 of the
 * ciphertext) without keeping the ciphertext; `onProgress` gets the bytes of
 * ciphertext made so far after each chunk.
 * @returns the id and the blob size in bytes
 */
export async function blobIdOf(
  source: FileSource,
  key: Uint8Array,
  onProgress?: (doneBytes: number) => void,
  sha256Of: Sha256Factory = nobleSha256,
): Promise<{ blobId: BlobId; size: number }> {
  const hash = sha256Of();
  let size = 0;
  for await (const chunk of sealChunks(source, key)) {
    hash.update(chunk);
    size += chunk.byteLength;
    onProgress?.(size);
  }
  return { blobId: asBlobId(bytesToHex(hash.digest())), size };
}

/**
 * Opens a downloaded blob chunk by chunk: feed it the ciphertext in pieces of
 * any size (`push`), then `finish()`. Plaintext comes out through `write` in
 * order, trimmed to the file's `size` (the padding is dropped), so a caller
 * can stream it to disk. The blob's SHA-256 is checked against `blobId` at
 * the end. `resumeOffset()` tells where to resume an interrupted download
 * (a chunk boundary: what was pushed past it is dropped).
 */
export class BlobOpener {
  private readonly hash: ReturnType<Sha256Factory>;
  private aes: AesKey | null = null;
  private buffer: Uint8Array[] = [];
  private buffered = 0;
  private index = 0;
  private written = 0;
  private done = false;
  private readonly count: number;
  private readonly plain: ReturnType<Sha256Factory>;

  /**
   * @param file.size the file's bytes before padding; `key` its key; `blobId` the announced id.
   * @param write receives the plaintext, in order (awaited).
   * @param sha256Of the SHA-256 to check the blob and hash the plaintext with
   */
  constructor(
    private readonly file: { blobId: BlobId; key: Uint8Array; size: number },
    private readonly write: (bytes: Uint8Array) => Promise<void> | void,
    sha256Of: Sha256Factory = nobleSha256,
  ) {
    this.count = chunkCount(file.size);
    this.hash = sha256Of();
    this.plain = sha256Of();
  }

  /** Bytes of ciphertext consumed into whole chunks: where a resumed download starts. */
  resumeOffset(): number {
    return this.index * SEALED_CHUNK_BYTES;
  }

  /** Drops a partly received chunk (before resuming at `resumeOffset()`). */
  discardPartial(): void {
    this.buffer = [];
    this.buffered = 0;
  }

  /**
   * Takes the next ciphertext bytes.
   * @throws ConclaveError `CONCLAVE_ERR_FILE_CORRUPT` (a chunk that fails its tag, bytes after the last chunk)
   */
  async push(bytes: Uint8Array): Promise<void> {
    if (bytes.byteLength === 0) return;
    if (this.done) throw corrupt('there are bytes after its end');
    this.buffer.push(bytes);
    this.buffered += bytes.byteLength;
    while (!this.done && this.buffered >= this.expectedChunkBytes()) {
      const sealed = this.take(this.expectedChunkBytes());
      await this.open(sealed);
    }
    if (this.done && this.buffered > 0) throw corrupt('there are bytes after its end');
  }

  /**
   * Ends the blob: every chunk must have come and the digest must match.
   * @returns the SHA-256 (hex) and size of the plaintext written
   * @throws ConclaveError `CONCLAVE_ERR_FILE_CORRUPT` (truncated, or not the announced blob)
   */
  async finish(): Promise<{ sha256: string; size: number }> {
    if (!this.done || this.buffered > 0) throw corrupt('it is cut short');
    const digest = bytesToHex(this.hash.digest());
    if (digest !== this.file.blobId) throw corrupt('it is not the file that was sent');
    return { sha256: bytesToHex(this.plain.digest()), size: this.written };
  }

  private expectedChunkBytes(): number {
    if (this.index < this.count - 1) return SEALED_CHUNK_BYTES;
    return paddedFileSize(this.file.size) - (this.count - 1) * FILE_CHUNK_BYTES + FILE_TAG_BYTES;
  }

  private take(length: number): Uint8Array<ArrayBuffer> {
    const out = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      const head = this.buffer[0]!;
      const n = Math.min(head.byteLength, length - filled);
      out.set(head.subarray(0, n), filled);
      filled += n;
      if (n === head.byteLength) this.buffer.shift();
      else this.buffer[0] = head.subarray(n);
    }
    this.buffered -= length;
    return out;
  }

  private async open(sealed: Uint8Array<ArrayBuffer>): Promise<void> {
    this.aes ??= await importKey(this.file.key, 'decrypt');
    const last = this.index === this.count - 1;
    let plain: Uint8Array;
    try {
      plain = new Uint8Array(await globalThis.crypto.subtle.decrypt({ name: 'AES-GCM', iv: chunkNonce(this.index, last) }, this.aes, sealed));
    } catch {
      throw corrupt('a part of it was altered or is out of place');
    }
    this.hash.update(sealed);
    const start = this.index * FILE_CHUNK_BYTES;
    const real = Math.max(0, Math.min(plain.byteLength, this.file.size - start));
    if (real > 0) {
      const out = plain.subarray(0, real);
      this.plain.update(out);
      this.written += real;
      await this.write(out);
    }
    this.index++;
    if (last) this.done = true;
  }
}

function corrupt(why: string): ConclaveError {
  return new ConclaveError('CONCLAVE_ERR_FILE_CORRUPT', `This file cannot be opened: ${why}. It was not saved.`);
}
