import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { runShellAdmin } from '@conclave/server';
import { DESKTOP, launchBrowser, openPage, PHONE, type Opened } from './helpers/browser.js';
import { SCREENSHOT_DIR, sleep, startWebEnv, terminalUser, until, type WebEnv } from './helpers/env.js';
import { layoutReport } from './helpers/inspect.js';
import { isFocused, send, signIn, ui, waitForMessage } from './helpers/ui.js';

/*
 * The composer near the size limit (counter, a refused line kept with the
 * reason), the join dialog (focus, `#`, "Music Night" → #music-night),
 * verifying a contact (the dialog closes, ✓ in the header and the list), and
 * a DM on a phone (the name stays visible, the actions in a "More" menu).
 * Screenshots go to test-output/screenshots/.
 */

const PASSWORDS = { alice: 'alice-password-1', bob: 'bob-password-12', carol: 'carol-password-1' } as const;
/** `max_message_bytes` for this file (the setting's minimum is 256). */
const LIMIT = 300;

let env: WebEnv;
let browser: Browser;
let desktop: Opened;
let phone: Opened;

before(async () => {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  env = await startWebEnv({ users: PASSWORDS });
  await runShellAdmin(env.dataDir, { action: 'set', key: 'max_message_bytes', value: String(LIMIT) });
  // The server reuses a setting it read for up to a second; the pages connect (and learn the limit) after that.
  await sleep(1_200);
  browser = await launchBrowser();
  desktop = await openPage(browser, env.origin, DESKTOP);
  phone = await openPage(browser, env.origin, PHONE);
  // bob's terminal device exists, so a DM with him can be set up and verified.
  await terminalUser(env, 'bob', PASSWORDS.bob).read();
});

after(async () => {
  await desktop?.context.close().catch(() => {});
  await phone?.context.close().catch(() => {});
  await browser?.close();
  await env?.close();
});

/** Waits for images and fonts, then writes the screenshot `name`. */
async function shoot(page: Page, name: string): Promise<void> {
  await until(() => page.evaluate<boolean>('Array.from(document.images).every((i) => i.complete) && document.fonts.status === "loaded"'), `images and fonts of ${name}`);
  await page.screenshot({ path: join(SCREENSHOT_DIR, name), animations: 'disabled', caret: 'hide' });
}

const note = (page: Page) => page.locator('#composer-note');

test('near the limit a counter shows what is left; a line over it stays in the composer with the reason under it', async () => {
  const { page } = desktop;
  await signIn(page, env.origin, 'alice', PASSWORDS.alice);
  await ui.current(page, '#general').waitFor({ state: 'attached' });
  const box = ui.composer(page);

  await box.fill('short');
  assert.equal(await note(page).innerText(), '', 'no counter far from the limit');
  // The limit counts the encrypted content's envelope too: the counter says how many characters still fit.
  const near = LIMIT - 40;
  await box.fill('a'.repeat(near));
  const counter = note(page).getByText(/^\d+ left$/);
  await counter.waitFor({ state: 'visible' });
  const left = Number(/^(\d+)/.exec(await counter.innerText())?.[1]);
  assert.ok(left > 0 && left < 40, `"${left} left" near the limit`);

  const tooLong = 'b'.repeat(near + left + 37);
  await box.fill(tooLong);
  await note(page).getByText('37 too many', { exact: true }).waitFor({ state: 'visible' });
  await box.press('Enter');
  const refusal = page.getByRole('alert').filter({ hasText: /Too long by 37 characters/ });
  await refusal.waitFor({ state: 'visible' });
  assert.equal(await box.inputValue(), tooLong, 'the refused text is kept');
  await shoot(page, 'composer-too-long-desktop.png');

  // Shortened, it goes.
  const fits = 'c'.repeat(near);
  await box.fill(fits);
  assert.equal(await refusal.count(), 0, 'the reason goes when the text changes');
  await box.press('Enter');
  await waitForMessage(page, 'alice', fits);
  assert.equal(await box.inputValue(), '');
});

