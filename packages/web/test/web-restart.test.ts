import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openPage, type Opened } from './helpers/browser.js';
import { sleep, startWebEnv, type WebEnv } from './helpers/env.js';
import { send, signIn, ui, waitForMessage } from './helpers/ui.js';

/*
 * The server restarts mid-conversation (same port, same data dir, so the same
 * certificate): both pages say they are reconnecting, come back by
 * themselves, a message typed meanwhile is delivered once the server is back,
 * and what was shown before is still shown — nothing lost, nothing twice.
 */

const PASSWORDS = { alice: 'alice-password-1', bob: 'bob-password-12' } as const;

let env: WebEnv;
let browser: Browser;
let alice: Opened;
let bob: Opened;

before(async () => {
  env = await startWebEnv({ users: PASSWORDS });
  browser = await launchBrowser();
  alice = await openPage(browser, env.origin);
  bob = await openPage(browser, env.origin);
});

after(async () => {
  await alice?.context.close().catch(() => {});
  await bob?.context.close().catch(() => {});
  await browser?.close();
  await env?.close();
});

const reconnecting = (page: Page) => ui.status(page).filter({ hasText: /reconnecting/i });

test('a server restart: reconnecting shown, reconnects alone, the message typed meanwhile is delivered, nothing lost or doubled', async (t) => {
  const started = Date.now();
  const mark = (what: string) => t.diagnostic(`${what} at ${Date.now() - started} ms`);
  await signIn(alice.page, env.origin, 'alice', PASSWORDS.alice);
  await signIn(bob.page, env.origin, 'bob', PASSWORDS.bob);

  const conversation: Array<{ from: Opened; sender: string; text: string }> = [
    { from: alice, sender: 'alice', text: 'one: before the restart' },
    { from: bob, sender: 'bob', text: 'two: still before the restart' },
    { from: alice, sender: 'alice', text: 'three: the last one before' },
  ];
  for (const m of conversation) {
    await send(m.from.page, m.text);
    for (const p of [alice.page, bob.page]) await waitForMessage(p, m.sender, m.text);
  }

  mark('server stopping');
  const stopStarted = Date.now();
  await env.stop();
  const stopMs = Date.now() - stopStarted;
  mark('server stopped');
  for (const p of [alice.page, bob.page]) await reconnecting(p).first().waitFor({ state: 'visible', timeout: 15_000 });
  mark('both pages say reconnecting');

  const typedWhileDown = { from: alice, sender: 'alice', text: 'four: typed while the server was down' };
  await send(alice.page, typedWhileDown.text);
  await sleep(1_000);
  mark('server starting');
  await env.start();
  mark('server started');

  // Back by itself: no reload, no click.
  for (const p of [alice.page, bob.page]) await reconnecting(p).first().waitFor({ state: 'hidden', timeout: 45_000 });
  mark('both pages reconnected');
  await waitForMessage(bob.page, 'alice', typedWhileDown.text, 20_000);
  mark('the message typed while down arrived');
  const afterwards = { from: bob, sender: 'bob', text: 'five: after the restart' };
  await send(bob.page, afterwards.text);
  await waitForMessage(alice.page, 'bob', afterwards.text);

  for (const [who, page] of [['alice', alice.page], ['bob', bob.page]] as const) {
    const texts = [...conversation, typedWhileDown, afterwards].map((m) => m.text);
    const counts = await Promise.all(texts.map((t) => ui.messages(page, { text: t }).count()));
    assert.deepEqual(counts, texts.map(() => 1), `${who}'s page shows each message exactly once: ${JSON.stringify(texts)}`);
    // In the order they were written.
    const shown = await ui.messages(page).allTextContents();
    const order = texts.map((t) => shown.findIndex((s) => s.includes(t)));
    assert.deepEqual([...order].sort((x, y) => x - y), order, `${who}'s page keeps the order: ${JSON.stringify(shown)}`);
  }

  // Checked last, so the clients' side above is judged either way: a restart should not
  // wait on the browsers (Chromium keeps a spare TLS connection that never sends a request).
  assert.ok(stopMs < 10_000, `the server took ${stopMs} ms to stop while two browsers were connected`);
});
