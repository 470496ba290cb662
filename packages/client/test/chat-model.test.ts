import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { addUser } from '@conclave/server';
import { encodeContent, type ConversationId } from '@conclave/protocol';
import { ChatModel, type PaneItem } from '../src/index.js';
import { makeClient, startTestServer, tappedFactory, waitFor, type TappedSocket } from './helpers/harness.js';

const PASSWORDS = { alice: 'alice-password-1', bob: 'bob-password-12', carol: 'carol-password-3' } as const;
type Name = keyof typeof PASSWORDS;

async function connected(wsUrl: string, username: Name, factory = tappedFactory()) {
  const c = makeClient(wsUrl, { factory });
  await c.client.connect({ kind: 'login', username, password: PASSWORDS[username] });
  return c;
}

/** Texts of the messages a client received in the conversation it has with `peer` (a DM) or in `#room`. */
function textsIn(c: Awaited<ReturnType<typeof connected>>, nameOrPeer: string): string[] {
  const conv = c.client.findConversation(nameOrPeer);
  if (conv === undefined) return [];
  return c.messages.filter((m) => m.conversationId === conv.conversationId).map((m) => m.text);
}

const messageTexts = (items: readonly PaneItem[]): string[] => items.flatMap((i) => (i.kind === 'message' ? [i.text] : []));

test('a text typed right after /msg goes to that DM, never to the conversation that was on screen', async (t) => {
  const env = await startTestServer();
  await addUser({ dataDir: env.dataDir, username: 'carol', password: PASSWORDS.carol });
  const alice = await connected(env.server.wsUrl, 'alice');
  const bob = await connected(env.server.wsUrl, 'bob');
  const carol = await connected(env.server.wsUrl, 'carol');
  t.after(async () => {
    for (const c of [alice, bob, carol]) await c.client.close();
    await env.close();
  });
  const model = new ChatModel(alice.client);
  model.select(alice.client.findConversation('#general')?.conversationId ?? null);

  // No awaits between the lines: each is typed before the previous one is done, as a fast typist would.
  const expected = { bob: [] as string[], carol: [] as string[], general: [] as string[] };
  const done: Array<Promise<void>> = [];
  for (let i = 0; i < 6; i++) {
    const peer = i % 2 === 0 ? 'bob' : 'carol';
    done.push(model.submit(`/msg ${peer}`));
    assert.equal(model.current, null, 'the view switched at once, before the DM exists');
    assert.equal(model.opening?.label ?? `@${peer}`, `@${peer}`);
    done.push(model.submit(`to ${peer} #${i}`));
    expected[peer].push(`to ${peer} #${i}`);
    if (i % 3 === 2) {
      done.push(model.submit('/join #general'), model.submit(`to general #${i}`));
      expected.general.push(`to general #${i}`);
    }
  }
  await Promise.all(done);

  await waitFor(() => textsIn(bob, 'alice').length >= expected.bob.length && textsIn(carol, 'alice').length >= expected.carol.length, 'DMs delivered');
  await waitFor(() => textsIn(carol, '#general').length >= expected.general.length, '#general delivered');
  // A round trip on each reader's connection, then the absence of strays is proven.
  await Promise.all([bob.client.who(), carol.client.who()]);
  await Promise.all([bob.client.settled(), carol.client.settled()]);
  assert.deepEqual(textsIn(bob, 'alice'), expected.bob, 'bob got exactly the texts meant for him, in order');
  assert.deepEqual(textsIn(carol, 'alice'), expected.carol, 'carol got exactly the texts meant for her, in order');
  assert.deepEqual(textsIn(carol, '#general'), expected.general, '#general got only what was typed there');
  assert.deepEqual(textsIn(bob, '#general'), expected.general);
  // The sender's own panes agree, and nothing is left pending.
  const dmWith = (peer: string) => alice.client.findConversation(peer)?.conversationId as ConversationId;
  assert.deepEqual(messageTexts(model.pane(dmWith('bob'))), expected.bob);
  assert.deepEqual(messageTexts(model.pane(dmWith('carol'))), expected.carol);
  for (const id of [dmWith('bob'), dmWith('carol')]) {
    assert.ok(model.pane(id).every((i) => i.kind !== 'message' || i.status === undefined), 'every text was acknowledged');
  }
});

test('a text over the size limit is refused with how much too long it is, and nothing is sent', async (t) => {
  const env = await startTestServer();
  const alice = await connected(env.server.wsUrl, 'alice');
  t.after(async () => {
    await alice.client.close();
    await env.close();
  });
  const model = new ChatModel(alice.client);
  const general = alice.client.findConversation('#general')?.conversationId ?? null;
  model.select(general);
  const limit = alice.client.maxBodyBytes;
  const text = 'x'.repeat(limit); // the JSON envelope {"v":1,"kind":"text","text":…} makes it 31 bytes too long
  const over = encodeContent({ kind: 'text', text: '' }).length;
  assert.equal(over, 31);
  const problem = model.check(text);
  assert.match(problem ?? '', /^Too long by 31 characters/);
  assert.equal(model.check('short'), null);
  assert.equal(model.measure('x'.repeat(limit - 20)).nearLimit, true);
  assert.equal(model.measure('hello').nearLimit, false);
  assert.equal(model.measure(text).charsLeft, -31);

  await model.submit(text);
  const items = model.pane();
  assert.equal(messageTexts(items).length, 0, 'nothing was sent or shown as a message');
  assert.match(items.at(-1)?.kind === 'system' ? items.at(-1)!.text : '', /Too long by 31 characters/);
});

