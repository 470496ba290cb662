import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PASSWORDS, runCli, startEnv } from './helpers/env.js';

const asAlice = { env: { CONCLAVE_PASSWORD: PASSWORDS.alice } };
const asBob = { env: { CONCLAVE_PASSWORD: PASSWORDS.bob } };

test('send then read round-trips a message, and a second read repeats nothing', async (t) => {
  const env = await startEnv();
  t.after(() => env.close());
  const common = ['--profile-dir', env.profileDir, '--fingerprint', env.server.fingerprint];
  // Messages reach the devices in the conversation's MLS group: bob's device joins at his first login.
  const before = await runCli(['read', env.address, '--user', 'bob', ...common], asBob);
  assert.equal(before.code, 0, before.stderr);
  assert.equal(before.stdout, '');
  const sent = await runCli(['send', env.address, '--user', 'alice', '--to', '#general', ...common, 'hello', 'world'], asAlice);
  assert.equal(sent.code, 0, sent.stderr);
  assert.equal(sent.stderr, '');

  const first = await runCli(['read', env.address, '--user', 'bob', ...common], asBob);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^\[#general\] \d+ \d\d:\d\d alice: hello world\n$/);

  const again = await runCli(['read', env.address, '--user', 'bob', ...common], asBob);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout, '', 'nothing new: nothing printed');

  // The profile (and the session in it) is locked by the password.
  const locked = await runCli(['send', env.address, '--user', 'bob', '--to', 'alice', ...common, 'psst']);
  assert.equal(locked.code, 1);
  assert.match(locked.stderr, /^conclave: the profile of bob on .* is locked by their password; set CONCLAVE_PASSWORD or pass --password-stdin\n$/);
  // Unlocked, the saved session resumes (the password is not sent); the DM reaches an offline user.
  const dm = await runCli(['send', env.address, '--user', 'bob', '--to', 'alice', '--password-stdin', ...common, 'psst'], {
    stdin: `${PASSWORDS.bob}\n`,
  });
  assert.equal(dm.code, 0, dm.stderr);
  const json = await runCli(['read', env.address, '--user', 'alice', '--json', ...common], asAlice);
  assert.equal(json.code, 0, json.stderr);
  const lines = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(
    lines.map(({ conversation, seq, sender, text }) => ({ conversation, seq, sender, text })),
    // Commits take seqs in the log: alice's device joining #general, bob's adding alice's to the DM.
    [
      { conversation: '#general', seq: 2, sender: 'alice', text: 'hello world' },
      { conversation: '@bob', seq: 2, sender: 'bob', text: 'psst' },
    ],
  );
  assert.equal(typeof lines[0]?.sentAt, 'number');
});

test('profile files are private and never hold the password', async (t) => {
  const env = await startEnv();
  t.after(() => env.close());
  const r = await runCli(['read', env.address, '--user', 'alice', '--profile-dir', env.profileDir, '--fingerprint', env.server.fingerprint], asAlice);
  assert.equal(r.code, 0, r.stderr);
  const dir = join(env.profileDir, 'servers', `127.0.0.1_${env.server.port}`, 'alice');
  assert.equal((await stat(env.profileDir)).mode & 0o777, 0o700);
  assert.equal((await stat(dir)).mode & 0o777, 0o700);
  const session = join(dir, 'session.enc');
  assert.equal((await stat(session)).mode & 0o777, 0o600);
  assert.doesNotMatch(await readFile(session, 'utf8'), new RegExp(PASSWORDS.alice));
  await assert.rejects(stat(join(dir, 'session.json')), { code: 'ENOENT' }, 'no plaintext session');
});

test('read --follow prints live messages until --timeout, then exits 0', async (t) => {
  const env = await startEnv();
  t.after(() => env.close());
  const common = ['--profile-dir', env.profileDir, '--fingerprint', env.server.fingerprint];
  // Bob's device joins #general's group first: a message is readable only by devices in the group when it is sent.
  // After that no timing matters: the follower prints what the log holds after its cursor, live or caught up.
  const joined = await runCli(['read', env.address, '--user', 'bob', ...common], asBob);
  assert.equal(joined.code, 0, joined.stderr);
  const follower = runCli(['read', env.address, '--user', 'bob', '--follow', '--timeout', '8', ...common], asBob);
  const sent = await runCli(['send', env.address, '--user', 'alice', '--to', '#general', ...common, 'live one'], asAlice);
  assert.equal(sent.code, 0, sent.stderr);
  const result = await follower;
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /\[#general\] \d+ \d\d:\d\d alice: live one/);
});

test('sends started at once from one profile all arrive readable: the profile is taken one process at a time', async (t) => {
  const env = await startEnv();
  t.after(() => env.close());
  const common = ['--profile-dir', env.profileDir, '--fingerprint', env.server.fingerprint];
  assert.equal((await runCli(['read', env.address, '--user', 'bob', ...common], asBob)).code, 0);
  // The first send creates alice's profile and device; then six at once share it. Without the profile lock each
  // would start from the same saved MLS state and reuse one key generation: bob could decrypt only one of them.
  assert.equal((await runCli(['send', env.address, '--user', 'alice', '--to', '#general', ...common, 'first'], asAlice)).code, 0);
  const texts = ['at once 1', 'at once 2', 'at once 3', 'at once 4', 'at once 5', 'at once 6'];
  const sent = await Promise.all(texts.map((text) => runCli(['send', env.address, '--user', 'alice', '--to', '#general', ...common, text], asAlice)));
  for (const r of sent) assert.equal(r.code, 0, r.stderr);
  const read = await runCli(['read', env.address, '--user', 'bob', '--json', ...common], asBob);
  assert.equal(read.code, 0, read.stderr);
  const got = read.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { text: string }).text);
  assert.deepEqual(got.slice(0, 1), ['first']);
  assert.deepEqual([...got.slice(1)].sort(), [...texts].sort(), `bob read ${JSON.stringify(got)}`);
  assert.doesNotMatch(read.stderr, /could not be decrypted/);
});

