import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeServerFrame } from '@conclave/protocol';
import { makeClient, startTestServer, tappedFactory, waitFor } from './helpers/harness.js';

const login = (username: 'alice' | 'bob') => ({
  kind: 'login' as const,
  username,
  password: username === 'alice' ? 'alice-password-1' : 'bob-password-12',
});

test('a message frame lost on a live connection is recovered by a gap resync, without reconnecting', async (t) => {
  const env = await startTestServer();
  t.after(() => env.close());
  let swallowNext = false;
  const syncs: number[] = [];
  const factory = tappedFactory({
    incoming: (text) => {
      const decoded = decodeServerFrame(text);
      if (swallowNext && decoded.ok && decoded.frame.type === 'message' && decoded.frame.kind === 'application') {
        swallowNext = false;
        return false; // lost on the way; the socket stays up
      }
      return true;
    },
    outgoing: (text) => {
      if (text.includes('"type":"sync"')) syncs.push(Date.now());
      return true;
    },
  });
  const alice = makeClient(env.server.wsUrl, { factory });
  const bob = makeClient(env.server.wsUrl);
  await alice.client.connect(login('alice'));
  await bob.client.connect(login('bob'));
  t.after(() => Promise.all([alice.client.close(), bob.client.close()]));
  const general = bob.client.findConversation('#general')!.conversationId;
  const syncsAtReady = syncs.length;

  swallowNext = true;
  await bob.client.sendText(general, 'lost on the way');
  await bob.client.sendText(general, 'shows the gap');
  await waitFor(() => alice.messages.length === 2, 'alice to have both messages');
  assert.deepEqual(alice.messages.map((m) => m.text), ['lost on the way', 'shows the gap']);
  assert.equal(factory.opened, 1, 'no reconnect was needed');
  assert.ok(syncs.length > syncsAtReady, 'the gap triggered a sync on the same connection');
});
