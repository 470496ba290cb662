import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { runShellAdmin } from '@conclave/server';
import { launchBrowser, openPage, type Opened } from './helpers/browser.js';
import { SCREENSHOT_DIR, sleep, startWebEnv, terminalUser, type WebEnv } from './helpers/env.js';
import { screenshot, signIn, ui, waitForMessage } from './helpers/ui.js';

/*
 * A message the server refuses is kept, marked "Not sent" with why, with
 * Retry and Discard. The refusal is a real one: an admin lowers
 * `max_message_bytes` from the shell while alice is signed in, so her client
 * still allows the longer text and the server refuses it (BODY_TOO_LARGE: the
 * ciphertext limit is the setting plus 4 KiB of MLS overhead, so the texts are 6 000 bytes).
 * Retry after the admin raised the limit again sends it (received once);
 * Discard drops another one for good.
 */

const PASSWORDS = { alice: 'alice-password-1', bob: 'bob-password-12' } as const;
/** The settings cache of the server is 1 s: a change is in force after this, ms. */
const SETTING_IN_FORCE_MS = 1_500;

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

/** The message entries containing `text` in a given state (`failed`, or `sent`: no status). */
function entries(page: Page, text: string, status: 'failed' | 'sent') {
  const sel = status === 'sent' ? '[data-kind="message"]:not([data-status])' : `[data-kind="message"][data-status="${status}"]`;
  return ui.log(page).locator(sel).filter({ hasText: text });
}

async function setMaxMessageBytes(value: number): Promise<void> {
  await runShellAdmin(env.dataDir, { action: 'set', key: 'max_message_bytes', value: String(value) });
  await sleep(SETTING_IN_FORCE_MS);
}

test('refused by the server: kept as "Not sent" with why; Retry sends it once, Discard drops it', { timeout: 180_000 }, async () => {
  const bob = terminalUser(env, 'bob', PASSWORDS.bob);
  await bob.read();
  const { page } = alice;
  await signIn(page, env.origin, 'alice', PASSWORDS.alice);
  await ui.current(page, '#general').waitFor({ state: 'attached' });

  await setMaxMessageBytes(256);
  const box = ui.composer(page);
  const retried = `retried after the limit went back up ${'r'.repeat(6_000)}`;
  await box.fill(retried);
  await box.press('Enter');
  const failed = entries(page, 'retried after the limit', 'failed');
  await failed.waitFor({ state: 'visible', timeout: 20_000 });
  assert.match(await failed.getByRole('alert').innerText(), /Not sent: Message too long\./);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await screenshot(page, SCREENSHOT_DIR, 'failed-desktop.png');

  const discarded = `discarded for good ${'d'.repeat(6_000)}`;
  await box.fill(discarded);
  await box.press('Enter');
  const failedToo = entries(page, 'discarded for good', 'failed');
  await failedToo.waitFor({ state: 'visible', timeout: 20_000 });
  await failedToo.getByRole('button', { name: 'Discard' }).click();
  await failedToo.waitFor({ state: 'detached', timeout: 10_000 });

  await setMaxMessageBytes(16 * 1024);
  await failed.getByRole('button', { name: 'Retry' }).click();
  await entries(page, 'retried after the limit', 'sent').waitFor({ state: 'visible', timeout: 20_000 });
  assert.equal(await failed.count(), 0, 'no longer failed');
  assert.equal(await ui.messages(page, { text: 'retried after the limit' }).count(), 1, 'shown once');

  // bob gets the retried one once and never the discarded one; a later message shows nothing else came.
  const later = 'and a short one after';
  await box.fill(later);
  await box.press('Enter');
  await waitForMessage(page, 'alice', later);
  const got = await bob.readUntil((all) => all.some((l) => l.text === later), 'the message after the retry');
  assert.deepEqual(
    got.filter((l) => l.conversation === '#general').map((l) => l.text.slice(0, 30)),
    [retried.slice(0, 30), later.slice(0, 30)],
  );
});
