import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { addUser, SQLITE_FILE } from '@conclave/server';
import { asDeviceId, encodeContent, type ConversationId } from '@conclave/protocol';
import { mls, type SecurityEvent } from '../src/index.js';
import { assertNoPlaintext, makeClient, startTestServer, waitFor } from './helpers/harness.js';

const login = (username: string, password = `${username}-password-${username === 'bob' ? '12' : '1'}`) => ({
  kind: 'login' as const,
  username,
  password,
});

type Client = ReturnType<typeof makeClient>;

function securityLog(c: Client): SecurityEvent[] {
  const events: SecurityEvent[] = [];
  c.client.on('security', (e) => events.push(e));
  return events;
}

function roomOf(c: Client, name: string): ConversationId {
  const room = c.client.findConversation(name);
  assert.ok(room, `${name} is listed`);
  return room.conversationId;
}

function db(dataDir: string): Database.Database {
  const handle = new Database(join(dataDir, SQLITE_FILE));
  handle.pragma('busy_timeout = 5000');
  return handle;
}

/** Appends a raw log entry as a malicious (or broken) server would. */
function injectEntry(dataDir: string, conversationId: string, from: { userId: string; deviceId: string }, body: Uint8Array): void {
  const handle = db(dataDir);
  try {
    handle.transaction(() => {
      handle.prepare('UPDATE conversations SET last_seq = last_seq + 1 WHERE id = ?').run(conversationId);
      const { last_seq } = handle.prepare('SELECT last_seq FROM conversations WHERE id = ?').get(conversationId) as { last_seq: number };
      handle
        .prepare(
          "INSERT INTO messages (conversation_id, seq, sender_user_id, sender_device_id, client_msg_id, body, sent_at, kind) VALUES (?, ?, ?, ?, ?, ?, ?, 'application')",
        )
        .run(conversationId, last_seq, from.userId, from.deviceId, `injected-${last_seq}-xxxx`, Buffer.from(body), Date.now());
    })();
  } finally {
    handle.close();
  }
}

test('the server data directory holds no plaintext after a room and a DM conversation', async (t) => {
  const env = await startTestServer();
  t.after(() => env.close());
  const alice = makeClient(env.server.wsUrl);
  const bob = makeClient(env.server.wsUrl);
  await alice.client.connect(login('alice'));
  await bob.client.connect(login('bob'));
  t.after(() => Promise.all([alice.client.close(), bob.client.close()]));
  const general = roomOf(alice, '#general');
  const secrets = ['the eagle lands at midnight', 'Grüße aus dem Geheimraum — ünïcødé', 'my pin is 4711-0815'];
  await alice.client.sendText(general, secrets[0]!);
  const dm = await bob.client.openDm('alice');
  await bob.client.sendText(dm.conversationId, secrets[1]!);
  await alice.client.sendText(dm.conversationId, secrets[2]!);
  await waitFor(() => bob.messages.length >= 2 && alice.messages.length >= 3, 'everything delivered');
  assert.deepEqual(
    alice.messages.map((m) => m.text),
    secrets,
    'the members read it all',
  );
  await alice.client.close();
  await bob.client.close();
  await env.server.close(); // also flushes the WAL into the files we scan

  const files = await assertNoPlaintext(env.dataDir, secrets);
  assert.ok(files.some((f) => f.endsWith(SQLITE_FILE)), 'the database is among the scanned files');
});

