import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import type { ConversationId } from '@conclave/protocol';
import { RECEIPT_DELAY_MS } from '@conclave/client';
import { cspViolationsOf, soundsOf, type Opened } from './helpers/browser.js';
import { browserAndCore, type BrowserAndCore, type CoreUser } from './helpers/core-user.js';
import { sleep, until } from './helpers/env.js';
import { inView, itemOf, messages } from './helpers/messages.js';
import { isFocused, openConversation, send, ui, waitForMessage } from './helpers/ui.js';

/*
 * The web client among people, with bob on the other side (the client core
 * and its view model, in this process): a mention (the "@1" badge, its sound
 * even muted, the highlight), "bob is typing…", "Seen by bob" and the setting
 * that stops sending read receipts, search, the room topic, the member list.
 * One server, one browser; the tests run in order.
 */

const PASSWORDS = { alice: 'alice-password-1', bob: 'bob-password-12' } as const;
const OLD_TEXT = 'the quarterly budget spreadsheet lives in the shared drive';

let pair: BrowserAndCore;
let alice: Opened;
let bob: CoreUser;
let general: ConversationId;
let ops: ConversationId;

before(async () => {
  pair = await browserAndCore(PASSWORDS);
  ({ alice, bob, general } = pair);
  // Something to find later, under newer messages.
  await bob.client.sendText(general, OLD_TEXT);
  for (let i = 1; i <= 8; i++) await bob.client.sendText(general, `newer message ${i}`);
  await waitForMessage(alice.page, 'bob', 'newer message 8');
});

after(async () => {
  await pair?.close();
});

test('a mention in another room: "@1" in the list, the mention sound even with sounds muted, the message highlighted', async () => {
  const { page } = alice;
  await send(page, '/join #ops');
  await ui.current(page, '#ops').waitFor({ state: 'attached', timeout: 20_000 });
  await openConversation(page, '#general');
  await ui.muteToggle(page).click();
  await ui.conversations(page).getByRole('button', { name: 'Unmute sounds' }).or(page.getByRole('button', { name: 'Unmute sounds' })).waitFor();
  const soundsBefore = (await soundsOf(page)).length;

  ops = (await bob.client.join('#ops')).conversationId;
  bob.model.select(ops);
  await bob.until(() => bob.model.mentionCandidates('ali').includes('alice'), 'alice among the names to mention');
  await bob.model.submit('@alice can you check the deploy?');

  const entry = ui.conversations(page).getByRole('button', { name: '#ops, 1 unread, 1 mention', exact: true });
  await entry.waitFor({ state: 'visible', timeout: 20_000 });
  assert.equal(await entry.locator('.badge--mention').textContent(), '@1');
  await until(async () => (await soundsOf(page)).slice(soundsBefore).includes('mention'), 'the mention sound while muted');
  assert.deepEqual((await soundsOf(page)).slice(soundsBefore), ['mention'], 'only the mention sound while muted');
  await ui.muteToggle(page).click();

  await openConversation(page, '#ops');
  const mention = await waitForMessage(page, 'bob', 'can you check the deploy?');
  assert.equal(await mention.getAttribute('data-mention'), 'true', 'highlighted as mentioning alice');
  await ui.conversations(page).getByRole('button', { name: '#ops', exact: true }).waitFor({ state: 'visible' });
});

test('typing @ and letters offers names to mention; Enter completes the highlighted one', async () => {
  const { page } = alice;
  const box = ui.composer(page);
  await box.fill('');
  await box.pressSequentially('thanks @b');
  const list = page.getByRole('listbox', { name: 'Mention' });
  await list.waitFor({ state: 'visible' });
  assert.deepEqual(await list.getByRole('option').locator('.mentions__name').allTextContents(), ['bob']);
  assert.equal(await list.getByRole('option', { name: 'bob', exact: true }).getAttribute('aria-selected'), 'true');
  assert.equal(await box.getAttribute('aria-activedescendant'), 'mention-list-0');
  await page.keyboard.press('ArrowDown');
  assert.equal(await box.getAttribute('aria-activedescendant'), 'mention-list-0', '↓ wraps round one name');
  await page.keyboard.press('Enter');
  await list.waitFor({ state: 'detached' });
  assert.equal(await box.inputValue(), 'thanks @bob ');
  await page.keyboard.press('Escape');
  await box.fill('');
});

test('"bob is typing…" shows above the composer while he types and goes when he stops or sends', async () => {
  const { page } = alice;
  const line = messages.typing(page);
  assert.equal(await line.getAttribute('aria-live'), 'polite');
  bob.model.composing('I am wri');
  await until(async () => (await line.textContent()) === 'bob is typing…', '"bob is typing…"');
  bob.model.composing('');
  await until(async () => (await line.textContent()) === '', 'the typing line to clear when bob stops');

  bob.model.composing('Deploy looks');
  await until(async () => (await line.textContent()) === 'bob is typing…', '"bob is typing…" again');
  await bob.model.submit('Deploy looks good');
  await waitForMessage(page, 'bob', 'Deploy looks good');
  await until(async () => (await line.textContent()) === '', 'the typing line to clear when bob sends');
});

