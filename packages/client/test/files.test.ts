import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { addUser } from '@conclave/server';
import type { ConversationId } from '@conclave/protocol';
import { bytesSource, ChatModel, isConclaveError, MemoryStore, type ChatMessage, type MessageItem } from '../src/index.js';
import { testBlobTransport } from './helpers/blob-transport.js';
import { assertNoPlaintext, filesUnder, makeClient, startTestServer, tappedFactory, waitFor } from './helpers/harness.js';
import { ConclaveClient } from '../src/index.js';

const PASSWORDS = { alice: 'alice-password-1', bob: 'bob-password-12', carol: 'carol-password-1' } as const;
type Name = keyof typeof PASSWORDS;

/** A server with alice, bob and carol, each with a client that can move files. */
async function trio(t: { after: (fn: () => Promise<unknown>) => void }) {
  const env = await startTestServer();
  t.after(() => env.close());
  await addUser({ dataDir: env.dataDir, username: 'carol', password: PASSWORDS.carol });
  const origin = env.server.url;
  const connect = async (name: Name) => {
    const store = new MemoryStore();
    const transport = testBlobTransport(origin);
    const client = new ConclaveClient({ url: env.server.wsUrl, socketFactory: tappedFactory(), store, deviceName: 'test', requestTimeoutMs: 5_000, blobs: transport });
    const messages: ChatMessage[] = [];
    client.on('message', (m) => messages.push(m));
    await client.connect({ kind: 'login', username: name, password: PASSWORDS[name] });
    t.after(() => client.close());
    return { client, store, messages, transport };
  };
  const alice = await connect('alice');
  const bob = await connect('bob');
  const carol = await connect('carol');
  return { env, alice, bob, carol };
}

