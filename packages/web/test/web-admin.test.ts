import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { cspViolationsOf, DESKTOP, launchBrowser, openPage, PHONE, type Opened } from './helpers/browser.js';
import { SCREENSHOT_DIR, startWebEnv, until, type WebEnv } from './helpers/env.js';
import { layoutReport } from './helpers/inspect.js';
import { openConversation, send, signIn, ui, waitForChat } from './helpers/ui.js';

/*
 * The admin page of the web client against a real server: an admin sees the
 * users (roles, who is online) and live counts, promotes a member (whose page
 * grows an "Admin" entry at once), adds a user with a generated password
 * (who signs in with it), changes a setting (kept across a reload), and finds
 * it all in the audit log, without the password. A member has no admin page
 * and is refused admin commands. An admin's /broadcast is a distinct
 * announcement; "Sign out everywhere" and deleting an account end the other
 * user's page, which says why. Screenshots (desktop and phone) of the admin
 * page go to test-output/screenshots/.
 * One server and one browser for the file; the tests run in order.
 */

const PASSWORDS = {
  alice: 'alice-password-1',
  bob: 'bob-password-12',
  carol: 'carol-password-1',
  dave: 'dave-password-12',
} as const;

let env: WebEnv;
let browser: Browser;
const pages: Opened[] = [];
let alice: Opened | undefined;
let bob: Opened | undefined;
let carol: Opened | undefined;
/** The account the admin adds in the first test, and its generated password. */
let erin: { page: Opened; password: string } | undefined;

before(async () => {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  env = await startWebEnv({ users: PASSWORDS, admins: ['alice'] });
  browser = await launchBrowser();
});

after(async () => {
  for (const p of pages) await p.context.close().catch(() => {});
  await browser?.close();
  await env?.close();
});

