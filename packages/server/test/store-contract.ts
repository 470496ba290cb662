/**
 * One contract for every Store, run against SQLite (`store-contract.test.ts`,
 * a temporary data directory) and PostgreSQL (`store-contract-postgres.test.ts`,
 * a fresh database): the same calls must give the same results on both
 * dialects. Each test opens stores of its own, so counts and "last admin" are
 * the test's alone.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { asBlobId } from '@conclave/protocol';
import { ServiceError } from '../src/errors.js';
import { newId } from '../src/ids.js';
import type { Stores } from '../src/storage/index.js';
import { addDevice, addRoom, addUser, entry, roomWithGroup, type OpenedStores } from './store-fixtures.js';

/** Rejects with the ServiceError `code`. */
async function refused(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof ServiceError && err.code === code);
}

const bytes = (text: string): Buffer => Buffer.from(text);

/** Declares the contract suite for stores opened by `open` (each test opens its own). */
export function contract(name: string, open: () => Promise<OpenedStores>, dialect: Stores['dialect']): void {
  /** A test over stores of its own. */
  const it = (title: string, body: (s: Stores) => Promise<void>): void => {
    test(title, async () => {
      const { stores, dispose } = await open();
      try {
        await body(stores);
      } finally {
        await dispose();
      }
    });
  };

  describe(`Store contract on ${name}`, () => {
    it('reports its dialect and answers ping', async (s) => {
      assert.equal(s.dialect, dialect);
      await s.ping();
    });

    it('accounts: a user is found by key and id; a taken name (any case) is refused', async (s) => {
      const id = await addUser(s, 'Alice');
      const byKey = await s.accounts.findUserByKey('alice');
      assert.deepEqual(byKey, { id, username: 'Alice', usernameKey: 'alice', passwordHash: '$argon2id$test', role: 'member', createdAt: 1, deletedAt: null });
      assert.deepEqual(await s.accounts.findUserById(id), byKey);
      await refused(addUser(s, 'ALICE'), 'CONCLAVE_ERR_USERNAME_TAKEN');
      assert.equal(await s.accounts.countUsers(), 1);
      assert.equal(await s.accounts.findUserByKey('bob'), undefined);
    });

    it('accounts: an invite code is used once, gives its role, and not after it expires', async (s) => {
      const invite = { role: 'admin' as const, kind: 'invite' as const, createdBy: null, createdAt: 1 };
      await s.accounts.insertInvite({ ...invite, codeHash: 'code-1', expiresAt: 1_000 });
      await s.accounts.insertInvite({ ...invite, codeHash: 'code-old', expiresAt: 10 });
      assert.equal(await s.accounts.isInviteUsable('code-1', 500), true);
      const user = (username: string) => ({ id: newId(), username, usernameKey: username, passwordHash: 'h', role: 'member' as const, createdAt: 1, deletedAt: null });
      assert.equal(await s.accounts.insertUser(user('carol'), 'code-1', 500), 'admin');
      assert.equal(await s.accounts.isInviteUsable('code-1', 500), false);
      await refused(s.accounts.insertUser(user('dave'), 'code-1', 500), 'CONCLAVE_ERR_INVITE_INVALID');
      await refused(s.accounts.insertUser(user('erin'), 'code-old', 500), 'CONCLAVE_ERR_INVITE_INVALID');
      await refused(s.accounts.insertUser(user('frank'), 'no-such-code', 500), 'CONCLAVE_ERR_INVITE_INVALID');
      assert.equal(await s.accounts.findUserByKey('dave'), undefined);
      await s.accounts.deleteUnusedInvites('invite');
      assert.equal(await s.accounts.isInviteUsable('code-old', 5), false);
      assert.equal(await s.accounts.countAdmins(), 1);
    });

    it('accounts: the last admin can be neither demoted nor deleted', async (s) => {
      const a = await addUser(s, 'ann', 'admin');
      const b = await addUser(s, 'ben', 'admin');
      const m = await addUser(s, 'meg');
      assert.equal(await s.accounts.setRole(a, 'member'), true);
      assert.equal(await s.accounts.setRole(b, 'member'), false);
      assert.equal(await s.accounts.markDeleted(b, 5), false);
      assert.equal((await s.accounts.findUserById(b))?.role, 'admin');
      assert.equal(await s.accounts.setRole(m, 'admin'), true);
      assert.equal(await s.accounts.markDeleted(b, 5), true);
      assert.equal((await s.accounts.findUserById(b))?.deletedAt, 5);
      assert.equal(await s.accounts.countAdmins(), 1);
      assert.equal(await s.accounts.countUsers(), 2);
      assert.deepEqual((await s.conversations.allUserIds()).sort(), [a, m].sort());
    });

    it('accounts: sessions are stored, touched, listed and deleted; deleting a user ends them', async (s) => {
      const u = await addUser(s, 'sam');
      const d = await addDevice(s, u);
      await s.accounts.insertSession({ tokenHash: 't1', userId: u, deviceId: d, lastUsedAt: 10, expiresAt: 100 }, 10);
      await s.accounts.insertSession({ tokenHash: 't2', userId: u, deviceId: d, lastUsedAt: 10, expiresAt: 20 }, 10);
      await s.accounts.touchSession('t1', 42);
      await s.accounts.touchDevice(d, 43);
      assert.deepEqual(await s.accounts.findSession('t1'), { tokenHash: 't1', userId: u, deviceId: d, lastUsedAt: 42, expiresAt: 100 });
      assert.deepEqual([...(await s.accounts.existingSessions(['t1', 't2', 'nope'], 50))], ['t1']);
      const [summary] = await s.accounts.listUsers(50);
      assert.deepEqual(summary, { userId: u, username: 'sam', role: 'member', createdAt: 1, devices: 1, sessions: 1, lastSeenAt: 43 });
      await s.accounts.deleteSession('t2');
      assert.equal(await s.accounts.findSession('t2'), undefined);
      assert.equal(await s.accounts.markDeleted(u, 60), true);
      assert.equal(await s.accounts.findSession('t1'), undefined);
      assert.equal(await s.accounts.deleteSessionsOf(u), 0);
    });

    it('accounts: a device gets its signature key once; the cap prunes the longest-unseen unconnected device', async (s) => {
      const u = await addUser(s, 'dora');
      const keyless = await addDevice(s, u, true);
      assert.equal(await s.accounts.setSignatureKey(keyless, 'key-1'), true);
      assert.equal(await s.accounts.setSignatureKey(keyless, 'key-2'), false);
      assert.equal((await s.accounts.findDevice(keyless))?.signatureKey, 'key-1');
      const second = await addDevice(s, u);
      await s.accounts.touchDevice(second, 100);
      const third = { id: newId(), userId: u, name: 'phone', signatureKey: 'k3' };
      assert.deepEqual(await s.accounts.insertDevice(third, 200, { max: 2, isConnected: () => false }), [keyless]);
      assert.equal(await s.accounts.findDevice(keyless), undefined);
      const fourth = { id: newId(), userId: u, name: 'tablet', signatureKey: 'k4' };
      await refused(s.accounts.insertDevice(fourth, 300, { max: 2, isConnected: () => true }), 'CONCLAVE_ERR_TOO_MANY_DEVICES');
      assert.equal(await s.accounts.findDevice(fourth.id), undefined);
    });

    it('audit: the newest records come first', async (s) => {
      for (const at of [1, 2, 3]) {
        await s.audit.append({ at, actorId: null, actorName: 'shell', action: 'set', target: null, detail: `n=${at}`, address: null });
      }
      const recent = await s.audit.recent(2);
      assert.deepEqual(recent.map((r) => [r.at, r.detail, r.actorName]), [
        [3, 'n=3', 'shell'],
        [2, 'n=2', 'shell'],
      ]);
    });

    it('conversations: rooms and DMs are unique; members join at the current seq and see DM peers', async (s) => {
      const a = await addUser(s, 'amy');
      const b = await addUser(s, 'bo');
      const room = await addRoom(s, 'general', [a]);
      assert.equal(await s.conversations.create({ id: newId(), kind: 'room', name: '#General', nameKey: 'general', dmKey: null }, [], 2), false);
      const dm = newId();
      assert.equal(await s.conversations.create({ id: dm, kind: 'dm', name: null, nameKey: null, dmKey: `${a}:${b}` }, [a, b], 2), true);
      assert.equal((await s.conversations.findDmByKey(`${a}:${b}`))?.id, dm);
      assert.deepEqual(await s.conversations.findRoomByKey('general'), { id: room, kind: 'room', name: '#general', nameKey: 'general', dmKey: null, lastSeq: 0 });
      // Two log entries, then b joins at seq 2.
      const { deviceId } = await joinGroup(s, room, a);
      for (const text of ['one', 'two']) await s.delivery.appendApplication(entry(room, a, deviceId, text), 0);
      await s.conversations.addMember(room, b, 3);
      await s.conversations.addMember(room, b, 4);
      assert.equal(await s.conversations.membership(room, b), 2);
      assert.equal((await s.conversations.findById(room))?.lastSeq, 2);
      const views = await s.conversations.listForUser(a);
      assert.deepEqual(
        views.map((v) => [v.id, v.kind, v.joinedSeq, v.peer?.username]),
        [
          [room, 'room', 0, undefined],
          [dm, 'dm', 0, 'bo'],
        ],
      );
      assert.deepEqual(await s.conversations.listRooms(), [{ id: room, name: '#general', members: 2 }]);
      assert.deepEqual(await s.conversations.membersOf(room), [
        { userId: a, username: 'amy' },
        { userId: b, username: 'bo' },
      ]);
      assert.equal((await s.conversations.allMemberships()).length, 4);
    });

    it('conversations: removing a member takes their devices out of the group and records the departure', async (s) => {
      const { conversationId, userId, deviceId } = await roomWithGroup(s, 'lobby');
      const leaver = await addUser(s, 'lee');
      const leaverDevice = await addDevice(s, leaver);
      await s.conversations.addMember(conversationId, leaver, 2);
      await s.groups.commit(commit(conversationId, userId, deviceId, 0, { added: [leaverDevice] }), 3);
      assert.equal(await s.groups.deviceCount(conversationId), 2);
      await s.conversations.removeMember(conversationId, leaver);
      assert.equal(await s.conversations.membership(conversationId, leaver), undefined);
      assert.equal(await s.groups.deviceCount(conversationId), 1);
      assert.deepEqual(await s.groups.departedInGroupsOf(deviceId), [{ conversationId, userId: leaver, username: 'lee' }]);
      // The Commit removing the leaver's leaf clears the departure.
      await s.groups.commit(commit(conversationId, userId, deviceId, 1, { removed: [leaverDevice] }), 4);
      assert.deepEqual(await s.groups.departedInGroupsOf(deviceId), []);
    });

    it('groups: create once; a Commit is a compare-and-set on the epoch that moves devices and keeps Welcomes', async (s) => {
      const { conversationId, userId, deviceId } = await roomWithGroup(s, 'mls');
      await refused(s.groups.create(conversationId, { bytes: bytes('again'), wanted: false }, deviceId, 2), 'CONCLAVE_ERR_GROUP_EXISTS');
      assert.deepEqual(await s.groups.find(conversationId), { epoch: 0, groupInfo: bytes('group-info-0') });
      const newcomer = await addDevice(s, await addUser(s, 'nia'));
      const outsider = await addDevice(s, await addUser(s, 'oz'));
      await refused(s.groups.commit(commit(conversationId, userId, deviceId, 1), 2), 'CONCLAVE_ERR_STALE_EPOCH');
      await refused(s.groups.commit(commit(conversationId, userId, outsider, 0), 2), 'CONCLAVE_ERR_NOT_GROUP_MEMBER');
      await refused(s.groups.commit(commit(await addRoom(s, 'nogroup', []), userId, deviceId, 0), 2), 'CONCLAVE_ERR_NO_GROUP');
      const done = await s.groups.commit(commit(conversationId, userId, deviceId, 0, { added: [newcomer], welcome: bytes('welcome') }), 2);
      assert.deepEqual(done, { seq: 1, epoch: 1 });
      assert.deepEqual(await s.groups.find(conversationId), { epoch: 1, groupInfo: bytes('group-info-1') });
      assert.deepEqual(await s.groups.welcomesFor(newcomer), [{ conversationId, seq: 1, welcome: bytes('welcome') }]);
      assert.deepEqual(await s.groups.groupsOfDevice(newcomer), [{ conversationId, sinceSeq: 1, epoch: 1, groupInfoWanted: false }]);
      await s.groups.deleteWelcome(newcomer, conversationId, 1);
      assert.deepEqual(await s.groups.welcomesFor(newcomer), []);
      // An external commit: the outsider joins itself.
      assert.deepEqual(await s.groups.commit({ ...commit(conversationId, userId, outsider, 1), external: true, groupInfoWanted: true }, 3), { seq: 2, epoch: 2 });
      assert.deepEqual(await s.groups.groupsOfDevice(outsider), [{ conversationId, sinceSeq: 2, epoch: 2, groupInfoWanted: true }]);
      assert.equal(await s.groups.deviceCount(conversationId), 3);
      const [logged] = await s.delivery.readAfter(conversationId, 0, 1);
      assert.equal(logged?.kind, 'commit');
    });

    it('groups: the GroupInfo is replaced only at the current epoch by a device in the group', async (s) => {
      const { conversationId, deviceId } = await roomWithGroup(s, 'info');
      await refused(s.groups.replaceGroupInfo(conversationId, deviceId, 3, bytes('x'), 2), 'CONCLAVE_ERR_STALE_EPOCH');
      await refused(s.groups.replaceGroupInfo(conversationId, newId(), 0, bytes('x'), 2), 'CONCLAVE_ERR_NOT_GROUP_MEMBER');
      await refused(s.groups.replaceGroupInfo(newId(), deviceId, 0, bytes('x'), 2), 'CONCLAVE_ERR_NO_GROUP');
      await s.groups.replaceGroupInfo(conversationId, deviceId, 0, bytes('better'), 2);
      assert.deepEqual(await s.groups.find(conversationId), { epoch: 0, groupInfo: bytes('better') });
    });

    it('delivery: seqs count up from 1; a repeat returns the first copy; members and epochs are checked', async (s) => {
      const { conversationId, userId, deviceId } = await roomWithGroup(s, 'chat');
      const first = await s.delivery.appendApplication(entry(conversationId, userId, deviceId, 'hello', 'cm-1'), 0);
      assert.deepEqual(first, { seq: 1, sentAt: 1_000, duplicate: false });
      const again = await s.delivery.appendApplication({ ...entry(conversationId, userId, deviceId, 'hello', 'cm-1'), sentAt: 9_999 }, 0);
      assert.deepEqual(again, { seq: 1, sentAt: 1_000, duplicate: true });
      const results = await Promise.all(['a', 'b', 'c'].map((t) => s.delivery.appendApplication(entry(conversationId, userId, deviceId, t), 0)));
      assert.deepEqual(results.map((r) => r.seq), [2, 3, 4]);
      await refused(s.delivery.appendApplication(entry(conversationId, userId, deviceId, 'late'), 1), 'CONCLAVE_ERR_STALE_EPOCH');
      await refused(s.delivery.appendApplication(entry(conversationId, userId, newId(), 'intruder'), 0), 'CONCLAVE_ERR_NOT_GROUP_MEMBER');
      const log = await s.delivery.readAfter(conversationId, 1, 10);
      assert.deepEqual(log.map((m) => [m.seq, Buffer.from(m.body).toString(), m.kind, m.senderUsername]), [
        [2, 'a', 'application', 'chat-owner'],
        [3, 'b', 'application', 'chat-owner'],
        [4, 'c', 'application', 'chat-owner'],
      ]);
      assert.equal(typeof log[0]?.sentAt, 'number');
    });

    it('delivery: one group commit mixing accepted messages, a repeat within it, refusals and two conversations settles each on its own', async (s) => {
      const chat = await roomWithGroup(s, 'mixed');
      const other = await roomWithGroup(s, 'other');
      const send = (room: typeof chat, text: string, clientMsgId?: string, epoch = 0) =>
        s.delivery.appendApplication(entry(room.conversationId, room.userId, room.deviceId, text, clientMsgId), epoch).then(
          (r) => [r.seq, r.duplicate],
          (err: unknown) => (err instanceof ServiceError ? err.code : 'unexpected'),
        );
      // Submitted in one turn: one batch.
      const outcomes = await Promise.all([
        send(chat, 'one', 'x-1'),
        send(other, 'elsewhere'),
        send(chat, 'one again', 'x-1'),
        send(chat, 'stale', undefined, 3),
        s.delivery.appendApplication(entry(chat.conversationId, chat.userId, newId(), 'intruder'), 0).catch((err: ServiceError) => err.code),
        send(chat, 'two'),
      ]);
      assert.deepEqual(outcomes, [[1, false], [1, false], [1, true], 'CONCLAVE_ERR_STALE_EPOCH', 'CONCLAVE_ERR_NOT_GROUP_MEMBER', [2, false]]);
      assert.deepEqual((await s.delivery.readAfter(chat.conversationId, 0, 10)).map((m) => Buffer.from(m.body).toString()), ['one', 'two']);
      assert.deepEqual((await s.delivery.readAfter(other.conversationId, 0, 10)).map((m) => Buffer.from(m.body).toString()), ['elsewhere']);
    });

    it('delivery: retention deletes application messages only, Commits stay', async (s) => {
      const { conversationId, userId, deviceId } = await roomWithGroup(s, 'old');
      await s.delivery.appendApplication(entry(conversationId, userId, deviceId, 'old'), 0);
      await s.groups.commit(commit(conversationId, userId, deviceId, 0), 2);
      await s.delivery.appendApplication({ ...entry(conversationId, userId, deviceId, 'new'), sentAt: 5_000 }, 1);
      assert.equal(await s.delivery.deleteApplicationBefore(2_000), 1);
      assert.deepEqual((await s.delivery.readAfter(conversationId, 0, 10)).map((m) => [m.seq, m.kind]), [
        [2, 'commit'],
        [3, 'application'],
      ]);
    });

    it('devices: one-time KeyPackages are taken oldest first, then the last-resort one is handed out and kept', async (s) => {
      const u = await addUser(s, 'kim');
      const d1 = await addDevice(s, u);
      const d2 = await addDevice(s, u);
      await addDevice(s, u, true); // no signature key: not in the directory
      const claimer = await addDevice(s, await addUser(s, 'cal'));
      assert.deepEqual(await s.devices.addKeyPackages(d1, [bytes('kp-1')], bytes('kp-lr'), 2, 10), { count: 1, hasLastResort: true });
      assert.deepEqual(await s.devices.addKeyPackages(d1, [bytes('kp-2')], undefined, 2, 11), { count: 2, hasLastResort: true });
      await refused(s.devices.addKeyPackages(d1, [bytes('kp-3')], undefined, 2, 11), 'CONCLAVE_ERR_KEY_PACKAGES_FULL');
      assert.deepEqual((await s.devices.listDevices(u)).map((d) => d.id), [d1, d2]);
      const claim = async () => (await s.devices.claimKeyPackages([u], claimer)).map((c) => [c.device.id, c.keyPackage && Buffer.from(c.keyPackage).toString(), c.oneTimeLeft]);
      assert.deepEqual(await claim(), [
        [d1, 'kp-1', 1],
        [d2, undefined, undefined],
      ]);
      assert.deepEqual(await claim(), [
        [d1, 'kp-2', 0],
        [d2, undefined, undefined],
      ]);
      assert.deepEqual(await claim(), [
        [d1, 'kp-lr', undefined],
        [d2, undefined, undefined],
      ]);
      assert.deepEqual(await s.devices.stock(d1), { count: 0, hasLastResort: true });
      await s.devices.addKeyPackages(d1, [bytes('kp-4')], undefined, 2, 12);
      const lastResortOnly = await s.devices.claimKeyPackages([u], d2, new Set([d1]));
      assert.deepEqual(lastResortOnly.map((c) => Buffer.from(c.keyPackage!).toString()), ['kp-lr']);
      assert.deepEqual(await s.devices.claimKeyPackages([u], d1), [{ device: (await s.devices.listDevices(u))[1], keyPackage: undefined }]);
    });

    it('settings: set overwrites, setDefault only seeds', async (s) => {
      assert.equal(await s.settings.get('registration'), undefined);
      await s.settings.setDefault('registration', 'invite');
      await s.settings.setDefault('registration', 'open');
      assert.equal(await s.settings.get('registration'), 'invite');
      await s.settings.set('registration', 'closed');
      assert.equal(await s.settings.get('registration'), 'closed');
    });

    it('secrets: the first value put stays until deleted', async (s) => {
      assert.equal(await s.secrets.get('token-key'), undefined);
      assert.equal(await s.secrets.putIfAbsent('token-key', 'sealed-1', 1), 'sealed-1');
      assert.equal(await s.secrets.putIfAbsent('token-key', 'sealed-2', 2), 'sealed-1');
      assert.equal(await s.secrets.get('token-key'), 'sealed-1');
      await s.secrets.delete('token-key');
      assert.equal(await s.secrets.putIfAbsent('token-key', 'sealed-3', 3), 'sealed-3');
    });

    it('blobs: recorded once, summed per uploader, linked to messages, and deleted only without links', async (s) => {
      const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((x) => asBlobId(x.repeat(64)));
      const owner = await addUser(s, 'owner');
      const room = await addRoom(s, 'files', [owner]);
      assert.equal(await s.blobs.insert({ id: a!, uploaderId: owner, size: 3_000_000_000, createdAt: 10 }), true);
      assert.equal(await s.blobs.insert({ id: a!, uploaderId: 'someone-else', size: 1, createdAt: 11 }), false);
      await s.blobs.insert({ id: b!, uploaderId: owner, size: 20, createdAt: 10 });
      await s.blobs.insert({ id: c!, uploaderId: owner, size: 30, createdAt: 500 });
      assert.deepEqual(await s.blobs.find(a!), { id: a, uploaderId: owner, size: 3_000_000_000, createdAt: 10, announcedAt: null });
      assert.equal(await s.blobs.find(d!), undefined);
      assert.equal(await s.blobs.bytesUploadedBy(owner), 3_000_000_050);
      assert.equal(await s.blobs.bytesUploadedBy('nobody'), 0);
      assert.deepEqual((await s.blobs.uploadedBy(owner, [a!, d!])).sort(), [a]);
      assert.deepEqual(await s.blobs.uploadedBy('nobody', [a!]), []);

      await s.blobs.link([a!, d!], room, 7, 100);
      await s.blobs.link([a!], room, 7, 100); // a retry links nothing twice
      await s.blobs.link([a!], room, 9, 200);
      assert.deepEqual(await s.blobs.conversationsOf(a!), [room]);
      assert.deepEqual(await s.blobs.conversationsOf(b!), []);
      assert.equal((await s.blobs.find(a!))?.announcedAt, 100, 'announced at the first link');
      assert.equal(await s.blobs.find(d!), undefined, 'a link does not create a blob');

      // b: never announced, old; c: never announced, young; a: linked.
      assert.deepEqual(await s.blobs.deleteUnreferenced(300, 10), [b]);
      assert.equal(await s.blobs.find(b!), undefined);
      assert.equal(await s.blobs.deleteLinksBefore(150), 1);
      assert.deepEqual(await s.blobs.deleteUnreferenced(300, 10), [], 'a still has its later link');
      assert.equal(await s.blobs.deleteLinksBefore(250), 1);
      assert.deepEqual(await s.blobs.deleteUnreferenced(300, 10), [a], 'announced and no link left');
      assert.deepEqual(await s.blobs.deleteUnreferenced(1_000, 10), [c]);
      assert.equal(await s.blobs.bytesUploadedBy(owner), 0);
    });
  });
}

/** Puts a new device of `userId` in the conversation's group (creating the group at epoch 0). */
async function joinGroup(s: Stores, conversationId: string, userId: string): Promise<{ deviceId: string }> {
  const deviceId = await addDevice(s, userId);
  await s.groups.create(conversationId, { bytes: bytes('group-info-0'), wanted: false }, deviceId, 1);
  return { deviceId };
}

/** A Commit by `deviceId` made at `epoch` (GroupInfo `group-info-<epoch + 1>`). */
function commit(conversationId: string, userId: string, deviceId: string, epoch: number, change: { added?: string[]; removed?: string[]; welcome?: Uint8Array } = {}) {
  return {
    entry: entry(conversationId, userId, deviceId, `commit-${epoch}`, newId(), 'commit'),
    epoch,
    groupInfo: bytes(`group-info-${epoch + 1}`),
    groupInfoWanted: false,
    external: false,
    added: change.added ?? [],
    removed: change.removed ?? [],
    welcome: change.welcome,
  };
}
