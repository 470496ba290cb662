import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeServerFrame } from '@conclave/protocol';
import { isConclaveError, type ConversationSummary } from '../src/index.js';
import { makeClient, roundTrip, startTestServer, tappedFactory, waitFor } from './helpers/harness.js';

const login = (username: string) => ({ kind: 'login' as const, username, password: `${username}-password-${username === 'bob' ? '12' : '1'}` });

function general(conversations: readonly ConversationSummary[]) {
  const room = conversations.find((c) => c.name === '#general');
  assert.ok(room, '#general is listed');
  return room.conversationId;
}

function frameType(text: string): string | undefined {
  const decoded = decodeServerFrame(text);
  return decoded.ok ? decoded.frame.type : undefined;
}

test('a connection cut mid-stream reconnects and neither misses nor repeats a message', async (t) => {
  const env = await startTestServer();
  t.after(() => env.close());
  let cutAfter = 25;
  let seen = 0;
  const factory = tappedFactory({
    incoming: (text, socket) => {
      if (frameType(text) !== 'message' || cutAfter === 0) return true;
      if (++seen === cutAfter) {
        cutAfter = 0;
        socket.cut(); // the network dies right after this frame
      }
      return true;
    },
  });
  const alice = makeClient(env.server.wsUrl, { factory });
  const bob = makeClient(env.server.wsUrl);
  const states: string[] = [];
  alice.client.on('connection', (c) => states.push(c.state));
  await alice.client.connect(login('alice'));
  await bob.client.connect(login('bob'));
  t.after(() => Promise.all([alice.client.close(), bob.client.close()]));
  const room = general(bob.client.snapshot().conversations);

  const total = 60;
  await Promise.all(Array.from({ length: total }, (_, i) => bob.client.sendText(room, `message ${i + 1}`)));
  await waitFor(() => alice.messages.length >= total && alice.client.connectionState === 'ready', 'alice to catch up');
  await roundTrip(alice.client); // anything doubled is in by now

  assert.ok(states.includes('reconnecting'), 'the cut was noticed');
  assert.ok(factory.opened >= 2, 'a second socket was opened');
  const seqs = alice.messages.filter((m) => m.conversationId === room).map((m) => m.seq);
  assert.ok(seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]!), 'in log order');
  assert.deepEqual(
    alice.messages.map((m) => m.text),
    Array.from({ length: total }, (_, i) => `message ${i + 1}`),
  );
});

test('a restarted client resumes from its stored cursors without the password', async (t) => {
  const env = await startTestServer();
  t.after(() => env.close());
  const bob = makeClient(env.server.wsUrl);
  await bob.client.connect(login('bob'));
  t.after(() => bob.client.close());
  const room = general(bob.client.snapshot().conversations);

  const first = makeClient(env.server.wsUrl);
  await first.client.connect(login('alice'));
  for (let i = 1; i <= 5; i++) await bob.client.sendText(room, `before ${i}`);
  await waitFor(() => first.messages.length === 5, 'the first five');
  await first.client.close();

  for (let i = 1; i <= 3; i++) await bob.client.sendText(room, `while away ${i}`);
  const second = makeClient(env.server.wsUrl, { store: first.store });
  await second.client.connect(); // no credentials: the stored token
  t.after(() => second.client.close());
  assert.deepEqual(
    second.messages.map((m) => m.text),
    ['while away 1', 'while away 2', 'while away 3'],
  );
});

test('a message whose ack was lost is resent once and stored once', async (t) => {
  const env = await startTestServer();
  t.after(() => env.close());
  let dropAck = true;
  const factory = tappedFactory({
    incoming: (text, socket) => {
      const type = frameType(text);
      if (dropAck && (type === 'sent' || type === 'message')) {
        dropAck = false;
        socket.cut(); // stored by the server, but neither the ack nor the echo arrives
        return false;
      }
      return true;
    },
  });
  const alice = makeClient(env.server.wsUrl, { factory });
  const bob = makeClient(env.server.wsUrl);
  await alice.client.connect(login('alice'));
  await bob.client.connect(login('bob'));
  t.after(() => Promise.all([alice.client.close(), bob.client.close()]));
  const room = general(alice.client.snapshot().conversations);

  const receipt = await alice.client.sendText(room, 'exactly once please');
  assert.ok(receipt.seq > 0);
  assert.equal(alice.client.pendingCount, 0);
  assert.ok(factory.opened >= 2, 'it was resent on a new socket');
  await bob.client.sendText(room, 'after');
  await waitFor(() => bob.messages.some((m) => m.text === 'after'), 'bob sees the next message');
  assert.deepEqual(
    bob.messages.map((m) => [m.seq === receipt.seq, m.text]),
    [
      [true, 'exactly once please'],
      [false, 'after'],
    ],
  );
});

