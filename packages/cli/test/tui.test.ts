import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { BIN, PASSWORDS, runCli, startEnv, tmux } from './helpers/env.js';

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const asBob = { env: { CONCLAVE_PASSWORD: PASSWORDS.bob } };
const asAlice = { env: { CONCLAVE_PASSWORD: PASSWORDS.alice } };
/** A device key fingerprint as lists show it: 32 hex digits in 8 groups of 4. */
const FINGERPRINT = /(?:[0-9a-f]{4} ){7}[0-9a-f]{4}/;

test('the terminal client logs in, sends, receives, answers /who, /help and a typo, and verifies a contact', async (t) => {
  const env = await startEnv();
  const tm = tmux(`conclave-test-${randomBytes(4).toString('hex')}`);
  t.after(async () => {
    await tm.kill();
    await env.close();
  });
  const common = ['--profile-dir', env.profileDir, '--fingerprint', env.server.fingerprint];
  // The shell keeps the pane open after the client exits, so its last words can be read.
  const chat = `${[process.execPath, BIN, 'chat', env.address, '--user', 'alice', ...common].map(shellQuote).join(' ')}; echo "[exit $?]"; sleep 60`;

  // alice is an admin (from the shell, as an operator would), so /invite works for her below.
  const promoted = await runCli(['admin', 'promote', 'alice', '--data-dir', env.dataDir]);
  assert.equal(promoted.code, 0, promoted.stderr);

  await tm.start('chat', chat);
  await tm.waitFor('chat', /Log in/);
  await tm.keys('chat', 'Enter'); // "Log in" is the first choice
  await tm.waitFor('chat', /Password/);
  await tm.type('chat', PASSWORDS.alice);
  let screen = await tm.waitFor('chat', /● connected/);
  assert.match(screen, /#general ›/, 'input prompt names the conversation');
  assert.match(screen, /alice \(admin\) @ 127\.0\.0\.1:\d+/, 'header shows who (an admin) and where');
  assert.doesNotMatch(screen, new RegExp(PASSWORDS.alice), 'the password is never shown');

  await tm.type('chat', 'hello from the terminal');
  await tm.waitFor('chat', /alice │ hello from the terminal/);

  const sent = await runCli(['send', env.address, '--user', 'bob', '--to', '#general', ...common, 'hi alice'], asBob);
  assert.equal(sent.code, 0, sent.stderr);
  screen = await tm.waitFor('chat', /bob │ hi alice/);
  // Bob's device joined #general's group: a first contact, shown as a quiet security line.
  assert.match(screen, new RegExp(`ℹ │ First time talking with bob's device ${FINGERPRINT.source}`));

  await tm.type('chat', '/who');
  screen = await tm.waitFor('chat', /Online \(\d\): .*alice/);
  assert.match(screen, /In #general \(2\): ● alice {2}○ bob/);

  await tm.type('chat', '/help');
  await tm.waitFor('chat', /A message marked ✖ was not sent/);
  // The list is longer than the screen: its start is a page up.
  await tm.keys('chat', 'PPage');
  screen = await tm.waitFor('chat', /\/msg USER \[TEXT\]/);
  assert.match(screen, /\/join #ROOM/);
  await tm.keys('chat', 'Escape');

  await tm.type('chat', '/hepl');
  await tm.waitFor('chat', /Unknown command \/hepl\. Did you mean \/help\?/);

  await tm.type('chat', '/msg');
  await tm.waitFor('chat', /Usage: \/msg USER \[TEXT\]/);

  // A private message from bob: an unread badge on the @bob tab, then switch with Ctrl-N.
  const dm = await runCli(['send', env.address, '--user', 'bob', '--to', 'alice', ...common, 'just for you'], asBob);
  assert.equal(dm.code, 0, dm.stderr);
  await tm.waitFor('chat', /@bob 1/);
  await tm.keys('chat', 'C-n');
  screen = await tm.waitFor('chat', /@bob ›/);
  assert.match(screen, /bob │ just for you/);

  await tm.type('chat', '/devices');
  screen = await tm.waitFor('chat', /Your devices \(1\):/);
  assert.match(screen, /terminal on .* — \(this device\)/);
  assert.match(screen, new RegExp(`│ +${FINGERPRINT.source} +added \\d{4}-\\d\\d-\\d\\d`), 'a fingerprint line');

  await tm.type('chat', '/verify bob');
  screen = await tm.waitFor('chat', /If it matches, type \/verify bob yes/);
  assert.match(screen, /Safety number with bob \(covers bob's 1 device\):/);
  const rows = [...screen.matchAll(/│ +(\d{5}(?: \d{5}){3}) *$/gm)].map((m) => m[1]!);
  assert.equal(rows.length, 3, `three rows of four groups:\n${screen}`);
  const groups = rows.join(' ').split(' ');
  assert.equal(groups.length, 12);
  assert.ok(groups.every((g) => /^\d{5}$/.test(g)), '60 digits in 12 groups of 5');
  assert.match(screen, /Compare with bob in person or on a call\./);

  await tm.type('chat', '/verify bob yes');
  await tm.waitFor('chat', /✔ │ bob is verified \(1 device\)\./);
  await tm.type('chat', '/devices bob');
  screen = await tm.waitFor('chat', /Devices of bob \(1\):/);
  assert.match(screen, /terminal on .* — verified/);

  await tm.type('chat', '/verify');
  await tm.waitFor('chat', /Usage: \/verify USER \[yes\]/);

  // The familiar aliases: /j joins, /names lists who is here.
  await tm.type('chat', '/j #random');
  await tm.waitFor('chat', /#random ›/);
  await tm.type('chat', '/names');
  await tm.waitFor('chat', /In #random \(1\): ● alice/);

  // An invite link opens the web client's register page with the code filled in.
  await tm.type('chat', '/invite');
  screen = await tm.waitFor('chat', /Invite link: https:\/\/127\.0\.0\.1:\d+\/#\/register\?invite=[\w-]+/);
  const code = /Invite code: ([\w-]+)/.exec(screen)?.[1];
  assert.ok(code !== undefined, screen);
  assert.match(screen, new RegExp(`Invite link: https://127\\.0\\.0\\.1:${env.server.port}/#/register\\?invite=${code}`));

  await tm.type('chat', '/quit');
  screen = await tm.waitFor('chat', /\[exit \d+\]/);
  assert.match(screen, /you stay logged in/);
  assert.match(screen, /\[exit 0\]/);
});

test('the terminal client unlocks the profile with the password, resumes the saved session and shows the saved history', async (t) => {
  const env = await startEnv();
  const tm = tmux(`conclave-test-${randomBytes(4).toString('hex')}`);
  t.after(async () => {
    await tm.kill();
    await env.close();
  });
  const common = ['--profile-dir', env.profileDir, '--fingerprint', env.server.fingerprint];
  // A first, scripted login saves the session in the profile (and puts alice's device in #general's group).
  const first = await runCli(['read', env.address, '--user', 'alice', ...common], asAlice);
  assert.equal(first.code, 0, first.stderr);
  // Bob writes from another machine, so alice's is the only profile here.
  const bobs = ['--profile-dir', join(env.root, 'bob-profile'), '--fingerprint', env.server.fingerprint];
  const fromBob = await runCli(['send', env.address, '--user', 'bob', '--to', '#general', ...bobs, 'from bob earlier'], asBob);
  assert.equal(fromBob.code, 0, fromBob.stderr);
  // Read (and decrypted into the local history) before the terminal client starts: not delivered again.
  const read = await runCli(['read', env.address, '--user', 'alice', ...common], asAlice);
  assert.match(read.stdout, /bob: from bob earlier/);
  // Sent from a script: in the history, and also replayed to the next reader of this profile.
  const own = await runCli(['send', env.address, '--user', 'alice', '--to', '#general', ...common, 'before the restart'], asAlice);
  assert.equal(own.code, 0, own.stderr);

  const chat = `${[process.execPath, BIN, 'chat', env.address, '--profile-dir', env.profileDir].map(shellQuote).join(' ')}; echo "[exit $?]"; sleep 60`;
  await tm.start('chat', chat);
  await tm.waitFor('chat', /Password for alice/);
  await tm.type('chat', PASSWORDS.alice);
  const screen = await tm.waitFor('chat', /● connected/);
  assert.doesNotMatch(screen, new RegExp(PASSWORDS.alice), 'the password is never shown');
  await tm.waitFor('chat', /alice │ before the restart/);
  const panes = await tm.capture('chat');
  assert.equal(panes.match(/bob │ from bob earlier/g)?.length, 1, `history shown once:\n${panes}`);
  assert.equal(panes.match(/alice │ before the restart/g)?.length, 1, `history and replay shown once:\n${panes}`);
  assert.ok(panes.indexOf('from bob earlier') < panes.indexOf('before the restart'), 'in log order');
  await tm.keys('chat', 'C-c');
  assert.match(await tm.waitFor('chat', /\[exit \d+\]/), /you stay logged in[\s\S]*\[exit 0\]/);
});
