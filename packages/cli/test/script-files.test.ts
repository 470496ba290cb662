import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { addUser } from '@conclave/server';
import { asBlobId, BLOB_PATH, type BlobId } from '@conclave/protocol';
import { isConclaveError } from '@conclave/client';
import { httpsBlobTransport } from '../src/blob-transport.js';
import { profileOf } from '../src/connect.js';
import { FileStore } from '../src/profile.js';
import { parseServerAddress } from '../src/url.js';
import { jsonLines, PASSWORDS, runCli, startEnv, type JsonLine } from './helpers/env.js';

/**
 * Files from the scripts' side: `conclave send --file` and
 * `conclave read --download-dir`, against a real server and its blob store
 * on disk: the bytes arrive intact, only members may fetch a blob, and an
 * altered blob is refused without saving anything.
 */

const CAROL = 'carol-password-3';
const passwords = { ...PASSWORDS, carol: CAROL };
type Name = keyof typeof passwords;
type Line = JsonLine;
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** A real PNG of `width`×`height` gray pixels (chunks with their CRCs). */
function png(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer): number => {
    let c = 0xffffffff;
    for (const b of bytes) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grayscale
  const rows = Buffer.alloc((width + 1) * height, 0x80);
  for (let y = 0; y < height; y++) rows[y * (width + 1)] = 0; // filter: none
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

async function setup(t: { after: (fn: () => Promise<void>) => void }) {
  const env = await startEnv();
  t.after(() => env.close());
  await addUser({ dataDir: env.dataDir, username: 'carol', password: CAROL });
  const common = ['--profile-dir', env.profileDir, '--fingerprint', env.server.fingerprint];
  const as = (user: Name) => ({ env: { CONCLAVE_PASSWORD: passwords[user] } });
  return {
    env,
    send: (user: Name, to: string, ...args: string[]) => runCli(['send', env.address, '--user', user, '--to', to, ...common, ...args], as(user)),
    read: (user: Name, ...args: string[]) => runCli(['read', env.address, '--user', user, ...common, ...args], as(user)),
    /** The blobs on the server's disk (`<data dir>/blobs/<2 hex>/<id>`), by id. */
    async blobs(): Promise<Map<BlobId, string>> {
      const root = join(env.dataDir, 'blobs');
      const found = new Map<BlobId, string>();
      for (const dir of await readdir(root).catch(() => [])) {
        if (!/^[0-9a-f]{2}$/.test(dir)) continue;
        for (const id of await readdir(join(root, dir))) if (/^[0-9a-f]{64}$/.test(id)) found.set(asBlobId(id), join(root, dir, id));
      }
      return found;
    },
    /** The session token in `user`'s profile (saved by an earlier run). */
    async token(user: Name): Promise<string> {
      const store = await FileStore.open(profileOf(env.profileDir, parseServerAddress(env.address), user), passwords[user], { username: user });
      const session = await store.loadSession();
      assert.ok(session?.token, `${user} has a saved session`);
      return session.token;
    },
  };
}

test('send --file then read --download-dir: the same bytes (3 MB of random, a PNG with its size), never overwriting; plain and JSON lines', { timeout: 240_000 }, async (t) => {
  const { env, send, read } = await setup(t);
  // Bob's device joins #general's group first: a message is readable only by devices in the group when it is sent.
  assert.equal((await read('bob')).code, 0);
  const data = randomBytes(3 * 1024 * 1024 + 17);
  const image = png(64, 48);
  await writeFile(join(env.root, 'report.bin'), data);
  await writeFile(join(env.root, 'cat.png'), image);

  const first = await send('alice', '#general', '--json', '--file', join(env.root, 'report.bin'), 'quarterly', 'numbers');
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stderr, '', 'no progress on a stderr that is not a terminal');
  const { conversation, seq } = JSON.parse(first.stdout) as { conversation: string; seq: number };
  assert.equal(conversation, '#general');
  const second = await send('alice', '#general', '--json', '--file', join(env.root, 'cat.png'));
  assert.equal(second.code, 0, second.stderr);
  const pngSeq = (JSON.parse(second.stdout) as { seq: number }).seq;

  // A file of that name is already there: it stays, and the download takes "report (1).bin".
  const dir = join(env.root, 'downloads');
  await mkdir(dir);
  await writeFile(join(dir, 'report.bin'), 'keep me');
  const got = await read('bob', '--json', '--download-dir', dir);
  assert.equal(got.code, 0, got.stderr);
  assert.equal(got.stderr, '');
  const files = jsonLines(got.stdout).filter((l) => l.kind === 'file');
  assert.equal(files.length, 2, got.stdout);
  const [report, cat] = files as [Line, Line];
  assert.deepEqual(
    { ...report, sentAt: 0, conversationId: '' },
    {
      kind: 'file',
      conversation: '#general',
      conversationId: '',
      seq,
      sender: 'alice',
      sentAt: 0,
      name: 'report.bin',
      mime: 'application/octet-stream',
      size: data.length,
      caption: 'quarterly numbers',
      replyTo: null,
      sha256: sha256(data),
      path: join(dir, 'report (1).bin'),
    },
  );
  assert.ok((await readFile(join(dir, 'report (1).bin'))).equals(data), 'the same bytes');
  assert.equal(await readFile(join(dir, 'report.bin'), 'utf8'), 'keep me', 'nothing overwritten');
  assert.equal(cat.seq, pngSeq);
  assert.equal(cat.name, 'cat.png');
  assert.equal(cat.mime, 'image/png');
  assert.deepEqual(cat.image, { width: 64, height: 48 });
  assert.equal(cat.caption, undefined, 'no caption, no field');
  assert.equal(cat.sha256, sha256(image));
  assert.ok((await readFile(cat.path as string)).equals(image));
  assert.deepEqual((await readdir(dir)).sort(), ['cat.png', 'report (1).bin', 'report.bin'], 'no temporary file left');

  // Without --download-dir: the line without path and digest (nothing fetched); plain read names the file and its size.
  await writeFile(join(env.root, 'notes.txt'), 'twelve bytes');
  assert.equal((await send('alice', '#general', '--file', join(env.root, 'notes.txt'), 'see', 'notes')).code, 0);
  await writeFile(join(env.root, 'notes2.txt'), 'x'.repeat(1_234_567));
  assert.equal((await send('alice', '#general', '--file', join(env.root, 'notes2.txt'))).code, 0);
  const plain = await read('bob');
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, /^\[#general\] \d+ \d\d:\d\d alice: \[file: notes\.txt, 12 B\] see notes\n\[#general\] \d+ \d\d:\d\d alice: \[file: notes2\.txt, 1\.2 MB\]\n$/);
  await writeFile(join(env.root, 'more.txt'), 'more');
  assert.equal((await send('alice', '#general', '--file', join(env.root, 'more.txt'))).code, 0);
  const bare = jsonLines((await read('bob', '--json')).stdout);
  assert.equal(bare.length, 1);
  assert.equal(bare[0]!.name, 'more.txt');
  assert.equal(bare[0]!.mime, 'text/plain');
  assert.ok(!('path' in bare[0]!) && !('sha256' in bare[0]!), JSON.stringify(bare[0]));
});

test('send --file refuses a missing file, a directory and acts on a message before connecting, and a file over the limit, each in one line', { timeout: 120_000 }, async (t) => {
  const { env, send } = await setup(t);
  const missing = await send('alice', '#general', '--file', join(env.root, 'nope.pdf'));
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr, `conclave: no such file: ${join(env.root, 'nope.pdf')}\n`);
  const folder = await send('alice', '#general', '--file', env.root);
  assert.equal(folder.code, 2);
  assert.equal(folder.stderr, `conclave: ${env.root} is a directory; give a file\n`);
  await writeFile(join(env.root, 'a.txt'), 'a');
  const both = await send('alice', '#general', '--file', join(env.root, 'a.txt'), '--react', '3', '👍');
  assert.equal(both.code, 2);
  assert.match(both.stderr, /^conclave: option '--react <n>' cannot be used with option '--file <path>'/);
  assert.equal(both.stderr.split('\n').length, 2, 'one line');
  // Over the server's max_file_mb: the server's reason, in one line.
  const set = await runCli(['admin', 'set', 'max_file_mb', '1', '--data-dir', env.dataDir]);
  assert.equal(set.code, 0, set.stderr);
  await writeFile(join(env.root, 'big.bin'), randomBytes(3_000_000));
  const big = await send('alice', '#general', '--file', join(env.root, 'big.bin'));
  assert.equal(big.code, 1);
  assert.match(big.stderr, /^conclave: that file is (?:too large|larger than this server allows)[^\n]*\n$/);
});

