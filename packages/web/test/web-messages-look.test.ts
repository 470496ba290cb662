import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import type { ConversationId } from '@conclave/protocol';
import { launchBrowser, openPage, type Opened } from './helpers/browser.js';
import { coreUser, type CoreUser } from './helpers/core-user.js';
import { SCREENSHOT_DIR, startWebEnv, until, type WebEnv } from './helpers/env.js';
import { layoutReport } from './helpers/inspect.js';
import { itemOf, messages, placed } from './helpers/messages.js';
import { screenshot, send, signIn, ui } from './helpers/ui.js';

/*
 * A conversation using everything at once — a reply, reactions, an edit, a
 * deletion, a mention, an emote, formatting, "Seen by", "… is typing", the
 * topic and the member list — at desktop (1280×800) and phone (390×844)
 * widths: screenshots into test-output/screenshots/ (web-messages-*.png),
 * the phone's action sheet (tap a message, react), and finger-sized targets
 * with no sideways scrolling on the phone.
 */

const PASSWORDS = { alice: 'alice-password-1', bob: 'bob-password-12', carol: 'carol-password-1' } as const;
const PHONE_SIZE = { width: 390, height: 844 };

let env: WebEnv;
let browser: Browser;
let alice: Opened;
let bob: CoreUser;
let carol: CoreUser;
let room: ConversationId;

before(async () => {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  env = await startWebEnv({ users: PASSWORDS });
  browser = await launchBrowser();
  [bob, carol] = await Promise.all([coreUser(env, 'bob', PASSWORDS.bob), coreUser(env, 'carol', PASSWORDS.carol)]);
  alice = await openPage(browser, env.origin);
});

after(async () => {
  await Promise.all([bob?.close(), carol?.close()]);
  await alice?.context.close().catch(() => {});
  await browser?.close();
  await env?.close();
});

/** `who` says `text` in the room (through its view model: mentions and `/me` as typed), and alice's page shows it. */
async function say(who: CoreUser, text: string, options: { replyTo?: number } = {}): Promise<number> {
  who.model.select(room);
  await who.model.submit(text, options);
  const item = await who.until(() => itemOf(who.model, room, text.replace(/^\/me /, '').split('\n')[0] ?? text), `"${text}" placed`);
  await until(async () => (await alice.page.locator(`[data-key="${item.key}"]`).count()) === 1, `"${text}" on alice's page`);
  return item.seq;
}

/** bob starts typing (again: a fresh "start", so the line shows for the next few seconds). */
async function bobTypes(page: Page): Promise<void> {
  bob.model.composing('');
  bob.model.composing('Writing the release notes');
  await until(async () => (await messages.typing(page).textContent()) === 'bob is typing…', '"bob is typing…"');
}

