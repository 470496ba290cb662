import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeClient, startTestServer, waitFor } from './helpers/harness.js';

const login = (username: 'alice' | 'bob') => ({
  kind: 'login' as const,
  username,
  password: username === 'alice' ? 'alice-password-1' : 'bob-password-12',
});

test('snapshot().verified lists a user once their devices are verified, and drops them when a new device appears', async (t) => {
  const env = await startTestServer();
  t.after(() => env.close());
  const bob = makeClient(env.server.wsUrl);
  await bob.client.connect(login('bob'));
  t.after(() => bob.client.close());
  const alice = makeClient(env.server.wsUrl);
  await alice.client.connect(login('alice'));
  t.after(() => alice.client.close());
  const bobId = bob.client.snapshot().me!.userId;
  assert.deepEqual(alice.client.snapshot().verified, [], 'pinned on first contact, not verified');

  const number = await alice.client.verification!.safetyNumber('bob');
  await alice.client.verification!.confirm(number); // what `/verify bob yes` does after the user compared
  assert.deepEqual(alice.client.snapshot().verified, [bobId]);

  // bob signs in on a second device: it joins #general, alice pins it unverified.
  const bobPhone = makeClient(env.server.wsUrl);
  await bobPhone.client.connect(login('bob'));
  t.after(() => bobPhone.client.close());
  await waitFor(() => alice.client.snapshot().verified.length === 0, 'bob to lose the verified mark');
});