test('only members fetch a blob: 403 for a non-member with a valid session, the bytes for a member', { timeout: 120_000 }, async (t) => {
  const { env, send, read, blobs, token } = await setup(t);
  // Carol logs in (her session is saved in her profile); she is in no DM of alice and bob.
  assert.equal((await read('carol')).code, 0);
  assert.equal((await read('bob')).code, 0);
  await writeFile(join(env.root, 'secret.txt'), 'for bob only');
  const sent = await send('alice', 'bob', '--file', join(env.root, 'secret.txt'));
  assert.equal(sent.code, 0, sent.stderr);
  const stored = [...(await blobs()).entries()];
  assert.equal(stored.length, 1);
  const [blobId, path] = stored[0]!;

  const addr = parseServerAddress(env.address);
  const transport = httpsBlobTransport(addr, { mode: 'pinned', fingerprint: env.server.fingerprint });
  const carol = await token('carol');
  await assert.rejects(
    transport.download({ blobId, offset: 0, token: carol }),
    (err: unknown) => isConclaveError(err, 'CONCLAVE_ERR_NOT_MEMBER'),
  );
  // The same as raw HTTPS: 403 with the code, and no byte of the blob.
  const raw = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      { host: addr.host, port: addr.port, path: `${BLOB_PATH}/${blobId}`, headers: { Authorization: `Bearer ${carol}` }, rejectUnauthorized: false },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
  assert.equal(raw.status, 403);
  assert.equal((JSON.parse(raw.body) as { code: string }).code, 'CONCLAVE_ERR_NOT_MEMBER');

  // Bob, a member, gets the ciphertext exactly as stored, whole or from an offset (Range).
  const bob = await token('bob');
  const collect = async (offset: number): Promise<Buffer> => {
    const parts: Uint8Array[] = [];
    for await (const part of await transport.download({ blobId, offset, token: bob })) parts.push(part);
    return Buffer.concat(parts);
  };
  const onDisk = await readFile(path);
  assert.ok((await collect(0)).equals(onDisk));
  assert.ok((await collect(5)).equals(onDisk.subarray(5)));
  // A certificate other than the pinned one: refused before the request (and the token) is sent.
  const wrongPin = httpsBlobTransport(addr, { mode: 'pinned', fingerprint: `SHA256:${Buffer.alloc(32).toString('base64').replace(/=+$/, '')}` });
  await assert.rejects(wrongPin.download({ blobId, offset: 0, token: bob }), (err: unknown) => isConclaveError(err, 'CONCLAVE_ERR_UNTRUSTED_SERVER'));
  // An aborted transfer is a cancel.
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(transport.download({ blobId, offset: 0, token: bob, signal: controller.signal }), (err: unknown) => isConclaveError(err, 'CONCLAVE_ERR_CANCELLED'));
});

