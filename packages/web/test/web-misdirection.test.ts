import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openPage, type Opened } from './helpers/browser.js';
import { startWebEnv, terminalUser, type ReadLine, type WebEnv } from './helpers/env.js';
import { openConversation, signIn, ui } from './helpers/ui.js';

/*
 * Issue 11: the target of every line is decided when Enter is pressed. alice
 * (in the browser, CPU kept busy) types `/msg bob` + Enter and at once
 * `to bob #i` + Enter, alternating with carol, now and then back in #general.
 * The recipients (terminal users) say where each line landed: every
 * `to bob #i` in bob's DM with alice exactly once, every `to carol #i` in
 * carol's, none in the other DM, none in #general (read by dave).
 */

const PASSWORDS = { alice: 'alice-password-1', bob: 'bob-password-12', carol: 'carol-password-1', dave: 'dave-password-12' } as const;
const ROUNDS = 20;
/** Rounds tried at most to get `ROUNDS` quick ones. */
const MAX_ROUNDS = 30;
/** Each busy-loop child stops by itself after this (and is killed in `after` anyway), ms. */
const BUSY_MS = 150_000;

let env: WebEnv;
let browser: Browser;
let alice: Opened;
const busy: ChildProcess[] = [];

before(async () => {
  env = await startWebEnv({ users: PASSWORDS });
  browser = await launchBrowser();
  alice = await openPage(browser, env.origin);
});

after(async () => {
  for (const child of busy) child.kill('SIGKILL');
  await alice?.context.close().catch(() => {});
  await browser?.close();
  await env?.close();
});

/** Starts a child process spinning one core for at most `BUSY_MS` (killed in `after`). */
function spinCore(): void {
  const child = spawn(process.execPath, ['-e', `const end = Date.now() + ${BUSY_MS}; while (Date.now() < end) {}`], { stdio: 'ignore' });
  busy.push(child);
}

/**
 * Types each of `lines` into the composer and presses Enter, one right after
 * the other, all in the page: the gap between two Enters does not depend on
 * the test's round trips to a browser slowed by the busy CPU. (React renders a
 * controlled field's change before the `input` event returns, so the Enter
 * right after it sees the text.) Resolves with the ms between the first and
 * last Enter.
 */
function typeQuickly(page: Page, lines: string[]): Promise<number> {
  const script = `(async (lines) => {
    const box = document.getElementById('composer-input');
    const setValue = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value').set;
    const tick = () => Promise.resolve();
    const times = [];
    for (const line of lines) {
      box.focus();
      setValue.call(box, line);
      box.dispatchEvent(new Event('input', { bubbles: true }));
      await tick();
      box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', code: 'Enter', bubbles: true, cancelable: true }));
      times.push(performance.now());
      await tick();
    }
    return times[times.length - 1] - times[0];
  })(${JSON.stringify(lines)})`;
  return page.evaluate<number>(script);
}

const texts = (lines: ReadLine[], conversation: string): string[] => lines.filter((l) => l.conversation === conversation).map((l) => l.text);

test('/msg USER then a line typed at once: each line reaches the conversation it was typed for, under CPU load', { timeout: 300_000 }, async (t) => {
  const bob = terminalUser(env, 'bob', PASSWORDS.bob);
  const carol = terminalUser(env, 'carol', PASSWORDS.carol);
  const dave = terminalUser(env, 'dave', PASSWORDS.dave);
  // Each terminal device exists (KeyPackages published) and is in #general before alice starts.
  for (const u of [bob, carol, dave]) await u.read();
  await signIn(alice.page, env.origin, 'alice', PASSWORDS.alice);
  await ui.current(alice.page, '#general').waitFor({ state: 'attached' });

  spinCore();
  spinCore();
  const gaps: number[] = [];
  const expected = { bob: [] as string[], carol: [] as string[], general: [] as string[] };
  // A round counts when its two Enters were within 50 ms; a round slower than that (the page's
  // thread descheduled on a loaded machine) still has to land right, and another round is added.
  let quick = 0;
  for (let i = 0; quick < ROUNDS && i < MAX_ROUNDS; i++) {
    const who = i % 2 === 0 ? 'bob' : 'carol';
    const text = `to ${who} #${i}`;
    const gap = await typeQuickly(alice.page, [`/msg ${who}`, text]);
    gaps.push(gap);
    if (gap < 50) quick++;
    expected[who].push(text);
    // The next round starts from this DM once it is really the one shown (so "the conversation on screen before" is a DM).
    await ui.current(alice.page, `@${who}`).waitFor({ state: 'attached', timeout: 30_000 });
    if (i % 7 === 6) {
      // Back to #general from the list, and a line for everybody there.
      await openConversation(alice.page, '#general');
      const line = `to everybody #${i}`;
      await typeQuickly(alice.page, [line]);
      expected.general.push(line);
    }
  }
  t.diagnostic(`ms between the two Enters: max ${Math.max(...gaps).toFixed(1)}, median ${[...gaps].sort((a, b) => a - b)[gaps.length >> 1]?.toFixed(1)}`);
  assert.equal(quick, ROUNDS, `${ROUNDS} rounds with the text within 50 ms of its /msg: ${gaps.map((g) => g.toFixed(1)).join(', ')}`);

  // Barriers: one last line in each conversation; when it has arrived, so has everything typed before it there.
  await typeQuickly(alice.page, ['/msg bob', 'end for bob', '/msg carol', 'end for carol']);
  await openConversation(alice.page, '#general');
  await typeQuickly(alice.page, ['end for everybody']);
  // The CPU load was for the typing; the readers (CLI processes) start without it.
  for (const child of busy.splice(0)) child.kill('SIGKILL');

  // Bounded; on a timeout the assertions below show where the lines went instead.
  const readFor = (user: ReturnType<typeof terminalUser>, marks: string[]): Promise<ReadLine[]> =>
    user.readUntil((all) => marks.every((m) => all.some((l) => l.text === m)), marks.join(' and '), 60_000).catch(() => user.received);
  const bobGot = await readFor(bob, ['end for bob', 'end for everybody']);
  const carolGot = await readFor(carol, ['end for carol', 'end for everybody']);
  const daveGot = await readFor(dave, ['end for everybody']);

  for (const [reader, got] of [['bob', bobGot], ['carol', carolGot], ['dave', daveGot]] as const) {
    t.diagnostic(`${reader} read: ${got.map((l) => `${l.conversation}: ${l.text}`).join(' | ')}`);
  }
  assert.deepEqual(texts(bobGot, '@alice'), [...expected.bob, 'end for bob'], "bob's DM with alice holds every line for bob, once, in order, and nothing else");
  assert.deepEqual(texts(carolGot, '@alice'), [...expected.carol, 'end for carol'], "carol's DM with alice holds every line for carol, once, in order, and nothing else");
  const general = [...expected.general, 'end for everybody'];
  for (const [reader, got] of [['bob', bobGot], ['carol', carolGot], ['dave', daveGot]] as const) {
    assert.deepEqual(texts(got, '#general'), general, `#general as ${reader} reads it holds only the lines typed there`);
    const elsewhere = got.filter((l) => l.conversation !== '#general' && l.conversation !== '@alice');
    assert.deepEqual(elsewhere, [], `${reader} got nothing in any other conversation`);
  }
});
