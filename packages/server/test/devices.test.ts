import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { LIMITS } from '@conclave/protocol';
import { SQLITE_FILE } from '../src/index.js';
import { createUsers, randomSignatureKey, RawClient, startTestServer, type TestServer } from './helpers.js';
import { b64, credentialOf, cs, decodeMls, MlsDevice } from './mls-fixture.js';

let server: TestServer;
const opened: MlsDevice[] = [];

before(async () => {
  server = await startTestServer();
  await createUsers(server, 'alice', 'bob', 'carol', 'dave', 'erin');
});
after(async () => {
  for (const d of opened) d.close();
  await server.dispose();
});

async function login(username: string): Promise<MlsDevice> {
  const d = await MlsDevice.login(server, username);
  opened.push(d);
  return d;
}

const code = (f: { type: string; code?: string }) => (f.type === 'error' ? f.code : f.type);

/** The device a claimed KeyPackage belongs to, read from its credential. */
function identityOf(keyPackage: string): string {
  const m = decodeMls(keyPackage);
  assert.ok(m.wireformat === 'mls_key_package' && m.keyPackage.leafNode.credential.credentialType === 'basic');
  return new TextDecoder().decode(m.keyPackage.leafNode.credential.identity);
}

describe('device directory and KeyPackage store', () => {
  test('claim hands out one KeyPackage per device and deletes it; two claims never get the same one; the last resort is kept', async () => {
    const bob1 = await login('bob');
    const bob2 = await login('bob');
    const carol = await login('carol');
    const dave = await login('dave');
    const stock = await bob1.publish(2, true);
    assert.deepEqual(stock, { type: 'key_package_stock', id: (stock as { id: string }).id, count: 2, hasLastResort: true });
    assert.equal(code(await bob2.publish(1)), 'key_package_stock');

    const [c, d] = await Promise.all([
      carol.client.request({ type: 'claim_key_packages', userIds: [bob1.userId] }),
      dave.client.request({ type: 'claim_key_packages', userIds: [bob1.userId, bob1.userId] }),
    ]);
    assert.ok(c.type === 'key_packages' && d.type === 'key_packages');
    for (const reply of [c, d]) {
      assert.deepEqual(reply.devices.map((x) => x.deviceId).sort(), [bob1.deviceId, bob2.deviceId].sort(), 'one entry per device');
      const entry = reply.devices.find((x) => x.deviceId === bob1.deviceId)!;
      assert.equal(entry.signatureKey, bob1.signatureKey);
      assert.equal(entry.userId, bob1.userId);
      assert.equal(identityOf(entry.keyPackage!), `conclave:1:${bob1.userId}:${bob1.deviceId}`);
    }
    const fromBob1 = [c, d].map((r) => r.devices.find((x) => x.deviceId === bob1.deviceId)!.keyPackage);
    assert.notEqual(fromBob1[0], fromBob1[1], 'two claims got different KeyPackages');
    const fromBob2 = [c, d].map((r) => r.devices.find((x) => x.deviceId === bob2.deviceId)!.keyPackage);
    assert.equal(fromBob2.filter((k) => k !== undefined).length, 1, 'bob2 had one: the other claim got none');

    const empty = await bob1.client.request({ type: 'publish_key_packages', keyPackages: [] });
    assert.ok(empty.type === 'key_package_stock' && empty.count === 0 && empty.hasLastResort, 'one-time ones are gone');
    const third = await carol.client.request({ type: 'claim_key_packages', userIds: [bob1.userId] });
    const fourth = await carol.client.request({ type: 'claim_key_packages', userIds: [bob1.userId] });
    assert.ok(third.type === 'key_packages' && fourth.type === 'key_packages');
    const lastResort = third.devices.find((x) => x.deviceId === bob1.deviceId)!.keyPackage;
    assert.ok(lastResort && fourth.devices.find((x) => x.deviceId === bob1.deviceId)!.keyPackage === lastResort, 'the last resort is handed out again');
    assert.ok(!fromBob1.includes(lastResort));
    assert.equal(third.devices.find((x) => x.deviceId === bob2.deviceId)!.keyPackage, undefined, 'none left: no keyPackage');

    const own = await bob1.client.request({ type: 'claim_key_packages', userIds: [bob1.userId] });
    assert.ok(own.type === 'key_packages');
    assert.deepEqual(own.devices.map((x) => x.deviceId), [bob2.deviceId], 'never the requesting device');
    const unknown = await carol.client.request({ type: 'claim_key_packages', userIds: ['no-such-user'] });
    assert.equal(code(unknown), 'CONCLAVE_ERR_NO_SUCH_USER');
  });

  test('a KeyPackage with another device\'s credential or key, or not a KeyPackage, is refused and nothing is stored', async () => {
    const alice = await login('alice');
    const bob = await someDevice('bob');
    const otherKeys = await cs.signature.keygen();
    const cases: Array<[string, string, string]> = [
      ['another user\'s credential', await alice.keyPackage({ credential: credentialOf(bob.userId, bob.deviceId) }), 'CONCLAVE_ERR_DEVICE_KEY_MISMATCH'],
      ['another device of the same user', await alice.keyPackage({ credential: credentialOf(alice.userId, 'someOtherDevice') }), 'CONCLAVE_ERR_DEVICE_KEY_MISMATCH'],
      ['own credential, another key', await alice.keyPackage({ keys: otherKeys }), 'CONCLAVE_ERR_DEVICE_KEY_MISMATCH'],
      ['a non-Conclave identity', await alice.keyPackage({ credential: { credentialType: 'basic', identity: new TextEncoder().encode('alice') } }), 'CONCLAVE_ERR_DEVICE_KEY_MISMATCH'],
      ['not MLS', b64(new Uint8Array([1, 2, 3, 4, 5])), 'CONCLAVE_ERR_MLS_INVALID'],
    ];
    const good = await alice.keyPackage();
    for (const [what, kp, expected] of cases) {
      assert.equal(code(await alice.client.request({ type: 'publish_key_packages', keyPackages: [good, kp] })), expected, what);
      assert.equal(code(await alice.client.request({ type: 'publish_key_packages', keyPackages: [], lastResort: kp })), expected, `${what} (last resort)`);
    }
    const stock = await alice.client.request({ type: 'publish_key_packages', keyPackages: [] });
    assert.ok(stock.type === 'key_package_stock' && stock.count === 0 && !stock.hasLastResort, 'nothing was stored');
  });

  test(`a device holds at most ${LIMITS.maxKeyPackagesPerDevice} one-time KeyPackages`, async () => {
    const erin = await login('erin');
    const kp = await erin.keyPackage();
    const batch = Array.from({ length: LIMITS.maxKeyPackagesPerPublish }, () => kp);
    for (let stored = 0; stored < LIMITS.maxKeyPackagesPerDevice; stored += batch.length) {
      assert.equal(code(await erin.client.request({ type: 'publish_key_packages', keyPackages: batch })), 'key_package_stock');
    }
    assert.equal(code(await erin.client.request({ type: 'publish_key_packages', keyPackages: [kp] })), 'CONCLAVE_ERR_KEY_PACKAGES_FULL');
    const lastResort = await erin.client.request({ type: 'publish_key_packages', keyPackages: [], lastResort: kp });
    assert.ok(lastResort.type === 'key_package_stock' && lastResort.count === LIMITS.maxKeyPackagesPerDevice && lastResort.hasLastResort);
  });

  test('the directory lists a user\'s devices with their keys; a login with another key is a new device', async () => {
    const first = await login('dave');
    const same = await RawClient.login(server, 'dave', { deviceId: first.deviceId, signatureKey: first.signatureKey });
    assert.equal(same.session.deviceId, first.deviceId, 'same id and key: same device');
    const rekeyed = await RawClient.login(server, 'dave', { deviceId: first.deviceId, signatureKey: randomSignatureKey() });
    assert.notEqual(rekeyed.session.deviceId, first.deviceId, 'a new key makes a new device');
    const stolen = await RawClient.login(server, 'carol', { deviceId: first.deviceId, signatureKey: first.signatureKey });
    assert.notEqual(stolen.session.deviceId, first.deviceId, 'another user\'s device id is not taken over');

    const listed = await stolen.client.request({ type: 'devices', userId: first.userId });
    assert.ok(listed.type === 'devices' && listed.username === 'dave');
    const byId = new Map<string, (typeof listed.devices)[number]>(listed.devices.map((d) => [d.deviceId, d]));
    assert.equal(byId.get(first.deviceId)?.signatureKey, first.signatureKey);
    assert.ok(byId.has(rekeyed.session.deviceId));
    assert.equal(code(await stolen.client.request({ type: 'devices', userId: 'nobody-here' })), 'CONCLAVE_ERR_NO_SUCH_USER');

    // A device from before E2EE (no key) gets the key of its next login and keeps its id.
    const db = new SQLite(path.join(server.dataDir, SQLITE_FILE));
    db.prepare('UPDATE devices SET signature_key = NULL WHERE id = ?').run(rekeyed.session.deviceId);
    db.close();
    const withoutKey = await stolen.client.request({ type: 'devices', userId: first.userId });
    assert.ok(withoutKey.type === 'devices' && !withoutKey.devices.some((d) => d.deviceId === rekeyed.session.deviceId), 'keyless devices are not listed');
    const key = randomSignatureKey();
    const upgraded = await RawClient.login(server, 'dave', { deviceId: rekeyed.session.deviceId, signatureKey: key });
    assert.equal(upgraded.session.deviceId, rekeyed.session.deviceId);
    const after = await stolen.client.request({ type: 'devices', userId: first.userId });
    assert.ok(after.type === 'devices' && after.devices.some((d) => d.deviceId === rekeyed.session.deviceId && d.signatureKey === key));
    for (const c of [same, rekeyed, stolen, upgraded]) c.client.close();
  });
});

const named = new Map<string, MlsDevice>();
/** One device per user, shared by tests that need "some device of bob". */
async function someDevice(username: string): Promise<MlsDevice> {
  let d = named.get(username);
  if (!d) named.set(username, (d = await login(username)));
  return d;
}
