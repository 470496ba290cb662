import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, copyFile, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asConversationId, asDeviceId, asUserId } from '@conclave/protocol';
import type { HistoryEntry, StoredSession } from '@conclave/client';
import { FileStore, savedUsers, userDir } from '../src/profile.js';

const PASSWORD = 'correct horse battery staple';
const TOKEN = 'tok_5f1c0ffee5ecret7oken0fAlice0123456789';
const MARKER = 'RECORD-MARKER-signature-private-key-7d41';
const TEXT = 'the secret plan is at midnight by the old mill';
const GENERAL = asConversationId('c_general_room_0123456789');
const DM = asConversationId('c_dm_bob');

async function tempProfile(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'conclave-profile-test-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  return userDir(join(root, 'profile'), '127.0.0.1:8443', 'Alice');
}

function session(token = TOKEN): StoredSession {
  return { token, deviceId: asDeviceId('d_1'), userId: asUserId('u_alice'), username: 'Alice', expiresAt: 1_900_000_000_000 };
}

function entry(conversationId: typeof GENERAL, seq: number, text = `message ${seq}`): HistoryEntry {
  return {
    conversationId,
    seq,
    sender: { userId: asUserId('u_bob'), username: 'bob', deviceId: asDeviceId('d_9') },
    sentAt: 1_800_000_000_000 + seq,
    text,
    clientMsgId: `m${seq}`,
    mine: false,
  };
}

/** Every file under `dir`, recursively, as path → contents. */
async function allFiles(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) {
      const path = join(e.parentPath, e.name);
      files.set(path, await readFile(path));
    }
  }
  return files;
}

/** The forms a secret could leak in: UTF-8, UTF-16LE, and base64 of the UTF-8 at each of the three byte alignments. */
function leakForms(secret: string): Buffer[] {
  const utf8 = Buffer.from(secret, 'utf8');
  const forms = [utf8, Buffer.from(secret, 'utf16le')];
  for (let pad = 0; pad < 3; pad++) {
    const b64 = Buffer.concat([Buffer.alloc(pad), utf8]).toString('base64');
    forms.push(Buffer.from(b64.slice(4, -4), 'latin1')); // the middle, independent of the neighbours
  }
  assert.ok(forms.every((f) => f.length >= 16), 'secrets long enough not to match by chance');
  return forms;
}

/** Flips one bit in the middle of `path`. */
async function flipByte(path: string, at?: number): Promise<void> {
  const bytes = await readFile(path);
  const i = at ?? Math.floor(bytes.length / 2);
  bytes[i] = bytes[i]! ^ 0x01;
  await writeFile(path, bytes);
}