test('a wrong password exits non-zero with one clear line', async (t) => {
  const env = await startEnv();
  t.after(() => env.close());
  const r = await runCli(['read', env.address, '--user', 'alice', '--profile-dir', env.profileDir, '--fingerprint', env.server.fingerprint], {
    env: { CONCLAVE_PASSWORD: 'not-the-password' },
  });
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'conclave: wrong username or password\n');
  assert.equal(r.stdout, '');
});

test('the password can come from stdin, and a missing one is explained', async (t) => {
  const env = await startEnv();
  t.after(() => env.close());
  const common = ['--profile-dir', env.profileDir, '--fingerprint', env.server.fingerprint];
  const missing = await runCli(['send', env.address, '--user', 'alice', '--to', '#general', ...common, 'x']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^conclave: no saved session for alice .*CONCLAVE_PASSWORD.*--password-stdin\n$/);
  const piped = await runCli(['send', env.address, '--user', 'alice', '--to', '#general', '--password-stdin', ...common, 'x'], {
    stdin: `${PASSWORDS.alice}\n`,
  });
  assert.equal(piped.code, 0, piped.stderr);
});

test('an unpinned self-signed server without --fingerprint is refused with a hint', async (t) => {
  const env = await startEnv();
  t.after(() => env.close());
  const r = await runCli(['read', env.address, '--user', 'alice', '--profile-dir', env.profileDir], asAlice);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^conclave: .*self-signed.*pass --fingerprint SHA256:…/);
  assert.equal(r.stderr.split('\n').length, 2, 'one line');
});

test('a wrong --fingerprint or a changed pinned certificate is refused before anything is sent', async (t) => {
  const env = await startEnv();
  t.after(() => env.close());
  const bogus = `SHA256:${'A'.repeat(43)}`;
  const wrong = await runCli(['read', env.address, '--user', 'alice', '--profile-dir', env.profileDir, '--fingerprint', bogus], asAlice);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /does NOT match --fingerprint/);

  await mkdir(env.profileDir, { recursive: true });
  await writeFile(join(env.profileDir, 'known_hosts.json'), JSON.stringify({ [env.address]: { fingerprint: bogus, addedAt: 0 } }));
  const changed = await runCli(['read', env.address, '--user', 'alice', '--profile-dir', env.profileDir], asAlice);
  assert.equal(changed.code, 1);
  assert.match(changed.stderr, /CHANGED.*nothing was sent/);
  assert.equal(changed.stderr.split('\n').length, 2, 'one line');
});

test('the fingerprint is also accepted in hex with colons', async (t) => {
  const env = await startEnv();
  t.after(() => env.close());
  const hex = Buffer.from(env.server.fingerprint.slice('SHA256:'.length), 'base64').toString('hex').match(/../g)!.join(':');
  const r = await runCli(['read', env.address, '--user', 'alice', '--profile-dir', env.profileDir, '--fingerprint', hex], asAlice);
  assert.equal(r.code, 0, r.stderr);
});

test('bad flags and addresses are usage errors on one line', async () => {
  const flag = await runCli(['read', '127.0.0.1:1', '--bogus']);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /^conclave: unknown option '--bogus'/);
  const scheme = await runCli(['read', 'http://127.0.0.1:1', '--user', 'a']);
  assert.equal(scheme.code, 2);
  assert.match(scheme.stderr, /^conclave: .*TLS/);
  assert.equal(scheme.stderr.split('\n').length, 2);
  const down = await runCli(['read', '127.0.0.1:1', '--user', 'alice', '--profile-dir', '/nonexistent/x']);
  assert.equal(down.code, 1);
  assert.match(down.stderr, /^conclave: cannot reach 127\.0\.0\.1:1: ECONNREFUSED\n$/);
});