test('join dialog: focus in the name field, a typed # is not doubled, "Music Night" is offered as #music-night', async () => {
  const { page } = desktop;
  await page.getByRole('button', { name: 'Join or create a room' }).click();
  const dialog = ui.dialog(page);
  const field = dialog.getByLabel('Room name');
  await field.waitFor({ state: 'visible' });
  await until(() => isFocused(field), 'the focus in the Room name field', 5_000);

  await page.keyboard.type('#films');
  assert.equal(await field.inputValue(), 'films', 'the field shows its own # prefix: a typed one is dropped');
  await dialog.getByRole('button', { name: 'Create #films', exact: true }).waitFor({ state: 'visible' });

  await field.fill('Music Night');
  const create = dialog.getByRole('button', { name: 'Create #music-night', exact: true });
  await create.waitFor({ state: 'visible' });
  await shoot(page, 'join-dialog-desktop.png');
  await create.click();
  await dialog.waitFor({ state: 'hidden', timeout: 20_000 });
  await ui.current(page, '#music-night').waitFor({ state: 'attached', timeout: 20_000 });
  await page.locator('.conv-header__name').getByText('#music-night', { exact: true }).waitFor({ state: 'visible' });
});

test('verify: after "Mark as verified" the dialog closes and a verified mark shows in the DM header and the list', async () => {
  const { page } = desktop;
  await send(page, '/msg bob');
  await ui.current(page, '@bob').waitFor({ state: 'attached', timeout: 30_000 });
  const header = page.locator('.conv-header');
  assert.equal(await header.getByRole('img', { name: 'verified' }).count(), 0, 'not verified yet');

  await header.getByRole('button', { name: 'Verify', exact: true }).click();
  const dialog = ui.dialog(page);
  await dialog.getByRole('button', { name: 'Mark as verified' }).click({ timeout: 20_000 });
  await dialog.waitFor({ state: 'hidden' });
  await header.getByRole('img', { name: 'verified' }).waitFor({ state: 'visible' });
  await ui.conversations(page).getByRole('button', { name: /^@bob, verified\b/ }).waitFor({ state: 'visible' });
  await shoot(page, 'dm-verified-desktop.png');
});

test('a DM on a phone: the name is not cut, Verify / Mute / Sign out sit in a "More" menu that Escape closes', async () => {
  const { page } = phone;
  await signIn(page, env.origin, 'carol', PASSWORDS.carol);
  if (!(await ui.composer(page).isVisible())) await ui.conversation(page, '#general').tap();
  await send(page, '/msg bob');
  await page.locator('.conv-header__name').getByText('@bob', { exact: true }).waitFor({ state: 'visible', timeout: 30_000 });
  // Verify is offered once the DM is set up (not while "Setting up encryption with bob…").
  // (The list is hidden on a phone showing a conversation: the header's presence line tells instead.)
  await page.locator('.conv-header__sub').getByText(/^(online|offline)$/).waitFor({ state: 'visible', timeout: 30_000 });
  const cut = await page.locator('.conv-header__label').evaluate((el) => {
    // (This typecheck has no DOM lib: the page function names the members it reads.)
    const box = el as unknown as { scrollWidth: number; clientWidth: number };
    return box.scrollWidth > box.clientWidth;
  });
  assert.equal(cut, false, 'the DM name "@bob" is shown whole');

  const more = page.getByRole('button', { name: 'More', exact: true });
  assert.equal(await more.getAttribute('aria-haspopup'), 'menu');
  assert.equal(await ui.signOutButton(page).count(), 0, 'no Sign out button beside the name on a phone');
  await more.tap();
  const menu = page.getByRole('menu', { name: 'More' });
  await menu.waitFor({ state: 'visible' });
  assert.equal(await menu.getByRole('menuitem').count(), 3, 'three items');
  for (const name of ['Verify', /^(Mute|Unmute) sounds$/, 'Sign out']) {
    assert.equal(await menu.getByRole('menuitem', { name, exact: true }).count(), 1, `an item "${String(name)}"`);
  }
  const r = await layoutReport(page);
  assert.ok(r.scrollWidth <= r.innerWidth, `no sideways scrolling with the menu open (${r.scrollWidth} > ${r.innerWidth})`);
  assert.deepEqual(r.small, [], 'finger-sized targets with the menu open');
  await shoot(page, 'dm-menu-phone.png');

  await page.keyboard.press('Escape');
  await menu.waitFor({ state: 'hidden' });
  assert.ok(await isFocused(more), 'the focus is back on "More"');

  // An item does what it says: Verify opens the safety-number screen.
  await more.tap();
  await menu.getByRole('menuitem', { name: 'Verify' }).tap();
  await ui.dialog(page).getByRole('button', { name: 'Mark as verified' }).waitFor({ state: 'visible', timeout: 20_000 });
  await page.keyboard.press('Escape');
  await ui.dialog(page).waitFor({ state: 'hidden' });
  await shoot(page, 'dm-phone.png');
});