test('a tampered ciphertext and a replayed one are rejected with a visible error', async (t) => {
  const env = await startTestServer();
  t.after(() => env.close());
  const alice = makeClient(env.server.wsUrl);
  const bob = makeClient(env.server.wsUrl);
  await alice.client.connect(login('alice'));
  await bob.client.connect(login('bob'));
  const general = roomOf(alice, '#general');
  await alice.client.sendText(general, 'first, intact');
  await waitFor(() => bob.messages.length === 1, 'bob reads the first');
  await bob.client.close();

  const tampered = await alice.client.sendText(general, 'second, to be tampered with');
  await alice.client.sendText(general, 'third, intact');
  const handle = db(env.dataDir);
  const row = handle.prepare('SELECT body FROM messages WHERE conversation_id = ? AND seq = ?').get(general, tampered.seq) as { body: Buffer };
  const flipped = Buffer.from(row.body);
  flipped[flipped.length - 5]! ^= 0x01;
  handle.prepare('UPDATE messages SET body = ? WHERE conversation_id = ? AND seq = ?').run(flipped, general, tampered.seq);
  const first = handle.prepare("SELECT body, sender_user_id, sender_device_id FROM messages WHERE conversation_id = ? AND kind = 'application' ORDER BY seq LIMIT 1").get(general) as {
    body: Buffer;
    sender_user_id: string;
    sender_device_id: string;
  };
  handle.close();
  injectEntry(env.dataDir, general, { userId: first.sender_user_id, deviceId: first.sender_device_id }, first.body);

  const bobAgain = makeClient(env.server.wsUrl, { store: bob.store });
  const warnings = securityLog(bobAgain);
  await bobAgain.client.connect();
  t.after(() => Promise.all([alice.client.close(), bobAgain.client.close()]));
  await waitFor(() => warnings.filter((w) => w.kind === 'undecryptable').length >= 2, 'two rejections');
  assert.deepEqual(bobAgain.messages.map((m) => m.text), ['third, intact']);
  assert.ok(warnings.every((w) => w.conversationId === general && w.text.length > 0));
});

test('a removed member cannot read later messages nor send any that members accept', async (t) => {
  const env = await startTestServer();
  t.after(() => env.close());
  await addUser({ dataDir: env.dataDir, username: 'carol', password: 'carol-password-1' });
  const alice = makeClient(env.server.wsUrl);
  const bob = makeClient(env.server.wsUrl);
  const carol = makeClient(env.server.wsUrl);
  await alice.client.connect(login('alice'));
  await bob.client.connect(login('bob'));
  await carol.client.connect(login('carol'));
  t.after(() => Promise.all([alice.client.close(), bob.client.close(), carol.client.close()]));
  const room = (await alice.client.join('#plans')).conversationId;
  await bob.client.join('#plans');
  await carol.client.join('#plans');
  await waitFor(() => alice.client.groupMembers(room).length === 3, 'three members');
  const carolDevice = carol.client.snapshot().deviceId!;
  const carolUser = carol.client.snapshot().me!.userId;
  const carolRecord = await carol.store.loadRecord(`group/${room}`);
  assert.ok(carolRecord, 'carol has the group state');

  await carol.client.leave(room);
  await waitFor(
    () => [alice, bob].every((c) => !c.client.groupMembers(room).some((m) => m.userId === carolUser)),
    'the others commit the Remove of carol',
  );
  await assert.rejects(carol.client.sendText(room, 'let me back in'), 'the server refuses a departed member');

  const later = await alice.client.sendText(room, 'after carol left');
  await waitFor(() => bob.messages.some((m) => m.text === 'after carol left'), 'bob reads it');
  // carol's last state cannot open what was sent after her removal...
  const stored = JSON.parse(new TextDecoder().decode(carolRecord)) as { state: string };
  const carolState = mls.decodeState(Buffer.from(stored.state, 'base64'));
  const handle = db(env.dataDir);
  const row = handle.prepare('SELECT body FROM messages WHERE conversation_id = ? AND seq = ?').get(room, later.seq) as { body: Buffer };
  handle.close();
  await assert.rejects(mls.processEntry(carolState, new Uint8Array(row.body)));
  // ...and a message she encrypts with it, slipped into the log by the server, is refused by the members.
  const forged = await mls.encryptMessage(carolState, encodeContent({ kind: 'text', text: 'carol was never removed' }));
  await bob.client.close();
  injectEntry(env.dataDir, room, { userId: carolUser, deviceId: carolDevice }, forged.message);
  const bobAgain = makeClient(env.server.wsUrl, { store: bob.store });
  const warnings = securityLog(bobAgain);
  await bobAgain.client.connect();
  t.after(() => bobAgain.client.close());
  await waitFor(() => warnings.some((w) => w.kind === 'undecryptable'), 'bob rejects the forgery');
  assert.ok(!bobAgain.messages.some((m) => m.text.includes('never removed')));
});

