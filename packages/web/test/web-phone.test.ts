import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { DESKTOP, launchBrowser, openPage, PHONE, type Opened } from './helpers/browser.js';
import { SCREENSHOT_DIR, startWebEnv, until, type WebEnv } from './helpers/env.js';
import { layoutReport } from './helpers/inspect.js';
import { send, signIn, ui, waitForMessage } from './helpers/ui.js';

/*
 * A phone (360×640, touch): no sideways scrolling and finger-sized targets on
 * the sign-in page, the conversation list and a conversation; "Back" returns
 * to the list. Plus screenshots (desktop 1280×800 and phone) of the sign-in
 * page and of a conversation, into test-output/screenshots/.
 */

const PASSWORDS = { alice: 'alice-password-1', bob: 'bob-password-12' } as const;

let env: WebEnv;
let browser: Browser;
let desktop: Opened;
let phone: Opened;

before(async () => {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  env = await startWebEnv({ users: PASSWORDS });
  browser = await launchBrowser();
  desktop = await openPage(browser, env.origin, DESKTOP);
  phone = await openPage(browser, env.origin, PHONE);
});

after(async () => {
  await desktop?.context.close().catch(() => {});
  await phone?.context.close().catch(() => {});
  await browser?.close();
  await env?.close();
});

/** Asserts no horizontal overflow and no visible target under 44 px on what `page` shows now (`where`). */
async function assertFitsPhone(page: Page, where: string): Promise<void> {
  const r = await layoutReport(page);
  assert.ok(r.scrollWidth <= r.innerWidth, `${where}: scrollWidth ${r.scrollWidth} > innerWidth ${r.innerWidth}`);
  assert.ok(r.measured > 0, `${where}: nothing interactive was measured`);
  assert.deepEqual(r.small, [], `${where}: targets smaller than 44 px`);
}

/** Waits (bounded) for the page's images and fonts, then writes the screenshot `name`. */
async function shoot(page: Page, name: string): Promise<void> {
  await page.waitForLoadState('load');
  // (Polled with evaluate: waitForFunction with a string evals in the page, which its CSP rightly refuses.)
  await until(() => page.evaluate<boolean>('Array.from(document.images).every((i) => i.complete) && document.fonts.status === "loaded"'), `images and fonts of ${name}`);
  await page.screenshot({ path: join(SCREENSHOT_DIR, name), fullPage: false, animations: 'disabled', caret: 'hide' });
}

test('on a phone: sign-in page, list and conversation fit the width with finger-sized targets; send a message; Back returns to the list', async () => {
  const { page } = phone;
  await page.goto(`${env.origin}/`);
  await ui.signInButton(page).waitFor({ state: 'visible' });
  assert.equal(await page.evaluate<number>('window.innerWidth'), 360);
  await assertFitsPhone(page, 'sign-in page');
  await shoot(page, 'signin-phone.png');

  await signIn(page, env.origin, 'bob', PASSWORDS.bob);
  // A phone shows one pane at a time: the list, or a conversation with "Back" to the list.
  if (await ui.back(page).isVisible()) await ui.back(page).tap();
  await ui.conversation(page, '#general').waitFor({ state: 'visible' });
  assert.equal(await ui.composer(page).isVisible(), false, 'the list fills the phone screen (no composer beside it)');
  await assertFitsPhone(page, 'conversation list');

  await ui.conversation(page, '#general').tap();
  await ui.composer(page).waitFor({ state: 'visible' });
  assert.equal(await ui.back(page).isVisible(), true, 'a conversation on a phone has "Back"');
  await send(page, 'typed on a phone');
  await waitForMessage(page, 'bob', 'typed on a phone');
  await assertFitsPhone(page, 'conversation');

  await ui.back(page).tap();
  await ui.conversation(page, '#general').waitFor({ state: 'visible' });
  assert.equal(await ui.composer(page).isVisible(), false, 'Back shows the list again');
});

test('screenshots: sign-in page and a conversation, desktop and phone', async () => {
  const d = desktop.page;
  await d.goto(`${env.origin}/`);
  await ui.signInButton(d).waitFor({ state: 'visible' });
  await shoot(d, 'signin-desktop.png');

  await signIn(d, env.origin, 'alice', PASSWORDS.alice);
  const p = phone.page;
  if (!(await ui.composer(p).isVisible())) await ui.conversation(p, '#general').tap();
  const lines: Array<[Page, string, string]> = [
    [d, 'alice', 'Morning! Is the build green again?'],
    [p, 'bob', 'Yes — fixed the flaky test last night.'],
    [d, 'alice', 'Great, thanks. Release at 3 then?'],
    // (No emoji: this machine has no emoji font, it would show as a box.)
    [p, 'bob', 'Works for me. See you there!'],
  ];
  for (const [from, sender, text] of lines) {
    await send(from, text);
    await waitForMessage(d, sender, text);
    await waitForMessage(p, sender, text);
  }
  await shoot(d, 'chat-desktop.png');
  await shoot(p, 'chat-phone.png');
  await assertFitsPhone(p, 'conversation with several messages');
});
