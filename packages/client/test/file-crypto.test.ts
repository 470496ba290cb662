import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { FILE_CHUNK_BYTES, FILE_TAG_BYTES, paddedFileSize, type BlobId } from '@conclave/protocol';
import { BlobOpener, blobSize, bytesSource, isConclaveError } from '../src/index.js';
import { blobIdOf, generateFileKey, sealChunks } from '../src/files/file-crypto.js';

/** Encrypts `plain` and returns the blob (all chunks) with its id and key. */
async function seal(plain: Uint8Array): Promise<{ blob: Buffer; blobId: BlobId; key: Uint8Array }> {
  const key = generateFileKey();
  const chunks: Uint8Array[] = [];
  for await (const chunk of sealChunks(bytesSource(plain), key)) chunks.push(chunk);
  const { blobId, size } = await blobIdOf(bytesSource(plain), key);
  const blob = Buffer.concat(chunks);
  assert.equal(size, blob.length);
  return { blob, blobId, key };
}

/** Opens `blob`, fed in pieces of `piece` bytes; the plaintext and the opener's result. */
async function open(file: { blob: Uint8Array; blobId: BlobId; key: Uint8Array; size: number }, piece = 10_000): Promise<{ plain: Buffer; sha256: string }> {
  const out: Uint8Array[] = [];
  const opener = new BlobOpener({ blobId: file.blobId, key: file.key, size: file.size }, (bytes) => void out.push(bytes.slice()));
  for (let i = 0; i < file.blob.length; i += piece) await opener.push(file.blob.subarray(i, i + piece));
  const { sha256 } = await opener.finish();
  return { plain: Buffer.concat(out), sha256 };
}

const corrupt = (err: unknown) => isConclaveError(err, 'CONCLAVE_ERR_FILE_CORRUPT');

test('a file round-trips through the chunked encryption at every size around a chunk boundary, padded, with its SHA-256', async () => {
  for (const size of [0, 1, 100, FILE_CHUNK_BYTES - 1, FILE_CHUNK_BYTES, FILE_CHUNK_BYTES + 1, 3 * FILE_CHUNK_BYTES + 7, 1_000_003]) {
    const plain = randomBytes(size);
    const { blob, blobId, key } = await seal(plain);
    assert.equal(blob.length, blobSize(size), `blob size for ${size}`);
    assert.ok(blob.length >= paddedFileSize(size) + FILE_TAG_BYTES);
    assert.equal(blobId, createHash('sha256').update(blob).digest('hex'), 'the id is the ciphertext digest');
    const opened = await open({ blob, blobId, key, size }, size % 7 === 0 ? 65_552 : 4_099);
    assert.ok(opened.plain.equals(plain), `plaintext of ${size} bytes`);
    assert.equal(opened.sha256, createHash('sha256').update(plain).digest('hex'));
  }
});

test('Padmé padding costs at most 12 % and hides the exact size', () => {
  for (const size of [2, 9, 1000, 123_456, 25 * 1024 * 1024, 1_000_000_007]) {
    const padded = paddedFileSize(size);
    assert.ok(padded >= size && padded <= size * 1.12 + 1, `${size} → ${padded}`);
  }
  assert.equal(paddedFileSize(1_000_001), paddedFileSize(1_000_002), 'nearby sizes share a size class');
});

test('the same key gives the same ciphertext (the digest pass and the upload pass agree); a fresh key gives another', async () => {
  const plain = randomBytes(200_000);
  const a = await seal(plain);
  const again: Uint8Array[] = [];
  for await (const c of sealChunks(bytesSource(plain), a.key)) again.push(c);
  assert.ok(Buffer.concat(again).equals(a.blob));
  const b = await seal(plain);
  assert.notEqual(a.blobId, b.blobId);
});

test('an altered, truncated, reordered or extended blob is refused, as is the wrong key', async () => {
  const size = 3 * FILE_CHUNK_BYTES + 500;
  const plain = randomBytes(size);
  const { blob, blobId, key } = await seal(plain);
  const chunk = FILE_CHUNK_BYTES + FILE_TAG_BYTES;

  const flipped = Buffer.from(blob);
  flipped[chunk + 17]! ^= 1;
  await assert.rejects(open({ blob: flipped, blobId, key, size }), corrupt, 'a flipped bit');

  const truncated = blob.subarray(0, 2 * chunk);
  await assert.rejects(open({ blob: truncated, blobId, key, size }), corrupt, 'whole chunks cut off');

  const swapped = Buffer.concat([blob.subarray(chunk, 2 * chunk), blob.subarray(0, chunk), blob.subarray(2 * chunk)]);
  await assert.rejects(open({ blob: swapped, blobId, key, size }), corrupt, 'two chunks swapped');

  const extended = Buffer.concat([blob, Buffer.alloc(1)]);
  await assert.rejects(open({ blob: extended, blobId, key, size }), corrupt, 'a byte after the end');

  // Whole valid chunks dropped from the end of a file announced shorter: the last chunk was not sealed as last.
  await assert.rejects(open({ blob: blob.subarray(0, chunk), blobId, key, size: FILE_CHUNK_BYTES }), corrupt, 'a prefix passed off as a file');

  await assert.rejects(open({ blob, blobId, key: generateFileKey(), size }), corrupt, 'the wrong key');

  const otherId = createHash('sha256').update('x').digest('hex') as BlobId;
  await assert.rejects(open({ blob, blobId: otherId, key, size }), corrupt, 'not the announced blob');
});

test('a download resumes at the last whole chunk: what came of a partial chunk is dropped', async () => {
  const size = 2 * FILE_CHUNK_BYTES + 10;
  const plain = randomBytes(size);
  const { blob, blobId, key } = await seal(plain);
  const out: Uint8Array[] = [];
  const opener = new BlobOpener({ blobId, key, size }, (bytes) => void out.push(bytes.slice()));
  await opener.push(blob.subarray(0, FILE_CHUNK_BYTES + FILE_TAG_BYTES + 1000));
  const offset = opener.resumeOffset();
  assert.equal(offset, FILE_CHUNK_BYTES + FILE_TAG_BYTES);
  opener.discardPartial();
  await opener.push(blob.subarray(offset));
  await opener.finish();
  assert.ok(Buffer.concat(out).equals(plain));
});

test('a file content decodes only when well formed: a short key, a path in the name or an oversized thumbnail make it unsupported', async () => {
  const { decodeContent, encodeContent, MAX_THUMBNAIL_BYTES } = await import('@conclave/protocol');
  const good = {
    kind: 'file' as const,
    blob: 'ab'.repeat(32) as BlobId,
    key: Buffer.alloc(32, 7).toString('base64'),
    name: 'cat.jpg',
    mime: 'image/jpeg',
    size: 1234,
    image: { width: 10, height: 20, thumbnail: Buffer.alloc(100).toString('base64') },
  };
  assert.equal(decodeContent(encodeContent(good)).kind, 'file');
  const bad = [
    { ...good, key: Buffer.alloc(16).toString('base64') },
    { ...good, blob: 'AB'.repeat(32) },
    { ...good, size: -1 },
    { ...good, name: '' },
    { ...good, image: { width: 10, height: 20, thumbnail: Buffer.alloc(MAX_THUMBNAIL_BYTES + 3).toString('base64') } },
  ];
  for (const content of bad) assert.deepEqual(decodeContent(encodeContent(content as typeof good)), { kind: 'unsupported', named: 'file' });
});