test('concurrent joins race for the same epoch: all succeed, no fork, no message lost', async (t) => {
  const env = await startTestServer();
  t.after(() => env.close());
  for (const name of ['carol', 'dave']) await addUser({ dataDir: env.dataDir, username: name, password: `${name}-password-1` });
  const [alice, bob, carol, dave] = [0, 1, 2, 3].map(() => makeClient(env.server.wsUrl)) as [Client, Client, Client, Client];
  await alice.client.connect(login('alice'));
  const room = (await alice.client.join('#race')).conversationId;
  await Promise.all([bob, carol, dave].map((c, i) => c.client.connect(login(['bob', 'carol', 'dave'][i]!))));
  t.after(() => Promise.all([alice, bob, carol, dave].map((c) => c.client.close())));
  // Three external commits at once, while alice keeps talking.
  const talking = (async () => {
    for (let i = 0; i < 5; i++) await alice.client.sendText(room, `during ${i}`);
  })();
  await Promise.all([bob, carol, dave].map((c) => c.client.join('#race')));
  await talking;
  await waitFor(() => [alice, bob, carol, dave].every((c) => c.client.groupMembers(room).length === 4), 'everyone sees four members');
  for (const [i, c] of [alice, bob, carol, dave].entries()) await c.client.sendText(room, `after from ${i}`);
  const after = ['after from 0', 'after from 1', 'after from 2', 'after from 3'];
  await waitFor(
    () => [alice, bob, carol, dave].every((c) => after.every((text) => c.messages.some((m) => m.text === text))),
    'every member reads every later message',
  );
  const aliceSaw = alice.messages.filter((m) => m.conversationId === room).map((m) => m.text);
  assert.deepEqual(aliceSaw.slice(0, 5), ['during 0', 'during 1', 'during 2', 'during 3', 'during 4']);
});

test('a second device joins, reads new messages, and is announced to the others', async (t) => {
  const env = await startTestServer();
  t.after(() => env.close());
  const alice = makeClient(env.server.wsUrl);
  const bob = makeClient(env.server.wsUrl);
  const bobWarnings = securityLog(bob);
  await alice.client.connect(login('alice'));
  await bob.client.connect(login('bob'));
  const general = roomOf(alice, '#general');
  await alice.client.sendText(general, 'before the laptop');
  const laptop = makeClient(env.server.wsUrl);
  await laptop.client.connect(login('alice'));
  t.after(() => Promise.all([alice.client.close(), bob.client.close(), laptop.client.close()]));
  assert.notEqual(laptop.client.snapshot().deviceId, alice.client.snapshot().deviceId);
  await bob.client.sendText(general, 'hello both of you');
  await waitFor(() => laptop.messages.some((m) => m.text === 'hello both of you'), 'the laptop reads new messages');
  assert.ok(!laptop.messages.some((m) => m.text === 'before the laptop'), 'history before joining stays unreadable');
  await waitFor(() => bobWarnings.some((w) => w.kind === 'new-device' && w.username === 'alice'), 'bob is told');
});