test('session, device id, cursors, records and history round-trip through the encrypted profile', async (t) => {
  const dir = await tempProfile(t);
  const store = await FileStore.open(dir, PASSWORD, { username: 'Alice' });
  assert.equal(store.created, true);
  assert.equal(await store.loadSession(), null);
  assert.deepEqual(await store.loadCursors(), {});
  assert.equal(await store.loadRecord('device'), null);
  assert.deepEqual(await store.loadHistory(GENERAL, 10), []);

  await store.saveSession(session());
  await store.saveCursors({ [GENERAL]: 7, [DM]: 2 });
  await store.saveRecord('device', Buffer.from('signature key'));
  await store.saveRecord('group/c_general_room_0123456789', Uint8Array.of(0, 1, 2, 255));
  await store.saveRecord('group/c_dm_bob', Uint8Array.of(9));
  await store.saveRecord('kp/Ab-1_z', new Uint8Array(0));
  await store.saveRecord('group/c_dm_bob', Uint8Array.of(10, 11)); // replaces
  await store.appendHistory([entry(GENERAL, 1), entry(GENERAL, 3), entry(DM, 1, 'dm one')]);
  await store.appendHistory([entry(GENERAL, 2), entry(GENERAL, 3, 'a repeat of seq 3'), entry(GENERAL, 4)]);
  await assert.rejects(store.saveRecord('../escape', Uint8Array.of(1)), TypeError);
  await assert.rejects(store.loadRecord('a//b'), TypeError);

  const again = await FileStore.open(dir, PASSWORD);
  assert.equal(again.created, false);
  assert.deepEqual(await again.loadSession(), session());
  assert.equal(await again.loadDeviceId(), 'd_1');
  assert.deepEqual(await again.loadCursors(), { [GENERAL]: 7, [DM]: 2 });
  assert.deepEqual(await again.loadRecord('device'), new Uint8Array(Buffer.from('signature key')));
  assert.deepEqual(await again.loadRecord('group/c_general_room_0123456789'), Uint8Array.of(0, 1, 2, 255));
  assert.deepEqual(await again.loadRecord('group/c_dm_bob'), Uint8Array.of(10, 11));
  assert.deepEqual(await again.loadRecord('kp/Ab-1_z'), new Uint8Array(0));
  assert.equal(await again.loadRecord('kp/ab-1_z'), null, 'keys are case-sensitive');
  assert.deepEqual(await again.listRecords('group/'), ['group/c_dm_bob', 'group/c_general_room_0123456789']);
  assert.deepEqual(await again.listRecords(''), ['device', 'group/c_dm_bob', 'group/c_general_room_0123456789', 'kp/Ab-1_z']);

  const general = await again.loadHistory(GENERAL, 10);
  assert.deepEqual(
    general.map((e) => [e.seq, e.text]),
    [
      [1, 'message 1'],
      [2, 'message 2'],
      [3, 'message 3'], // the first written wins
      [4, 'message 4'],
    ],
  );
  assert.deepEqual(general[0], entry(GENERAL, 1));
  assert.deepEqual((await again.loadHistory(GENERAL, 2)).map((e) => e.seq), [3, 4], 'the last `limit`, oldest first');
  assert.deepEqual((await again.loadHistory(DM, 10)).map((e) => e.text), ['dm one']);
  assert.deepEqual(await again.loadHistory(GENERAL, 0), []);

  await again.saveRecord('group/c_general_room_0123456789', null);
  await again.saveRecord('group/c_general_room_0123456789', null); // deleting a missing record is fine
  assert.equal(await again.loadRecord('group/c_general_room_0123456789'), null);
  assert.deepEqual(await again.listRecords('group/'), ['group/c_dm_bob']);
  await again.saveSession(null);
  assert.equal(await again.loadSession(), null);
  assert.equal(await again.loadDeviceId(), 'd_1', 'the device id outlives the session');

  assert.equal((await stat(dir)).mode & 0o777, 0o700);
  for (const path of (await allFiles(dir)).keys()) assert.equal((await stat(path)).mode & 0o777, 0o600, path);
  assert.deepEqual(await savedUsers(join(dir, '..', '..', '..'), '127.0.0.1:8443'), ['Alice'], 'listed without the password');
});

test('a wrong password is refused clearly and changes nothing', async (t) => {
  const dir = await tempProfile(t);
  const store = await FileStore.open(dir, PASSWORD);
  await store.saveSession(session());
  await store.appendHistory([entry(GENERAL, 1)]);
  const before = await allFiles(dir);

  await assert.rejects(FileStore.open(dir, 'Correct horse battery staple'), { name: 'CliError', message: 'wrong password for this profile' });
  assert.deepEqual(await allFiles(dir), before);
  assert.deepEqual(await (await FileStore.open(dir, PASSWORD)).loadSession(), session());
});

