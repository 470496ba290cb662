import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openPage, type Opened } from './helpers/browser.js';
import { SCREENSHOT_DIR, startWebEnv, terminalUser, type WebEnv } from './helpers/env.js';
import { screenshot, signIn, ui, waitForMessage } from './helpers/ui.js';

/*
 * A message typed while the server is down shows at once, dimmed and marked
 * "Sending…"; when the server is back it becomes a normal message, and the
 * peer gets it exactly once. Meanwhile the status bar counts down to the next
 * attempt ("Offline — reconnecting in Ns").
 */

const PASSWORDS = { alice: 'alice-password-1', bob: 'bob-password-12' } as const;

let env: WebEnv;
let browser: Browser;
let alice: Opened;

before(async () => {
  env = await startWebEnv({ users: PASSWORDS });
  browser = await launchBrowser();
  alice = await openPage(browser, env.origin);
});

after(async () => {
  await alice?.context.close().catch(() => {});
  await browser?.close();
  await env?.close();
});

/** The message entries containing `text` in a given state (`pending`, `failed`, or `sent`: neither). */
function entries(page: Page, text: string, status: 'pending' | 'failed' | 'sent') {
  const sel = status === 'sent' ? '[data-kind="message"]:not([data-status])' : `[data-kind="message"][data-status="${status}"]`;
  return ui.log(page).locator(sel).filter({ hasText: text });
}

test('typed while the server is down: shown at once as pending, sent when it is back, received once', async () => {
  const bob = terminalUser(env, 'bob', PASSWORDS.bob);
  await bob.read();
  const { page } = alice;
  await signIn(page, env.origin, 'alice', PASSWORDS.alice);
  await ui.current(page, '#general').waitFor({ state: 'attached' });

  await env.stop();
  await ui.status(page).filter({ hasText: /^Offline — reconnecting/ }).waitFor({ state: 'visible', timeout: 15_000 });
  await ui.status(page).filter({ hasText: /^Offline — reconnecting in \d+s$/ }).waitFor({ state: 'visible', timeout: 15_000 });

  const text = 'typed while the server was down';
  const box = ui.composer(page);
  await box.fill(text);
  await box.press('Enter');
  const pending = entries(page, text, 'pending');
  await pending.waitFor({ state: 'visible', timeout: 2_000 });
  assert.equal(await box.inputValue(), '', 'the composer clears as usual');
  assert.match(await pending.innerText(), /Sending…/);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await screenshot(page, SCREENSHOT_DIR, 'pending-offline-desktop.png');

  await env.start();
  await entries(page, text, 'sent').waitFor({ state: 'visible', timeout: 45_000 });
  await ui.status(page).filter({ hasText: /reconnecting/i }).waitFor({ state: 'hidden', timeout: 45_000 });
  assert.equal(await pending.count(), 0, 'no longer pending');
  assert.equal(await ui.messages(page, { text }).count(), 1, 'shown once');

  // bob gets it once; a later message shows nothing else came after it.
  const later = 'and this one after the server was back';
  await box.fill(later);
  await box.press('Enter');
  await waitForMessage(page, 'alice', later);
  const got = await bob.readUntil((all) => all.some((l) => l.text === later), 'the message after the restart');
  assert.deepEqual(
    got.filter((l) => l.text === text || l.text === later).map((l) => `${l.conversation}: ${l.text}`),
    [`#general: ${text}`, `#general: ${later}`],
  );
});
