import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync, utimesSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { SESSION_COOKIE, type AdminCommand } from '@conclave/protocol';
import { addUser, runShellAdmin } from '../src/index.js';
import { createUsers, newClientMsgId, PASSWORD, RawClient, startTestServer, type TestServer } from './helpers.js';
import { blobRequest, randomBlob } from './blob-http.js';
import { MlsDevice } from './mls-fixture.js';

// Issue 17: encrypted files. The server stores and serves opaque blobs; these
// tests upload random bytes (what a client uploads is ciphertext the server cannot tell from them).

const DAY = 24 * 3600_000;
let server: TestServer;
const tokens: Record<string, string> = {};
let root: RawClient;
let alice: MlsDevice;

async function login(username: string): Promise<RawClient> {
  const { client, session } = await RawClient.login(server, username);
  tokens[username] = session.token!;
  return client;
}

async function setting(key: string, value: string): Promise<void> {
  const command: AdminCommand = { action: 'set', key, value };
  const reply = await root.request({ type: 'admin', command });
  assert.equal(reply.type, 'admin', JSON.stringify(reply));
}

const blobFile = (id: string) => path.join(server.dataDir, 'blobs', id.slice(0, 2), id);
const tmpFiles = () => (existsSync(path.join(server.dataDir, 'blobs', 'tmp')) ? readdirSync(path.join(server.dataDir, 'blobs', 'tmp')) : []);

before(async () => {
  server = await startTestServer();
  await createUsers(server, 'alice', 'bob', 'mallory', 'quinn');
  await addUser({ dataDir: server.dataDir, username: 'root', password: PASSWORD, admin: true });
  root = await login('root');
  for (const u of ['bob', 'mallory', 'quinn']) (await login(u)).close();
  alice = await MlsDevice.login(server, 'alice');
  tokens.alice = alice.session.token!;
});
after(async () => {
  alice?.close();
  root?.close();
  await server.dispose();
});