async function open(options = DESKTOP): Promise<Opened> {
  const opened = await openPage(browser, env.origin, options);
  pages.push(opened);
  return opened;
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is not set up (an earlier test failed)`);
  return value;
}

// ------------------------------------------------------------ the admin page as the UI names it

const admin = {
  /** The sidebar entry, shown to admins only. */
  entry: (page: Page) => ui.conversations(page).getByRole('button', { name: 'Admin', exact: true }),
  page: (page: Page) => page.getByRole('main', { name: 'Admin', exact: true }),
  section: (page: Page, name: string) => admin.page(page).getByRole('region', { name, exact: true }),
  /** A user's row in the users table (`data-user`). */
  row: (page: Page, username: string) => admin.section(page, 'Users').locator(`[data-user="${username}"]`),
  count: (page: Page, key: string) => admin.section(page, 'Live counts').locator(`[data-count="${key}"] dd`),
  setting: (page: Page, key: string) => admin.section(page, 'Settings').getByLabel(key, { exact: true }),
  audit: (page: Page) => admin.section(page, 'Audit log').locator('[data-action]'),
};

/** Opens the admin page from the sidebar (a phone shows the list first). */
async function openAdmin(page: Page): Promise<void> {
  const entry = admin.entry(page);
  if (!(await entry.isVisible()) && (await ui.back(page).isVisible())) await ui.back(page).click();
  await entry.click();
  await admin.page(page).waitFor({ state: 'visible' });
  await admin.row(page, 'alice').waitFor({ state: 'visible' });
}

/** Waits until `locator`'s attribute `name` is `value`. */
async function attributeIs(locator: Locator, name: string, value: string, what: string, ms = 10_000): Promise<void> {
  await until(async () => (await locator.getAttribute(name)) === value, what, ms);
}

/** Waits until `locator`'s text is `value` (trimmed). */
async function textIs(locator: Locator, value: string, what: string, ms = 10_000): Promise<void> {
  let last = '';
  try {
    await until(async () => (last = (await locator.innerText()).trim()) === value, what, ms);
  } catch (err) {
    throw new Error(`${(err as Error).message} (last: "${last}")`);
  }
}

/** Waits for images and fonts, then writes the screenshot `name`. */
async function shoot(page: Page, name: string): Promise<void> {
  await page.waitForLoadState('load');
  await until(() => page.evaluate<boolean>('Array.from(document.images).every((i) => i.complete) && document.fonts.status === "loaded"'), `images and fonts of ${name}`);
  await page.screenshot({ path: join(SCREENSHOT_DIR, name), animations: 'disabled', caret: 'hide' });
}

/**
 * Screenshots of the admin page: `<name>.png` from its top, and `<name>-full.png`
 * of all of it (the page scrolls inside its own pane, so the window is made as
 * tall as the content for that one, then restored).
 */
async function shootAdmin(page: Page, name: string): Promise<void> {
  // (Strings: they run in the page, and this suite compiles without the DOM types.)
  await page.evaluate('document.querySelector(".admin__scroll").scrollTo(0, 0)');
  await shoot(page, `${name}.png`);
  const size = page.viewportSize();
  if (size === null) return;
  const content = await page.evaluate<number>('(() => { const el = document.querySelector(".admin__scroll"); return el.scrollHeight + el.getBoundingClientRect().top; })()');
  await page.setViewportSize({ width: size.width, height: Math.ceil(content) });
  try {
    await shoot(page, `${name}-full.png`);
  } finally {
    await page.setViewportSize(size);
  }
}

// ------------------------------------------------------------ tests

test('an admin sees users and live counts, promotes a member (whose page gets Admin at once), adds a user who signs in with the generated password, changes a setting that survives a reload, and the audit log has it all but no password', async () => {
  bob = await open();
  await signIn(bob.page, env.origin, 'bob', PASSWORDS.bob);
  alice = await open();
  await signIn(alice.page, env.origin, 'alice', PASSWORDS.alice);
  const a = alice.page;
  const b = bob.page;
  assert.equal(await admin.entry(b).count(), 0, 'a member has no Admin entry');

  await openAdmin(a);
  // Users: roles and who is online (carol and dave never signed in).
  await attributeIs(admin.row(a, 'alice'), 'data-role', 'admin', 'alice listed as admin');
  await attributeIs(admin.row(a, 'bob'), 'data-role', 'member', 'bob listed as member');
  await attributeIs(admin.row(a, 'alice'), 'data-online', 'true', 'alice online');
  await attributeIs(admin.row(a, 'bob'), 'data-online', 'true', 'bob online');
  for (const name of ['carol', 'dave']) {
    assert.equal(await admin.row(a, name).getAttribute('data-online'), 'false', `${name} offline`);
    assert.match(await admin.row(a, name).innerText(), /never signed in/);
  }
  // Live counts: two users on two browsers; four accounts.
  await textIs(admin.count(a, 'users'), '2', 'two users online');
  await textIs(admin.count(a, 'devices'), '2', 'two devices online');
  await textIs(admin.count(a, 'accounts'), '4', 'four accounts');
  assert.match(await admin.count(a, 'uptime').innerText(), /^\d+ (s|min|h|d)\b/);
  assert.match(await admin.count(a, 'rooms').innerText(), /^\d+$/);

  // The only admin cannot demote herself: the server's reason shows in plain words.
  await admin.row(a, 'alice').getByRole('button', { name: 'Demote alice', exact: true }).click();
  await admin.section(a, 'Users').getByRole('alert').filter({ hasText: 'That is the last admin: promote someone else first.' }).waitFor({ state: 'visible' });
  assert.equal(await admin.row(a, 'alice').getAttribute('data-role'), 'admin');

  // Promote bob: his page shows the Admin entry without a reload, and says why.
  await admin.row(a, 'bob').getByRole('button', { name: 'Promote bob', exact: true }).click();
  await attributeIs(admin.row(a, 'bob'), 'data-role', 'admin', 'bob promoted in the table');
  await admin.entry(b).waitFor({ state: 'visible', timeout: 10_000 });
  await ui.log(b).locator('[data-kind="notice"][data-emphasis]').filter({ hasText: 'alice made you an admin.' }).waitFor({ state: 'visible' });

  // Add erin without a password: the server generates one, shown once with a copy button.
  const users = admin.section(a, 'Users');
  await users.getByLabel('New username', { exact: true }).fill('erin');
  await users.getByRole('button', { name: 'Add user', exact: true }).click();
  const secret = users.locator('[data-secret]');
  await secret.waitFor({ state: 'visible' });
  const password = (await secret.innerText()).trim();
  assert.ok(password.length >= 12, `a strong generated password (got ${password.length} characters)`);
  assert.equal(await users.getByRole('button', { name: 'Copy password for erin', exact: true }).isVisible(), true);
  await attributeIs(admin.row(a, 'erin'), 'data-role', 'member', 'erin in the table');
  await secret.scrollIntoViewIfNeeded();
  await shoot(a, 'admin-added-user-desktop.png');
  const erinPage = await open();
  await signIn(erinPage.page, env.origin, 'erin', password);
  erin = { page: erinPage, password };

  // A setting: an invalid value is refused with the server's words; a valid one is saved and kept.
  const retention = admin.setting(a, 'retention_days');
  assert.equal(await retention.inputValue(), '90');
  await retention.fill('soon');
  await admin.section(a, 'Settings').getByRole('button', { name: 'Save retention_days', exact: true }).click();
  await admin.section(a, 'Settings').locator('[data-setting="retention_days"] .form-error').filter({ hasText: /retention_days must be a whole number from 0 to 36500/ }).waitFor({ state: 'visible' });
  await retention.fill('30');
  await admin.section(a, 'Settings').getByRole('button', { name: 'Save retention_days', exact: true }).click();
  await admin.section(a, 'Settings').locator('[data-setting="retention_days"]').getByText('Saved.', { exact: true }).waitFor({ state: 'visible' });

  // The audit log (newest first) holds those actions.
  await until(async () => (await admin.audit(a).count()) >= 3, 'three audit entries');
  const actions = await Promise.all((await admin.audit(a).all()).map((entry) => entry.getAttribute('data-action')));
  assert.deepEqual(actions.slice(0, 3), ['set', 'add_user', 'promote'], `newest first: ${actions.join(', ')}`);
  const auditText = await admin.section(a, 'Audit log').innerText();
  assert.match(auditText, /alice\s+promote\s+bob/);
  assert.match(auditText, /alice\s+add user\s+erin/);
  assert.match(auditText, /alice\s+set\s+retention_days/);
  assert.ok(!auditText.includes(password), 'the audit log holds no password');

  // An invite code, with its copy button; the audit log records that one was made.
  await users.getByRole('button', { name: 'Create invite', exact: true }).click();
  const code = users.locator('.secret', { hasText: 'Invite code' }).locator('[data-secret]');
  await code.waitFor({ state: 'visible' });
  assert.ok((await code.innerText()).trim().length >= 8, 'an invite code is shown');
  await users.getByRole('button', { name: 'Copy invite code', exact: true }).waitFor({ state: 'visible' });
  await until(async () => (await admin.audit(a).first().getAttribute('data-action')) === 'invite', 'the invite in the audit log');

  // The invite link opens the register page with the code filled in, in a browser that never saw the server.
  const inviteCode = (await code.innerText()).trim();
  const link = (await users.locator('.secret', { hasText: 'Invite link' }).locator('[data-secret]').innerText()).trim();
  assert.equal(link, `${env.origin}/#/register?invite=${encodeURIComponent(inviteCode)}`);
  const invited = await open();
  await invited.page.goto(link);
  const codeField = invited.page.getByLabel('Invite code', { exact: true });
  await codeField.waitFor({ state: 'visible' });
  assert.equal(await codeField.inputValue(), inviteCode, 'the code is filled in');
  await invited.page.getByText('Filled in from your invite link.', { exact: true }).waitFor({ state: 'visible' });
  assert.equal(new URL(invited.page.url()).hash, '', 'the code leaves the address bar');
  await ui.username(invited.page).fill('frank');
  await ui.password(invited.page).fill('frank-password-42');
  await ui.repeatPassword(invited.page).fill('frank-password-42');
  await ui.createAccountButton(invited.page).click();
  await waitForChat(invited.page);

  // After a reload the setting is still 30, and the page no longer holds the password anywhere.
  await a.reload();
  await waitForChat(a);
  await openAdmin(a);
  await until(async () => (await admin.setting(a, 'retention_days').inputValue()) === '30', 'retention_days 30 after a reload');
  await admin.audit(a).first().waitFor({ state: 'visible' });
  assert.ok(!(await a.content()).includes(password), 'the reloaded page holds no password');
});

