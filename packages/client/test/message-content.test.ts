import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SQLITE_FILE } from '@conclave/server';
import type { ContentInput, ConversationId } from '@conclave/protocol';
import { isConclaveError, type ConclaveClient, type SecurityEvent } from '../src/index.js';
import { assertNoPlaintext, makeClient, roundTrip, startTestServer, waitFor } from './helpers/harness.js';

const login = (username: 'alice' | 'bob') => ({
  kind: 'login' as const,
  username,
  password: username === 'bob' ? 'bob-password-12' : 'alice-password-1',
});

type Client = ReturnType<typeof makeClient>;

/** Two logged-in users in #general, closed after the test. */
async function pair(t: { after: (fn: () => Promise<unknown>) => void }) {
  const env = await startTestServer();
  t.after(() => env.close());
  const alice = makeClient(env.server.wsUrl);
  const bob = makeClient(env.server.wsUrl);
  await alice.client.connect(login('alice'));
  await bob.client.connect(login('bob'));
  t.after(() => Promise.all([alice.client.close(), bob.client.close()]));
  const general = alice.client.findConversation('#general')?.conversationId;
  assert.ok(general);
  return { env, alice, bob, general };
}

/**
 * Sends any content as a hostile (or newer) client would, bypassing the
 * client's own checks: through its group engine, which encrypts what it is given.
 */
async function sendRaw(client: ConclaveClient, conversationId: ConversationId, content: ContentInput | Record<string, unknown>): Promise<number> {
  const engine = (client as unknown as { core: { mls: { engine: { send(id: ConversationId, msgId: string, c: unknown): Promise<{ seq: number }> } } } }).core.mls.engine;
  const { seq } = await engine.send(conversationId, `raw-${Math.random().toString(36).slice(2, 12)}`, content);
  return seq;
}

function securityLog(c: Client): SecurityEvent[] {
  const events: SecurityEvent[] = [];
  c.client.on('security', (e) => events.push(e));
  return events;
}

test('replies, reactions, edits and deletions reach the other member with their targets, and a deletion erases the text there', async (t) => {
  const { alice, bob, general } = await pair(t);
  const original = await alice.client.sendText(general, 'lunch at noon?');
  const reply = await bob.client.sendText(general, 'yes, where?', { replyTo: original.seq });
  await bob.client.react(general, original.seq, '👍');
  await alice.client.edit(general, original.seq, 'lunch at 12:30?');
  await waitFor(() => bob.messages.some((m) => m.kind === 'edit'), 'the edit reaches bob');
  const bobView = bob.messages.map((m) => ({ kind: m.kind, seq: m.seq, text: m.text, target: m.target, replyTo: m.replyTo, emoji: m.emoji }));
  assert.deepEqual(
    bobView.filter((m) => m.seq !== reply.seq && m.kind !== 'reaction'),
    [
      { kind: 'text', seq: original.seq, text: 'lunch at noon?', target: undefined, replyTo: undefined, emoji: undefined },
      { kind: 'edit', seq: original.seq + 3, text: 'lunch at 12:30?', target: original.seq, replyTo: undefined, emoji: undefined },
    ],
  );
  await waitFor(() => alice.messages.some((m) => m.kind === 'reaction') && alice.messages.some((m) => m.replyTo === original.seq), 'alice sees the reply and the reaction');
  const reaction = alice.messages.find((m) => m.kind === 'reaction');
  assert.equal(reaction?.target, original.seq);
  assert.equal(reaction?.emoji, '👍');
  assert.equal(reaction?.op, 'add');
  assert.equal(reaction?.sender.username, 'bob');

  await alice.client.deleteMessage(general, original.seq);
  await waitFor(() => bob.messages.some((m) => m.kind === 'delete'), 'the deletion reaches bob');
  await bob.client.settled();
  const kept = await bob.store.loadHistory(general, 50);
  const target = kept.find((e) => e.seq === original.seq);
  assert.equal(target?.deleted, true);
  assert.equal(target?.text, '');
  const edit = kept.find((e) => e.kind === 'edit');
  assert.equal(edit?.text, '', "the edit's text is erased with its message");
  assert.ok(!JSON.stringify([...bob.store.history.values()].map((m) => [...m.values()])).includes('lunch at'), "no copy of the deleted words stays in bob's store");
  // The sender's own store too.
  assert.ok(!JSON.stringify([...alice.store.history.values()].map((m) => [...m.values()])).includes('lunch at'));
});