test('a text typed while offline shows as pending, then as sent once the connection is back', async (t) => {
  const env = await startTestServer();
  const sockets: TappedSocket[] = [];
  let offline = false;
  const factory = tappedFactory({
    // While "offline" nothing reaches the server, as on a dead network.
    outgoing: (_text, socket) => {
      if (!sockets.includes(socket)) sockets.push(socket);
      return !offline;
    },
  });
  const alice = await connected(env.server.wsUrl, 'alice', factory);
  const bob = await connected(env.server.wsUrl, 'bob');
  t.after(async () => {
    await alice.client.close();
    await bob.client.close();
    await env.close();
  });
  const model = new ChatModel(alice.client);
  const general = alice.client.findConversation('#general')?.conversationId ?? null;
  model.select(general);
  offline = true;
  for (const s of sockets) s.cut();
  await waitFor(() => alice.client.connectionState !== 'ready', 'alice noticed the cut');

  const sent = model.submit('typed while offline');
  const pending = model.pane().filter((i) => i.kind === 'message');
  assert.equal(pending.length, 1);
  assert.equal(pending[0]?.kind === 'message' && pending[0].status, 'pending', 'shown at once, as pending');

  // A line typed after it is not held up by it: the queue moves on once the text is in the outbox.
  await model.submit('/help');
  assert.notEqual(alice.client.connectionState, 'ready', 'still offline');
  assert.ok(model.pane().some((i) => i.kind === 'system' && i.text.includes('/msg USER')), '/help answered while offline');

  offline = false;
  await sent;
  const after = model.pane().filter((i) => i.kind === 'message');
  assert.equal(after.length, 1, 'shown once');
  assert.equal(after[0]?.kind === 'message' ? after[0].status : 'missing', undefined, 'no longer pending');
  await waitFor(() => textsIn(bob, '#general').includes('typed while offline'), 'bob got it');
});

/**
 * Alice on a server (`options` as the harness's), in #films after `/join`; then bob connects.
 * Returns alice's client and model and the two conversations.
 */
async function aliceInFilmsThenBob(t: TestContext, options: Parameters<typeof startTestServer>[0] = {}) {
  const env = await startTestServer(options);
  const alice = await connected(env.server.wsUrl, 'alice');
  t.after(async () => {
    await alice.client.close();
    await env.close();
  });
  const model = new ChatModel(alice.client);
  await model.submit('/join #films');
  const films = alice.client.findConversation('#films')?.conversationId;
  const general = alice.client.findConversation('#general')?.conversationId;
  assert.ok(films !== undefined && general !== undefined);
  assert.equal(model.current, films, '/join switched to the room');
  const bob = await connected(env.server.wsUrl, 'bob');
  t.after(() => bob.client.close());
  return { alice, model, films, general };
}

test('presence lines show where that person is a member, not in whatever conversation is open', async (t) => {
  const { alice, model, films, general } = await aliceInFilmsThenBob(t);
  const loggedIn = (id: ConversationId) => model.pane(id).some((i) => i.kind === 'notice' && i.text === 'bob logged in');
  await waitFor(() => loggedIn(general), 'the login line in #general');
  await alice.client.who(); // a round trip: any stray line would be here by now
  assert.equal(loggedIn(films), false, 'bob is not a member of #films: no line there');
});

test('a presence summary (a burst of logins) is one line in #general, and the online list is asked for again', async (t) => {
  // Every login summed up (no notice one by one) within 300 ms windows.
  const { alice, model, films, general } = await aliceInFilmsThenBob(t, { presenceBurst: 0, presenceBurstWindowMs: 300 });
  const summed = (id: ConversationId) => model.pane(id).filter((i) => i.kind === 'notice' && i.notice === 'presence').map((i) => (i.kind === 'notice' ? i.text : ''));
  // "bob logged in", or "alice and bob logged in" when both came within one window.
  await waitFor(() => summed(general).some((text) => /\bbob logged in$/.test(text)), 'the summary line in #general');
  await waitFor(() => alice.client.snapshot().online.some((u) => u.username === 'bob'), 'bob listed online (from who)');
  await alice.client.who(); // a round trip: any stray line would be here by now
  assert.deepEqual(summed(films), [], 'only in #general');
});

test('opening a conversation marks where its unread messages start, and the mark stays while the user is there', async (t) => {
  const env = await startTestServer();
  const alice = await connected(env.server.wsUrl, 'alice');
  const bob = await connected(env.server.wsUrl, 'bob');
  t.after(async () => {
    await alice.client.close();
    await bob.client.close();
    await env.close();
  });
  const model = new ChatModel(alice.client);
  const general = alice.client.findConversation('#general')?.conversationId as ConversationId;
  model.select(general);
  await bob.client.sendText(general, 'seen while there');
  await waitFor(() => messageTexts(model.pane(general)).includes('seen while there'), 'the first message');
  await model.submit('/msg bob');
  const dm = model.current;
  assert.ok(dm !== null && dm !== general, 'in the DM now');
  for (const text of ['unread one', 'unread two']) await bob.client.sendText(general, text);
  await waitFor(() => alice.client.snapshot().conversations.find((c) => c.conversationId === general)?.unread === 2, 'two unread');
  assert.equal(model.unreadMarker(general), null, 'no mark before the user opens it');

  model.select(general);
  const markKey = model.unreadMarker(general);
  const marked = model.pane(general).find((i) => i.key === markKey);
  assert.equal(marked?.kind === 'message' && marked.text, 'unread one', 'the mark is on the first unread message');
  assert.equal(alice.client.snapshot().conversations.find((c) => c.conversationId === general)?.unread, 0, 'opening it read it');
  await bob.client.sendText(general, 'arrived while there');
  await waitFor(() => messageTexts(model.pane(general)).includes('arrived while there'), 'the live message');
  assert.equal(model.unreadMarker(general), markKey, 'the mark stays put');
  model.select(dm);
  assert.equal(model.unreadMarker(general), null, 'leaving clears it');
});