test('a stolen profile folder reveals no token, record or message text', async (t) => {
  const dir = await tempProfile(t);
  // A profile from before encryption at rest: its plaintext token goes on first unlock.
  const legacyToken = 'tok_legacy_plaintext_token_0123456789';
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'session.json'), JSON.stringify(session(legacyToken)));
  await writeFile(join(dir, 'cursors.json'), '{}');
  const leaks = (files: Map<string, Buffer>, secret: string): string[] =>
    [...files].filter(([, bytes]) => leakForms(secret).some((form) => bytes.includes(form))).map(([path]) => path);
  assert.deepEqual(leaks(await allFiles(dir), legacyToken), [join(dir, 'session.json')], 'the scan finds a plaintext token');

  const store = await FileStore.open(dir, PASSWORD);
  await store.saveSession(session());
  await store.saveRecord('device', Buffer.from(`-----${MARKER}-----`));
  await store.saveRecord('group/c_general_room_0123456789', Buffer.from(MARKER));
  await store.appendHistory([entry(GENERAL, 1, TEXT), entry(GENERAL, 2, `re: ${TEXT}`)]);
  await store.saveCursors({ [GENERAL]: 2 });

  const files = await allFiles(dir);
  assert.ok(files.size >= 6, 'the profile was written');
  assert.deepEqual([...files.keys()].filter((p) => p.endsWith('.json')), [join(dir, 'keystore.json')], 'legacy files are gone');
  for (const secret of [TOKEN, legacyToken, MARKER, TEXT, PASSWORD, GENERAL, 'group/c_general_room_0123456789']) {
    assert.deepEqual(leaks(files, secret), [], `${JSON.stringify(secret)} leaks`);
  }
});

test('an altered, swapped or truncated file is refused, not accepted', async (t) => {
  const dir = await tempProfile(t);
  const store = await FileStore.open(dir, PASSWORD);
  await store.saveSession(session());
  await store.saveCursors({ [GENERAL]: 1 });
  await store.saveRecord('group/c_general_room_0123456789', Buffer.from(MARKER));
  await store.appendHistory([entry(GENERAL, 1), entry(GENERAL, 2)]);
  const [recordFile] = await readdir(join(dir, 'records'));
  const [historyFile] = await readdir(join(dir, 'history'));
  const fresh = () => FileStore.open(dir, PASSWORD);

  await flipByte(join(dir, 'session.enc'));
  await assert.rejects((await fresh()).loadSession(), { name: 'CliError', message: /the saved session .*altered/ });

  await copyFile(join(dir, 'cursors.enc'), join(dir, 'session.enc'));
  await assert.rejects(store.loadSession(), /altered/, 'a file moved to another role does not open');

  await flipByte(join(dir, 'records', recordFile!), 40);
  await assert.rejects(store.loadRecord('group/c_general_room_0123456789'), /secret record .*altered/);
  await assert.rejects((await fresh()).listRecords('group/'), /altered/);

  const historyPath = join(dir, 'history', historyFile!);
  const good = await readFile(historyPath);
  await flipByte(historyPath, 20);
  await assert.rejects(store.loadHistory(GENERAL, 10), /message history .*altered/);

  // A line torn by a crash (no final newline) is skipped, and cut off by the next append.
  await writeFile(historyPath, good);
  await appendFile(historyPath, good.subarray(0, 30));
  assert.deepEqual((await store.loadHistory(GENERAL, 10)).map((e) => e.seq), [1, 2]);
  await store.appendHistory([entry(GENERAL, 3)]);
  assert.deepEqual((await store.loadHistory(GENERAL, 10)).map((e) => e.seq), [1, 2, 3]);

  const keystore = join(dir, 'keystore.json');
  const k = JSON.parse(await readFile(keystore, 'utf8')) as { salt: string };
  await writeFile(keystore, JSON.stringify({ ...k, salt: Buffer.alloc(16, 7).toString('base64') }));
  await assert.rejects(fresh(), { message: 'wrong password for this profile' });
  await writeFile(keystore, '{"version":1,"kdf":{"name":"argon2id","memoryCost":1e12}}');
  await assert.rejects(fresh(), { name: 'CliError', message: /keystore\.json is damaged/ });
});

test('a profile created under a password the server then refused is discarded', async (t) => {
  const dir = await tempProfile(t);
  const store = await FileStore.open(dir, 'a mistyped password');
  assert.equal(await FileStore.exists(dir), true);
  assert.equal(await store.discardIfNeverLoggedIn(), true);
  assert.equal(await FileStore.exists(dir), false);

  const kept = await FileStore.open(dir, PASSWORD);
  await kept.saveSession(session());
  assert.equal(await kept.discardIfNeverLoggedIn(), false, 'a profile that logged in is kept');
  assert.equal(await (await FileStore.open(dir, PASSWORD)).discardIfNeverLoggedIn(), false, 'only by the instance that created it');
});