test('an edit or deletion of someone else’s message is refused by the sender’s client and, forged, ignored by the receivers with a warning', async (t) => {
  const { alice, bob, general } = await pair(t);
  const aliceWarnings = securityLog(alice);
  const own = await alice.client.sendText(general, 'the meeting is on Monday');
  await waitFor(() => bob.messages.length === 1, 'bob has it');

  await assert.rejects(bob.client.edit(general, own.seq, 'the meeting is cancelled'), (err) => isConclaveError(err, 'CONCLAVE_ERR_NOT_YOURS'));
  await assert.rejects(bob.client.deleteMessage(general, own.seq), (err) => isConclaveError(err, 'CONCLAVE_ERR_NOT_YOURS'));

  // A hostile client skips that check: the ciphertext is valid MLS from bob, but bob did not write the target.
  await sendRaw(bob.client, general, { kind: 'edit', target: own.seq, text: 'the meeting is cancelled' });
  await sendRaw(bob.client, general, { kind: 'delete', target: own.seq });
  await waitFor(() => aliceWarnings.filter((w) => w.kind === 'forged-edit').length === 2, 'alice is warned twice');
  assert.match(aliceWarnings.find((w) => w.kind === 'forged-edit')?.text ?? '', /bob tried to edit a message by alice/);
  await roundTrip(alice.client);
  const kept = await alice.store.loadHistory(general, 50);
  assert.deepEqual(
    kept.map((e) => [e.seq, e.kind ?? 'text', e.text, e.deleted]),
    [[own.seq, 'text', 'the meeting is on Monday', undefined]],
    'the forged edit and deletion changed nothing and were not kept',
  );
  assert.ok(!alice.messages.some((m) => m.kind === 'edit' || m.kind === 'delete'), 'nothing was shown');
});

test('a content kind from a newer client arrives as an unsupported message, never dropped', async (t) => {
  const { alice, bob, general } = await pair(t);
  alice.client.setCurrent(null);
  await sendRaw(bob.client, general, { kind: 'poll', question: 'pizza?', options: ['yes', 'no'] });
  await bob.client.sendText(general, 'did you see my poll?');
  await waitFor(() => alice.messages.length === 2, 'both arrive');
  assert.equal(alice.messages[0]?.kind, 'unsupported');
  assert.equal(alice.messages[0]?.named, 'poll');
  assert.equal(alice.messages[0]?.sender.username, 'bob');
  assert.equal(alice.messages[1]?.text, 'did you see my poll?');
  assert.equal(alice.client.snapshot().conversations.find((c) => c.conversationId === general)?.unread, 2, 'it counts as a message');
});

test('typing is fanned out without being logged, leaves the group state untouched, and ends on stop', async (t) => {
  const { alice, bob, general } = await pair(t);
  await bob.client.setReadReceipts(false); // only the messages below are logged
  const hi = await alice.client.sendText(general, 'hi');
  await waitFor(() => bob.messages.length === 1, 'bob is following');
  const typing: string[][] = [];
  alice.client.on('typing', (c) => typing.push(c.usernames));
  bob.client.setTyping(general, true);
  await waitFor(() => alice.client.typingIn(general).includes('bob'), 'alice sees bob typing');
  bob.client.setTyping(general, true); // within TYPING_REPEAT_MS: not sent again
  bob.client.setTyping(general, false);
  await waitFor(() => alice.client.typingIn(general).length === 0, 'and stop');
  assert.deepEqual(typing, [['bob'], []]);
  // Nothing was logged: bob's next message is the next seq, and alice decrypts it (the typing message moved no ratchet of hers).
  const next = await bob.client.sendText(general, 'here I am');
  assert.equal(next.seq, hi.seq + 1);
  await waitFor(() => alice.messages.some((m) => m.text === 'here I am'), 'the next message decrypts');
  assert.ok(!alice.messages.some((m) => m.seq === 0));
});

