import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addUser } from '@conclave/server';
import { jsonLines, PASSWORDS, runCli, startEnv } from './helpers/env.js';

/**
 * `conclave send` acting on messages (--reply-to, --react, --edit, --delete,
 * --json) and `conclave read` showing it, against a real server.
 */

const CAROL = 'carol-password-3';
const as = (password: string) => ({ env: { CONCLAVE_PASSWORD: password } });

test('send --json prints where and which number; replies, reactions, edits and deletes round-trip to read --json and plain read', { timeout: 240_000 }, async (t) => {
  const env = await startEnv();
  t.after(() => env.close());
  await addUser({ dataDir: env.dataDir, username: 'carol', password: CAROL });
  const common = ['--profile-dir', env.profileDir, '--fingerprint', env.server.fingerprint];
  const passwords = { ...PASSWORDS, carol: CAROL };
  const send = (user: keyof typeof passwords, ...args: string[]) => runCli(['send', env.address, '--user', user, '--to', '#general', ...common, ...args], as(passwords[user]));
  const read = (user: keyof typeof passwords, ...args: string[]) => runCli(['read', env.address, '--user', user, ...common, ...args], as(passwords[user]));
  /** `send … --json`: exit 0, nothing on stderr, exactly one JSON line; its seq. */
  const sent = async (user: keyof typeof passwords, ...args: string[]): Promise<number> => {
    const r = await send(user, '--json', ...args);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const lines = jsonLines(r.stdout);
    assert.equal(lines.length, 1, r.stdout);
    assert.deepEqual(Object.keys(lines[0]!), ['conversation', 'seq']);
    assert.equal(lines[0]!.conversation, '#general');
    assert.equal(typeof lines[0]!.seq, 'number');
    return lines[0]!.seq as number;
  };

  // Every device joins #general's group before the messages (a device reads what is sent after it joined).
  for (const user of ['alice', 'bob', 'carol'] as const) assert.equal((await read(user)).code, 0);

  const first = await sent('alice', 'first', 'from', 'alice');
  const reply = await sent('bob', '--reply-to', String(first), '@alice answer from bob');
  const tada = await sent('bob', '--react', String(first), ':tada:');
  const thumbs = await sent('alice', '--react', String(reply), '👍');
  const edited = await sent('alice', '--edit', String(first), 'first, edited');
  assert.ok(first < reply && reply < tada && tada < thumbs && thumbs < edited, `numbers in log order: ${[first, reply, tada, thumbs, edited].join(' ')}`);

  const got = await read('bob', '--json');
  assert.equal(got.code, 0, got.stderr);
  const lines = jsonLines(got.stdout).map(({ sentAt, conversationId, ...rest }) => {
    assert.equal(typeof sentAt, 'number');
    assert.equal(typeof conversationId, 'string');
    return rest;
  });
  const common4 = (kind: string, seq: number, sender: string) => ({ kind, conversation: '#general', seq, sender });
  assert.deepEqual(lines, [
    { ...common4('message', first, 'alice'), text: 'first from alice', replyTo: null, mentions: [], emote: false },
    { ...common4('message', reply, 'bob'), text: '@alice answer from bob', replyTo: first, mentions: ['alice'], emote: false },
    { ...common4('reaction', tada, 'bob'), target: first, emoji: '🎉', op: 'add' },
    { ...common4('reaction', thumbs, 'alice'), target: reply, emoji: '👍', op: 'add' },
    { ...common4('edit', edited, 'alice'), target: first, text: 'first, edited', mentions: [] },
  ]);

  // --delete needs no text; the deletion reaches readers as a `delete` of that number.
  const deleted = await sent('alice', '--delete', String(first));
  const after = jsonLines((await read('bob', '--json')).stdout);
  assert.deepEqual(
    after.map(({ kind, seq, sender, target }) => ({ kind, seq, sender, target })),
    [{ kind: 'delete', seq: deleted, sender: 'alice', target: first }],
  );

  // The plain output says the same in words, each line with its number.
  const plain = await read('carol');
  assert.equal(plain.code, 0, plain.stderr);
  const out = plain.stdout.split('\n').filter(Boolean);
  const time = String.raw`\d\d:\d\d`;
  assert.equal(out.length, 6, plain.stdout);
  assert.match(out[0]!, new RegExp(`^\\[#general\\] ${first} ${time} alice: first from alice$`));
  assert.match(out[1]!, new RegExp(`^\\[#general\\] ${reply} ${time} bob: ↳ ${first} @alice answer from bob$`));
  assert.match(out[2]!, new RegExp(`^\\[#general\\] ${tada} ${time} bob reacted 🎉 to ${first}$`));
  assert.match(out[3]!, new RegExp(`^\\[#general\\] ${thumbs} ${time} alice reacted 👍 to ${reply}$`));
  assert.match(out[4]!, new RegExp(`^\\[#general\\] ${edited} ${time} alice: \\(edited ${first}\\) first, edited$`));
  assert.match(out[5]!, new RegExp(`^\\[#general\\] ${deleted} ${time} alice deleted ${first}$`));
});

