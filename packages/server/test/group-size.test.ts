import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LIMITS } from '@conclave/protocol';
import { createUsers, RawClient, startTestServer, type TestServer } from './helpers.js';
import { joinRoom, MlsDevice } from './mls-fixture.js';

/**
 * Rooms as large as the protocol allows: a group holds at most `maxGroupSize`
 * devices (this server is started with 2, so the bound is reached with real
 * MLS objects in a test), and frames as large as a big room's Commit are read
 * and paid for by their size in the flood bucket.
 */
let server: TestServer;
const opened: MlsDevice[] = [];
const raw: RawClient[] = [];

before(async () => {
  server = await startTestServer(undefined, { maxGroupSize: 2 });
  await createUsers(server, 'alice', 'bob', 'carol');
});
after(async () => {
  for (const d of opened) d.close();
  for (const c of raw) c.close();
  await server.dispose();
});

const code = (f: { type: string; code?: string }) => (f.type === 'error' ? f.code : f.type);

async function device(username: string): Promise<MlsDevice> {
  const d = await MlsDevice.login(server, username);
  opened.push(d);
  await d.publish(2);
  return d;
}

describe('group size', () => {
  test('a Commit or an external join past maxGroupSize devices is GROUP_FULL; one that removes as many as it adds is not', async () => {
    const alice = await device('alice');
    const bob = await device('bob');
    const carol = await device('carol');
    const conversationId = await joinRoom('#small', alice, bob, carol);
    assert.equal(code(await alice.createGroup(conversationId)), 'committed');
    assert.equal(code(await alice.addUsers(conversationId, [bob.userId])), 'committed', 'two devices fit');
    await bob.acceptWelcome(conversationId);

    assert.equal(code(await alice.addUsers(conversationId, [carol.userId])), 'CONCLAVE_ERR_GROUP_FULL', 'a third added device');
    assert.equal(code(await carol.joinExternal(conversationId)), 'CONCLAVE_ERR_GROUP_FULL', 'a third device joining by itself');

    // Nothing was lost: the group still works for its two devices.
    assert.equal(code(await bob.send(conversationId, 'still here')), 'sent');
    assert.deepEqual((await alice.waitRead(conversationId, 1)).map((m) => m.text), ['still here']);

    // Removing bob's device while adding carol's keeps the group at two: accepted.
    const claimed = await alice.client.request({ type: 'claim_key_packages', userIds: [carol.userId] });
    assert.ok(claimed.type === 'key_packages');
    assert.equal(code(await alice.commit(conversationId, { add: claimed.devices, remove: [bob.deviceId] })), 'committed');
    await carol.acceptWelcome(conversationId);
    assert.equal(code(await carol.send(conversationId, 'carol is in')), 'sent');
    assert.deepEqual((await alice.waitRead(conversationId, 2)).map((m) => m.text), ['still here', 'carol is in']);
  });

  test('a frame far over the old 1 MiB bound is read whole; its size is paid for in the flood bucket', async () => {
    const { client } = await RawClient.login(server, 'alice');
    raw.push(client);
    const started = Date.now();
    // 3 MiB of JSON: read, parsed and refused by the schema with a typed error, not closed (the old bound closed it, 1009).
    const big = await client.request({ type: 'join', room: `#${'r'.repeat(3 * 1024 * 1024)}` });
    assert.equal(code(big), 'CONCLAVE_ERR_BAD_FRAME');
    assert.equal(client.closed, undefined);
    // Each costs 3 MiB / 256 KiB = 12 tokens of the 60-token burst: after five or six of them (with what refills
    // meanwhile) the bucket is in debt and frames are refused as over the rate, though far fewer than 60 were sent.
    const tokens = Math.ceil((3 * 1024 * 1024) / LIMITS.bytesPerFrameToken);
    let admitted = 1;
    for (; admitted < LIMITS.frameBurst; admitted++) {
      const reply = code(await client.request({ type: 'join', room: `#${'r'.repeat(3 * 1024 * 1024)}` }));
      if (reply === 'CONCLAVE_ERR_RATE_LIMITED') break;
      assert.equal(reply, 'CONCLAVE_ERR_BAD_FRAME');
    }
    // What the bucket held, plus what refilled while they were sent (a loaded machine sends slowly), plus one frame of debt.
    const refilled = (LIMITS.framesPerSecond * (Date.now() - started)) / 1000;
    assert.ok(admitted * tokens <= LIMITS.frameBurst + refilled + tokens, `${admitted} frames of 3 MiB admitted in ${Date.now() - started} ms`);
    assert.ok(admitted < LIMITS.frameBurst, 'far fewer than the burst of small frames');
    assert.equal(code(await client.request({ type: 'who' })), 'CONCLAVE_ERR_RATE_LIMITED', 'a small frame waits too');
    // Once the bucket has refilled past its debt (at most one frame's tokens) the connection is served again.
    await new Promise((r) => setTimeout(r, 500 + (1000 * tokens) / LIMITS.framesPerSecond));
    assert.equal(code(await client.request({ type: 'who' })), 'who');
  });
});
