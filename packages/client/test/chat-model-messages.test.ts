import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConversationId } from '@conclave/protocol';
import { ChatModel, type Cue, type MessageItem, type PaneItem } from '../src/index.js';
import { makeClient, roundTrip, startTestServer, waitFor } from './helpers/harness.js';

const PASSWORDS = { alice: 'alice-password-1', bob: 'bob-password-12' } as const;

/** alice with a ChatModel on #general, and bob with a ChatModel of his own. */
async function setup(t: { after: (fn: () => Promise<unknown>) => void }) {
  const env = await startTestServer();
  const alice = makeClient(env.server.wsUrl);
  const bob = makeClient(env.server.wsUrl);
  // The models exist before the connect, as in the UIs: cues are raised once the history is caught up.
  const cues: Cue[] = [];
  const aliceModel = new ChatModel(alice.client, { cue: (c) => cues.push(c) });
  const bobModel = new ChatModel(bob.client);
  await alice.client.connect({ kind: 'login', username: 'alice', password: PASSWORDS.alice });
  await bob.client.connect({ kind: 'login', username: 'bob', password: PASSWORDS.bob });
  t.after(async () => {
    await alice.client.close();
    await bob.client.close();
    await env.close();
  });
  const general = alice.client.findConversation('#general')?.conversationId as ConversationId;
  aliceModel.select(general);
  bobModel.select(general);
  return { env, alice, bob, aliceModel, bobModel, general, cues };
}

const messages = (items: readonly PaneItem[]): MessageItem[] => items.filter((i): i is MessageItem => i.kind === 'message');
const byText = (model: ChatModel, text: string): MessageItem | undefined => messages(model.pane()).find((m) => m.text === text);

test('typed /reply, /react, /edit, /delete and /me fold into the message items on both sides', async (t) => {
  const { aliceModel, bobModel, bob } = await setup(t);
  await aliceModel.submit('who is in for pizza?');
  await waitFor(() => byText(bobModel, 'who is in for pizza?') !== undefined, 'bob has it');
  const question = byText(bobModel, 'who is in for pizza?') as MessageItem;

  await bobModel.submit(`/reply ${question.seq} me! @alice`);
  await bobModel.submit(`/react ${question.seq} :pizza:`);
  await bobModel.submit('/me waves');
  await waitFor(() => byText(aliceModel, 'me! @alice')?.replyTo?.text === 'who is in for pizza?', 'alice sees the reply with its quote');
  const reply = byText(aliceModel, 'me! @alice') as MessageItem;
  assert.deepEqual(reply.replyTo, { seq: question.seq, key: question.key, sender: 'alice', text: 'who is in for pizza?' });
  assert.equal(reply.mentionsMe, true, 'bob named alice with @: it mentions her');
  await waitFor(() => byText(aliceModel, 'who is in for pizza?')?.reactions !== undefined, 'the reaction is folded in');
  assert.deepEqual(byText(aliceModel, 'who is in for pizza?')?.reactions, [{ emoji: '🍕', users: ['bob'], mine: false }]);
  await waitFor(() => byText(aliceModel, 'waves')?.emote === true, 'the action');

  // alice reacts too, then takes it back; bob's reaction stays.
  await aliceModel.react(question.key, '🍕');
  await waitFor(() => byText(bobModel, 'who is in for pizza?')?.reactions?.[0]?.users.length === 2, 'two pizza fans');
  assert.equal(byText(aliceModel, 'who is in for pizza?')?.reactions?.[0]?.mine, true);
  await aliceModel.react(question.key, '🍕');
  await waitFor(() => byText(bobModel, 'who is in for pizza?')?.reactions?.[0]?.users.length === 1, 'alice took hers back');

  // ↑ in an empty composer: the last message of hers, then an edit through submit.
  assert.deepEqual(aliceModel.lastEditable(), { seq: question.seq, text: 'who is in for pizza?' });
  await aliceModel.submit('who is in for pizza tonight?', { edit: question.seq });
  await waitFor(() => messages(bobModel.pane()).some((m) => m.key === question.key && m.edited === true), 'bob sees the edit');
  assert.equal(messages(bobModel.pane()).find((m) => m.key === question.key)?.text, 'who is in for pizza tonight?');
  assert.equal(messages(bobModel.pane()).find((m) => m.key === reply.key)?.replyTo?.text, 'who is in for pizza tonight?', 'the quote follows the edit');

  // Someone else's message cannot be edited: one error line, nothing sent.
  await aliceModel.submit(`/edit ${reply.seq} hijacked`);
  assert.match(aliceModel.pane().at(-1)?.kind === 'system' ? (aliceModel.pane().at(-1) as { text: string }).text : '', /only edit your own messages/);

  // Deleting asks first, then erases it on both sides.
  await aliceModel.submit(`/delete ${question.seq}`);
  assert.match((aliceModel.pane().at(-1) as { text: string }).text, /Type \/delete \d+ yes/);
  assert.equal(messages(bobModel.pane()).find((m) => m.key === question.key)?.deleted, undefined, 'not yet');
  await aliceModel.submit(`/delete ${question.seq} yes`);
  await waitFor(() => messages(bobModel.pane()).find((m) => m.key === question.key)?.deleted === true, 'deleted for bob');
  const gone = messages(bobModel.pane()).find((m) => m.key === question.key);
  assert.equal(gone?.text, '');
  assert.equal(gone?.reactions, undefined);
  assert.equal(messages(bobModel.pane()).find((m) => m.key === reply.key)?.replyTo?.deleted, true);
  await roundTrip(bob.client);
});

