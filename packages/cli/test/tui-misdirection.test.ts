import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { addUser } from '@conclave/server';
import { BIN, PASSWORDS, runCli, startEnv, tmux } from './helpers/env.js';

/**
 * Issue 11: a line typed right after `/msg bob` (while the DM's MLS group is
 * being set up) must go to bob, not to the conversation that was on screen.
 * Driven through the real terminal UI in tmux, with the CPU kept busy so the
 * set-up is slow; checked at the recipients' end.
 */

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const MORE = { carol: 'carol-password-3', dave: 'dave-password-44' } as const;
const ALL = { ...PASSWORDS, ...MORE };
type Name = keyof typeof ALL;
const ROUNDS = 20;

interface Received {
  conversation: string;
  sender: string;
  text: string;
}

/** A child that spins on one core for at most `ms` (killed earlier by the test). */
function busyLoop(ms: number): ChildProcess {
  return spawn(process.execPath, ['-e', `const end = Date.now() + ${ms}; while (Date.now() < end) {}`], { stdio: 'ignore' });
}

test('a line typed right after /msg or /join goes to the conversation named, exactly once, even on a busy machine', { timeout: 240_000 }, async (t) => {
  const env = await startEnv();
  const tm = tmux(`conclave-test-${randomBytes(4).toString('hex')}`);
  const busy: ChildProcess[] = [];
  t.after(async () => {
    for (const child of busy) child.kill('SIGKILL');
    await tm.kill();
    await env.close();
  });
  for (const [username, password] of Object.entries(MORE)) await addUser({ dataDir: env.dataDir, username, password });
  const common = ['--profile-dir', env.profileDir, '--fingerprint', env.server.fingerprint];
  /** Everything `name` received so far, across reads (each read advances the profile's cursors). */
  const inbox = new Map<Name, Received[]>();
  const read = async (name: Name): Promise<Received[]> => {
    const r = await runCli(['read', env.address, '--user', name, '--json', ...common], { env: { CONCLAVE_PASSWORD: ALL[name] }, timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    const got = r.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const { conversation, sender, text } = JSON.parse(l) as Received;
        return { conversation, sender, text };
      });
    inbox.set(name, [...(inbox.get(name) ?? []), ...got]);
    return inbox.get(name)!;
  };
  // Every recipient has a device (KeyPackages for the DMs, a leaf in #general's group) before alice starts.
  for (const name of ['bob', 'carol', 'dave'] as const) await read(name);

  const chat = `${[process.execPath, BIN, 'chat', env.address, '--user', 'alice', ...common].map(shellQuote).join(' ')}; echo "[exit $?]"; sleep 60`;
  await tm.start('chat', chat);
  await tm.waitFor('chat', /Log in/);
  await tm.keys('chat', 'Enter');
  await tm.waitFor('chat', /Password/);
  await tm.type('chat', PASSWORDS.alice);
  await tm.waitFor('chat', /● connected/);
  await tm.waitFor('chat', /#general ›/);

  for (let i = 0; i < 2; i++) busy.push(busyLoop(180_000));

  const sent: { to: 'bob' | 'carol'; text: string }[] = [];
  for (let i = 1; i <= ROUNDS; i++) {
    const to = i % 2 === 1 ? 'bob' : 'carol';
    const text = `to ${to} #${i}`;
    sent.push({ to, text });
    // One send-keys call: both lines reach the terminal together, well within 50 ms.
    await tm.keys('chat', `/msg ${to}`, 'Enter', text, 'Enter');
    const screen = await tm.waitFor('chat', `@${to} ›`, 30_000);
    if (i === 1) {
      // The view switched at once, before the DM's group exists: the line waits there, pending.
      assert.match(screen, /Setting up encryption with bob…/, `the opening view:\n${screen}`);
      assert.match(screen, /alice │ ⧗ to bob #1/, `the queued line, pending:\n${screen}`);
    }
    if (i % 5 === 0) {
      await tm.type('chat', '/join #general');
      await tm.waitFor('chat', '#general ›', 30_000);
    } else if (i % 7 === 0) {
      // Tab along the conversations until #general is on screen (bounded).
      for (let k = 0; k < 4; k++) {
        await tm.keys('chat', 'Tab');
        const screen = await tm.waitFor('chat', /(#general|@bob|@carol) ›/, 10_000);
        if (/#general ›/.test(screen)) break;
      }
    }
  }
  // Barriers: one last line in each conversation, typed after every other one.
  await tm.keys('chat', '/join #general', 'Enter', 'end #general', 'Enter');
  await tm.keys('chat', '/msg bob', 'Enter', 'end @bob', 'Enter');
  await tm.keys('chat', '/msg carol', 'Enter', 'end @carol', 'Enter');
  await tm.waitFor('chat', '@carol ›', 30_000);

  // Read until each recipient has the barriers of the conversations they are in (bounded).
  const want: Record<'bob' | 'carol' | 'dave', string[]> = {
    bob: ['end #general', 'end @bob'],
    carol: ['end #general', 'end @carol'],
    dave: ['end #general'],
  };
  for (const name of ['bob', 'carol', 'dave'] as const) {
    const deadline = Date.now() + 40_000;
    let got = await read(name);
    while (!want[name].every((w) => got.some((m) => m.text === w)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      got = await read(name);
    }
  }
  for (const child of busy) child.kill('SIGKILL');

  const screen = await tm.capture('chat');
  const fromAlice = (name: Name, conversation: string): string[] =>
    (inbox.get(name) ?? []).filter((m) => m.sender === 'alice' && m.conversation === conversation).map((m) => m.text);
  const expected = (to: 'bob' | 'carol'): string[] => [...sent.filter((s) => s.to === to).map((s) => s.text), `end @${to}`];
  const report = `\nbob: ${JSON.stringify(inbox.get('bob'))}\ncarol: ${JSON.stringify(inbox.get('carol'))}\ndave: ${JSON.stringify(inbox.get('dave'))}\nscreen:\n${screen}`;
  assert.deepEqual(fromAlice('bob', '@alice'), expected('bob'), `bob's DM holds exactly the lines for bob, once each, in order${report}`);
  assert.deepEqual(fromAlice('carol', '@alice'), expected('carol'), `carol's DM holds exactly the lines for carol, once each, in order${report}`);
  for (const name of ['bob', 'carol', 'dave'] as const) {
    assert.deepEqual(fromAlice(name, '#general'), ['end #general'], `nothing typed for a DM reached #general (as ${name} reads it)${report}`);
    const elsewhere = (inbox.get(name) ?? []).filter((m) => m.conversation !== '#general' && m.conversation !== '@alice');
    assert.deepEqual(elsewhere, [], `${name} got nothing in any other conversation${report}`);
  }
});
