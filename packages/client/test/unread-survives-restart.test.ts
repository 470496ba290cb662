import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConversationId } from '@conclave/protocol';
import type { ConclaveClient } from '../src/index.js';
import { makeClient, startTestServer, waitFor } from './helpers/harness.js';

const login = (username: 'alice' | 'bob') => ({
  kind: 'login' as const,
  username,
  password: username === 'alice' ? 'alice-password-1' : 'bob-password-12',
});

function unread(client: ConclaveClient, id: ConversationId): number | undefined {
  return client.snapshot().conversations.find((c) => c.conversationId === id)?.unread;
}

test('unread counts, read positions and the open conversation survive closing and recreating the client', async (t) => {
  const env = await startTestServer();
  t.after(() => env.close());
  const bob = makeClient(env.server.wsUrl);
  await bob.client.connect(login('bob'));
  t.after(() => bob.client.close());
  const general = bob.client.findConversation('#general')!.conversationId;

  const first = makeClient(env.server.wsUrl);
  await first.client.connect(login('alice'));
  const random = (await first.client.join('#random')).conversationId;
  await bob.client.join('#random');
  first.client.setCurrent(random);

  await bob.client.sendText(general, 'one');
  await bob.client.sendText(general, 'two');
  const inRandom = await bob.client.sendText(random, 'seen at once');
  await waitFor(() => first.messages.length === 3, 'alice to receive three messages');
  assert.equal(unread(first.client, general), 2);
  assert.equal(unread(first.client, random), 0, 'the open conversation is read as messages arrive');
  assert.equal(first.client.readPosition(random), inRandom.seq);
  await first.client.close();

  const whileAway = await bob.client.sendText(general, 'three, while alice is away');
  const second = makeClient(env.server.wsUrl, { store: first.store });
  await second.client.connect();
  assert.equal(second.client.snapshot().current, random, 'the open conversation is restored');
  assert.deepEqual(second.messages.map((m) => m.text), ['three, while alice is away']);
  assert.equal(unread(second.client, general), 3, 'two from the local history, one that arrived');
  assert.equal(unread(second.client, random), 0);

  second.client.markRead(general, whileAway.seq - 1);
  assert.equal(unread(second.client, general), 1, 'only the message after the read position');
  second.client.setCurrent(general);
  assert.equal(unread(second.client, general), 0, 'opening a conversation reads it to its latest message');
  assert.equal(second.client.readPosition(general), whileAway.seq);
  await second.client.close();

  const third = makeClient(env.server.wsUrl, { store: first.store });
  await third.client.connect();
  t.after(() => third.client.close());
  assert.equal(third.client.snapshot().current, general);
  assert.equal(unread(third.client, general), 0);
  assert.equal(unread(third.client, random), 0);
  assert.equal(third.client.readPosition(general), whileAway.seq);
});

test('a conversation that is no longer listed is not restored as the open one', async (t) => {
  const env = await startTestServer();
  t.after(() => env.close());
  const first = makeClient(env.server.wsUrl);
  await first.client.connect(login('alice'));
  const random = (await first.client.join('#random')).conversationId;
  first.client.setCurrent(random);
  await first.client.leave(random);
  first.client.setCurrent(random); // a stale id, as a UI might still hold
  await first.client.close();

  const second = makeClient(env.server.wsUrl, { store: first.store });
  await second.client.connect();
  t.after(() => second.client.close());
  const general = second.client.findConversation('#general')!.conversationId;
  assert.equal(second.client.snapshot().current, general);
});