test('the history folds the same way after a restart, and a muted conversation rings only for mentions', async (t) => {
  const { env, alice, aliceModel, bobModel, general, cues } = await setup(t);
  await bobModel.submit('first');
  await waitFor(() => byText(aliceModel, 'first') !== undefined, 'alice has it');
  const first = byText(aliceModel, 'first') as MessageItem;
  await aliceModel.submit(`/react ${first.seq} 👍`);
  await bobModel.submit(`/reply ${first.seq} second`);
  await bobModel.submit(`/edit ${first.seq} first (fixed)`);
  await waitFor(() => byText(aliceModel, 'first (fixed)')?.edited === true, 'edited');
  await waitFor(() => byText(aliceModel, 'second') !== undefined, 'the reply');

  await aliceModel.submit('/mute');
  aliceModel.select(null); // looking elsewhere: messages would ring
  const before = cues.length;
  await bobModel.submit('quiet please');
  await bobModel.submit('@alice but this one rings');
  await waitFor(() => messages(aliceModel.pane(general)).some((m) => m.text === '@alice but this one rings'), 'both arrived');
  assert.deepEqual(
    cues.slice(before).map((c) => c.sound),
    ['mention'],
    'only the mention rang in the muted room',
  );
  assert.equal(alice.client.snapshot().conversations.find((c) => c.conversationId === general)?.muted, true);

  await alice.client.close();
  const again = makeClient(env.server.wsUrl, { store: alice.store });
  await again.client.connect();
  t.after(() => again.client.close());
  const model = new ChatModel(again.client);
  await model.loadHistory();
  model.select(general);
  const restored = messages(model.pane());
  const fixed = restored.find((m) => m.text === 'first (fixed)');
  assert.equal(fixed?.edited, true);
  assert.deepEqual(fixed?.reactions, [{ emoji: '👍', users: ['alice'], mine: true }]);
  assert.equal(restored.find((m) => m.text === 'second')?.replyTo?.text, 'first (fixed)');
  assert.ok(!restored.some((m) => m.text === 'first'), 'the old text is not shown');
  assert.equal(again.client.isMuted(general), true, 'the mute is kept');
});
