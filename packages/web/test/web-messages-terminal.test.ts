import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launchBrowser, openPage, type Opened } from './helpers/browser.js';
import { startWebEnv, terminalUser, until, type ReadLine, type WebEnv } from './helpers/env.js';
import { messageAction, messages, placed } from './helpers/messages.js';
import { send, signIn, ui, waitForMessage } from './helpers/ui.js';

/*
 * The web client and the terminal program act on each other's messages:
 * carol's `conclave send --reply-to / --react / --edit / --delete` show in
 * alice's browser as a quote, a reaction chip, "(edited)" and "message
 * deleted"; alice's reply, reaction, edit and deletion in the browser reach
 * carol's `conclave read --json` with the right message numbers.
 */

const PASSWORDS = { alice: 'alice-password-1', carol: 'carol-password-1' } as const;

let env: WebEnv;
let browser: Browser;
let alice: Opened;
let carol: ReturnType<typeof terminalUser>;

before(async () => {
  env = await startWebEnv({ users: PASSWORDS });
  browser = await launchBrowser();
  carol = terminalUser(env, 'carol', PASSWORDS.carol);
  // carol's terminal device exists and is in #general before alice's browser joins.
  await carol.read();
  alice = await openPage(browser, env.origin);
  await signIn(alice.page, env.origin, 'alice', PASSWORDS.alice);
  await ui.current(alice.page, '#general').waitFor({ state: 'attached' });
});

after(async () => {
  await alice?.context.close().catch(() => {});
  await browser?.close();
  await env?.close();
});

/** carol reads until a line matching `match` has arrived; returns it. */
async function carolSees(what: string, match: (l: ReadLine) => boolean): Promise<ReadLine> {
  const all = await carol.readUntil((lines) => lines.some(match), what);
  return all.find(match) as ReadLine;
}

test("the terminal's reply, reaction, edit and deletion show in the browser", async () => {
  const { page } = alice;
  await send(page, 'Is the release branch cut?');
  const question = await carolSees("alice's question", (l) => l.kind === 'message' && l.text === 'Is the release branch cut?');

  await carol.act('#general', 'Yes, cut this morning.', { replyTo: question.seq });
  const reply = await waitForMessage(page, 'carol', 'Yes, cut this morning.');
  assert.equal(await messages.quote(reply).locator('.quote__sender').textContent(), 'alice');
  assert.equal(await messages.quote(reply).locator('.quote__text').textContent(), 'Is the release branch cut?');

  await carol.act('#general', ':+1:', { react: question.seq });
  const asked = messages.entry(page, 'alice', 'Is the release branch cut?');
  await messages.chip(asked, '👍').waitFor({ state: 'visible', timeout: 20_000 });
  assert.equal(await messages.chip(asked, '👍').getAttribute('aria-label'), '👍 1: carol');

  const freeze = await carol.act('#general', 'the freeze starts at noon');
  const { entry } = await placed(page, 'carol', 'the freeze starts at noon');
  await carol.act('#general', 'the freeze starts at 1pm', { edit: freeze });
  await until(async () => /the freeze starts at 1pm\s*\(edited\)/.test(await entry.innerText()), 'the edit with "(edited)" in the browser', 20_000);

  const oops = await carol.act('#general', 'wrong window, sorry');
  const { entry: gone } = await placed(page, 'carol', 'wrong window, sorry');
  await carol.act('#general', '', { delete: oops });
  await until(async () => (await gone.getAttribute('data-kind')) === 'message' && (await gone.locator('[data-deleted="true"]').count()) === 1, '"message deleted" in the browser', 20_000);
  assert.equal(await ui.messages(page, { text: 'wrong window, sorry' }).count(), 0);
});

test("the browser's reply, reaction, edit and deletion reach the terminal's read --json", async () => {
  const { page } = alice;
  const carols = messages.entry(page, 'carol', 'Yes, cut this morning.');
  const replied = await carolSees('her own reply', (l) => l.kind === 'message' && l.text === 'Yes, cut this morning.');

  await messageAction(carols, 'Reply');
  await ui.composer(page).fill('Great, thanks!');
  await ui.composer(page).press('Enter');
  const answer = await carolSees("alice's reply", (l) => l.kind === 'message' && l.text === 'Great, thanks!');
  assert.equal(answer.replyTo, replied.seq);

  await messageAction(carols, 'React with 🎉');
  const reaction = await carolSees("alice's reaction", (l) => l.kind === 'reaction' && l.sender === 'alice');
  assert.deepEqual({ target: reaction.target, emoji: reaction.emoji, op: reaction.op }, { target: replied.seq, emoji: '🎉', op: 'add' });

  await send(page, 'taging it now');
  const typo = await carolSees('the message alice will edit', (l) => l.kind === 'message' && l.text === 'taging it now');
  await placed(page, 'alice', 'taging it now');
  await ui.composer(page).focus();
  await page.keyboard.press('ArrowUp');
  await ui.composer(page).fill('tagging it now');
  await page.keyboard.press('Enter');
  const edit = await carolSees("alice's edit", (l) => l.kind === 'edit' && l.sender === 'alice');
  assert.deepEqual({ target: edit.target, text: edit.text }, { target: typo.seq, text: 'tagging it now' });

  const { entry } = await placed(page, 'alice', 'tagging it now');
  await messageAction(entry, 'Delete');
  await page.getByRole('dialog', { name: 'Delete message?' }).getByRole('button', { name: 'Delete', exact: true }).click();
  const deletion = await carolSees("alice's deletion", (l) => l.kind === 'delete' && l.sender === 'alice');
  assert.equal(deletion.target, typo.seq);
});