test('a conversation with replies, reactions, edits, a deletion, a mention, "Seen by", typing, topic and members (desktop)', async () => {
  const { page } = alice;
  await signIn(page, env.origin, 'alice', PASSWORDS.alice);
  await send(page, '/join #release');
  await ui.current(page, '#release').waitFor({ state: 'attached', timeout: 20_000 });
  room = (await bob.client.join('#release')).conversationId;
  await carol.client.join('#release');
  await bob.client.setTopic(room, 'Release 2.4 — ship on Friday');
  await messages.header(page).locator('[data-topic="Release 2.4 — ship on Friday"]').waitFor({ state: 'visible', timeout: 15_000 });

  await say(bob, 'Morning! Is the **build** green again?');
  await send(page, 'Yes — fixed the flaky test last night. `npm test` passes on CI now.');
  const { key: fixedKey, entry: fixed } = await placed(page, 'alice', 'fixed the flaky test');
  await bob.until(() => bob.model.message(fixedKey), "alice's message at bob's");
  await carol.until(() => carol.model.message(fixedKey), "alice's message at carol's");
  await Promise.all([bob.model.react(fixedKey, '🎉'), carol.model.react(fixedKey, '🎉'), carol.model.react(fixedKey, '👍')]);
  await say(carol, 'The retry settings I used:\n```\nretries: 3\ntimeout: 30s\n```');
  const oops = await say(carol, 'oops, wrong window');
  await carol.client.deleteMessage(room, oops);
  const fixedSeq = bob.model.message(fixedKey)?.seq ?? 0;
  await say(bob, 'Great, thanks @alice! Release at 3 then?', { replyTo: fixedSeq });
  await say(bob, '/me is writing the release notes');
  await send(page, 'Release at 3 works for me');
  await placed(page, 'alice', 'Release at 3 works for me');
  await page.keyboard.press('ArrowUp');
  await ui.composer(page).fill('Release at **3pm** works for me, I will tag it');
  await page.keyboard.press('Enter');
  for (const who of [bob, carol]) {
    who.model.select(null);
    who.model.select(room);
  }
  const last = messages.entry(page, 'alice', 'works for me');
  await until(async () => /bob/.test((await messages.seen(last).textContent()) ?? '') && /carol/.test((await messages.seen(last).textContent()) ?? ''), '"Seen by" bob and carol');
  await last.getByText('(edited)').waitFor({ state: 'visible' });
  await ui.log(page).locator('[data-deleted="true"]').waitFor({ state: 'visible' });
  await ui.log(page).locator('[data-mention="true"]').waitFor({ state: 'visible' });
  await messages.chip(fixed, '🎉').waitFor({ state: 'visible' });

  // A mention elsewhere: "@1" beside #general in the list.
  bob.model.select(bob.conversation('#general').conversationId);
  await bob.model.submit('@alice the #general checklist needs you too');
  await ui.conversations(page).getByRole('button', { name: '#general, 1 unread, 1 mention', exact: true }).waitFor({ state: 'visible', timeout: 15_000 });
  bob.model.select(room);

  await messages.header(page).getByRole('button', { name: /^Members/ }).click();
  await page.getByRole('complementary', { name: 'Members' }).locator('[data-username="carol"]').waitFor({ state: 'visible' });
  await bobTypes(page);
  await page.mouse.move(640, 400);
  await fixed.hover();
  await screenshot(page, SCREENSHOT_DIR, 'web-messages-desktop.png');
  await messages.header(page).getByRole('button', { name: /^Members/ }).click();
});

test('the same conversation on a phone: fits the width with finger-sized targets; a tap opens the action sheet, which reacts', async () => {
  const { page } = alice;
  await page.setViewportSize(PHONE_SIZE);
  await page.mouse.move(0, 0);
  await messages.header(page).getByRole('button', { name: /^Back/ }).waitFor({ state: 'visible' });
  await bobTypes(page);
  await screenshot(page, SCREENSHOT_DIR, 'web-messages-phone.png');
  const r = await layoutReport(page);
  assert.ok(r.scrollWidth <= r.innerWidth, `no sideways scrolling (${r.scrollWidth} > ${r.innerWidth})`);
  assert.deepEqual(r.small, [], 'finger-sized targets');

  const question = messages.entry(page, 'bob', 'Is the build green again?');
  await question.locator('.msg__text').click();
  const sheet = page.getByRole('dialog', { name: 'Message from bob' });
  await sheet.waitFor({ state: 'visible' });
  await screenshot(page, SCREENSHOT_DIR, 'web-messages-sheet-phone.png');
  await sheet.getByRole('button', { name: 'React with ❤️' }).click();
  await sheet.waitFor({ state: 'detached' });
  await messages.chip(question, '❤️').waitFor({ state: 'visible' });
  assert.equal(await messages.chip(question, '❤️').getAttribute('aria-label'), '❤️ 1: alice');

  // "More reactions" opens the full picker as a sheet.
  await question.locator('.msg__text').click();
  await sheet.getByRole('button', { name: 'More reactions' }).click();
  const picker = page.getByRole('dialog', { name: 'Add reaction' });
  await picker.getByRole('gridcell').first().waitFor({ state: 'visible' });
  await screenshot(page, SCREENSHOT_DIR, 'web-messages-picker-phone.png');
  await page.keyboard.press('Escape');
  await picker.waitFor({ state: 'detached' });
  await page.setViewportSize({ width: 1280, height: 800 });
});