test('a device the server slips into the directory shows up as a new, unverified device', async (t) => {
  const env = await startTestServer();
  t.after(() => env.close());
  const alice = makeClient(env.server.wsUrl);
  const bob = makeClient(env.server.wsUrl);
  await bob.client.connect(login('bob'));
  await alice.client.connect(login('alice'));
  t.after(() => Promise.all([alice.client.close(), bob.client.close()]));
  const warnings = securityLog(alice);
  const bobUser = bob.client.snapshot().me!.userId;

  // The malicious server: a device row and a KeyPackage for it, made with keys it holds.
  const fakeDevice = asDeviceId('planted-device-0001');
  const keys = await mls.generateSignatureKeyPair();
  const kp = await mls.generateKeyPackage({ userId: bobUser, deviceId: fakeDevice }, keys);
  const handle = db(env.dataDir);
  handle
    .prepare('INSERT INTO devices (id, user_id, name, created_at, last_seen_at, signature_key) VALUES (?, ?, ?, ?, ?, ?)')
    .run(fakeDevice, bobUser, 'totally bob', Date.now(), Date.now(), Buffer.from(keys.publicKey).toString('base64'));
  handle
    .prepare('INSERT INTO key_packages (id, device_id, last_resort, key_package, created_at) VALUES (?, ?, 0, ?, ?)')
    .run('planted-kp', fakeDevice, Buffer.from(mls.encodeKeyPackage(kp.publicPackage)), Date.now());
  handle.close();

  const dm = await alice.client.openDm('bob');
  await waitFor(() => alice.client.groupMembers(dm.conversationId).some((m) => m.deviceId === fakeDevice), 'the planted device is in the DM');
  await waitFor(() => warnings.some((w) => w.deviceId === fakeDevice), 'alice is warned');
  const warning = warnings.find((w) => w.deviceId === fakeDevice)!;
  assert.equal(warning.username, 'bob');
  assert.ok(['new-device', 'first-contact'].includes(warning.kind));
  const listed = await alice.client.verification!.devices('bob');
  const planted = listed.devices.find((d) => d.deviceId === fakeDevice);
  assert.ok(planted, '/devices bob lists it');
  assert.equal(planted.verified, false);
});

test('the safety number is the same on both sides and changes with a new device key', async (t) => {
  const env = await startTestServer();
  t.after(() => env.close());
  const alice = makeClient(env.server.wsUrl);
  const bob = makeClient(env.server.wsUrl);
  await alice.client.connect(login('alice'));
  await bob.client.connect(login('bob'));
  t.after(() => Promise.all([alice.client.close(), bob.client.close()]));
  const fromAlice = await alice.client.verification!.safetyNumber('bob');
  const fromBob = await bob.client.verification!.safetyNumber('alice');
  assert.match(fromAlice.number, /^(\d{5} ){11}\d{5}$/);
  assert.equal(fromAlice.number, fromBob.number);
  await alice.client.verification!.confirm(fromAlice);
  assert.ok((await alice.client.verification!.devices('bob')).devices.every((d) => d.verified));

  const phone = makeClient(env.server.wsUrl);
  await phone.client.connect(login('bob'));
  t.after(() => phone.client.close());
  const changed = await alice.client.verification!.safetyNumber('bob');
  assert.notEqual(changed.number, fromAlice.number);
  const devices = await alice.client.verification!.devices('bob');
  assert.ok(devices.devices.some((d) => !d.verified), 'the new device is not verified');
});

test('a member cannot make a message appear as sent by another', async (t) => {
  const env = await startTestServer();
  t.after(() => env.close());
  await addUser({ dataDir: env.dataDir, username: 'mallory', password: 'mallory-password-1' });
  const alice = makeClient(env.server.wsUrl);
  const bob = makeClient(env.server.wsUrl);
  const mallory = makeClient(env.server.wsUrl);
  await alice.client.connect(login('alice'));
  await mallory.client.connect(login('mallory'));
  await bob.client.connect(login('bob'));
  const general = roomOf(bob, '#general');
  const aliceId = alice.client.snapshot().me!;
  await bob.client.close();
  const sent = await mallory.client.sendText(general, 'alice: I owe mallory 100 euros');
  // The server (or a member that controls it) relabels the entry as alice's.
  const handle = db(env.dataDir);
  handle
    .prepare('UPDATE messages SET sender_user_id = ?, sender_device_id = ? WHERE conversation_id = ? AND seq = ?')
    .run(aliceId.userId, alice.client.snapshot().deviceId, general, sent.seq);
  handle.close();
  const bobAgain = makeClient(env.server.wsUrl, { store: bob.store });
  await bobAgain.client.connect();
  t.after(() => Promise.all([alice.client.close(), mallory.client.close(), bobAgain.client.close()]));
  const shown = bobAgain.messages.find((m) => m.seq === sent.seq);
  assert.ok(shown, 'bob reads it');
  assert.equal(shown.sender.username, 'mallory', 'attributed to the MLS-authenticated sender');
  assert.equal(shown.sender.userId, mallory.client.snapshot().me!.userId);
});