test("send --edit or --delete of someone else's message fails with one line; two acts at once or a missing text are usage errors", { timeout: 180_000 }, async (t) => {
  const env = await startEnv();
  t.after(() => env.close());
  const common = ['--profile-dir', env.profileDir, '--fingerprint', env.server.fingerprint];
  const asAlice = as(PASSWORDS.alice);
  const send = (user: 'alice' | 'bob', ...args: string[]) => runCli(['send', env.address, '--user', user, '--to', '#general', ...common, ...args], as(PASSWORDS[user]));
  assert.equal((await runCli(['read', env.address, '--user', 'alice', ...common], asAlice)).code, 0);
  const bobs = await send('bob', '--json', "bob's words");
  assert.equal(bobs.code, 0, bobs.stderr);
  const seq = jsonLines(bobs.stdout)[0]!.seq as number;
  // Alice has bob's message on her device (read), and still may not change it.
  const r = await runCli(['read', env.address, '--user', 'alice', ...common], asAlice);
  assert.match(r.stdout, /bob: bob's words/);

  const edit = await send('alice', '--edit', String(seq), 'hijacked');
  assert.notEqual(edit.code, 0);
  assert.equal(edit.stderr, `conclave: you can only edit your own messages (message ${seq} here is not yours)\n`);
  assert.equal(edit.stdout, '');
  const del = await send('alice', '--delete', String(seq));
  assert.notEqual(del.code, 0);
  assert.equal(del.stderr, `conclave: you can only delete your own messages (message ${seq} here is not yours)\n`);

  const both = await send('alice', '--edit', String(seq), '--delete', String(seq), 'x');
  assert.equal(both.code, 2);
  assert.match(both.stderr, /^conclave: option '--edit <n>' cannot be used with option '--delete <n>' \(see conclave --help\)\n$/);
  const noText = await send('alice', '--reply-to', String(seq));
  assert.equal(noText.code, 2);
  assert.equal(noText.stderr, 'conclave: nothing to send: give the message text after the options\n');
  const notNumber = await send('alice', '--react', 'twelve', '👍');
  assert.equal(notNumber.code, 2);
  assert.equal(notNumber.stderr.split('\n').filter(Boolean).length, 1, notNumber.stderr);
  assert.match(notNumber.stderr, /--react takes a message number/);
  const twoEmoji = await send('alice', '--react', String(seq), '👍', '🎉');
  assert.equal(twoEmoji.code, 2);
  assert.match(twoEmoji.stderr, /^conclave: "👍 🎉" is not one emoji/);

  // Nothing of that reached bob: his read shows only his own message.
  const bobRead = await runCli(['read', env.address, '--user', 'bob', '--json', ...common], as(PASSWORDS.bob));
  assert.deepEqual(
    jsonLines(bobRead.stdout).map(({ kind, seq: n }) => ({ kind, seq: n })),
    [{ kind: 'message', seq }],
  );
});
