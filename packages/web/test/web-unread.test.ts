import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openPage, type Opened } from './helpers/browser.js';
import { SCREENSHOT_DIR, startWebEnv, terminalUser, type WebEnv } from './helpers/env.js';
import { openConversation, screenshot, send, signIn, ui, waitForChat, waitForMessage } from './helpers/ui.js';

/** The DOM members the page functions below use (this project's typecheck has no DOM lib). */
interface PageElement {
  querySelectorAll(selectors: string): Iterable<PageElement>;
  getAttribute(name: string): string | null;
  readonly textContent: string | null;
  closest(selectors: string): PageElement | null;
  getBoundingClientRect(): { top: number; bottom: number };
}

/*
 * Unread messages across a reload: the badge survives it, the page comes
 * back in the conversation it showed, and opening the conversation with
 * unread messages draws a "New messages" divider above the first of them,
 * with "Jump to new messages" while the divider is scrolled out of view.
 */

const PASSWORDS = { alice: 'alice-password-1', bob: 'bob-password-12' } as const;
/** Lines in each of bob's messages: three of them are taller than the message list. */
const LINES = 14;

let env: WebEnv;
let browser: Browser;
let alice: Opened;

before(async () => {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  env = await startWebEnv({ users: PASSWORDS });
  browser = await launchBrowser();
  alice = await openPage(browser, env.origin, { viewport: { width: 1280, height: 720 } });
});

after(async () => {
  await alice?.context.close().catch(() => {});
  await browser?.close();
  await env?.close();
});

const unreadBadge = (page: Page, label: string, n: number) =>
  ui.conversations(page).getByRole('button', { name: new RegExp(`^${label}, ${n} unread$`) });

test('after a reload: back in the same conversation, unread badges kept, a New messages divider and a jump to it', async () => {
  const bob = terminalUser(env, 'bob', PASSWORDS.bob);
  await bob.read();
  const { page } = alice;
  await signIn(page, env.origin, 'alice', PASSWORDS.alice);
  await send(page, 'read before the others');
  await send(page, '/join #films');
  await ui.current(page, '#films').waitFor({ state: 'attached', timeout: 20_000 });

  const texts = [1, 2, 3].map((i) => `unread number ${i}\n${Array.from({ length: LINES - 1 }, (_, l) => `line ${l + 2} of message ${i}`).join('\n')}`);
  for (const text of texts) await bob.send('#general', text);
  await unreadBadge(page, '#general', 3).waitFor({ state: 'visible', timeout: 20_000 });

  await page.reload();
  await waitForChat(page);
  await ui.current(page, '#films').waitFor({ state: 'attached', timeout: 20_000 });
  await unreadBadge(page, '#general', 3).waitFor({ state: 'visible', timeout: 20_000 });

  await openConversation(page, '#general');
  await waitForMessage(page, 'bob', 'unread number 3');
  const divider = ui.log(page).getByRole('separator', { name: 'New messages' });
  await divider.waitFor({ state: 'attached' });
  // The divider sits right above the first unread message (and below the one read before).
  const order = await ui.log(page).evaluate((log) =>
    Array.from((log as unknown as PageElement).querySelectorAll('[data-kind="message"], [role="separator"]')).map((el) =>
      el.getAttribute('role') === 'separator' ? 'divider' : (el.textContent ?? '').slice(0, 40),
    ),
  );
  const at = order.indexOf('divider');
  assert.ok(at > 0 && (order[at - 1] ?? '').includes('read before the others'), `above the divider: the message read before: ${JSON.stringify(order)}`);
  assert.ok((order[at + 1] ?? '').includes('unread number 1'), `below the divider: the first unread message: ${JSON.stringify(order)}`);

  // The list shows the newest message: the divider is above, out of view; the button brings it back.
  const jump = page.getByRole('button', { name: 'Jump to new messages' });
  await jump.waitFor({ state: 'visible' });
  await screenshot(page, SCREENSHOT_DIR, 'unread-jump-desktop.png');
  await jump.click();
  await jump.waitFor({ state: 'hidden' });
  assert.ok(await divider.isVisible());
  const inView = await divider.evaluate((node) => {
    const el = node as unknown as PageElement;
    const log = el.closest('[role="log"]');
    if (log === null) return false;
    const a = el.getBoundingClientRect();
    const b = log.getBoundingClientRect();
    return a.top >= b.top - 1 && a.bottom <= b.bottom + 1;
  });
  assert.ok(inView, 'the divider is in view after the jump');
  await screenshot(page, SCREENSHOT_DIR, 'unread-divider-desktop.png');
  await ui.conversations(page).getByRole('button', { name: /^#general$/ }).waitFor({ state: 'visible' });
});