/** Downloads a file message's file; its bytes and what the client reported. */
async function fetchFile(c: { client: ConclaveClient }, m: Pick<ChatMessage, 'file'>) {
  assert.ok(m.file, 'a file message');
  const parts: Uint8Array[] = [];
  const result = await c.client.downloadFile(m.file, (bytes) => void parts.push(bytes.slice()));
  return { bytes: Buffer.concat(parts), ...result };
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

test('a file sent in a DM arrives with its name, type, caption and the same bytes; a non-member cannot fetch it, and the server keeps none of it in plaintext', async (t) => {
  const { env, alice, bob, carol } = await trio(t);
  const dm = await alice.client.openDm('bob');
  // Text that a scan can find, repeated past a few chunks, with random bytes between.
  const marker = 'quarterly-figures-do-not-share';
  const plain = Buffer.concat(Array.from({ length: 40 }, () => Buffer.concat([Buffer.from(marker), randomBytes(5_000)])));
  const thumbnail = Buffer.concat([Buffer.from('thumbnail-marker-'), randomBytes(300)]);
  const progress: string[] = [];
  const receipt = await alice.client.sendFile(
    dm.conversationId,
    bytesSource(plain),
    { name: 'Q3 report-secret-name.pdf', mime: 'application/pdf', caption: 'caption-secret words', image: { width: 640, height: 480, thumbnail } },
    { onProgress: (p) => progress.push(p.stage) },
  );
  assert.deepEqual([...new Set(progress)], ['encrypting', 'uploading', 'sending']);
  assert.equal(receipt.file.size, plain.length);

  await waitFor(() => bob.messages.some((m) => m.kind === 'file'), 'the file message reaches bob');
  const got = bob.messages.find((m) => m.kind === 'file')!;
  assert.equal(got.seq, receipt.seq);
  assert.equal(got.text, 'caption-secret words');
  assert.deepEqual({ name: got.file?.name, mime: got.file?.mime, size: got.file?.size, image: got.file?.image }, {
    name: 'Q3 report-secret-name.pdf',
    mime: 'application/pdf',
    size: plain.length,
    image: { width: 640, height: 480, thumbnail: thumbnail.toString('base64') },
  });
  const fetched = await fetchFile(bob, got);
  assert.ok(fetched.bytes.equals(plain), 'the same bytes');
  assert.equal(fetched.sha256, sha256(plain));
  assert.equal(fetched.size, plain.length);
  // The sender's device keeps it too (history), and can fetch it back.
  const own = (await alice.store.loadHistory(dm.conversationId, 10)).find((e) => e.kind === 'file');
  assert.ok(own?.file);
  assert.equal((await fetchFile(alice, own)).sha256, sha256(plain));

  // carol is not in the DM: the server refuses her the blob even with its id and key.
  await assert.rejects(fetchFile(carol, got), (err: unknown) => isConclaveError(err, 'CONCLAVE_ERR_NOT_MEMBER'));

  await alice.client.close();
  await bob.client.close();
  await env.server.close();
  const scanned = await assertNoPlaintext(env.dataDir, [marker, 'report-secret-name', 'caption-secret', 'thumbnail-marker', 'application/pdf']);
  assert.ok(scanned.some((f) => f.includes(`${join('blobs', got.file!.blob.slice(0, 2))}`)), 'the blob is among the files scanned');
});

test('a blob altered on the server is refused by the receiver with a clear error, and nothing of it is returned as the file', async (t) => {
  const { env, alice, bob } = await trio(t);
  const general = alice.client.findConversation('#general')!.conversationId;
  const plain = randomBytes(200_000);
  await alice.client.sendFile(general, bytesSource(plain), { name: 'photo.bin' });
  await waitFor(() => bob.messages.some((m) => m.kind === 'file'), 'the file message reaches bob');
  const m = bob.messages.find((x) => x.kind === 'file')!;
  const blobPath = (await filesUnder(join(env.dataDir, 'blobs'))).find((f) => f.endsWith(m.file!.blob));
  assert.ok(blobPath, 'the blob is on disk under its id');
  const bytes = await readFile(blobPath);
  bytes[70_000]! ^= 0x40;
  await writeFile(blobPath, bytes);
  await assert.rejects(fetchFile(bob, m), (err: unknown) => isConclaveError(err, 'CONCLAVE_ERR_FILE_CORRUPT') && /cannot be opened/.test((err as Error).message));
});

test('a download cut off mid-way resumes with a Range request and still gives the same bytes', async (t) => {
  const { alice, bob } = await trio(t);
  const general = alice.client.findConversation('#general')!.conversationId;
  const plain = randomBytes(700_000);
  await alice.client.sendFile(general, bytesSource(plain), { name: 'big.bin' });
  await waitFor(() => bob.messages.some((m) => m.kind === 'file'), 'the file message reaches bob');
  const m = bob.messages.find((x) => x.kind === 'file')!;
  // The first download stops after ~150 kB as if the network dropped.
  const real = bob.transport.download.bind(bob.transport);
  let cut = false;
  bob.transport.download = async (input) => {
    const body = await real(input);
    if (cut) return body;
    cut = true;
    return (async function* () {
      let n = 0;
      for await (const piece of body) {
        yield piece;
        n += piece.byteLength;
        if (n > 150_000) throw new (await import('../src/index.js')).ConclaveError('CONCLAVE_ERR_FILE_TRANSFER');
      }
    })();
  };
  const fetched = await fetchFile(bob, m);
  assert.equal(fetched.sha256, sha256(plain));
  assert.equal(bob.transport.ranges.length, 2);
  assert.ok(bob.transport.ranges[1]! > 0 && bob.transport.ranges[1]! % (64 * 1024 + 16) === 0, 'resumed at a chunk boundary');
});

test('a cancelled upload sends nothing; a deleted file message forgets its key on every device', async (t) => {
  const { alice, bob } = await trio(t);
  const general = alice.client.findConversation('#general')!.conversationId;
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(alice.client.sendFile(general, bytesSource(randomBytes(1000)), { name: 'x.bin' }, { signal: controller.signal }), (err: unknown) =>
    isConclaveError(err, 'CONCLAVE_ERR_CANCELLED'),
  );
  const sent = await alice.client.sendFile(general, bytesSource(randomBytes(1000)), { name: 'y.bin' });
  await waitFor(() => bob.messages.some((m) => m.kind === 'file'), 'the file message reaches bob');
  assert.equal(bob.messages.filter((m) => m.kind === 'file').length, 1, 'only the file not cancelled');
  await alice.client.deleteMessage(general, sent.seq);
  await waitFor(() => bob.messages.some((m) => m.kind === 'delete'), 'the deletion reaches bob');
  await bob.client.settled();
  for (const store of [alice.store, bob.store]) {
    const entry = (await store.loadHistory(general, 20)).find((e) => e.seq === sent.seq);
    assert.equal(entry?.deleted, true);
    assert.equal(entry?.file, undefined, 'the key is gone');
    assert.ok(!JSON.stringify(await store.loadHistory(general, 20)).includes(sent.file.key));
  }
});

test('the chat model shows a file pending with its progress, then placed; /upload and /download say how where the UI has no file system', async (t) => {
  const { alice, bob } = await trio(t);
  const model = new ChatModel(alice.client);
  const bobModel = new ChatModel(bob.client);
  const general = alice.client.findConversation('#general')!.conversationId as ConversationId;
  model.select(general);
  const stages = new Set<string>();
  model.subscribe(() => {
    const item = model.pane(general).find((i): i is MessageItem => i.kind === 'message' && i.file !== undefined);
    if (item?.transfer !== undefined) stages.add(item.transfer.stage);
  });
  await model.sendFile(bytesSource(randomBytes(300_000)), { name: 'notes.txt', mime: 'text/plain', caption: 'the notes' });
  assert.ok(stages.has('uploading'), 'progress shown while uploading');
  const item = model.pane(general).find((i): i is MessageItem => i.kind === 'message' && i.file !== undefined);
  assert.ok(item && item.status === undefined && item.transfer === undefined && item.seq < Number.MAX_SAFE_INTEGER);
  assert.equal(item.file?.name, 'notes.txt');
  assert.ok(item.file?.attachment, 'placed with what it takes to download it');
  await waitFor(() => bobModel.pane(general).some((i) => i.kind === 'message' && i.file !== undefined), 'bob sees it');
  const theirs = bobModel.pane(general).find((i): i is MessageItem => i.kind === 'message' && i.file !== undefined)!;
  assert.equal(theirs.text, 'the notes');
  const parts: Uint8Array[] = [];
  await bobModel.downloadFile(theirs.key, (b) => void parts.push(b.slice()));
  assert.equal(Buffer.concat(parts).length, 300_000);
  assert.equal((await bobModel.fileItem(general, theirs.seq))?.key, theirs.key);

  bobModel.select(general);
  await bobModel.submit('/upload ~/x.pdf');
  await bobModel.submit(`/download ${theirs.seq}`);
  const lines = bobModel.pane(general).filter((i) => i.kind === 'system').map((i) => i.text);
  assert.ok(lines.some((l) => /📎 button/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /Download button/.test(l)), lines.join('\n'));
});

test('without a transport, files are refused with a clear error', async (t) => {
  const env = await startTestServer();
  t.after(() => env.close());
  const { client } = makeClient(env.server.wsUrl);
  await client.connect({ kind: 'login', username: 'alice', password: PASSWORDS.alice });
  t.after(() => client.close());
  const general = client.findConversation('#general')!.conversationId;
  await assert.rejects(client.sendFile(general, bytesSource(new Uint8Array(3)), { name: 'a' }), (err: unknown) => isConclaveError(err, 'CONCLAVE_ERR_FILES_UNAVAILABLE'));
});

test('a file over the server\'s max_file_mb is refused before it is encrypted or uploaded, with the limit in the message', async (t) => {
  const { alice } = await trio(t);
  const general = alice.client.findConversation('#general')!.conversationId;
  let uploads = 0;
  const real = alice.transport.upload.bind(alice.transport);
  alice.transport.upload = (input) => {
    uploads++;
    return real(input);
  };
  let reads = 0;
  const big = { size: 25 * 1024 * 1024 + 1, read: async () => (reads++, new Uint8Array(0)) };
  await assert.rejects(alice.client.sendFile(general, big, { name: 'huge.iso' }), (err: unknown) =>
    isConclaveError(err, 'CONCLAVE_ERR_FILE_TOO_LARGE') && /up to 25 MiB/.test((err as Error).message),
  );
  assert.equal(reads, 0, 'not read, so not encrypted');
  assert.equal(uploads, 0, 'nothing uploaded');
});
