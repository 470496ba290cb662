import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import type { ConversationId } from '@conclave/protocol';
import { cspViolationsOf, type Opened } from './helpers/browser.js';
import { browserAndCore, type BrowserAndCore, type CoreUser } from './helpers/core-user.js';
import { until } from './helpers/env.js';
import { inView, itemOf, messageAction, messages, placed } from './helpers/messages.js';
import { isFocused, send, ui, waitForMessage } from './helpers/ui.js';

/*
 * Acting on messages in the web client, with bob on the other side (the
 * client core and its view model, in this process): replying (the quote, a
 * jump to the original), reactions (quick ones and the emoji picker, counts
 * and who), editing with ↑, deleting after a confirmation, an emote.
 * One server, one browser; the tests run in order in #general.
 */

const PASSWORDS = { alice: 'alice-password-1', bob: 'bob-password-12' } as const;
/** Lines of each filler message bob sends between an original and its reply (together taller than the list). */
const FILLER_LINES = 4;

let pair: BrowserAndCore;
let alice: Opened;
let bob: CoreUser;
let general: ConversationId;

before(async () => {
  pair = await browserAndCore(PASSWORDS);
  ({ alice, bob, general } = pair);
});

after(async () => {
  await pair?.close();
});

test('reply: "Reply" quotes the message in the composer; the reply shows the quote, and clicking it jumps back to the original', async () => {
  const { page } = alice;
  const original = await bob.client.sendText(general, 'Which **branch** do we release from?');
  for (let i = 1; i <= 6; i++) {
    await bob.client.sendText(general, `filler ${i}\n${Array.from({ length: FILLER_LINES - 1 }, (_, l) => `line ${l + 2}`).join('\n')}`);
  }
  await waitForMessage(page, 'bob', 'filler 6');

  const question = messages.entry(page, 'bob', 'Which branch');
  await messageAction(question, 'Reply');
  await messages.mode(page).getByText('Replying to bob: Which branch do we release from?').waitFor({ state: 'visible' });
  assert.ok(await isFocused(ui.composer(page)), 'the message box has the focus');
  await ui.composer(page).fill('From main, after the freeze.');
  await ui.composer(page).press('Enter');
  await messages.mode(page).waitFor({ state: 'detached' });

  const reply = await waitForMessage(page, 'alice', 'From main, after the freeze.');
  const quote = messages.quote(reply);
  assert.equal(await quote.locator('.quote__sender').textContent(), 'bob');
  assert.equal(await quote.locator('.quote__text').textContent(), 'Which branch do we release from?', 'the start of the original, without its Markdown');
  // bob's side: a reply to his message.
  const mine = await bob.until(() => itemOf(bob.model, general, 'From main')?.replyTo, "alice's reply with its quote");
  assert.equal(mine.seq, original.seq);
  assert.equal(mine.sender, 'bob');

  // The original is scrolled out of view by the fillers; the quote brings it back, highlighted and focused.
  await reply.scrollIntoViewIfNeeded();
  assert.equal(await inView(page, question), false, 'the original is out of view before the jump');
  await quote.click();
  await until(() => inView(page, question), 'the original in view after clicking the quote', 5_000);
  assert.match((await question.getAttribute('class')) ?? '', /msg--flash/, 'the original is highlighted');
  assert.ok(await isFocused(question), 'the original has the focus (screen readers read it)');
});

test('reactions: a quick reaction and one from the picker show as chips with counts and who; a click takes mine back', async () => {
  const { page } = alice;
  const question = messages.entry(page, 'bob', 'Which branch');
  await messageAction(question, 'React with 👍');
  const thumbs = messages.chip(question, '👍');
  await thumbs.waitFor({ state: 'visible' });
  assert.equal(await thumbs.getAttribute('aria-label'), '👍 1: alice');
  assert.equal(await thumbs.getAttribute('aria-pressed'), 'true', 'my reaction is marked');

  // bob reacts too: the count and the names follow.
  const item = itemOf(bob.model, general, 'do we release from');
  assert.ok(item, 'bob has his message');
  await bob.until(() => item.key !== undefined && bob.model.message(item.key)?.reactions?.length === 1, "alice's 👍 at bob's");
  await bob.model.react(item.key, '👍');
  await until(async () => (await thumbs.getAttribute('aria-label')) === '👍 2: alice, bob', '"👍 2: alice, bob"');
  // The names are a tooltip too (shown on hover and on keyboard focus).
  assert.equal(await thumbs.locator('.tip').textContent(), '👍 2: alice, bob');

  // The full picker: search, pick.
  await messageAction(question, 'Add reaction');
  const picker = page.getByRole('dialog', { name: 'Add reaction' });
  const search = picker.getByRole('searchbox', { name: 'Search emoji' }).or(picker.getByLabel('Search emoji'));
  await search.first().waitFor({ state: 'visible' });
  assert.ok(await isFocused(search.first()), 'the search field has the focus');
  await search.first().fill('rocket');
  await picker.getByRole('gridcell', { name: /^rocket$/i }).click();
  await picker.waitFor({ state: 'detached' });
  const rocket = messages.chip(question, '🚀');
  await rocket.waitFor({ state: 'visible' });
  assert.equal(await rocket.getAttribute('aria-label'), '🚀 1: alice');
  await bob.until(() => bob.model.message(item.key)?.reactions?.some((r) => r.emoji === '🚀' && r.users.includes('alice')), "alice's 🚀 at bob's");

  // Clicking my 👍 takes it back; bob's stays.
  await thumbs.click();
  await until(async () => (await thumbs.getAttribute('aria-label')) === '👍 1: bob', '"👍 1: bob"');
  assert.equal(await thumbs.getAttribute('aria-pressed'), 'false');

  // Keyboard: ↑ from the list moves to the last message, ↑ again to the one before; a focused message shows
  // its toolbar, one Tab stop whose buttons the arrows move along.
  await page.mouse.move(0, 0);
  await ui.log(page).focus();
  await page.keyboard.press('ArrowUp');
  const all = ui.messages(page);
  const count = await all.count();
  assert.ok(await isFocused(all.nth(count - 1)), '↑ focuses the last message');
  await page.keyboard.press('ArrowUp');
  assert.ok(await isFocused(all.nth(count - 2)), '↑ again, the one before');
  await question.focus();
  const toolbar = question.getByRole('toolbar');
  await toolbar.getByRole('button', { name: 'React with 👍' }).focus();
  assert.equal(await toolbar.getByRole('button', { name: 'React with 👍' }).getAttribute('tabindex'), '0');
  await page.keyboard.press('ArrowRight');
  assert.ok(await isFocused(toolbar.getByRole('button', { name: 'React with ❤️' })), '→ moves to the next button');
  assert.equal(await toolbar.getByRole('button', { name: 'React with 👍' }).getAttribute('tabindex'), '-1', 'one Tab stop');
  await ui.composer(page).focus();
  await toolbar.waitFor({ state: 'detached' });
});