test('a member has no Admin entry, and /listusers in the composer says only "Only an admin can do that."', async () => {
  carol = await open();
  const c = carol.page;
  await signIn(c, env.origin, 'carol', PASSWORDS.carol);
  await ui.current(c, '#general').waitFor({ state: 'visible' });
  assert.equal(await admin.entry(c).count(), 0, 'no Admin entry for a member');
  assert.equal(await c.getByText('Admin', { exact: true }).count(), 0, 'no "Admin" anywhere on a member\'s page');

  const log = ui.log(c);
  const before = await log.locator(':scope > *').count();
  await send(c, '/listusers');
  const refusal = log.locator('[data-kind="system"]').filter({ hasText: 'Only an admin can do that.' });
  await refusal.waitFor({ state: 'visible' });
  // Give any further output a moment to arrive, then: exactly one new entry, the refusal.
  await new Promise((r) => setTimeout(r, 500));
  const added = (await log.locator(':scope > *').allInnerTexts()).slice(before).map((t) => t.trim());
  assert.deepEqual(added, ['Only an admin can do that.'], `what /listusers added: ${JSON.stringify(added)}`);
});

test("an admin's /broadcast shows in another user's browser as an announcement, apart from messages; kicking a user from a room takes it off their list", async () => {
  const a = need(alice, 'alice').page;
  const c = need(carol, 'carol').page;
  await openConversation(a, '#general');
  await send(a, '/broadcast Hello all');
  const banner = ui.log(c).locator('[data-kind="notice"][data-emphasis="announcement"]').filter({ hasText: 'Hello all' });
  await banner.waitFor({ state: 'visible', timeout: 10_000 });
  assert.match(await banner.innerText(), /Announcement from alice/);
  assert.equal(await banner.getAttribute('role'), 'note');
  assert.equal(await banner.getAttribute('aria-label'), 'Announcement from alice');
  assert.equal(await ui.messages(c, { text: 'Hello all' }).count(), 0, 'not shown as a member message');
  await shoot(c, 'announcement-desktop.png');

  // carol joins #random; alice removes her from it on the admin page.
  await send(c, '/join #random');
  await ui.conversation(c, '#random').waitFor({ state: 'visible', timeout: 15_000 });
  await openAdmin(a);
  const rooms = admin.section(a, 'Rooms');
  await until(async () => (await rooms.locator('[data-room="#random"]').count()) === 1, '#random in the rooms list', 20_000);
  await rooms.getByRole('button', { name: 'Remove someone from #random', exact: true }).click();
  const dialog = ui.dialog(a);
  await dialog.getByLabel('User', { exact: true }).selectOption('carol');
  await dialog.getByRole('button', { name: 'Remove from #random', exact: true }).click();
  await dialog.waitFor({ state: 'hidden' });
  await ui.conversation(c, '#random').waitFor({ state: 'detached', timeout: 10_000 });
  await ui.log(c).locator('[data-kind="notice"][data-emphasis]').filter({ hasText: 'You were removed from #random' }).waitFor({ state: 'visible' });
  // Removing her again is refused in this dialog's own words.
  await rooms.getByRole('button', { name: 'Remove someone from #random', exact: true }).click();
  await dialog.getByLabel('User', { exact: true }).selectOption('carol');
  await dialog.getByRole('button', { name: 'Remove from #random', exact: true }).click();
  await dialog.getByRole('alert').filter({ hasText: 'carol is not in #random.' }).waitFor({ state: 'visible' });
  await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
});