test('an altered blob: read --download-dir says so in one line, saves nothing, exits 1, and prints the other messages', { timeout: 120_000 }, async (t) => {
  const { env, send, read, blobs } = await setup(t);
  assert.equal((await read('bob')).code, 0);
  await writeFile(join(env.root, 'ledger.csv'), randomBytes(200_000));
  assert.equal((await send('alice', '#general', '--file', join(env.root, 'ledger.csv'))).code, 0);
  assert.equal((await send('alice', '#general', 'after the file')).code, 0);
  const [[, path]] = [...(await blobs()).entries()] as [[BlobId, string]];
  const bytes = await readFile(path);
  bytes.writeUInt8(bytes.readUInt8(1000) ^ 0x01, 1000);
  await writeFile(path, bytes);

  const dir = join(env.root, 'downloads');
  const got = await read('bob', '--json', '--download-dir', dir);
  assert.equal(got.code, 1);
  assert.match(got.stderr, /^conclave: \[#general\] \d+ ledger\.csv: this file cannot be opened: [^\n]*altered[^\n]*It was not saved\n$/, 'one line');
  assert.deepEqual(await readdir(dir).catch(() => []), [], 'nothing saved, no temporary file left');
  const lines = jsonLines(got.stdout);
  assert.deepEqual(
    lines.map((l) => [l.kind, l.text]),
    [['message', 'after the file']],
  );
});
