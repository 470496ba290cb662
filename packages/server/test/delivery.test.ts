import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LIMITS } from '@conclave/protocol';
import { createUsers, newClientMsgId, RawClient, startTestServer, type TestServer } from './helpers.js';
import { MlsDevice } from './mls-fixture.js';

let server: TestServer;
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin'];
/** One MLS device per user, kept across tests (a login costs an Argon2 hash). */
const devices = new Map<string, MlsDevice>();

before(async () => {
  server = await startTestServer();
  await createUsers(server, ...USERS, 'mallory', 'pat', 'quinn');
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

let general = '';
/** Seq of the last Commit in #general: members read up to it before sending. */
let generalCommitSeq = 0;

describe('delivery', () => {
  test('five users in #general: every message reaches every member device once, in the same order, and decrypts', async () => {
    const all = await Promise.all(USERS.map(dev));
    const [alice, ...others] = all as [MlsDevice, ...MlsDevice[]];
    general = alice.conversationId('#general');
    const created = await alice.createGroup(general);
    assert.equal(created.type, 'committed', JSON.stringify(created));
    for (const d of others) {
      const joined = await d.joinExternal(general);
      assert.equal(joined.type, 'committed', JSON.stringify(joined));
      if (joined.type === 'committed') generalCommitSeq = joined.seq;
    }
    await Promise.all(all.map((d) => d.readUntil(general, generalCommitSeq)));
    assert.ok(all.every((d) => d.epoch(general) === USERS.length - 1), 'everyone at the epoch after the last join');

    const perUser = 8;
    await Promise.all(
      all.map(async (d) => {
        for (let n = 0; n < perUser; n++) {
          const ack = await d.send(general, `${d.username} #${n}`);
          assert.equal(ack.type, 'sent', JSON.stringify(ack));
        }
      }),
    );
    const total = USERS.length * perUser;
    const received = await Promise.all(all.map((d) => d.waitRead(general, total)));
    // Barrier: a duplicate still on its way to any device arrives before its pong.
    await Promise.all(all.map((d) => d.client.ping()));
    const reference = received[0]!.map((m) => `${m.seq}:${m.text}`);
    assert.equal(new Set(reference).size, total, 'no duplicates');
    const seqs = received[0]!.map((m) => m.seq);
    assert.deepEqual(seqs, Array.from({ length: total }, (_, i) => generalCommitSeq + 1 + i), 'seqs are contiguous and in order');
    for (const d of all) {
      assert.deepEqual((await d.read(general)).map((m) => `${m.seq}:${m.text}`), reference);
      const frames = d.client.messages(general).map((m) => m.seq);
      assert.equal(new Set(frames).size, frames.length, `${d.username} was sent each entry once`);
    }
    for (const u of USERS) {
      const mine = reference.filter((r) => r.includes(`${u} #`)).map((r) => r.split(':')[1]);
      assert.deepEqual(mine, Array.from({ length: perUser }, (_, n) => `${u} #${n}`), 'each sender keeps its order');
    }
    const kinds = new Set(alice.client.messages(general).map((m) => m.kind));
    assert.deepEqual([...kinds].sort(), ['application', 'commit'], 'entries are tagged by kind');
  });

  test('a DM reaches exactly its two users; a non-member can neither read nor send to it', async () => {
    const alice = await dev('alice');
    const bob = await dev('bob');
    const { client: mallory } = await RawClient.login(server, 'mallory');
    await mallory.request({ type: 'sync', cursors: {} });

    assert.equal((await bob.publish(2)).type, 'key_package_stock');
    const dm = await alice.client.request({ type: 'open_dm', username: 'BOB' });
    assert.ok(dm.type === 'conversation' && dm.conversation.kind === 'dm' && dm.conversation.name === 'bob');
    const dmId = dm.conversation.conversationId;
    const pushed = await bob.client.waitFor((f) => f.type === 'conversation' && f.conversation.conversationId === dmId);
    assert.equal(pushed.type === 'conversation' && pushed.conversation.name, 'alice');

    assert.equal((await alice.createGroup(dmId)).type, 'committed');
    const added = await alice.addUsers(dmId, [bob.userId]);
    assert.equal(added.type, 'committed', JSON.stringify(added));
    await bob.acceptWelcome(dmId);
    assert.equal((await alice.send(dmId, 'psst, bob')).type, 'sent');
    const [got] = await bob.waitRead(dmId, 1);
    assert.equal(got!.text, 'psst, bob');
    assert.equal(got!.username, 'alice');

    const refused = await mallory.sendBody(dmId, Buffer.from('let me in').toString('base64'));
    assert.equal(refused.type === 'error' && refused.code, 'CONCLAVE_ERR_NOT_MEMBER');
    for (const frame of [{ type: 'who', conversationId: dmId }, { type: 'group_info', conversationId: dmId }]) {
      const reply = await mallory.request(frame);
      assert.equal(reply.type === 'error' && reply.code, 'CONCLAVE_ERR_NOT_MEMBER', frame.type);
    }
    // Barrier: that `synced` came after anything the server sent mallory for the DM — alice's
    // Welcome and entries were fanned out before her replies, and a sync answers after its catch-ups.
    assert.equal((await mallory.request({ type: 'sync', cursors: { [dmId]: 0 } })).type, 'synced');
    assert.equal(mallory.messages(dmId).length, 0, 'mallory saw nothing of the DM');
    assert.ok(!mallory.frames.some((f) => f.type === 'conversation' && f.conversation.conversationId === dmId));
    assert.ok(!mallory.frames.some((f) => f.type === 'welcome'));
    mallory.close();
  });

  test('a DM to a user who is offline arrives on their next login: Welcome first, then the log after it', async () => {
    const carol = await dev('carol');
    const dave = await dev('dave');
    assert.equal((await dave.publish(2)).type, 'key_package_stock');
    dave.close();
    await dave.client.waitClosed();

    const dm = await carol.client.request({ type: 'open_dm', username: 'dave' });
    assert.ok(dm.type === 'conversation');
    const dmId = dm.conversation.conversationId;
    await carol.createGroup(dmId);
    const added = await carol.addUsers(dmId, [dave.userId]);
    assert.ok(added.type === 'committed', JSON.stringify(added));
    assert.equal((await carol.send(dmId, 'see this when you are back')).type, 'sent');

    await dave.connect();
    assert.ok(dave.session.conversations.some((c) => c.conversationId === dmId && c.name === 'carol'));
    await dave.sync();
    const welcome = await dave.acceptWelcome(dmId);
    assert.equal(welcome.seq, added.seq, 'the Welcome names the Commit that added the device');
    const [m] = await dave.waitRead(dmId, 1);
    assert.equal(m!.text, 'see this when you are back');
    const order = dave.client.frames.map((f) => f.type);
    assert.ok(order.indexOf('welcome') < order.indexOf('message'), 'the Welcome comes before the entries');
    assert.ok(dave.client.messages(dmId).every((f) => f.seq > added.seq), 'nothing from before the device joined');

    // The cursor passed the Welcome: the next sync does not resend it (the server deleted it).
    // `reconnect` waits for that sync's `synced`, which comes after any Welcome it sends.
    await dave.reconnect();
    assert.ok(!dave.client.frames.some((f) => f.type === 'welcome'));
  });

  test('a client that reconnects mid-stream with its cursor misses and repeats nothing', async () => {
    const erin = await dev('erin');
    const bob = await dev('bob');
    await Promise.all([erin.read(general), bob.read(general)]);
    const before = (await bob.read(general)).length;

    const burst = (from: number, to: number) =>
      (async () => {
        for (let i = from; i < to; i++) assert.equal((await erin.send(general, `stream ${i}`)).type, 'sent');
      })();
    await burst(0, 10);
    await bob.waitRead(general, before + 10);
    // Drop mid-stream: the cursor is the last seq this device processed.
    const cursor = bob.cursors[general]!;
    const sending = burst(10, 30);
    await bob.reconnect();
    await sending;
    await burst(30, 35);
    const got = await bob.waitRead(general, before + 35);
    await bob.client.ping();
    const streamed = got.map((m) => m.text).filter((t) => t.startsWith('stream '));
    assert.deepEqual(streamed, Array.from({ length: 35 }, (_, i) => `stream ${i}`));
    const resent = bob.client.messages(general).map((m) => m.seq);
    assert.ok(resent.every((s) => s > cursor), 'nothing at or below the cursor was resent');
    assert.equal(new Set(resent).size, resent.length, 'nothing was sent twice');
  });

  test('a retried send with the same client message id is stored and delivered once', async () => {
    const alice = await dev('alice');
    await alice.read(general);
    const clientMsgId = 'retry-key-0001';
    const body = await alice.encrypt(general, 'only once', clientMsgId);
    const a = await alice.client.sendBody(general, body, clientMsgId);
    const b = await alice.client.sendBody(general, body, clientMsgId);
    assert.ok(a.type === 'sent' && b.type === 'sent');
    assert.equal(b.seq, a.seq);
    await alice.client.ping();
    assert.equal(alice.client.messages(general).filter((m) => m.clientMsgId === clientMsgId).length, 1);
  });

  test('an ephemeral message reaches the online members once, unlogged, and is bounded in size and rate', async () => {
    const alice = await dev('alice');
    const bob = await dev('bob');
    await Promise.all([alice.read(general), bob.read(general)]);
    const lastSeq = Math.max(...alice.client.messages(general).map((m) => m.seq));
    const bobHad = (await bob.read(general)).length;
    const ephemeral = (body: string, from = alice) =>
      from.client.request({ type: 'send', conversationId: general, clientMsgId: newClientMsgId(), body, ephemeral: true });

    const ack = await ephemeral(await alice.encrypt(general, '{"v":1,"kind":"typing","state":"start"}'));
    assert.equal(ack.type, 'sent', JSON.stringify(ack));
    assert.ok(ack.type === 'sent' && ack.seq === 0, 'an ephemeral message has no place in the log');
    const pushed = await bob.client.waitFor((f) => f.type === 'message' && f.ephemeral === true);
    assert.ok(pushed.type === 'message' && pushed.seq === 0 && pushed.conversationId === general && pushed.sender.username === 'alice');
    await alice.client.ping();
    assert.ok(!alice.client.frames.some((f) => f.type === 'message' && f.ephemeral === true), 'not echoed to its sender');

    const big = Buffer.alloc(LIMITS.maxEphemeralBytes + 1, 1).toString('base64');
    const tooBig = await ephemeral(big);
    assert.ok(tooBig.type === 'error' && tooBig.code === 'CONCLAVE_ERR_BODY_TOO_LARGE', JSON.stringify(tooBig));
    const garbage = await ephemeral(Buffer.from('not an MLS message').toString('base64'));
    assert.ok(garbage.type === 'error' && garbage.code === 'CONCLAVE_ERR_MLS_INVALID', JSON.stringify(garbage));

    // The burst was partly used above (one accepted, two refused); the rest of it, then a refusal.
    const codes: string[] = [];
    for (let i = 0; i < LIMITS.ephemeralBurst + 2; i++) {
      const reply = await ephemeral(await alice.encrypt(general, '{"v":1,"kind":"typing","state":"start"}'));
      codes.push(reply.type === 'error' ? reply.code : reply.type);
    }
    assert.ok(codes.includes('CONCLAVE_ERR_RATE_LIMITED'), codes.join());
    assert.ok(codes.indexOf('CONCLAVE_ERR_RATE_LIMITED') >= LIMITS.ephemeralBurst - 3, `the burst is allowed first: ${codes.join()}`);
    // A logged message from alice still decrypts at bob: the ephemeral ones only moved alice's sender ratchet.
    const logged = await alice.send(general, 'after typing');
    assert.ok(logged.type === 'sent' && logged.seq === lastSeq + 1, 'nothing was logged in between');
    const read = await bob.waitRead(general, bobHad + 1);
    assert.equal(read.at(-1)?.text, 'after typing');
  });

  test('rooms are created by joining, listed, left; joiners are sent entries from their external join on', async () => {
    const alice = await dev('alice');
    const bob = await dev('bob');
    const joined = await alice.client.request({ type: 'join', room: '#Book-Club' });
    assert.ok(joined.type === 'conversation');
    const room = joined.conversation.conversationId;
    const noGroup = await alice.client.request({ type: 'group_info', conversationId: room });
    assert.ok(noGroup.type === 'group_info' && noGroup.group === undefined, 'a new room has no group');
    assert.equal((await alice.createGroup(room)).type, 'committed');
    assert.equal((await alice.send(room, 'before bob')).type, 'sent');

    const again = await bob.client.request({ type: 'join', room: '#book-club' });
    assert.equal(again.type === 'conversation' && again.conversation.conversationId, room, 'names are case-insensitive');
    await alice.client.waitFor((f) => f.type === 'notice' && f.kind === 'join' && f.user?.username === 'bob');
    const bobJoin = await bob.joinExternal(room);
    assert.ok(bobJoin.type === 'committed' && bobJoin.epoch === 1, JSON.stringify(bobJoin));
    await alice.readUntil(room, bobJoin.seq);
    assert.equal((await alice.send(room, 'after bob')).type, 'sent');
    const [m] = await bob.waitRead(room, 1);
    assert.equal(m!.text, 'after bob');
    assert.ok(bob.client.messages(room).every((f) => f.seq > bobJoin.seq), 'bob got nothing from before his join');

    const rooms = await bob.client.request({ type: 'rooms' });
    assert.ok(rooms.type === 'rooms' && rooms.rooms.some((r) => r.name === '#Book-Club' && r.members === 2 && r.joined));
    const who = await bob.client.request({ type: 'who', conversationId: room });
    assert.ok(who.type === 'who' && who.conversation?.members.map((x) => x.username).join(',') === 'alice,bob');

    assert.equal((await bob.client.request({ type: 'leave', conversationId: room })).type, 'ok');
    await alice.client.waitFor((f) => f.type === 'notice' && f.kind === 'leave' && f.user?.username === 'bob');
    const afterLeave = await bob.send(room, 'still here?');
    assert.equal(afterLeave.type === 'error' && afterLeave.code, 'CONCLAVE_ERR_NOT_MEMBER');
    const stay = await bob.client.request({ type: 'leave', conversationId: general });
    assert.equal(stay.type === 'error' && stay.code, 'CONCLAVE_ERR_CANNOT_LEAVE');
    const bad = await bob.client.request({ type: 'join', room: '#no spaces' });
    assert.equal(bad.type === 'error' && bad.code, 'CONCLAVE_ERR_ROOM_NAME_INVALID');
  });

  // Logouts and their grace period: presence.test.ts.
  test('presence: /who lists online users, and logins are pushed as notices', async () => {
    const { client: pat } = await RawClient.login(server, 'pat');
    await pat.request({ type: 'sync', cursors: {} });
    const { client: quinn } = await RawClient.login(server, 'quinn');
    await pat.waitFor((f) => f.type === 'notice' && f.kind === 'login' && f.user?.username === 'quinn');
    const who = await pat.request({ type: 'who' });
    assert.ok(who.type === 'who' && who.online.some((u) => u.username === 'quinn' && u.devices === 1));
    quinn.close();
    pat.close();
  });
});