test('"Sign out everywhere" closes the user\'s browser session within a second or two, showing the sign-in page with the reason; deleting an account does the same', async () => {
  const a = need(alice, 'alice').page;
  const dave = await open();
  const d = dave.page;
  await signIn(d, env.origin, 'dave', PASSWORDS.dave);
  await openAdmin(a);
  await attributeIs(admin.row(a, 'dave'), 'data-online', 'true', 'dave online');

  await admin.row(a, 'dave').getByRole('button', { name: 'Sign out everywhere: dave', exact: true }).click();
  const confirm = ui.dialog(a);
  assert.match(await confirm.innerText(), /Every session of dave ends now/);
  const started = Date.now();
  await confirm.getByRole('button', { name: 'Sign out everywhere', exact: true }).click();
  await ui.signInButton(d).waitFor({ state: 'visible', timeout: 5_000 });
  const elapsed = Date.now() - started;
  process.stderr.write(`web-admin: dave's page showed the sign-in page ${elapsed} ms after "Sign out everywhere"\n`);
  assert.ok(elapsed < 3_000, `signed out within ~2 s (took ${elapsed} ms)`);
  await ui.status(d).filter({ hasText: 'You were signed out (by an admin' }).waitFor({ state: 'visible' });
  await shoot(d, 'signed-out-by-admin-desktop.png');
  await attributeIs(admin.row(a, 'dave'), 'data-online', 'false', 'dave offline in the table', 20_000);
  assert.equal(await admin.row(a, 'dave').locator('td[data-label="Sessions"]').innerText(), '0');
  // He can sign in again.
  await signIn(d, env.origin, 'dave', PASSWORDS.dave);

  // Deleting erin's account: the dialog says what happens; her page ends with the reason.
  const e = need(erin, 'erin').page.page;
  await admin.row(a, 'erin').getByRole('button', { name: 'Delete erin', exact: true }).click();
  assert.match(await confirm.innerText(), /can never sign in again/);
  await shoot(a, 'admin-delete-dialog-desktop.png');
  await confirm.getByRole('button', { name: 'Delete account', exact: true }).click();
  await confirm.waitFor({ state: 'hidden' });
  await ui.signInButton(e).waitFor({ state: 'visible', timeout: 5_000 });
  await ui.status(e).filter({ hasText: 'An admin deleted your account.' }).waitFor({ state: 'visible' });
  await admin.row(a, 'erin').waitFor({ state: 'detached', timeout: 10_000 });
});

