import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { SESSION_COOKIE } from '@conclave/protocol';
import { cspViolationsOf, launchBrowser, openPage, type Opened } from './helpers/browser.js';
import { startWebEnv, terminalUser, type WebEnv } from './helpers/env.js';
import { pageReadable } from './helpers/inspect.js';
import { openConversation, openDmByClick, register, send, signIn, tabTo, ui, waitForChat, waitForMessage } from './helpers/ui.js';

/*
 * The web client against a real server, with a terminal-client user alongside:
 * room chat both ways, a DM nobody else sees, keyboard-only use, and the
 * page's security (headers, CSP, same-origin requests, where the session lives).
 * One server and one browser for the file; the tests run in order and share
 * the signed-in pages.
 */

const PASSWORDS = {
  alice: 'alice-password-1',
  bob: 'bob-password-12',
  carol: 'carol-password-1',
  dave: 'dave-password-12',
  erin: 'erin-password-12',
} as const;

let env: WebEnv;
let browser: Browser;
const pages: Opened[] = [];
let alice: Opened | undefined;
let bob: Opened | undefined;
let carol: ReturnType<typeof terminalUser>;

before(async () => {
  // alice registers through the page (open registration); the others exist already.
  const { alice: _, ...existing } = PASSWORDS;
  env = await startWebEnv({ openRegistration: true, users: existing });
  browser = await launchBrowser();
  carol = terminalUser(env, 'carol', PASSWORDS.carol);
});

after(async () => {
  for (const p of pages) await p.context.close().catch(() => {});
  await browser?.close();
  await env?.close();
});

async function open(): Promise<Opened> {
  const opened = await openPage(browser, env.origin);
  pages.push(opened);
  return opened;
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is not set up (an earlier test failed)`);
  return value;
}

test('two browsers chat in #general both ways, and a terminal user reads and writes alongside', async () => {
  // carol's terminal device joins #general's MLS group at her first connection; later messages reach her.
  assert.deepEqual(await carol.read(), []);

  alice = await open();
  await register(alice.page, env.origin, 'alice', PASSWORDS.alice);
  bob = await open();
  await signIn(bob.page, env.origin, 'bob', PASSWORDS.bob);
  // Nobody picks a conversation: both land in #general (and what they type goes there, as carol's read shows).
  for (const p of [alice.page, bob.page]) await ui.current(p, '#general').waitFor({ state: 'visible' });
  await send(alice.page, 'hello from the browser of alice');
  await waitForMessage(alice.page, 'alice', 'hello from the browser of alice');
  await waitForMessage(bob.page, 'alice', 'hello from the browser of alice');
  await send(bob.page, 'bob answers from his browser');
  await waitForMessage(alice.page, 'bob', 'bob answers from his browser');

  const lines = await carol.readUntil(
    (all) => all.some((l) => l.text === 'bob answers from his browser'),
    "both browsers' messages",
  );
  assert.deepEqual(
    lines.map(({ conversation, sender, text }) => ({ conversation, sender, text })),
    [
      { conversation: '#general', sender: 'alice', text: 'hello from the browser of alice' },
      { conversation: '#general', sender: 'bob', text: 'bob answers from his browser' },
    ],
  );

  await carol.send('#general', 'carol writes from the terminal');
  await waitForMessage(alice.page, 'carol', 'carol writes from the terminal');
  await waitForMessage(bob.page, 'carol', 'carol writes from the terminal');
  for (const p of [alice.page, bob.page]) {
    assert.equal(await ui.messages(p, { text: 'hello from the browser of alice' }).count(), 1, 'each message once');
    assert.equal(await ui.messages(p, { text: 'carol writes from the terminal' }).count(), 1, 'each message once');
  }
});

test('a DM between two browsers reaches the recipient and nobody else', async () => {
  const a = need(alice, 'alice');
  const b = need(bob, 'bob');
  // dave is online in a third browser the whole time, so a misrouted DM would reach him.
  const dave = await open();
  await signIn(dave.page, env.origin, 'dave', PASSWORDS.dave);

  const first = 'psst bob, this is only for you';
  const second = 'bob replies privately via slash msg';
  // The composer writes to #general until the DM is shown: wait for the switch.
  const switchMs = await openDmByClick(a.page, 'bob');
  process.stderr.write(`web-chat: "Message bob" opened the DM in ${switchMs} ms\n`);
  await send(a.page, first);
  await waitForMessage(a.page, 'alice', first);

  // bob sees the DM arrive as unread, then reads it.
  await ui.conversations(b.page).getByRole('button', { name: /^@alice\b.*, 1 unread/ }).waitFor({ state: 'visible', timeout: 20_000 });
  await openConversation(b.page, '@alice');
  await waitForMessage(b.page, 'alice', first);
  // Read, it is no longer unread.
  await ui.conversations(b.page).getByRole('button', { name: /^@alice\b(?!.*unread)/ }).waitFor({ state: 'visible' });

  // The slash command works as in the terminal client.
  await send(b.page, `/msg alice ${second}`);
  await waitForMessage(a.page, 'bob', second);

  // Then something everybody gets: when it has arrived, so would have the DM.
  const afterwards = 'back in general after the private chat';
  await openConversation(a.page, '#general');
  await send(a.page, afterwards);
  await waitForMessage(dave.page, 'alice', afterwards);
  const lines = await carol.readUntil((all) => all.some((l) => l.text === afterwards), 'the #general message after the DM');

  for (const secret of [first, second]) {
    assert.equal(await dave.page.getByText(secret).count(), 0, `dave's page shows no "${secret}"`);
    assert.ok(!(await dave.page.content()).includes(secret), `dave's page holds no "${secret}", not even hidden`);
    assert.ok(!lines.some((l) => l.text.includes(secret)), `carol's terminal did not receive "${secret}"`);
  }
  assert.equal(await ui.conversations(dave.page).getByRole('button', { name: /^@(alice|bob)\b/ }).count(), 0, 'dave has no DM with alice or bob');
  assert.ok(!lines.some((l) => l.conversation.startsWith('@')), `carol got no DM: ${JSON.stringify(lines)}`);
  // alice's DM group (its Commit adding bob's device) and bob's Welcome join ran in each page's MLS Web Worker,
  // off the page's thread (a worker that failed to load would also show in the page-security test below).
  for (const [who, p] of [['alice', a.page], ['bob', b.page]] as const) {
    const urls = p.workers().map((w) => w.url());
    assert.ok(urls.some((u) => /\/assets\/mls-worker-[\w-]+\.js$/.test(u)), `${who}'s page runs the MLS worker: ${JSON.stringify(urls)}`);
  }
});