test('a message lost before reaching the server is delivered after reconnecting', async (t) => {
  const env = await startTestServer();
  t.after(() => env.close());
  let dropSend = true;
  const factory = tappedFactory({
    outgoing: (text, socket) => {
      if (dropSend && text.includes('"type":"send"')) {
        dropSend = false;
        socket.cut();
        return false;
      }
      return true;
    },
  });
  const alice = makeClient(env.server.wsUrl, { factory });
  const bob = makeClient(env.server.wsUrl);
  await alice.client.connect(login('alice'));
  await bob.client.connect(login('bob'));
  t.after(() => Promise.all([alice.client.close(), bob.client.close()]));
  const room = general(alice.client.snapshot().conversations);
  await alice.client.sendText(room, 'lost then found');
  await waitFor(() => bob.messages.length === 1, 'bob receives it');
  assert.deepEqual(bob.messages.map((m) => m.text), ['lost then found']);
});

test('a wrong password fails with a typed error and no retry', async (t) => {
  const env = await startTestServer();
  t.after(() => env.close());
  const factory = tappedFactory();
  const alice = makeClient(env.server.wsUrl, { factory });
  await assert.rejects(alice.client.connect({ kind: 'login', username: 'alice', password: 'not-her-password' }), (err: unknown) => {
    assert.ok(isConclaveError(err, 'CONCLAVE_ERR_BAD_CREDENTIALS'));
    return true;
  });
  assert.equal(alice.client.connectionState, 'closed');
  assert.equal(factory.opened, 1);
});

test('a refused token is forgotten so the UI can ask for the password', async (t) => {
  const env = await startTestServer();
  t.after(() => env.close());
  const first = makeClient(env.server.wsUrl);
  await first.client.connect(login('alice'));
  await first.client.logout();
  assert.equal(first.store.session, null);
  first.store.session = { token: 'x'.repeat(43), deviceId: first.store.deviceId!, userId: 'u' as never, username: 'alice', expiresAt: 0 };
  const second = makeClient(env.server.wsUrl, { store: first.store });
  await assert.rejects(second.client.connect(), (err: unknown) => isConclaveError(err, 'CONCLAVE_ERR_SESSION_INVALID'));
  assert.equal(first.store.session, null);
});

test('join, DM to an offline user, who and rooms work through the core', async (t) => {
  const env = await startTestServer();
  t.after(() => env.close());
  // bob's device has been online once (it published KeyPackages), and is offline now.
  const bobStore = makeClient(env.server.wsUrl);
  await bobStore.client.connect(login('bob'));
  await bobStore.client.close();
  const alice = makeClient(env.server.wsUrl);
  await alice.client.connect(login('alice'));
  t.after(() => alice.client.close());
  const room = await alice.client.join('#random');
  assert.equal(room.name, '#random');
  assert.ok(alice.client.findConversation('#random'));
  const dm = await alice.client.openDm('bob');
  await alice.client.sendText(dm.conversationId, 'see this when you are back');
  const who = await alice.client.who();
  assert.deepEqual(who.online.map((u) => u.username), ['alice']);
  const rooms = await alice.client.rooms();
  assert.ok(rooms.some((r) => r.name === '#random' && r.joined));

  const bob = makeClient(env.server.wsUrl, { store: bobStore.store });
  await bob.client.connect();
  t.after(() => bob.client.close());
  assert.deepEqual(bob.messages.map((m) => [m.sender.username, m.text, m.conversation?.kind]), [['alice', 'see this when you are back', 'dm']]);
  const unread = bob.client.snapshot().conversations.find((c) => c.kind === 'dm');
  assert.equal(unread?.unread, 1);
});