test('the admin page on a phone fits the width with finger-sized targets; screenshots of it on desktop and phone', async () => {
  const a = need(alice, 'alice').page;
  await openAdmin(a);
  await shootAdmin(a, 'admin-desktop');

  const phone = await open(PHONE);
  const p = phone.page;
  await signIn(p, env.origin, 'bob', PASSWORDS.bob);
  await openAdmin(p);
  await admin.count(p, 'users').waitFor({ state: 'visible' });
  const r = await layoutReport(p);
  assert.ok(r.scrollWidth <= r.innerWidth, `admin page: scrollWidth ${r.scrollWidth} > innerWidth ${r.innerWidth}`);
  assert.ok(r.measured > 10, 'the admin page\'s controls were measured');
  assert.deepEqual(r.small, [], 'admin page: targets smaller than 44 px');
  // The users table is laid out as cards here, and is still a table to assistive technology.
  const rows = admin.section(p, 'Users').getByRole('row');
  assert.equal(await rows.count(), 6, 'a header row and five user rows (frank registered with the invite link)');
  assert.equal(await admin.section(p, 'Users').getByRole('rowheader', { name: /^carol/ }).count(), 1, "carol's row is named by her name");
  await shootAdmin(p, 'admin-phone');
  // Back returns to the conversation list.
  await admin.page(p).getByRole('button', { name: 'Back', exact: true }).click();
  await ui.conversation(p, '#general').waitFor({ state: 'visible' });
});

test('no CSP violation, page error or console error on any page of the tests above', async () => {
  const findings: string[] = [];
  for (const [i, p] of pages.entries()) {
    const who = `page ${i + 1}`;
    for (const v of await cspViolationsOf(p.page)) findings.push(`${who}: CSP violation: ${v}`);
    for (const problem of p.watch.problems) findings.push(`${who}: ${problem}`);
    for (const url of p.watch.foreignRequests) findings.push(`${who}: request to another origin: ${url}`);
  }
  assert.deepEqual(findings, []);
});
