import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { BIN, PASSWORDS, runCli, startEnv, tmux } from './helpers/env.js';

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

test('the terminal client logs in, sends, receives, and answers /who, /help and a typo', async (t) => {
  const env = await startEnv();
  const tm = tmux(`conclave-test-${randomBytes(4).toString('hex')}`);
  t.after(async () => {
    await tm.kill();
    await env.close();
  });
  const common = ['--profile-dir', env.profileDir, '--fingerprint', env.server.fingerprint];
  // The shell keeps the pane open after the client exits, so its last words can be read.
  const chat = `${[process.execPath, BIN, 'chat', env.address, '--user', 'alice', ...common].map(shellQuote).join(' ')}; echo "[exit $?]"; sleep 60`;

  await tm.start('chat', chat);
  await tm.waitFor('chat', /Log in/);
  await tm.keys('chat', 'Enter'); // "Log in" is the first choice
  await tm.waitFor('chat', /Password/);
  await tm.type('chat', PASSWORDS.alice);
  let screen = await tm.waitFor('chat', /● connected/);
  assert.match(screen, /#general ›/, 'input prompt names the conversation');
  assert.match(screen, /alice @ 127\.0\.0\.1:\d+/, 'header shows who and where');
  assert.doesNotMatch(screen, new RegExp(PASSWORDS.alice), 'the password is never shown');

  await tm.type('chat', 'hello from the terminal');
  await tm.waitFor('chat', /alice │ hello from the terminal/);

  const sent = await runCli(['send', env.address, '--user', 'bob', '--to', '#general', ...common, 'hi alice'], {
    env: { CONCLAVE_PASSWORD: PASSWORDS.bob },
  });
  assert.equal(sent.code, 0, sent.stderr);
  await tm.waitFor('chat', /bob │ hi alice/);

  await tm.type('chat', '/who');
  screen = await tm.waitFor('chat', /Online \(\d\): .*alice/);
  assert.match(screen, /In #general \(2\): ● alice {2}○ bob/);

  await tm.type('chat', '/help');
  screen = await tm.waitFor('chat', /\/msg USER \[TEXT\]/);
  assert.match(screen, /\/join #ROOM/);

  await tm.type('chat', '/hepl');
  await tm.waitFor('chat', /Unknown command \/hepl\. Did you mean \/help\?/);

  await tm.type('chat', '/msg');
  await tm.waitFor('chat', /Usage: \/msg USER \[TEXT\]/);

  // A private message from bob: an unread badge on the @bob tab, then switch with Ctrl-N.
  const dm = await runCli(['send', env.address, '--user', 'bob', '--to', 'alice', ...common, 'just for you']);
  assert.equal(dm.code, 0, dm.stderr);
  await tm.waitFor('chat', /@bob 1/);
  await tm.keys('chat', 'C-n');
  screen = await tm.waitFor('chat', /@bob ›/);
  assert.match(screen, /bob │ just for you/);

  await tm.type('chat', '/join #random');
  await tm.waitFor('chat', /#random ›/);

  await tm.type('chat', '/quit');
  screen = await tm.waitFor('chat', /\[exit \d+\]/);
  assert.match(screen, /you stay logged in/);
  assert.match(screen, /\[exit 0\]/);
});

test('the terminal client resumes the saved session without asking for the password', async (t) => {
  const env = await startEnv();
  const tm = tmux(`conclave-test-${randomBytes(4).toString('hex')}`);
  t.after(async () => {
    await tm.kill();
    await env.close();
  });
  const common = ['--profile-dir', env.profileDir, '--fingerprint', env.server.fingerprint];
  // A first, scripted login saves the session in the profile.
  const first = await runCli(['read', env.address, '--user', 'alice', ...common], { env: { CONCLAVE_PASSWORD: PASSWORDS.alice } });
  assert.equal(first.code, 0, first.stderr);

  const chat = `${[process.execPath, BIN, 'chat', env.address, '--profile-dir', env.profileDir].map(shellQuote).join(' ')}; echo "[exit $?]"; sleep 60`;
  await tm.start('chat', chat);
  const screen = await tm.waitFor('chat', /● connected|Password/);
  assert.match(screen, /● connected/, 'no password prompt');
  await tm.keys('chat', 'C-c');
  assert.match(await tm.waitFor('chat', /\[exit \d+\]/), /you stay logged in[\s\S]*\[exit 0\]/);
});
