import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { addUser, startServer, type RunningServer } from '../src/index.js';
import { blobRequest, randomBlob } from './blob-http.js';
import { newClientMsgId, PASSWORD, RawClient, tempDir } from './helpers.js';
import { MlsDevice } from './mls-fixture.js';
import { freshPostgres } from './pg-database.js';

// Issue 17 on PostgreSQL (skipped without one): the blob metadata in the shared database, the bytes on disk.

test('on PostgreSQL: upload, announce, a member downloads, a non-member is refused, and the purge deletes the file', async () => {
  const database = await freshPostgres();
  const dataDir = tempDir('pg-blobs');
  const start = (skew = 0): Promise<RunningServer> =>
    startServer({ host: '127.0.0.1', port: 0, dataDir, databaseUrl: database.url, logLevel: 'silent', sweepClock: () => Date.now() + skew });
  let server = await start();
  let alice: MlsDevice | undefined;
  try {
    for (const username of ['alice', 'bob', 'mallory']) await addUser({ dataDir, databaseUrl: database.url, username, password: PASSWORD });
    const token = async (username: string) => {
      const { client, session } = await RawClient.login(server, username);
      client.close();
      return session.token!;
    };
    const [bob, mallory] = [await token('bob'), await token('mallory')];
    alice = await MlsDevice.login(server, 'alice');
    const blob = randomBlob(70_000);
    const put = await blobRequest(server, 'PUT', blob.id, { token: alice.session.token!, body: blob.bytes });
    assert.equal(put.status, 201, JSON.stringify(put.json));
    assert.equal((await blobRequest(server, 'GET', blob.id, { token: bob })).status, 403);

    const dm = await alice.client.request({ type: 'open_dm', username: 'bob' });
    assert.ok(dm.type === 'conversation');
    const dmId = dm.conversation.conversationId;
    assert.equal((await alice.createGroup(dmId)).type, 'committed');
    const clientMsgId = newClientMsgId();
    const sent = await alice.client.request({ type: 'send', conversationId: dmId, clientMsgId, body: await alice.encrypt(dmId, 'file', clientMsgId), attachments: [blob.id] });
    assert.equal(sent.type, 'sent', JSON.stringify(sent));
    const got = await blobRequest(server, 'GET', blob.id, { token: bob, headers: { range: 'bytes=65536-' } });
    assert.equal(got.status, 206);
    assert.ok(got.body.equals(blob.bytes.subarray(65_536)));
    assert.equal((await blobRequest(server, 'GET', blob.id, { token: mallory })).status, 403);

    alice.close();
    alice = undefined;
    await server.close();
    server = await start(91 * 24 * 3600_000);
    assert.ok(!existsSync(path.join(dataDir, 'blobs', blob.id.slice(0, 2), blob.id)), 'deleted from disk with its message');
    assert.equal((await blobRequest(server, 'GET', blob.id, { token: bob })).status, 404);
  } finally {
    alice?.close();
    await server.close();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
