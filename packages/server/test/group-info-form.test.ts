import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import * as mls from 'ts-mls';
import type { ServerFrame } from '@conclave/protocol';
import { SQLITE_FILE } from '../src/index.js';
import { createUsers, startTestServer, tempDir, type TestServer } from './helpers.js';
import { cs, externalPubOf, groupInfoMessage, joinRoom, MlsDevice, preRfcGroupInfo } from './mls-fixture.js';

/**
 * Issue 14: ts-mls 1.6.4 wrote the GroupInfo `external_pub` extension as the
 * bare 32-byte key; RFC 9420 §12.4.3.2 makes it `opaque HPKEPublicKey<V>`
 * (0x20, then the key). Rooms whose stored GroupInfo is in the old form must
 * stay joinable, and the server must get it replaced by a member device.
 */

let server: TestServer;
const devices: MlsDevice[] = [];

before(async () => {
  server = await startTestServer();
  await createUsers(server, 'alice', 'bob', 'carol', 'mallory');
});
after(async () => {
  for (const d of devices) d.close();
  await server.dispose();
});

async function dev(target: { wsUrl: string }, username: string): Promise<MlsDevice> {
  const d = await MlsDevice.login(target, username);
  devices.push(d);
  await d.sync();
  return d;
}

const code = (f: { type: string; code?: string }) => (f.type === 'error' ? f.code : f.type);

/** The `group_info_wanted` frames a `sync` brings (they come before its `synced` reply). */
async function wantedAtSync(d: MlsDevice): Promise<Array<Extract<ServerFrame, { type: 'group_info_wanted' }>>> {
  const from = d.client.frames.length;
  await d.sync();
  return d.client.frames.slice(from).filter((f): f is Extract<ServerFrame, { type: 'group_info_wanted' }> => f.type === 'group_info_wanted');
}

async function storedExternalPub(d: MlsDevice, conversationId: string): Promise<Uint8Array> {
  const info = await d.client.request({ type: 'group_info', conversationId });
  assert.ok(info.type === 'group_info' && info.group, JSON.stringify(info));
  return externalPubOf(info.group.groupInfo);
}

const RFC_FORM = (key: Uint8Array) => key.length === 33 && key[0] === 0x20;

describe('GroupInfo external_pub: the RFC 9420 form, and rooms stored in the old one', () => {
  test('an old-form GroupInfo is kept and joinable; at sync a member device is asked for a new one and its answer replaces it', async () => {
    const alice = await dev(server, 'alice');
    const bob = await dev(server, 'bob');
    const carol = await dev(server, 'carol');
    const mallory = await dev(server, 'mallory');
    const r = await joinRoom('#gi-form', alice, bob, carol);

    // An old client creates the group: the server keeps its GroupInfo as it came.
    assert.equal(code(await alice.createGroup(r, { preRfc: true })), 'committed');
    assert.equal((await storedExternalPub(bob, r)).length, 32, 'stored in the bare-key form');
    assert.deepEqual(await wantedAtSync(alice), [{ type: 'group_info_wanted', conversationId: r, epoch: 0 }]);

    // A room whose GroupInfo is in the old form is joinable: the patched ts-mls reads both forms.
    assert.equal(code(await bob.joinExternal(r)), 'committed');
    assert.ok(RFC_FORM(await storedExternalPub(bob, r)), 'the joiner uploaded the RFC form with its Commit');
    assert.deepEqual(await wantedAtSync(alice), [], 'nothing to replace any more');

    // An old client commits again: bob, in the group, is asked at its next sync.
    const old = await alice.commit(r, {}, { preRfc: true });
    assert.ok(old.type === 'committed', JSON.stringify(old));
    await bob.readUntil(r, old.seq);
    assert.deepEqual(await wantedAtSync(bob), [{ type: 'group_info_wanted', conversationId: r, epoch: 2 }]);
    const bobState = bob.groups.get(r)!;
    assert.equal(bobState.groupContext.epoch, 2n, 'bob applied the Commit');

    const rfc = groupInfoMessage(await mls.createGroupInfoWithExternalPubAndRatchetTree(bobState, [], cs));
    const publish = (d: MlsDevice, frame: Record<string, unknown>) => d.client.request({ type: 'publish_group_info', conversationId: r, ...frame });
    assert.equal(code(await publish(mallory, { epoch: 2, groupInfo: rfc })), 'CONCLAVE_ERR_NOT_MEMBER', 'not a member of the room');
    assert.equal(code(await publish(carol, { epoch: 2, groupInfo: rfc })), 'CONCLAVE_ERR_NOT_GROUP_MEMBER', 'a room member whose device is not in the group');
    assert.equal(code(await publish(bob, { epoch: 2, groupInfo: await preRfcGroupInfo(bobState) })), 'CONCLAVE_ERR_MLS_INVALID', 'the old form again');
    assert.equal(code(await publish(bob, { epoch: 3, groupInfo: rfc })), 'CONCLAVE_ERR_MLS_INVALID', 'a GroupInfo of another epoch than named');
    assert.equal((await storedExternalPub(bob, r)).length, 32, 'refusals change nothing');

    assert.equal(code(await publish(bob, { epoch: 2, groupInfo: rfc })), 'ok');
    assert.ok(RFC_FORM(await storedExternalPub(carol, r)));
    assert.deepEqual(await wantedAtSync(bob), []);

    // The group moved on: a GroupInfo of the epoch before is stale.
    assert.equal(code(await alice.commit(r, {})), 'committed');
    assert.equal(code(await publish(bob, { epoch: 2, groupInfo: rfc })), 'CONCLAVE_ERR_STALE_EPOCH');
  });

  test('the migration marks GroupInfos stored before it in the old form', async () => {
    const dataDir = tempDir('gi-migrate');
    const first = await startTestServer(dataDir);
    await createUsers(first, 'dora');
    const dora = await dev(first, 'dora');
    const r = await joinRoom('#gi-migrate', dora);
    assert.equal(code(await dora.createGroup(r, { preRfc: true })), 'committed');
    dora.close();
    await first.close();

    // The database as it was before migration 004: no column, no record of it or of the migrations after it.
    const db = new SQLite(path.join(dataDir, SQLITE_FILE));
    db.exec('ALTER TABLE groups DROP COLUMN group_info_wanted');
    db.exec('DROP TABLE server_secrets');
    db.exec('DROP TABLE blob_links');
    db.exec('DROP TABLE blobs');
    db.prepare("DELETE FROM kysely_migration WHERE name >= '004'").run();
    db.close();

    const second = await startTestServer(dataDir);
    try {
      dora.server = second;
      await dora.connect();
      assert.deepEqual(await wantedAtSync(dora), [{ type: 'group_info_wanted', conversationId: r, epoch: 0 }]);
    } finally {
      dora.close();
      await second.dispose();
    }
  });
});