test('"Seen by bob" under the last message he read; with read receipts off in Settings, alice sends none', async () => {
  const { page } = alice;
  await send(page, 'did everyone see the deploy note?');
  const mine = await waitForMessage(page, 'alice', 'did everyone see the deploy note?');
  await bob.until(() => itemOf(bob.model, ops, 'did everyone see'), "alice's question at bob's");
  // bob looks at #ops (again): he has read it.
  bob.model.select(null);
  bob.model.select(ops);
  await messages.seen(mine).getByText('Seen by bob', { exact: true }).waitFor({ state: 'visible', timeout: 15_000 });

  // alice's own markers reach bob while receipts are on ("Deploy looks good" was read on her screen)…
  const read = itemOf(bob.model, ops, 'Deploy looks good');
  assert.ok(read);
  await bob.until(() => bob.client.readMarkers(ops).some((m) => m.username === 'alice' && m.upTo >= read.seq), "alice's read marker at bob's");

  // …and stop when she turns them off.
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  const settings = page.getByRole('dialog', { name: 'Settings' });
  const receipts = settings.getByRole('checkbox', { name: 'Send read receipts' });
  assert.equal(await receipts.isChecked(), true, 'on by default');
  await receipts.uncheck();
  await settings.getByRole('button', { name: 'Done' }).click();
  await settings.waitFor({ state: 'detached' });

  const unseen = await bob.client.sendText(ops, 'one more note, unread by receipt');
  await waitForMessage(page, 'bob', 'one more note, unread by receipt');
  // A marker would leave RECEIPT_DELAY_MS after she read it, before the message she sends next: that message is the barrier.
  await sleep(RECEIPT_DELAY_MS + 300);
  await send(page, 'noted');
  await bob.until(() => itemOf(bob.model, ops, 'noted'), "alice's next message at bob's");
  const marker = bob.client.readMarkers(ops).find((m) => m.username === 'alice');
  assert.ok(marker !== undefined && marker.upTo < unseen.seq, `no read marker from alice for the message she read with receipts off: ${JSON.stringify(marker)}`);

  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  assert.equal(await receipts.isChecked(), false, 'the setting is kept');
  await receipts.check();
  await page.keyboard.press('Escape');
  await settings.waitFor({ state: 'detached' });
});

test('search (Ctrl+K): an old message of another room is found and opened at its place', async () => {
  const { page } = alice;
  await page.keyboard.press('Control+k');
  const panel = page.getByRole('complementary', { name: 'Search messages' });
  const field = panel.getByRole('searchbox', { name: 'Search messages' });
  await field.waitFor({ state: 'visible' });
  assert.ok(await isFocused(field), 'the search field has the focus');
  await field.fill('budget spreadshet');
  const result = panel.getByRole('button').filter({ hasText: 'quarterly budget spreadsheet' });
  await result.waitFor({ state: 'visible' });
  const text = await result.innerText();
  assert.match(text, /#general/);
  assert.match(text, /bob/);
  await result.click();

  await ui.current(page, '#general').waitFor({ state: 'attached' });
  const found = ui.messages(page, { sender: 'bob', text: OLD_TEXT }).first();
  await until(() => inView(page, found), 'the found message in view');
  assert.match((await found.getAttribute('class')) ?? '', /msg--flash/, 'highlighted');

  // Escape closes the panel; "/" outside a text field opens it again.
  await field.focus();
  await page.keyboard.press('Escape');
  await panel.waitFor({ state: 'detached' });
  await ui.log(page).focus();
  await page.keyboard.press('/');
  await field.waitFor({ state: 'visible' });
  await page.keyboard.press('Escape');
  await panel.waitFor({ state: 'detached' });
});

test('topic: alice sets it from the header, bob sees it; bob changes it, alice\'s header follows', async () => {
  const { page } = alice;
  const header = messages.header(page);
  await header.getByRole('button', { name: /Add a topic/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Topic of #general' });
  const field = dialog.getByLabel('Topic', { exact: true });
  await field.waitFor({ state: 'visible' });
  assert.ok(await isFocused(field), 'the field has the focus');
  await field.fill('Release 2.4 planning');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.waitFor({ state: 'detached' });
  await header.locator('[data-topic="Release 2.4 planning"]').waitFor({ state: 'visible' });
  await bob.until(() => bob.conversation('#general').topic === 'Release 2.4 planning', 'the topic at bob\'s');

  await bob.client.setTopic(general, 'Ship it on Friday');
  await header.getByRole('button', { name: /^Topic: Ship it on Friday/ }).waitFor({ state: 'visible', timeout: 15_000 });
  await ui.log(page).locator('[data-kind="system"]').filter({ hasText: 'bob set the topic: Ship it on Friday' }).waitFor({ state: 'visible' });
});

test('members: the header button opens the member list with bob online; Escape closes it', async () => {
  const { page } = alice;
  const toggle = messages.header(page).getByRole('button', { name: /^Members/ });
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
  const panel = page.getByRole('complementary', { name: 'Members' });
  const list = panel.getByRole('list', { name: 'Members' });
  await list.getByRole('listitem').filter({ hasText: 'bob' }).waitFor({ state: 'visible' });
  const names = (await list.locator('.member__name').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
  assert.deepEqual(names.sort(), ['alice (you), online', 'bob, online']);
  assert.equal(await list.locator('[data-username="bob"]').getAttribute('data-online'), 'true', 'bob is online');
  await panel.getByRole('button', { name: 'Message bob' }).waitFor({ state: 'attached' });

  await panel.getByRole('button', { name: 'Close members' }).focus();
  await page.keyboard.press('Escape');
  await panel.waitFor({ state: 'detached' });
  assert.equal(await toggle.getAttribute('aria-pressed'), 'false');

  const findings = [...(await cspViolationsOf(page)).map((v) => `CSP: ${v}`), ...alice.watch.problems, ...alice.watch.foreignRequests.map((u) => `foreign request: ${u}`)];
  assert.deepEqual(findings, []);
});
