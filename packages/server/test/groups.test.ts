import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import * as mls from 'ts-mls';
import { LIMITS } from '@conclave/protocol';
import { SQLITE_FILE } from '../src/index.js';
import { createUsers, startTestServer, type TestServer } from './helpers.js';
import { b64, credentialOf, cs, encodeMls, groupInfoMessage, joinRoom, MlsDevice, utf8 } from './mls-fixture.js';

let server: TestServer;
const devices = new Map<string, MlsDevice>();

before(async () => {
  server = await startTestServer();
  await createUsers(server, 'alice', 'bob', 'carol', 'mallory');
});
after(async () => {
  for (const d of devices.values()) d.close();
  await server.dispose();
});

async function dev(username: string): Promise<MlsDevice> {
  let d = devices.get(username);
  if (!d) {
    d = await MlsDevice.login(server, username);
    devices.set(username, d);
    await d.sync();
  }
  return d;
}

const room = joinRoom;

/** Log entries of a conversation, straight from the database. */
function entries(conversationId: string): Array<{ seq: number; kind: string }> {
  const db = new SQLite(path.join(server.dataDir, SQLITE_FILE), { readonly: true });
  try {
    return db.prepare('SELECT seq, kind FROM messages WHERE conversation_id = ? ORDER BY seq').all(conversationId) as Array<{ seq: number; kind: string }>;
  } finally {
    db.close();
  }
}

const code = (f: { type: string; code?: string }) => (f.type === 'error' ? f.code : f.type);