test('edit: ↑ in the empty composer edits my last message; both sides show the new text marked "(edited)"', async () => {
  const { page } = alice;
  await send(page, 'The relase is at 3');
  const { entry: mine } = await placed(page, 'alice', 'The relase is at 3');
  await bob.until(() => itemOf(bob.model, general, 'The relase is at 3'), 'the message to edit');

  const box = ui.composer(page);
  await box.focus();
  await page.keyboard.press('ArrowUp');
  await messages.mode(page).getByText('Editing message — Esc to cancel').waitFor({ state: 'visible' });
  assert.equal(await box.inputValue(), 'The relase is at 3', 'the box holds the message to edit');
  // Escape gives up, leaving the box empty again.
  await page.keyboard.press('Escape');
  await messages.mode(page).waitFor({ state: 'detached' });
  assert.equal(await box.inputValue(), '');

  await page.keyboard.press('ArrowUp');
  await box.fill('The release is at **3pm**');
  await page.keyboard.press('Enter');
  await messages.mode(page).waitFor({ state: 'detached' });
  await until(async () => (await mine.innerText()).includes('The release is at 3pm'), 'the new text on alice\'s page');
  assert.match(await mine.innerText(), /\(edited\)/);
  assert.equal(await mine.locator('strong').textContent(), '3pm', 'the new text is formatted too');
  const edited = await bob.until(() => itemOf(bob.model, general, 'The release is at'), "the edit at bob's");
  assert.equal(edited.text, 'The release is at **3pm**');
  assert.equal(edited.edited, true);
});

test('delete: asks first (Cancel keeps it), then "message deleted" on both sides', async () => {
  const { page } = alice;
  await send(page, 'this one was a mistake');
  const { entry: mine } = await placed(page, 'alice', 'this one was a mistake');
  await bob.until(() => itemOf(bob.model, general, 'this one was a mistake'), 'the message to delete');

  await messageAction(mine, 'Delete');
  const dialog = page.getByRole('dialog', { name: 'Delete message?' });
  await dialog.waitFor({ state: 'visible' });
  assert.match(await dialog.innerText(), /this one was a mistake/);
  assert.ok(await isFocused(dialog.getByRole('button', { name: 'Cancel' })), 'Cancel has the focus');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await mine.getAttribute('data-kind'), 'message', 'still there');

  const key = itemOf(bob.model, general, 'this one was a mistake')?.key;
  await messageAction(mine, 'Delete');
  await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
  const gone = ui.log(page).locator('[data-deleted="true"]').filter({ hasText: 'message deleted' });
  await gone.waitFor({ state: 'visible' });
  assert.equal(await ui.messages(page, { text: 'this one was a mistake' }).count(), 0, 'the text is gone from the page');
  assert.ok(key);
  const deleted = await bob.until(() => bob.model.message(key)?.deleted, "the deletion at bob's");
  assert.equal(deleted, true);
  assert.equal(bob.model.message(key)?.text, '');
});

test('an emote shows as "* bob waves" in italics; no CSP violation or page error on the way', async () => {
  const { page } = alice;
  bob.model.select(general);
  await bob.model.submit('/me waves at everyone');
  const emote = ui.log(page).locator('[data-emote="true"]').filter({ hasText: 'waves at everyone' });
  await emote.waitFor({ state: 'visible', timeout: 15_000 });
  assert.equal((await emote.innerText()).trim(), '* bob waves at everyone');
  assert.equal(await emote.evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { fontStyle: string } }).getComputedStyle(el).fontStyle), 'italic');

  const findings = [...(await cspViolationsOf(page)).map((v) => `CSP: ${v}`), ...alice.watch.problems, ...alice.watch.foreignRequests.map((u) => `foreign request: ${u}`)];
  assert.deepEqual(findings, []);
});