test('keyboard only: sign in with Tab, typing and Enter, then send a message', async () => {
  const a = need(alice, 'alice');
  const erin = await open();
  const { page } = erin;
  await page.goto(`${env.origin}/`);
  await tabTo(page, ui.username(page), 'the Username field', 15);
  await page.keyboard.type('erin');
  await tabTo(page, ui.password(page), 'the Password field', 3);
  await page.keyboard.type(PASSWORDS.erin);
  await page.keyboard.press('Enter');
  await waitForChat(page);

  const text = 'erin typed this without a mouse';
  await tabTo(page, ui.composer(page), 'the Message field', 40);
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
  await waitForMessage(page, 'erin', text);
  await waitForMessage(a.page, 'erin', text);
});

test('page security: headers, and no CSP violation, page error or request to another origin during the tests above', async () => {
  const a = need(alice, 'alice');

  const res = await a.context.request.get(`${env.origin}/`);
  assert.equal(res.status(), 200);
  const headers = res.headers();
  const csp = headers['content-security-policy'] ?? '';
  assert.match(csp, /(^|;)\s*script-src 'self'(;|$)/, `CSP: ${csp}`);
  assert.match(csp, /(^|;)\s*frame-ancestors 'none'(;|$)/, `CSP: ${csp}`);
  assert.match(headers['strict-transport-security'] ?? '', /max-age=\d+/);
  assert.equal(headers['x-content-type-options'], 'nosniff');
  assert.match(headers['content-type'] ?? '', /^text\/html/);

  // Every page of the file, all findings at once.
  const findings: string[] = [];
  for (const [i, p] of pages.entries()) {
    const who = `page ${i + 1}`;
    assert.ok(p.watch.requests.length > 0, `${who}: requests were watched`);
    for (const v of await cspViolationsOf(p.page)) findings.push(`${who}: CSP violation: ${v}`);
    for (const problem of p.watch.problems) findings.push(`${who}: ${problem}`);
    for (const url of p.watch.foreignRequests) findings.push(`${who}: request to another origin: ${url}`);
  }
  assert.deepEqual(findings, [], 'no CSP violation, console error, page error or foreign request');
});

test('page security: the session token lives in an HttpOnly, Secure, SameSite=Strict cookie, out of page scripts\' reach', async () => {
  const a = need(alice, 'alice');
  // The session token travels once (the `session` frame after register/login), then lives in an HttpOnly cookie.
  assert.ok(a.watch.tokens.length > 0, 'alice received a session token when she registered');
  const cookies = await a.context.cookies();
  const session = cookies.find((c) => c.name === SESSION_COOKIE);
  assert.ok(session, `a ${SESSION_COOKIE} cookie is set; cookies: ${JSON.stringify(cookies.map((c) => c.name))}`);
  assert.ok(a.watch.tokens.includes(session.value), 'the cookie holds the session token');
  for (const c of cookies) {
    assert.deepEqual({ name: c.name, httpOnly: c.httpOnly, secure: c.secure, sameSite: c.sameSite }, { name: c.name, httpOnly: true, secure: true, sameSite: 'Strict' });
  }
  for (const p of pages.filter((x) => x.watch.tokens.length > 0)) {
    const readable = await pageReadable(p.page);
    for (const token of p.watch.tokens) {
      assert.ok(!readable.webStorage.includes(token), 'no session token in localStorage / sessionStorage');
      assert.ok(!readable.cookie.includes(token), 'no session token in document.cookie');
      assert.ok(!readable.indexedDb.includes(token), 'no session token in IndexedDB (the page would not need the HttpOnly cookie otherwise)');
    }
  }
});
