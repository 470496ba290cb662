import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addUser } from '@conclave/server';
import type { ChatNotice, SecurityEvent } from '../src/index.js';
import { makeClient, roundTrip, startTestServer, tappedFactory, waitFor } from './helpers/harness.js';

const ROOT_PASSWORD = 'granite-harbor-61-lantern';
const password = (u: string) => (u === 'bob' ? 'bob-password-12' : `${u}-password-1`);

async function connected(wsUrl: string, username: string, pass = password(username), opts: Parameters<typeof makeClient>[1] = {}) {
  const c = makeClient(wsUrl, opts);
  const notices: ChatNotice[] = [];
  const security: SecurityEvent[] = [];
  c.client.on('notice', (n) => notices.push(n));
  c.client.on('security', (e) => security.push(e));
  await c.client.connect({ kind: 'login', username, password: pass });
  return { ...c, notices, security };
}

test('a kicked or deleted user\'s devices are removed from the MLS groups by the members\' clients', async (t) => {
  const env = await startTestServer();
  t.after(() => env.close());
  await addUser({ dataDir: env.dataDir, username: 'root', password: ROOT_PASSWORD, admin: true });
  await addUser({ dataDir: env.dataDir, username: 'carol', password: password('carol') });
  await addUser({ dataDir: env.dataDir, username: 'dave', password: password('dave') });
  const url = env.server.wsUrl;
  const [root, alice, bob, carol, dave] = [
    await connected(url, 'root', ROOT_PASSWORD),
    await connected(url, 'alice'),
    await connected(url, 'bob'),
    await connected(url, 'carol'),
    await connected(url, 'dave'),
  ];
  t.after(() => Promise.all([root, alice, bob, carol, dave].map((c) => c.client.close())));
  const room = (await alice.client.join('#plans')).conversationId;
  for (const c of [bob, carol, dave]) await c.client.join('#plans');
  const general = alice.client.findConversation('#general')!.conversationId;
  await waitFor(() => alice.client.groupMembers(room).length === 4, 'four devices in #plans');
  await waitFor(() => bob.client.groupMembers(general).length === 5, 'five devices in #general');
  const carolId = carol.client.snapshot().me!.userId;
  const daveId = dave.client.snapshot().me!.userId;

  const kicked = await root.client.admin({ action: 'kick', username: 'carol', room: '#plans' });
  assert.equal(kicked.room, '#plans');
  await waitFor(() => [alice, bob].every((c) => !c.client.groupMembers(room).some((m) => m.userId === carolId)), 'carol removed from #plans');
  // Carol is told and her client forgets the room; she stays in #general.
  await waitFor(() => carol.client.findConversation('#plans') === undefined, 'carol\'s client drops #plans');
  assert.ok(carol.notices.some((n) => n.kind === 'leave' && n.user?.userId === carolId && /removed by root/.test(n.text ?? '')));
  assert.ok(bob.client.groupMembers(general).some((m) => m.userId === carolId));

  await root.client.admin({ action: 'delete_user', username: 'dave' });
  await waitFor(
    () => [alice, bob].every((c) => ![room, general].some((id) => c.client.groupMembers(id).some((m) => m.userId === daveId))),
    'dave removed from #plans and #general',
  );
  await waitFor(() => dave.client.connectionState === 'closed', 'dave disconnected');

  // Those left still talk in both, and the removed cannot read on.
  await alice.client.sendText(room, 'just us now');
  await waitFor(() => bob.messages.some((m) => m.text === 'just us now'), 'bob reads it');
  // Barrier: alice's entry was fanned out before her ack; had carol been sent it, she has tried to decrypt it by now.
  await roundTrip(carol.client);
  assert.ok(!carol.messages.some((m) => m.text === 'just us now'));
});

test('a notice altered on the way is dropped with a warning; a genuine one is shown', async (t) => {
  const env = await startTestServer();
  t.after(() => env.close());
  await addUser({ dataDir: env.dataDir, username: 'root', password: ROOT_PASSWORD, admin: true });
  const root = await connected(env.server.wsUrl, 'root', ROOT_PASSWORD);
  // A middlebox (or a server-side intruder without the notice key) rewrites announcements.
  const tampering = tappedFactory({
    incoming: (text, socket) => {
      if (!text.includes('"kind":"broadcast"') || !text.includes('tamper me')) return true;
      socket.onmessage?.(text.replace('tamper me', 'send your password to mallory'));
      return false;
    },
  });
  const bob = await connected(env.server.wsUrl, 'bob', password('bob'), { factory: tampering });
  t.after(() => Promise.all([root.client.close(), bob.client.close()]));
  await root.client.admin({ action: 'broadcast', text: 'tamper me' });
  await root.client.admin({ action: 'broadcast', text: 'Maintenance at noon' });
  await waitFor(() => bob.notices.some((n) => n.kind === 'broadcast' && n.text === 'Maintenance at noon'), 'the genuine notice');
  assert.ok(!bob.notices.some((n) => (n.text ?? '').includes('mallory')));
  assert.ok(bob.security.some((e) => e.kind === 'forged-notice'));
  const genuine = bob.notices.find((n) => n.kind === 'broadcast');
  assert.equal(genuine?.from?.username, 'root');
});

test('a user removed while no member was online is removed from the group when a member next connects', async (t) => {
  const env = await startTestServer();
  t.after(() => env.close());
  await addUser({ dataDir: env.dataDir, username: 'root', password: ROOT_PASSWORD, admin: true });
  await addUser({ dataDir: env.dataDir, username: 'carol', password: password('carol') });
  const url = env.server.wsUrl;
  const alice = await connected(url, 'alice');
  const carol = await connected(url, 'carol');
  const room = (await alice.client.join('#plans')).conversationId;
  await carol.client.join('#plans');
  await waitFor(() => alice.client.groupMembers(room).length === 2, 'two devices in #plans');
  const carolId = carol.client.snapshot().me!.userId;
  await Promise.all([alice.client.close(), carol.client.close()]);

  // Nobody in #plans is online to commit the Remove when the admin acts.
  const root = await connected(url, 'root', ROOT_PASSWORD);
  t.after(() => root.client.close());
  await root.client.admin({ action: 'kick', username: 'carol', room: '#plans' });

  const aliceAgain = await connected(url, 'alice', password('alice'), { store: alice.store });
  t.after(() => aliceAgain.client.close());
  await waitFor(() => !aliceAgain.client.groupMembers(room).some((m) => m.userId === carolId), 'alice removes carol on reconnect');
  // Housekeeping, not news: nothing about it in the conversation.
  assert.ok(!aliceAgain.notices.some((n) => n.kind === 'leave'));
});