test('read markers: reading sends one, it moves no unread count, and none is sent when turned off', async (t) => {
  const { alice, bob, general } = await pair(t);
  const first = await alice.client.sendText(general, 'are you there?');
  await waitFor(() => bob.messages.length === 1, 'bob has it');
  bob.client.setCurrent(general);
  await waitFor(() => alice.client.readMarkers(general).some((m) => m.username === 'bob' && m.upTo >= first.seq), 'alice sees bob read it', 5_000);
  assert.equal(alice.client.snapshot().conversations.find((c) => c.conversationId === general)?.unread, 0, 'a receipt is not a message');
  assert.ok(!alice.messages.some((m) => m.sender.username === 'bob'), 'nor shown as one');

  await bob.client.setReadReceipts(false);
  const second = await alice.client.sendText(general, 'hello?');
  await waitFor(() => bob.messages.length === 2, 'bob has the second');
  await new Promise((r) => setTimeout(r, 2_000)); // longer than RECEIPT_DELAY_MS
  await roundTrip(alice.client);
  assert.ok(alice.client.readMarkers(general).every((m) => m.username !== 'bob' || m.upTo < second.seq), 'no marker was sent');
  assert.equal(bob.client.readReceipts, false);
});

test('a topic is shown to every member and kept across a restart; mentions are counted for the user they name', async (t) => {
  const { env, alice, bob, general } = await pair(t);
  bob.client.setCurrent(null);
  await alice.client.setTopic(general, 'Films on Friday');
  await waitFor(() => bob.client.snapshot().conversations.find((c) => c.conversationId === general)?.topic === 'Films on Friday', 'bob sees the topic');
  const bobId = bob.client.snapshot().me?.userId;
  assert.ok(bobId);
  await alice.client.sendText(general, '@bob can you bring snacks?', { mentions: [bobId] });
  await alice.client.sendText(general, 'anyone else?');
  await waitFor(() => bob.messages.filter((m) => m.kind === 'text').length === 2, 'bob has both');
  const summary = bob.client.snapshot().conversations.find((c) => c.conversationId === general);
  assert.equal(summary?.unread, 2);
  assert.equal(summary?.mentions, 1);
  bob.client.setCurrent(general);
  assert.equal(bob.client.snapshot().conversations.find((c) => c.conversationId === general)?.mentions, 0, 'read: no mention left');

  await bob.client.close();
  const again = makeClient(env.server.wsUrl, { store: bob.store });
  await again.client.connect();
  t.after(() => again.client.close());
  assert.equal(again.client.snapshot().conversations.find((c) => c.conversationId === general)?.topic, 'Films on Friday');
});

test('search finds an old message on this device by a word, a prefix or a typo, and not once it is deleted', async (t) => {
  const { alice, bob, general } = await pair(t);
  const old = await alice.client.sendText(general, 'The quarterly report is in the shared folder');
  for (let i = 0; i < 5; i++) await alice.client.sendText(general, `chatter ${i}`);
  await waitFor(() => bob.messages.length === 6, 'bob has them');
  for (const query of ['quarterly', 'quarter', 'quartrely']) {
    const hits = await bob.client.search(query);
    assert.equal(hits[0]?.seq, old.seq, `"${query}" finds it`);
    assert.equal(hits[0]?.sender, 'alice');
  }
  await alice.client.deleteMessage(general, old.seq);
  await waitFor(() => bob.messages.some((m) => m.kind === 'delete'), 'deleted');
  await bob.client.settled();
  assert.deepEqual(await bob.client.search('quarterly'), []);
});

test('the server data directory holds none of the new contents in plaintext', async (t) => {
  const { env, alice, bob, general } = await pair(t);
  const secrets = ['reply about the eagle', 'edited: the eagle has landed', 'Topic: operation nightingale', '🦅'];
  const first = await alice.client.sendText(general, 'plain start');
  await bob.client.sendText(general, secrets[0]!, { replyTo: first.seq });
  await alice.client.edit(general, first.seq, secrets[1]!);
  await alice.client.setTopic(general, secrets[2]!);
  await bob.client.react(general, first.seq, secrets[3]!);
  bob.client.setTyping(general, true);
  await waitFor(() => alice.messages.some((m) => m.kind === 'reaction'), 'all delivered');
  await alice.client.close();
  await bob.client.close();
  await env.server.close();
  const files = await assertNoPlaintext(env.dataDir, secrets);
  assert.ok(files.some((f) => f.endsWith(SQLITE_FILE)), 'the database is among the scanned files');
});
