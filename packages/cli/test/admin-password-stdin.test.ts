import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { startServer } from '@conclave/server';
import { readFirstLine } from '../src/admin-commands.js';
import { runCli } from './helpers/env.js';

test('readFirstLine takes the first line without its \\n or \\r\\n, and the whole text when there is no line break', async () => {
  const lines = async (...chunks: string[]) => readFirstLine(Readable.from(chunks.map((c) => Buffer.from(c))));
  assert.equal(await lines('pw\npw\n'), 'pw');
  assert.equal(await lines('pw\r\npw\r\n'), 'pw');
  assert.equal(await lines('p', 'w', '\n', 'ignored'), 'pw');
  assert.equal(await lines('no line break'), 'no line break');
  assert.equal(await lines('\n'), '');
  assert.equal(await lines('tr\u00e4il', 'ing \r\n'), 'tr\u00e4iling ');
});

test('admin add-user and reset-password take the first line of stdin; the password logs in; control characters are refused', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'conclave-admin-stdin-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const dataDir = join(root, 'data');
  const dir = ['--data-dir', dataDir];
  const first = 'first-line-password-7';

  // As `printf 'pw\npw\n' | conclave admin add-user carol` would feed it (the prompt's "twice", piped).
  const added = await runCli(['admin', 'add-user', 'carol', ...dir], { stdin: `${first}\n${first}\n` });
  assert.equal(added.code, 0, added.stderr);
  assert.equal(added.stdout, 'Created member "carol".\n');

  const server = await startServer({ host: '127.0.0.1', port: 0, dataDir, logLevel: 'silent' });
  t.after(() => server.close());
  const common = ['--profile-dir', join(root, 'profile'), '--fingerprint', server.fingerprint];
  const address = `127.0.0.1:${server.port}`;
  const login = (password: string) => runCli(['read', address, '--user', 'carol', ...common], { env: { CONCLAVE_PASSWORD: password } });
  const ok = await login(first);
  assert.equal(ok.code, 0, `logs in with the first line: ${ok.stderr}`);

  // Windows line ends, piped twice: the new password is the first line.
  const second = 'second-line-password-8';
  const reset = await runCli(['admin', 'reset-password', 'carol', ...dir], { stdin: `${second}\r\n${second}\r\n` });
  assert.equal(reset.code, 0, reset.stderr);
  assert.match(reset.stdout, /^Password of "carol" changed; 1 session ended/);
  const fresh = join(root, 'profile-2');
  const again = await runCli(['read', address, '--user', 'carol', '--profile-dir', fresh, '--fingerprint', server.fingerprint], { env: { CONCLAVE_PASSWORD: second } });
  assert.equal(again.code, 0, `logs in with the new first line: ${again.stderr}`);
  const old = await runCli(['read', address, '--user', 'carol', '--profile-dir', join(root, 'profile-3'), '--fingerprint', server.fingerprint], { env: { CONCLAVE_PASSWORD: first } });
  assert.notEqual(old.code, 0, 'the old password no longer logs in');

  // A control character inside the line: refused before anything is stored, with the shared message.
  const tabbed = await runCli(['admin', 'add-user', 'dave', ...dir], { stdin: 'tab\tin-the-password\n' });
  assert.equal(tabbed.code, 1);
  assert.equal(tabbed.stderr, 'conclave: passwords cannot contain control characters (such as a line break)\n');
  const list = await runCli(['admin', 'list-users', '--json', ...dir]);
  assert.deepEqual(list.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { username: string }).username), ['carol']);
});
