import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createUsers, RawClient, startTestServer, text, type TestServer } from './helpers.js';

let server: TestServer;
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin'];

before(async () => {
  server = await startTestServer();
  await createUsers(server, ...USERS, 'mallory');
});
after(() => server.dispose());

function generalOf(session: { conversations: Array<{ name: string; conversationId: string }> }): string {
  const general = session.conversations.find((c) => c.name === '#general');
  assert.ok(general, '#general is in every session');
  return general.conversationId;
}

describe('delivery', () => {
  test('five users in #general: every message reaches every member once, in the same order', async () => {
    const logins = await Promise.all(USERS.map((u) => RawClient.login(server, u)));
    const general = generalOf(logins[0]!.session);
    for (const { client } of logins) assert.equal((await client.request({ type: 'sync', cursors: {} })).type, 'synced');
    const perUser = 8;
    await Promise.all(
      logins.map(async ({ client }, i) => {
        for (let n = 0; n < perUser; n++) {
          const ack = await client.send(general, `${USERS[i]} #${n}`);
          assert.equal(ack.type, 'sent');
        }
      }),
    );
    const total = USERS.length * perUser;
    const received = await Promise.all(logins.map(({ client }) => client.waitForMessages(general, total)));
    await new Promise((r) => setTimeout(r, 100));
    const reference = received[0]!.map((m) => `${m.seq}:${text(m)}`);
    assert.equal(new Set(reference).size, total, 'no duplicates');
    assert.deepEqual(
      received[0]!.map((m) => m.seq),
      Array.from({ length: total }, (_, i) => i + 1),
      'seqs are contiguous and in order',
    );
    for (const { client } of logins) {
      assert.deepEqual(client.messages(general).map((m) => `${m.seq}:${text(m)}`), reference);
    }
    // Each sender's own messages keep the order they were sent in.
    for (const u of USERS) {
      const mine = reference.filter((r) => r.includes(`${u} #`)).map((r) => r.split(':')[1]);
      assert.deepEqual(mine, Array.from({ length: perUser }, (_, n) => `${u} #${n}`));
    }
    for (const { client } of logins) client.close();
  });

  test('a DM reaches exactly its two users; a non-member can neither read nor send to it', async () => {
    const { client: alice } = await RawClient.login(server, 'alice');
    const { client: bob } = await RawClient.login(server, 'bob');
    const { client: mallory } = await RawClient.login(server, 'mallory');
    for (const c of [alice, bob, mallory]) await c.request({ type: 'sync', cursors: {} });

    const dm = await alice.request({ type: 'open_dm', username: 'BOB' });
    assert.equal(dm.type, 'conversation');
    if (dm.type !== 'conversation') return;
    assert.equal(dm.conversation.kind, 'dm');
    assert.equal(dm.conversation.name, 'bob');
    const dmId = dm.conversation.conversationId;
    const pushed = await bob.waitFor((f) => f.type === 'conversation' && f.conversation.conversationId === dmId);
    assert.equal(pushed.type === 'conversation' && pushed.conversation.name, 'alice');

    assert.equal((await alice.send(dmId, 'psst, bob')).type, 'sent');
    const [got] = await bob.waitForMessages(dmId, 1);
    assert.equal(text(got!), 'psst, bob');
    assert.equal(got!.sender.username, 'alice');

    const refused = await mallory.send(dmId, 'let me in');
    assert.equal(refused.type === 'error' && refused.code, 'CONCLAVE_ERR_NOT_MEMBER');
    const whoRefused = await mallory.request({ type: 'who', conversationId: dmId });
    assert.equal(whoRefused.type === 'error' && whoRefused.code, 'CONCLAVE_ERR_NOT_MEMBER');
    const resync = await mallory.request({ type: 'sync', cursors: { [dmId]: 0 } });
    assert.equal(resync.type, 'synced');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(mallory.messages(dmId).length, 0, 'mallory saw nothing of the DM');
    assert.ok(!mallory.frames.some((f) => f.type === 'conversation' && f.conversation.conversationId === dmId));
    assert.equal(bob.messages(dmId).length, 1, 'bob got the rejected message neither');
    for (const c of [alice, bob, mallory]) c.close();
  });

  test('a DM to a user who is offline arrives on their next login', async () => {
    const { client: carol } = await RawClient.login(server, 'carol');
    await carol.request({ type: 'sync', cursors: {} });
    const dm = await carol.request({ type: 'open_dm', username: 'dave' });
    assert.equal(dm.type, 'conversation');
    if (dm.type !== 'conversation') return;
    await carol.send(dm.conversation.conversationId, 'see this when you are back');
    carol.close();

    const { client: dave, session } = await RawClient.login(server, 'dave');
    assert.ok(session.conversations.some((c) => c.conversationId === dm.conversation.conversationId && c.name === 'carol'));
    await dave.request({ type: 'sync', cursors: {} });
    const [m] = await dave.waitForMessages(dm.conversation.conversationId, 1);
    assert.equal(text(m!), 'see this when you are back');
    dave.close();
  });

  test('a client that reconnects mid-stream with its cursor misses and repeats nothing', async () => {
    const { client: sender, session } = await RawClient.login(server, 'erin');
    const general = generalOf(session);
    await sender.request({ type: 'sync', cursors: {} });
    const first = await RawClient.login(server, 'bob');
    await first.client.request({ type: 'sync', cursors: {} });
    const before = first.client.messages(general).length;
    const base = first.session.conversations.find((c) => c.conversationId === general)!.seq;

    const burst = (from: number, to: number) =>
      (async () => {
        for (let i = from; i < to; i++) await sender.send(general, `stream ${i}`);
      })();
    await burst(0, 10);
    await first.client.waitForMessages(general, before + 10);
    // Drop mid-stream: the cursor is the last seq this connection saw.
    const cursor = Math.max(base, ...first.client.messages(general).map((m) => m.seq));
    first.client.ws.terminate();
    const sending = burst(10, 30);
    const second = await RawClient.login(server, 'bob');
    await second.client.request({ type: 'sync', cursors: { [general]: cursor } });
    await sending;
    await burst(30, 35);
    const all = [...first.client.messages(general), ...(await second.client.waitForMessages(general, 25))];
    await new Promise((r) => setTimeout(r, 150));
    const streamed = [...first.client.messages(general), ...second.client.messages(general)]
      .map((m) => text(m))
      .filter((t) => t.startsWith('stream '));
    assert.ok(all.length > 0);
    assert.deepEqual(streamed, Array.from({ length: 35 }, (_, i) => `stream ${i}`));
    sender.close();
    second.client.close();
  });

  test('a retried send with the same client message id is stored and delivered once', async () => {
    const { client: alice, session } = await RawClient.login(server, 'alice');
    const general = generalOf(session);
    await alice.request({ type: 'sync', cursors: {} });
    const a = await alice.send(general, 'only once', 'retry-key-0001');
    const b = await alice.send(general, 'only once', 'retry-key-0001');
    assert.equal(a.type, 'sent');
    assert.equal(b.type === 'sent' && a.type === 'sent' && b.seq, a.type === 'sent' && a.seq);
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(alice.messages(general).filter((m) => text(m) === 'only once').length, 1);
    alice.close();
  });

  test('rooms are created by joining, listed, left; joiners see messages from their join on', async () => {
    const { client: alice } = await RawClient.login(server, 'alice');
    const { client: bob } = await RawClient.login(server, 'bob');
    for (const c of [alice, bob]) await c.request({ type: 'sync', cursors: {} });
    const joined = await alice.request({ type: 'join', room: '#Book-Club' });
    assert.equal(joined.type, 'conversation');
    if (joined.type !== 'conversation') return;
    const room = joined.conversation.conversationId;
    await alice.send(room, 'before bob');
    const again = await bob.request({ type: 'join', room: '#book-club' });
    assert.equal(again.type === 'conversation' && again.conversation.conversationId, room, 'names are case-insensitive');
    await alice.waitFor((f) => f.type === 'notice' && f.kind === 'join' && f.user?.username === 'bob');
    await alice.send(room, 'after bob');
    const [m] = await bob.waitForMessages(room, 1);
    assert.equal(text(m!), 'after bob');

    const rooms = await bob.request({ type: 'rooms' });
    assert.ok(rooms.type === 'rooms' && rooms.rooms.some((r) => r.name === '#Book-Club' && r.members === 2 && r.joined));
    const who = await bob.request({ type: 'who', conversationId: room });
    assert.ok(who.type === 'who' && who.conversation?.members.map((x) => x.username).join(',') === 'alice,bob');

    assert.equal((await bob.request({ type: 'leave', conversationId: room })).type, 'ok');
    await alice.waitFor((f) => f.type === 'notice' && f.kind === 'leave' && f.user?.username === 'bob');
    const after = await bob.send(room, 'still here?');
    assert.equal(after.type === 'error' && after.code, 'CONCLAVE_ERR_NOT_MEMBER');
    const general = (await bob.request({ type: 'rooms' }));
    const generalId = general.type === 'rooms' ? general.rooms.find((r) => r.name === '#general')!.conversationId : '';
    const stay = await bob.request({ type: 'leave', conversationId: generalId });
    assert.equal(stay.type === 'error' && stay.code, 'CONCLAVE_ERR_CANNOT_LEAVE');
    const bad = await bob.request({ type: 'join', room: '#no spaces' });
    assert.equal(bad.type === 'error' && bad.code, 'CONCLAVE_ERR_ROOM_NAME_INVALID');
    alice.close();
    bob.close();
  });

  test('presence: /who lists online users, and logins and logouts are pushed as notices', async () => {
    const { client: carol } = await RawClient.login(server, 'carol');
    await carol.request({ type: 'sync', cursors: {} });
    const { client: erin } = await RawClient.login(server, 'erin');
    await carol.waitFor((f) => f.type === 'notice' && f.kind === 'login' && f.user?.username === 'erin');
    const who = await carol.request({ type: 'who' });
    assert.ok(who.type === 'who');
    assert.ok(who.type === 'who' && who.online.some((u) => u.username === 'erin' && u.devices === 1));
    erin.close();
    await carol.waitFor((f) => f.type === 'notice' && f.kind === 'logout' && f.user?.username === 'erin');
    carol.close();
  });
});