describe('MLS groups on the delivery service', () => {
  test('create_group: the first creation wins, a second is GROUP_EXISTS; the GroupInfo must be epoch 0 of this conversation', async () => {
    const alice = await dev('alice');
    const bob = await dev('bob');
    const mallory = await dev('mallory');
    const r1 = await room('#g-create', alice, bob);
    const r2 = await room('#g-create-2', alice);
    const created = await alice.createGroup(r1);
    assert.ok(created.type === 'committed' && created.epoch === 0 && created.seq === 0, JSON.stringify(created));
    assert.equal(code(await bob.createGroup(r1)), 'CONCLAVE_ERR_GROUP_EXISTS');
    assert.equal(code(await mallory.createGroup(r1)), 'CONCLAVE_ERR_NOT_MEMBER');
    const otherGroup = groupInfoMessage(await mls.createGroupInfoWithExternalPubAndRatchetTree(alice.groups.get(r1)!, [], cs));
    const wrongGroup = await alice.client.request({ type: 'create_group', conversationId: r2, groupInfo: otherGroup });
    assert.equal(code(wrongGroup), 'CONCLAVE_ERR_MLS_INVALID');
    const notMls = await alice.client.request({ type: 'create_group', conversationId: r2, groupInfo: b64(new Uint8Array([0, 1, 0, 4, 1, 2, 3])) });
    assert.equal(code(notMls), 'CONCLAVE_ERR_MLS_INVALID');
    const info = await alice.client.request({ type: 'group_info', conversationId: r2 });
    assert.ok(info.type === 'group_info' && info.group === undefined, 'refusals created nothing');
  });

  test('of two Commits for the same epoch exactly one is accepted; the stale one appends nothing and the loser retries on top', async () => {
    const alice = await dev('alice');
    const bob = await dev('bob');
    const r = await room('#g-race', alice, bob);
    await alice.createGroup(r);
    const joined = await bob.joinExternal(r);
    assert.ok(joined.type === 'committed');
    await alice.readUntil(r, joined.seq);

    const fromAlice = await alice.prepareCommit(r);
    const fromBob = await bob.prepareCommit(r);
    const before = entries(r).length;
    const [a, b] = await Promise.all([alice.client.request(fromAlice.frame), bob.client.request(fromBob.frame)]);
    const outcomes = [code(a), code(b)].sort();
    assert.deepEqual(outcomes, ['CONCLAVE_ERR_STALE_EPOCH', 'committed']);
    assert.equal(entries(r).length, before + 1, 'only the winner was appended');
    const won = a.type === 'committed' ? a : b;
    assert.ok(won.type === 'committed' && won.epoch === 2);
    const [winner, loser] = a.type === 'committed' ? [alice, bob] : [bob, alice];
    winner.groups.set(r, (winner === alice ? fromAlice : fromBob).newState);

    // The stale Commit again: still refused, still nothing appended.
    assert.equal(code(await loser.client.request((loser === alice ? fromAlice : fromBob).frame)), 'CONCLAVE_ERR_STALE_EPOCH');
    assert.equal(entries(r).length, before + 1);
    await loser.readUntil(r, won.seq);
    const retried = await loser.commit(r, {});
    assert.ok(retried.type === 'committed' && retried.epoch === 3, JSON.stringify(retried));
    await winner.readUntil(r, retried.seq);
    assert.equal(alice.epoch(r), bob.epoch(r));
    const info = await alice.client.request({ type: 'group_info', conversationId: r });
    assert.ok(info.type === 'group_info' && info.group?.epoch === 3);
  });

  test('an application message for a stale epoch is refused; a retry of an accepted one after the epoch moved returns its first seq', async () => {
    const alice = await dev('alice');
    const bob = await dev('bob');
    const r = await room('#g-stale', alice, bob);
    await alice.createGroup(r);
    const joined = await bob.joinExternal(r);
    assert.ok(joined.type === 'committed');
    await alice.readUntil(r, joined.seq);

    const clientMsgId = 'stale-retry-0001';
    const body = await alice.encrypt(r, 'first', clientMsgId);
    const first = await alice.client.sendBody(r, body, clientMsgId);
    assert.ok(first.type === 'sent');
    const late = await bob.encrypt(r, 'too late');
    const moved = await alice.commit(r, {});
    assert.ok(moved.type === 'committed' && moved.epoch === 2);
    const before = entries(r).length;
    assert.equal(code(await bob.client.sendBody(r, late)), 'CONCLAVE_ERR_STALE_EPOCH');
    assert.equal(entries(r).length, before, 'nothing appended');
    const retry = await alice.client.sendBody(r, body, clientMsgId);
    assert.ok(retry.type === 'sent' && retry.seq === first.seq, 'the retry gets the first seq');

    await bob.readUntil(r, moved.seq);
    assert.equal(code(await bob.send(r, 'on time')), 'sent');
    const got = await alice.waitRead(r, 2);
    assert.deepEqual(got.map((m) => m.text), ['first', 'on time']);
  });

  test('a device outside the group cannot send or commit and is not sent the log; nor is a device whose user left or whose leaf was removed', async () => {
    const alice = await dev('alice');
    const bob = await dev('bob');
    const carol = await dev('carol');
    const r = await room('#g-members', alice, bob, carol);
    await alice.createGroup(r);
    const body = await alice.encrypt(r, 'members only');
    assert.equal(code(await alice.client.sendBody(r, body)), 'sent');
    // bob's user is a member, but his device has no leaf: a replayed ciphertext and a replayed Commit are refused.
    assert.equal(code(await bob.client.sendBody(r, body)), 'CONCLAVE_ERR_NOT_GROUP_MEMBER');
    const aliceCommit = await alice.prepareCommit(r);
    assert.equal(code(await bob.client.request(aliceCommit.frame)), 'CONCLAVE_ERR_NOT_GROUP_MEMBER');
    // Barrier: the `synced` reply comes after alice's entry, had it been fanned out to bob (before her ack).
    await bob.sync();
    assert.equal(bob.client.messages(r).length, 0, 'no entries to a device outside the group');

    for (const d of [bob, carol]) {
      const joined = await d.joinExternal(r);
      assert.ok(joined.type === 'committed', JSON.stringify(joined));
      for (const other of [alice, bob, carol]) if (other !== d && other.groups.has(r)) await other.readUntil(r, joined.seq);
    }
    assert.equal(code(await bob.send(r, 'bob is in')), 'sent');

    // bob leaves the room: his device leaves the group with him.
    assert.equal((await bob.client.request({ type: 'leave', conversationId: r })).type, 'ok');
    const seen = bob.client.messages(r).length;
    assert.equal(code(await bob.send(r, 'still here?')), 'CONCLAVE_ERR_NOT_MEMBER');
    assert.equal((await bob.client.request({ type: 'join', room: '#g-members' })).type, 'conversation');
    assert.equal(code(await bob.send(r, 'back without a leaf')), 'CONCLAVE_ERR_NOT_GROUP_MEMBER');
    assert.equal(code(await alice.send(r, 'after bob left')), 'sent');
    // Barrier, as above: `synced` comes after anything sent to bob before alice's ack.
    await bob.sync();
    assert.equal(bob.client.messages(r).length, seen, 'nothing after the leave reaches his device');

    // alice removes carol's leaf: carol's device is refused and stops receiving.
    await alice.read(r);
    const removed = await alice.commit(r, { remove: [carol.deviceId, bob.deviceId] });
    // The leaves were removed in the store before alice's `committed`: carol's next frame sees it.
    assert.ok(removed.type === 'committed', JSON.stringify(removed));
    assert.equal(code(await carol.send(r, 'am I out?')), 'CONCLAVE_ERR_NOT_GROUP_MEMBER');
    assert.equal(code(await alice.send(r, 'after carol was removed')), 'sent');
    await carol.client.ping();
    assert.ok(carol.client.messages(r).every((m) => m.seq <= removed.seq), 'nothing after the removing Commit');
  });

  test('external join: allowed for a member user, refused for a non-member and for a leaf that is not the device\'s own', async () => {
    const alice = await dev('alice');
    const bob = await dev('bob');
    const mallory = await dev('mallory');
    const r = await room('#g-external', alice, bob);
    await alice.createGroup(r);

    const otherKeys = await cs.signature.keygen();
    assert.equal(code(await bob.joinExternal(r, { keys: otherKeys })), 'CONCLAVE_ERR_DEVICE_KEY_MISMATCH');
    assert.equal(code(await bob.joinExternal(r, { credential: credentialOf(alice.userId, alice.deviceId) })), 'CONCLAVE_ERR_DEVICE_KEY_MISMATCH');
    assert.equal(code(await bob.joinExternal(r, { credential: { credentialType: 'basic', identity: new TextEncoder().encode('bob') } })), 'CONCLAVE_ERR_DEVICE_KEY_MISMATCH');
    assert.equal(code(await bob.joinExternal(r)), 'committed');

    // A DM of alice and bob: mallory gets no GroupInfo, and an external commit built from a leaked one is refused.
    const dm = await alice.client.request({ type: 'open_dm', username: 'bob' });
    assert.ok(dm.type === 'conversation');
    const dmId = dm.conversation.conversationId;
    await alice.createGroup(dmId);
    assert.equal(code(await mallory.client.request({ type: 'group_info', conversationId: dmId })), 'CONCLAVE_ERR_NOT_MEMBER');
    const leaked = await mls.createGroupInfoWithExternalPubAndRatchetTree(alice.groups.get(dmId)!, [], cs);
    const kp = await mls.generateKeyPackageWithKey(credentialOf(mallory.userId, mallory.deviceId), mls.defaultCapabilities(), mls.defaultLifetime, [], mallory.keys, cs);
    const { publicMessage, newState } = await mls.joinGroupExternal(leaked, kp.publicPackage, kp.privatePackage, false, cs);
    const sneak = await mallory.client.request({
      type: 'commit',
      conversationId: dmId,
      commit: encodeMls({ version: 'mls10', wireformat: 'mls_public_message', publicMessage }),
      groupInfo: groupInfoMessage(await mls.createGroupInfoWithExternalPubAndRatchetTree(newState, [], cs)),
    });
    assert.equal(code(sneak), 'CONCLAVE_ERR_NOT_MEMBER');
    const info = await alice.client.request({ type: 'group_info', conversationId: dmId });
    assert.ok(info.type === 'group_info' && info.group?.epoch === 0, 'the DM group did not move');
  });

  test('Welcome routing: an added device gets the Welcome live and reads from its Commit on; only member users\' devices can be added', async () => {
    const alice = await dev('alice');
    const carol = await dev('carol');
    const mallory = await dev('mallory');
    const r = await room('#g-welcome', alice, carol);
    await alice.createGroup(r);
    assert.equal(code(await alice.send(r, 'before carol')), 'sent');
    await carol.publish(1);
    await mallory.publish(1);

    const notMember = await alice.addUsers(r, [mallory.userId]);
    assert.equal(code(notMember), 'CONCLAVE_ERR_NOT_MEMBER');
    const claimed = await alice.client.request({ type: 'claim_key_packages', userIds: [carol.userId] });
    assert.ok(claimed.type === 'key_packages' && claimed.devices.length === 1);
    const { frame } = await alice.prepareCommit(r, { add: claimed.devices });
    const withoutWelcome = await alice.client.request({ ...frame, welcome: undefined });
    assert.equal(code(withoutWelcome), 'CONCLAVE_ERR_MLS_INVALID');

    const added = await alice.commit(r, { add: claimed.devices });
    assert.ok(added.type === 'committed' && added.epoch === 1);
    const welcome = await carol.acceptWelcome(r);
    assert.equal(welcome.seq, added.seq);
    assert.equal(code(await alice.send(r, 'hi carol')), 'sent');
    assert.equal(code(await carol.send(r, 'hi alice')), 'sent');
    const got = await carol.waitRead(r, 2);
    assert.deepEqual(got.map((m) => m.text), ['hi carol', 'hi alice']);
    assert.ok(carol.client.messages(r).every((m) => m.seq > added.seq), 'not the log from before the Commit');
    assert.deepEqual((await alice.waitRead(r, 3)).map((m) => m.text), ['before carol', 'hi carol', 'hi alice']);
  });

  test('malformed MLS is refused with MLS_INVALID or BODY_TOO_LARGE and stores nothing', async () => {
    const alice = await dev('alice');
    const r = await room('#g-bad', alice);
    await alice.createGroup(r);
    const body = await alice.encrypt(r, 'ok');
    const bytes = Buffer.from(body, 'base64');
    const cases: Array<[string, string, string]> = [
      ['random bytes', b64(new Uint8Array([9, 9, 9, 9])), 'CONCLAVE_ERR_MLS_INVALID'],
      ['trailing bytes', b64(Buffer.concat([bytes, Buffer.from([0])])), 'CONCLAVE_ERR_MLS_INVALID'],
      ['a KeyPackage', await alice.keyPackage(), 'CONCLAVE_ERR_MLS_INVALID'],
      ['over the ciphertext limit', b64(new Uint8Array(LIMITS.maxCiphertextBytes + 1)), 'CONCLAVE_ERR_BODY_TOO_LARGE'],
    ];
    const before = entries(r).length;
    for (const [what, b, expected] of cases) assert.equal(code(await alice.client.sendBody(r, b)), expected, what);
    const other = await room('#g-bad-2', alice);
    await alice.createGroup(other);
    assert.equal(code(await alice.client.sendBody(other, body)), 'CONCLAVE_ERR_MLS_INVALID', 'another group\'s message');

    const { frame, newState } = await alice.prepareCommit(r);
    const asApplication = await alice.client.sendBody(r, frame.commit as string);
    assert.equal(code(asApplication), 'CONCLAVE_ERR_MLS_INVALID', 'a Commit is not an application message');
    const wrongEpochInfo = await alice.client.request({ ...frame, groupInfo: groupInfoMessage(await mls.createGroupInfoWithExternalPubAndRatchetTree(alice.groups.get(r)!, [], cs)) });
    assert.equal(code(wrongEpochInfo), 'CONCLAVE_ERR_MLS_INVALID', 'GroupInfo must be of the next epoch');
    assert.equal(code(await alice.client.request({ ...frame, commit: body })), 'CONCLAVE_ERR_MLS_INVALID', 'an application message is not a Commit');
    assert.equal(entries(r).length, before, 'nothing stored');
    assert.equal(code(await alice.client.request(frame)), 'committed');
    alice.groups.set(r, newState);

    // A well-formed Commit for a conversation whose group the server never saw created.
    const bare = await room('#g-no-group', alice);
    const kp = await mls.generateKeyPackageWithKey(credentialOf(alice.userId, alice.deviceId), mls.defaultCapabilities(), mls.defaultLifetime, [], alice.keys, cs);
    alice.groups.set(bare, await mls.createGroup(utf8(bare), kp.publicPackage, kp.privatePackage, [], cs));
    assert.equal(code(await alice.client.request((await alice.prepareCommit(bare)).frame)), 'CONCLAVE_ERR_NO_GROUP');
  });
});