describe('encrypted files (blobs)', () => {
  const mine = randomBlob(200_000);

  test('an upload with a bearer token is stored under its digest and downloads byte for byte; a retry is 200', async () => {
    const put = await blobRequest(server, 'PUT', mine.id, { token: tokens.alice, body: mine.bytes });
    assert.equal(put.status, 201, JSON.stringify(put.json));
    assert.deepEqual(put.json, { id: mine.id, size: mine.bytes.byteLength });
    assert.ok(existsSync(blobFile(mine.id)), 'stored at blobs/<2 hex>/<id>');
    const again = await blobRequest(server, 'PUT', mine.id, { token: tokens.alice, body: mine.bytes });
    assert.equal(again.status, 200);
    assert.deepEqual(again.json, { id: mine.id, size: mine.bytes.byteLength });
    const got = await blobRequest(server, 'GET', mine.id, { token: tokens.alice });
    assert.equal(got.status, 200);
    assert.ok(got.body.equals(mine.bytes));
    assert.equal(got.headers['content-type'], 'application/octet-stream');
    assert.equal(got.headers['cache-control'], 'private, no-store');
    assert.equal(got.headers['accept-ranges'], 'bytes');
    assert.deepEqual(tmpFiles(), [], 'nothing left in tmp');
  });

  test('the session cookie works from this origin only', async () => {
    const blob = randomBlob(1000);
    const origin = server.url;
    const cookie = `${SESSION_COOKIE}=${tokens.bob}`;
    const crossSite = await blobRequest(server, 'PUT', blob.id, { headers: { cookie, origin: 'https://evil.example' }, body: blob.bytes });
    assert.equal(crossSite.status, 401);
    const noOrigin = await blobRequest(server, 'PUT', blob.id, { headers: { cookie }, body: blob.bytes });
    assert.equal(noOrigin.status, 401, 'a PUT with the cookie needs a same-origin Origin');
    const put = await blobRequest(server, 'PUT', blob.id, { headers: { cookie, origin }, body: blob.bytes });
    assert.equal(put.status, 201, JSON.stringify(put.json));
    const get = await blobRequest(server, 'GET', blob.id, { headers: { cookie } });
    assert.equal(get.status, 200);
    assert.ok(get.body.equals(blob.bytes));
    assert.equal((await blobRequest(server, 'GET', blob.id, { headers: { cookie, 'sec-fetch-site': 'same-origin' } })).status, 200);
    assert.equal((await blobRequest(server, 'GET', blob.id, { headers: { cookie, 'sec-fetch-site': 'cross-site' } })).status, 401);
  });

  test('without a valid session: 401; a bad id: 400; no Content-Length: 411', async () => {
    const blob = randomBlob(100);
    for (const reply of [
      await blobRequest(server, 'GET', mine.id),
      await blobRequest(server, 'PUT', blob.id, { body: blob.bytes }),
      await blobRequest(server, 'GET', mine.id, { token: 'A'.repeat(43) }),
    ]) {
      assert.equal(reply.status, 401);
      assert.equal(reply.json?.code, 'CONCLAVE_ERR_SESSION_INVALID');
    }
    const bad = await blobRequest(server, 'GET', mine.id.toUpperCase(), { token: tokens.alice });
    assert.equal(bad.status, 400);
    assert.equal(bad.json?.code, 'CONCLAVE_ERR_BAD_FRAME');
    const chunked = await blobRequest(server, 'PUT', blob.id, { token: tokens.alice, body: blob.bytes, chunked: true });
    assert.equal(chunked.status, 411);
    assert.equal((await blobRequest(server, 'GET', blob.id, { token: tokens.alice })).status, 404);
  });

  test('bytes that do not match the id are refused and leave nothing on disk, not even in tmp', async () => {
    const claimed = randomBlob(300_000);
    const sent = randomBlob(300_000);
    const put = await blobRequest(server, 'PUT', claimed.id, { token: tokens.alice, body: sent.bytes });
    assert.equal(put.status, 400);
    assert.equal(put.json?.code, 'CONCLAVE_ERR_BLOB_DIGEST_MISMATCH');
    assert.ok(!existsSync(blobFile(claimed.id)) && !existsSync(blobFile(sent.id)));
    assert.deepEqual(tmpFiles(), []);
    const get = await blobRequest(server, 'GET', claimed.id, { token: tokens.alice });
    assert.equal(get.status, 404);
    assert.equal(get.json?.code, 'CONCLAVE_ERR_BLOB_NOT_FOUND');
  });

  test('over max_file_mb: 413 FILE_TOO_LARGE before the body is read', async () => {
    await setting('max_file_mb', '1');
    try {
      // 1 MiB padded is 1 MiB; encrypted, 16 chunks of 16-byte tags more.
      const limit = 1024 * 1024 + 16 * 16;
      const fits = randomBlob(limit);
      assert.equal((await blobRequest(server, 'PUT', fits.id, { token: tokens.bob, body: fits.bytes })).status, 201);
      const big = randomBlob(limit + 1);
      const put = await blobRequest(server, 'PUT', big.id, { token: tokens.bob, body: big.bytes });
      assert.equal(put.status, 413);
      assert.equal(put.json?.code, 'CONCLAVE_ERR_FILE_TOO_LARGE');
      assert.ok(!existsSync(blobFile(big.id)));
    } finally {
      await setting('max_file_mb', '25');
    }
  });

  test('past file_quota_mb: 413 QUOTA_EXCEEDED', async () => {
    await setting('file_quota_mb', '1');
    try {
      const first = randomBlob(600_000);
      assert.equal((await blobRequest(server, 'PUT', first.id, { token: tokens.quinn, body: first.bytes })).status, 201);
      const second = randomBlob(600_000);
      const put = await blobRequest(server, 'PUT', second.id, { token: tokens.quinn, body: second.bytes });
      assert.equal(put.status, 413);
      assert.equal(put.json?.code, 'CONCLAVE_ERR_QUOTA_EXCEEDED');
      await setting('file_quota_mb', '0');
      assert.equal((await blobRequest(server, 'PUT', second.id, { token: tokens.quinn, body: second.bytes })).status, 201, '0 = no limit');
    } finally {
      await setting('file_quota_mb', '1024');
    }
  });

  test('a download resumes with Range: 206 with Content-Range; 416 past the end', async () => {
    const tail = await blobRequest(server, 'GET', mine.id, { token: tokens.alice, headers: { range: 'bytes=150000-' } });
    assert.equal(tail.status, 206);
    assert.equal(tail.headers['content-range'], `bytes 150000-199999/200000`);
    assert.ok(tail.body.equals(mine.bytes.subarray(150_000)));
    const mid = await blobRequest(server, 'GET', mine.id, { token: tokens.alice, headers: { range: 'bytes=10-19' } });
    assert.equal(mid.status, 206);
    assert.ok(mid.body.equals(mine.bytes.subarray(10, 20)));
    const past = await blobRequest(server, 'GET', mine.id, { token: tokens.alice, headers: { range: 'bytes=200000-' } });
    assert.equal(past.status, 416);
    assert.equal(past.headers['content-range'], 'bytes */200000');
  });

  let dmId = '';
  test('before it is announced only its uploader may download it; a non-member never, even with its id', async () => {
    assert.equal((await blobRequest(server, 'GET', mine.id, { token: tokens.bob })).status, 403);
    const dm = await alice.client.request({ type: 'open_dm', username: 'bob' });
    assert.ok(dm.type === 'conversation');
    dmId = dm.conversation.conversationId;
    assert.equal((await alice.createGroup(dmId)).type, 'committed');
    const clientMsgId = newClientMsgId();
    const send = async () =>
      alice.client.request({ type: 'send', conversationId: dmId, clientMsgId, body: await alice.encrypt(dmId, 'a file', clientMsgId), attachments: [mine.id] });
    const sent = await send();
    assert.equal(sent.type, 'sent', JSON.stringify(sent));
    const retry = await send();
    assert.ok(retry.type === 'sent' && sent.type === 'sent' && retry.seq === sent.seq, 'a retry is the same message');
    const got = await blobRequest(server, 'GET', mine.id, { token: tokens.bob });
    assert.equal(got.status, 200, 'a member of the conversation that announced it');
    assert.ok(got.body.equals(mine.bytes));
    const refused = await blobRequest(server, 'GET', mine.id, { token: tokens.mallory });
    assert.equal(refused.status, 403);
    assert.equal(refused.json?.code, 'CONCLAVE_ERR_NOT_MEMBER');
  });

  test('a message may announce only its sender\'s uploads, and an ephemeral one none', async () => {
    const bobs = randomBlob(500);
    assert.equal((await blobRequest(server, 'PUT', bobs.id, { token: tokens.bob, body: bobs.bytes })).status, 201);
    for (const attachments of [[bobs.id], [randomBlob(10).id]]) {
      const clientMsgId = newClientMsgId();
      const reply = await alice.client.request({ type: 'send', conversationId: dmId, clientMsgId, body: await alice.encrypt(dmId, 'not mine', clientMsgId), attachments });
      assert.equal(reply.type === 'error' && reply.code, 'CONCLAVE_ERR_BLOB_NOT_FOUND');
    }
    const clientMsgId = newClientMsgId();
    const body = await alice.encrypt(dmId, 'typing', clientMsgId);
    const ephemeral = await alice.client.request({ type: 'send', conversationId: dmId, clientMsgId, body, ephemeral: true, attachments: [mine.id] });
    assert.equal(ephemeral.type === 'error' && ephemeral.code, 'CONCLAVE_ERR_BAD_FRAME');
    assert.equal((await blobRequest(server, 'GET', bobs.id, { token: tokens.alice })).status, 403);
  });

  test('orphans go a day after upload (also with retention_days 0); announced files with their last message', async () => {
    const orphan = randomBlob(1000);
    assert.equal((await blobRequest(server, 'PUT', orphan.id, { token: tokens.alice, body: orphan.bytes })).status, 201);
    mkdirSync(path.join(server.dataDir, 'blobs', 'tmp'), { recursive: true });
    const leftover = path.join(server.dataDir, 'blobs', 'tmp', 'crashed-upload');
    writeFileSync(leftover, 'partial');
    utimesSync(leftover, new Date(Date.now() - 2 * DAY), new Date(Date.now() - 2 * DAY));
    await setting('retention_days', '0');
    const restart = async (skew: number) => {
      await server.close();
      const dataDir = server.dataDir;
      server = await startTestServer(dataDir, { sweepClock: () => Date.now() + skew });
    };
    root.close();
    alice.close();
    await restart(DAY + 3600_000);
    assert.ok(!existsSync(blobFile(orphan.id)), 'the orphan is deleted from disk');
    assert.equal((await blobRequest(server, 'GET', orphan.id, { token: tokens.alice })).status, 404);
    assert.ok(!existsSync(leftover), 'a day-old unfinished upload is swept');
    assert.ok(existsSync(blobFile(mine.id)), 'an announced file stays while its message is kept');
    assert.equal((await blobRequest(server, 'GET', mine.id, { token: tokens.bob })).status, 200);

    await runShellAdmin(server.dataDir, { action: 'set', key: 'retention_days', value: '90' });
    await restart(91 * DAY);
    assert.ok(!existsSync(blobFile(mine.id)), 'deleted from disk with its message');
    assert.equal((await blobRequest(server, 'GET', mine.id, { token: tokens.alice })).status, 404);
    root = await login('root');
    alice = await MlsDevice.login(server, 'alice');
  });
});
