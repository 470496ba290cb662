import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as mls from 'ts-mls';
import { LIMITS, type ServerFrame } from '@conclave/protocol';
import { addUser, SETTINGS } from '../src/index.js';
import { groupInfoAllowance, welcomeAllowance } from '../src/groups/service.js';
import { createUsers, PASSWORD, RawClient, startTestServer, type TestServer } from './helpers.js';
import { credentialOf, cs, encodeMls, groupInfoMessage, MlsDevice } from './mls-fixture.js';

/**
 * Issue 13, findings 4 and 9: what one authenticated member can make the
 * server store or hand out. Each test replays the attack through the wire.
 */

let server: TestServer;
const opened: Array<{ close(): void }> = [];

before(async () => {
  server = await startTestServer();
  await createUsers(server, 'alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina', 'hank', 'mallory');
  await addUser({ dataDir: server.dataDir, username: 'root', password: PASSWORD, admin: true });
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

const code = (f: ServerFrame) => (f.type === 'error' ? f.code : f.type);

/** A private-use extension (RFC 9420 §17.3: 0xF000–0xFFFF) of `size` bytes, to pad an MLS object. */
const padding = (size: number): mls.Extension => ({ extensionType: 0xf0a0, extensionData: new Uint8Array(size) });

/** A KeyPackage of the device, well formed and with its own credential and key, padded by `pad` bytes. */
async function paddedKeyPackage(d: MlsDevice, pad: number): Promise<string> {
  const kp = await mls.generateKeyPackageWithKey(credentialOf(d.userId, d.deviceId), mls.defaultCapabilities(), mls.defaultLifetime, [padding(pad)], d.keys, cs);
  return encodeMls({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: kp.publicPackage });
}

describe('one member cannot fill the disk (finding 4)', () => {
  test('a KeyPackage over LIMITS.maxKeyPackageBytes is refused with MLS_TOO_LARGE; a real one is far below it', async () => {
    const alice = await login('alice');
    const real = await alice.keyPackage();
    assert.ok(Buffer.from(real, 'base64').length * 4 < LIMITS.maxKeyPackageBytes, 'a real KeyPackage is well under the cap');
    const padded = await paddedKeyPackage(alice, LIMITS.maxKeyPackageBytes);
    assert.equal(code(await alice.client.request({ type: 'publish_key_packages', keyPackages: [real, padded] })), 'CONCLAVE_ERR_MLS_TOO_LARGE');
    assert.equal(code(await alice.client.request({ type: 'publish_key_packages', keyPackages: [], lastResort: padded })), 'CONCLAVE_ERR_MLS_TOO_LARGE');
    // The attack of the report: 200 kB each.
    const huge = await paddedKeyPackage(alice, 200_000);
    assert.equal(code(await alice.client.request({ type: 'publish_key_packages', keyPackages: [huge] })), 'CONCLAVE_ERR_MLS_TOO_LARGE');
    const stock = await alice.client.request({ type: 'publish_key_packages', keyPackages: [] });
    assert.ok(stock.type === 'key_package_stock' && stock.count === 0 && !stock.hasLastResort, 'nothing was stored');
    assert.equal(code(await alice.client.request({ type: 'publish_key_packages', keyPackages: [real] })), 'key_package_stock');
  });

  test('a device holds at most 100 one-time KeyPackages', async () => {
    assert.ok(LIMITS.maxKeyPackagesPerDevice <= 100);
    const bob = await login('bob');
    const kp = await bob.keyPackage();
    const batch = Array.from({ length: LIMITS.maxKeyPackagesPerPublish }, () => kp);
    let stored = 0;
    while (stored < LIMITS.maxKeyPackagesPerDevice) {
      const reply = await bob.client.request({ type: 'publish_key_packages', keyPackages: batch.slice(0, LIMITS.maxKeyPackagesPerDevice - stored) });
      assert.equal(code(reply), 'key_package_stock');
      stored = reply.type === 'key_package_stock' ? reply.count : stored;
    }
    assert.equal(code(await bob.client.request({ type: 'publish_key_packages', keyPackages: [kp] })), 'CONCLAVE_ERR_KEY_PACKAGES_FULL');
    const stock = await bob.client.request({ type: 'publish_key_packages', keyPackages: [] });
    assert.ok(stock.type === 'key_package_stock' && stock.count === 100);
  });

  test('at max_devices_per_user a login with new keys replaces the longest-unseen unconnected device; with all connected it is refused', async () => {
    const max = Number(SETTINGS.max_devices_per_user.default);
    assert.equal(max, 10);
    const first = await login('frank'); // stays connected: the oldest, but never pruned
    const idle: MlsDevice[] = [];
    for (let i = 1; i < max; i++) {
      const d = await MlsDevice.login(server, 'frank');
      d.client.ws.terminate();
      await d.client.waitClosed();
      idle.push(d);
    }
    const listed = async (): Promise<string[]> => {
      const reply = await first.client.request({ type: 'devices', userId: first.userId });
      assert.ok(reply.type === 'devices');
      return reply.devices.map((d) => d.deviceId);
    };
    assert.equal((await listed()).length, max);

    const newcomer = await login('frank');
    const devices = await listed();
    assert.equal(devices.length, max, 'still at the cap');
    assert.ok(devices.includes(first.deviceId), 'the connected device stays');
    assert.ok(devices.includes(newcomer.deviceId));
    assert.ok(!devices.includes(idle[0]!.deviceId), 'the longest-unseen unconnected device was pruned');
    // Its session went with it: it cannot come back as that device.
    const back = await RawClient.login(server, 'frank', { deviceId: idle[0]!.deviceId, signatureKey: idle[0]!.signatureKey });
    opened.push(back.client);
    assert.notEqual(back.session.deviceId, idle[0]!.deviceId, 'the pruned device is gone');
    // `back` is a new device that pruned idle[1]; now bring the other idle ones back: all `max` are connected.
    for (const d of idle.slice(2)) {
      await d.connect();
      opened.push(d);
    }
    assert.equal((await listed()).length, max);
    const refused = await RawClient.connect(server);
    opened.push(refused);
    await refused.hello();
    const reply = await refused.request({ type: 'login', username: 'frank', password: PASSWORD, device: { name: 'one too many', signatureKey: Buffer.alloc(32, 7).toString('base64') } });
    assert.equal(code(reply), 'CONCLAVE_ERR_TOO_MANY_DEVICES');
    assert.equal((await listed()).length, max, 'nothing was pruned or added');
  });

  test('GroupInfo and Welcome are bounded by the size of the group, never above LIMITS.maxHandshakeBytes', async () => {
    // The largest group's Welcome adding the most devices one Commit may add is the largest MLS object.
    assert.equal(welcomeAllowance(LIMITS.maxGroupSize, LIMITS.maxGroupDevices), LIMITS.maxHandshakeBytes);
    assert.ok(groupInfoAllowance(2 * LIMITS.maxGroupSize) <= LIMITS.maxHandshakeBytes);
    // A commit frame carrying all three at their largest, in base64, fits a frame.
    assert.ok(3 * Math.ceil(LIMITS.maxHandshakeBytes / 3) * 4 < LIMITS.maxFrameBytes);
    const carol = await login('carol');
    const dave = await login('dave');
    const join = await carol.client.request({ type: 'join', room: '#padded' });
    assert.ok(join.type === 'conversation', JSON.stringify(join));
    assert.equal(code(await dave.client.request({ type: 'join', room: '#padded' })), 'conversation');
    const conversationId = join.conversation.conversationId;

    // create_group with a GroupInfo padded past the allowance of a one-device group.
    const kp = await mls.generateKeyPackageWithKey(credentialOf(carol.userId, carol.deviceId), mls.defaultCapabilities(), mls.defaultLifetime, [], carol.keys, cs);
    const state = await mls.createGroup(new TextEncoder().encode(conversationId), kp.publicPackage, kp.privatePackage, [], cs);
    const padded = groupInfoMessage(await mls.createGroupInfoWithExternalPubAndRatchetTree(state, [padding(groupInfoAllowance(1))], cs));
    assert.equal(code(await carol.client.request({ type: 'create_group', conversationId, groupInfo: padded })), 'CONCLAVE_ERR_MLS_TOO_LARGE');
    assert.equal(code(await carol.createGroup(conversationId)), 'committed', 'a real GroupInfo is accepted');

    // A Commit adding dave whose Welcome (and then GroupInfo) is padded past the allowance of a two-device group.
    assert.equal(code(await dave.publish(1)), 'key_package_stock');
    const claimed = await carol.client.request({ type: 'claim_key_packages', userIds: [dave.userId] });
    assert.ok(claimed.type === 'key_packages' && claimed.devices[0]?.keyPackage);
    const { frame } = await carol.prepareCommit(conversationId, { add: claimed.devices });
    const current = carol.groups.get(conversationId)!;
    const addDave = { proposalType: 'add' as const, add: { keyPackage: decodeKeyPackage(claimed.devices[0].keyPackage) } };
    const big = await mls.createCommit({ state: current, cipherSuite: cs }, { extraProposals: [addDave], ratchetTreeExtension: true, groupInfoExtensions: [padding(welcomeAllowance(2, 1))] });
    const paddedWelcome = encodeMls({ version: 'mls10', wireformat: 'mls_welcome', welcome: big.welcome! });
    const withWelcome = { ...frame, commit: encodeMls(big.commit), groupInfo: groupInfoMessage(await mls.createGroupInfoWithExternalPubAndRatchetTree(big.newState, [], cs)), welcome: paddedWelcome };
    assert.equal(code(await carol.client.request(withWelcome)), 'CONCLAVE_ERR_MLS_TOO_LARGE', 'oversized Welcome');
    const paddedInfo = groupInfoMessage(await mls.createGroupInfoWithExternalPubAndRatchetTree(big.newState, [padding(groupInfoAllowance(2))], cs));
    assert.equal(code(await carol.client.request({ ...frame, groupInfo: paddedInfo })), 'CONCLAVE_ERR_MLS_TOO_LARGE', 'oversized GroupInfo');
    // The real Commit still goes through and dave joins.
    assert.equal(code(await carol.client.request(frame)), 'committed');
    await dave.acceptWelcome(conversationId);
  });

  test('a member creates at most rooms_per_user_per_hour rooms; joining existing rooms and admins are not limited', async () => {
    const perHour = Number(SETTINGS.rooms_per_user_per_hour.default);
    assert.equal(perHour, 20);
    const { client: mallory } = await RawClient.login(server, 'mallory');
    opened.push(mallory);
    for (let i = 0; i < perHour; i++) assert.equal(code(await mallory.request({ type: 'join', room: `#spam-${i}` })), 'conversation', `room ${i}`);
    const over = await mallory.request({ type: 'join', room: '#spam-one-more' });
    assert.equal(code(over), 'CONCLAVE_ERR_ROOM_CREATION_LIMIT');
    assert.ok(over.type === 'error' && /20 rooms per hour/.test(over.message), over.type === 'error' ? over.message : '');
    const rooms = await mallory.request({ type: 'rooms' });
    assert.ok(rooms.type === 'rooms' && !rooms.rooms.some((r) => r.name === '#spam-one-more'), 'the room was not created');
    assert.equal(code(await mallory.request({ type: 'join', room: '#padded' })), 'conversation', 'an existing room can still be joined');
    const { client: root } = await RawClient.login(server, 'root');
    opened.push(root);
    for (let i = 0; i <= perHour; i++) assert.equal(code(await root.request({ type: 'join', room: `#admin-${i}` })), 'conversation', `admin room ${i}`);
  });
});

describe('one member cannot drain another\'s KeyPackages (finding 9)', () => {
  test('repeated claims of one device by one user stop yielding one-time KeyPackages: they get the last-resort one', async () => {
    const erin = await login('erin');
    const gina = await login('gina');
    const alice = await login('alice');
    assert.equal(code(await erin.publish(30, true)), 'key_package_stock');
    const got: string[] = [];
    for (let i = 0; i < 30; i++) {
      const reply = await gina.client.request({ type: 'claim_key_packages', userIds: [erin.userId] });
      assert.ok(reply.type === 'key_packages', JSON.stringify(reply));
      const kp = reply.devices.find((d) => d.deviceId === erin.deviceId)?.keyPackage;
      assert.ok(kp, 'a KeyPackage every time: a DM stays possible');
      got.push(kp);
    }
    const distinct = new Set(got);
    assert.equal(distinct.size, LIMITS.keyPackageClaimsPerTargetDevice + 1, 'the allowed one-time ones, then always the last-resort one');
    assert.ok(got.slice(LIMITS.keyPackageClaimsPerTargetDevice).every((k) => k === got.at(-1)));
    const stock = await erin.client.request({ type: 'publish_key_packages', keyPackages: [] });
    assert.ok(stock.type === 'key_package_stock' && stock.count === 30 - LIMITS.keyPackageClaimsPerTargetDevice && stock.hasLastResort, JSON.stringify(stock));
    // Another claimer is not affected by gina's claims.
    const other = await alice.client.request({ type: 'claim_key_packages', userIds: [erin.userId] });
    assert.ok(other.type === 'key_packages');
    const fresh = other.devices.find((d) => d.deviceId === erin.deviceId)?.keyPackage;
    assert.ok(fresh && !distinct.has(fresh), 'a one-time KeyPackage for someone else');
    // A user's claims of their own other devices (each DM they open adds them) are not limited.
    const erin2 = await login('erin');
    const before = LIMITS.keyPackageClaimsPerTargetDevice + 2;
    assert.equal(code(await erin2.publish(before, true)), 'key_package_stock');
    for (let i = 0; i < before; i++) assert.equal(code(await erin.client.request({ type: 'claim_key_packages', userIds: [erin.userId] })), 'key_packages');
    const own = await erin2.client.request({ type: 'publish_key_packages', keyPackages: [] });
    assert.ok(own.type === 'key_package_stock' && own.count === 0, JSON.stringify(own));
  });
});

describe('devices replenish (finding 9)', () => {
  test('a claim that leaves a device below LIMITS.keyPackageLowWater one-time KeyPackages tells that device key_packages_low', async () => {
    const hank = await login('hank');
    const alice = await login('alice');
    assert.equal(code(await hank.publish(LIMITS.keyPackageLowWater, true)), 'key_package_stock');
    const told = hank.client.waitFor((f) => f.type === 'key_packages_low', 5_000);
    assert.equal(code(await alice.client.request({ type: 'claim_key_packages', userIds: [hank.userId] })), 'key_packages');
    assert.deepEqual(await told, { type: 'key_packages_low', count: LIMITS.keyPackageLowWater - 1 });
  });
});

function decodeKeyPackage(b64: string): mls.KeyPackage {
  const [m] = mls.decodeMlsMessage(Buffer.from(b64, 'base64'), 0) ?? [];
  assert.ok(m?.wireformat === 'mls_key_package');
  return m.keyPackage;
}
