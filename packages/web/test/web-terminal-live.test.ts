import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { BIN, tmux } from '../../cli/test/helpers/env.js';
import { launchBrowser, openPage, type Opened } from './helpers/browser.js';
import { startWebEnv, until, type WebEnv } from './helpers/env.js';
import { messages } from './helpers/messages.js';
import { send, signIn, ui, waitForMessage } from './helpers/ui.js';

/*
 * The live features between a browser user and a terminal user: alice in
 * Chromium, bob in the real terminal client (`conclave chat` in tmux). bob's
 * typing shows in the browser and goes; his @mention of alice (completed with
 * Tab) is highlighted there; alice's reading shows as "seen by alice" in his
 * terminal; his /topic reaches her header; /search and /goto find her old
 * message in his terminal.
 */

const PASSWORDS = { alice: 'alice-password-1', bob: 'bob-password-12' } as const;
const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

let env: WebEnv;
let browser: Browser;
let alice: Opened;
const tm = tmux(`conclave-web-live-${randomBytes(4).toString('hex')}`);

before(async () => {
  env = await startWebEnv({ users: PASSWORDS });
  browser = await launchBrowser();
  const args = [process.execPath, BIN, 'chat', env.address, '--user', 'bob', '--profile-dir', join(env.root, 'bob-profile'), '--fingerprint', env.server.fingerprint];
  await tm.start('bob', `${args.map(shellQuote).join(' ')}; echo "[exit $?]"; sleep 60`);
  await tm.waitFor('bob', /Log in/);
  await tm.keys('bob', 'Enter');
  await tm.waitFor('bob', /Password/);
  await tm.type('bob', PASSWORDS.bob);
  await tm.waitFor('bob', /● connected/);
  alice = await openPage(browser, env.origin);
  await signIn(alice.page, env.origin, 'alice', PASSWORDS.alice);
  await ui.current(alice.page, '#general').waitFor({ state: 'attached' });
  // Both devices are in #general's group once bob's terminal shows what alice writes.
  await send(alice.page, 'the pineapples arrive on Tuesday');
  await tm.waitFor('bob', /alice │ the pineapples arrive on Tuesday/, 30_000);
});

after(async () => {
  await tm.kill();
  await alice?.context.close().catch(() => {});
  await browser?.close();
  await env?.close();
});

test("the terminal user's typing shows in the browser and goes when he sends; his Tab-completed @mention is highlighted there", async () => {
  const { page } = alice;
  const typing = messages.typing(page);
  await tm.run('send-keys', '-t', 'bob', '-l', 'hey @al');
  await until(async () => (await typing.textContent()) === 'bob is typing…', '"bob is typing…" in the browser', 15_000);
  await tm.keys('bob', 'Tab');
  await tm.waitFor('bob', /#general › hey @alice/);
  await tm.type('bob', 'the review, please');
  const mention = await waitForMessage(page, 'bob', 'hey @alice the review, please');
  assert.equal(await mention.getAttribute('data-mention'), 'true', 'it mentions alice: highlighted');
  await until(async () => (await typing.textContent()) === '', 'the typing line clears when bob sends', 15_000);
});

test('alice reading in the browser shows as "seen by alice" in the terminal; the terminal’s /topic reaches her header', async () => {
  await tm.type('bob', 'are you there?');
  await waitForMessage(alice.page, 'bob', 'are you there?');
  // alice has #general on screen: she has read it, and her browser says so.
  await tm.waitFor('bob', /bob │ are you there\?\n\s+│ seen by alice/, 20_000);

  await tm.type('bob', '/topic Pineapple logistics');
  await messages.header(alice.page).locator('[data-topic="Pineapple logistics"]').waitFor({ state: 'visible', timeout: 20_000 });
});

test('/search in the terminal finds the browser user’s old message and /goto shows it', async () => {
  for (let i = 1; i <= 3; i++) await send(alice.page, `filler ${i}`);
  await tm.waitFor('bob', /alice │ filler 3/);
  await tm.type('bob', '/search pineapples');
  const screen = await tm.waitFor('bob', /#general {2}(\d+) {2}alice: the pineapples arrive on Tuesday/);
  const seq = /#general {2}(\d+) {2}alice: the pineapples arrive on Tuesday/.exec(screen)?.[1];
  await tm.type('bob', `/goto #general ${seq}`);
  await tm.waitFor('bob', /▌.*alice │ the pineapples arrive on Tuesday/);
});
