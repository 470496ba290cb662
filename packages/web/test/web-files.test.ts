import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { cspViolationsOf, DESKTOP, launchBrowser, openPage, PHONE, type Opened } from './helpers/browser.js';
import { SCREENSHOT_DIR, startWebEnv, terminalUser, until, type WebEnv } from './helpers/env.js';
import { attachFiles, downloadCard, downloadedSha256, files, flipByte, pngFile, randomFile, storedBlobs } from './helpers/files.js';
import { layoutReport } from './helpers/inspect.js';
import { screenshot, send, signIn, ui, waitForMessage } from './helpers/ui.js';

/*
 * Encrypted files in the web client: a file and an image chosen with
 * "Attach files" in alice's browser reach bob's browser with the same bytes
 * (the image inline at its own size and in the lightbox) and carol's
 * terminal (`conclave read --json --download-dir`), and a file carol sends
 * with `conclave send --file` reaches the browser the same; a large upload
 * shows its progress and can be cancelled; files dropped on the conversation
 * or pasted are sent; a blob altered on the server's disk shows "This file
 * cannot be opened"; and no page reports a CSP violation throughout.
 * Screenshots of an image and a file card, desktop and phone, go to
 * test-output/screenshots/ (and /tmp/shots/ when CONCLAVE_SHOTS_DIR says so).
 */

const PASSWORDS = { alice: 'alice-password-1', bob: 'bob-password-12', carol: 'carol-password-1', dave: 'dave-password-1' } as const;
const SHOTS = process.env.CONCLAVE_SHOTS_DIR ?? SCREENSHOT_DIR;

let env: WebEnv;
let browser: Browser;
let alice: Opened;
let bob: Opened;
/** dave, on a phone (390×844), a member of #general from the start. */
let dave: Opened;
let carol: ReturnType<typeof terminalUser>;
let dir: string;
/** What the first test sent: name → SHA-256. */
const sent = new Map<string, string>();

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'conclave-web-files-'));
  env = await startWebEnv({ users: PASSWORDS });
  browser = await launchBrowser();
  // carol's terminal device is in #general before the browsers join.
  carol = terminalUser(env, 'carol', PASSWORDS.carol);
  await carol.read();
  alice = await openPage(browser, env.origin, DESKTOP);
  bob = await openPage(browser, env.origin, DESKTOP);
  dave = await openPage(browser, env.origin, { ...PHONE, viewport: { width: 390, height: 844 } });
  for (const [who, page] of [['alice', alice.page], ['bob', bob.page], ['dave', dave.page]] as const) {
    await signIn(page, env.origin, who, PASSWORDS[who]);
  }
  await ui.current(alice.page, '#general').waitFor({ state: 'attached' });
  await ui.current(bob.page, '#general').waitFor({ state: 'attached' });
  // Everyone is in #general's group once a message from the last to join reaches the first.
  await send(dave.page, 'dave is here');
  await waitForMessage(alice.page, 'dave', 'dave is here', 30_000);
  await waitForMessage(bob.page, 'dave', 'dave is here', 30_000);
});

after(async () => {
  for (const o of [alice, bob, dave]) await o?.context.close().catch(() => {});
  await browser?.close();
  await env?.close();
});

/** Asserts that `page` reported no CSP violation and no console error (`who` names it). */
async function assertClean(page: Opened, who: string): Promise<void> {
  assert.deepEqual(await cspViolationsOf(page.page), [], `${who}: CSP violations`);
  assert.deepEqual(
    page.watch.problems.filter((p) => !/Failed to load resource/.test(p)),
    [],
    `${who}: console errors`,
  );
}

/** The decrypted image's natural size, once it has loaded. */
async function naturalSize(page: Page, name: string): Promise<{ width: number; height: number }> {
  const img = files.image(files.entry(page, 'alice', name));
  await img.waitFor({ state: 'visible', timeout: 30_000 });
  return until(
    () =>
      img.evaluate((el) => {
        const i = el as unknown as { complete: boolean; naturalWidth: number; naturalHeight: number };
        return i.complete && i.naturalWidth > 0 ? { width: i.naturalWidth, height: i.naturalHeight } : null;
      }),
    `${name} to load`,
  );
}

test("a file and an image from alice's browser reach bob's with the same bytes", async () => {
  const report = randomFile(dir, 'report.bin', 3 * 1024 * 1024);
  const sunset = pngFile(dir, 'sunset.png', 320, 200);
  await attachFiles(alice.page, [report.path, sunset.path]);
  sent.set('report.bin', report.sha256).set('sunset.png', sunset.sha256);

  const card = files.entry(bob.page, 'alice', 'report.bin');
  await card.waitFor({ state: 'visible', timeout: 60_000 });
  assert.match(await card.innerText(), /3\.1 MB/);
  const got = await downloadCard(bob.page, card, 60_000);
  assert.deepEqual(got, { sha256: report.sha256, name: 'report.bin' });

  // The image inline at its own size (it fits the message's box), then in the lightbox.
  assert.deepEqual(await naturalSize(bob.page, 'sunset.png'), { width: 320, height: 200 });
  const shown = await files.image(files.entry(bob.page, 'alice', 'sunset.png')).boundingBox();
  assert.ok(shown !== null && Math.round(shown.width) === 320 && Math.round(shown.height) === 200, `shown at ${JSON.stringify(shown)}`);
  // One message each, in the order chosen: the card's seq comes first (pane keys are `conversation:seq`).
  const seqOf = async (name: string): Promise<number> => Number((await files.entry(bob.page, 'alice', name).getAttribute('data-key'))?.split(':').at(-1));
  assert.ok((await seqOf('report.bin')) < (await seqOf('sunset.png')), 'the file chosen first is sent first');

  await files.imageButton(files.entry(bob.page, 'alice', 'sunset.png'), 'sunset.png').click();
  const box = bob.page.getByRole('dialog', { name: 'sunset.png' });
  await box.waitFor({ state: 'visible' });
  await screenshot(bob.page, SHOTS, 'files-lightbox-desktop.png');
  const [download] = await Promise.all([bob.page.waitForEvent('download'), box.getByRole('link', { name: 'Download' }).click()]);
  assert.equal(await downloadedSha256(download), sunset.sha256);
  await bob.page.keyboard.press('Escape');
  await box.waitFor({ state: 'hidden' });

  await assertClean(alice, 'alice');
  await assertClean(bob, 'bob');
});

test("the terminal saves the browser's files with the same bytes, and its own file reaches the browser", async () => {
  const saveDir = join(dir, 'carol-downloads');
  const all = await carol.readUntil((lines) => lines.filter((l) => l.kind === 'file' && l.sha256 !== undefined).length >= 2, 'the two files', 60_000, saveDir);
  const got = new Map(all.filter((l) => l.kind === 'file').map((l) => [l.name, l] as const));
  assert.equal(got.get('report.bin')?.sha256, sent.get('report.bin'));
  assert.equal(got.get('report.bin')?.size, 3 * 1024 * 1024);
  assert.equal(got.get('sunset.png')?.sha256, sent.get('sunset.png'));
  assert.deepEqual(got.get('sunset.png')?.image, { width: 320, height: 200 });
  assert.match(got.get('sunset.png')?.mime ?? '', /^image\/png/);

  const log = randomFile(dir, 'server.log.gz', 700 * 1024);
  await carol.sendFile('#general', log.path, 'the log you asked for');
  const card = files.entry(bob.page, 'carol', 'server.log.gz');
  await card.waitFor({ state: 'visible', timeout: 30_000 });
  assert.match(await card.innerText(), /the log you asked for/);
  assert.deepEqual(await downloadCard(bob.page, card), { sha256: log.sha256, name: 'server.log.gz' });
  await assertClean(bob, 'bob');
});

test('screenshots: an image and a file card, desktop 1280×800 and phone 390×844', async () => {
  await files.entry(bob.page, 'alice', 'report.bin').scrollIntoViewIfNeeded();
  await naturalSize(bob.page, 'sunset.png');
  await screenshot(bob.page, SHOTS, 'files-desktop.png');

  await naturalSize(dave.page, 'sunset.png');
  await screenshot(dave.page, SHOTS, 'files-phone.png');
  const layout = await layoutReport(dave.page);
  assert.ok(layout.scrollWidth <= layout.innerWidth, `phone: scrollWidth ${layout.scrollWidth} > ${layout.innerWidth}`);
  assert.deepEqual(layout.small, [], 'phone: targets smaller than 44 px');

  // A tap opens the lightbox (not the message's action sheet); it fits the screen.
  await files.imageButton(files.entry(dave.page, 'alice', 'sunset.png'), 'sunset.png').tap();
  const box = dave.page.getByRole('dialog', { name: 'sunset.png' });
  await box.waitFor({ state: 'visible' });
  await box.getByRole('link', { name: 'Download' }).waitFor({ state: 'visible' });
  await screenshot(dave.page, SHOTS, 'files-lightbox-phone.png');
  const inBox = await layoutReport(dave.page);
  assert.ok(inBox.scrollWidth <= inBox.innerWidth, 'phone lightbox: no sideways scrolling');
  assert.deepEqual(inBox.small, [], 'phone lightbox: targets smaller than 44 px');
  await box.getByRole('button', { name: 'Close' }).tap();
  await box.waitFor({ state: 'hidden' });
  await assertClean(dave, 'dave');
});

test('files upload side by side: a large upload shows its progress and can be cancelled; an image being sent shows from the local file', async () => {
  const { page } = alice;
  const cdp = await alice.context.newCDPSession(page);
  await cdp.send('Network.enable');
  const throttle = (bytesPerSecond: number) =>
    cdp.send('Network.emulateNetworkConditions', { offline: false, latency: bytesPerSecond < 0 ? 0 : 20, downloadThroughput: -1, uploadThroughput: bytesPerSecond });
  // ~400 kB/s up: a 6 MB file takes long enough to watch and cancel.
  await throttle(400 * 1024);
  try {
    const big = randomFile(dir, 'archive.zip', 6 * 1024 * 1024);
    const wide = pngFile(dir, 'wide.png', 1200, 800);
    await attachFiles(page, [big.path, wide.path]);
    const pending = files.entries(page, 'alice', 'archive.zip').and(page.locator('[data-status="pending"]'));
    await pending.waitFor({ state: 'visible', timeout: 10_000 });
    // Both upload side by side: the image shows from the local file at once, and waits for the
    // file chosen before it (it is announced after it) whatever finishes first.
    const sending = files.entries(page, 'alice', 'wide.png').and(page.locator('[data-status="pending"]'));
    await sending.locator('img.image-msg__img--local').waitFor({ state: 'visible', timeout: 10_000 });
    await sending.getByRole('progressbar', { name: /^(Encrypting|Uploading|Sending) wide\.png$/ }).waitFor({ state: 'visible', timeout: 20_000 });
    await screenshot(page, SHOTS, 'files-sending-image-desktop.png');
    const bar = pending.getByRole('progressbar', { name: /^Uploading archive\.zip$/ });
    await bar.waitFor({ state: 'visible', timeout: 20_000 });
    const first = await until(async () => Number(await bar.getAttribute('value')) || null, 'some of the upload done', 20_000);
    const later = await until(async () => {
      const v = Number(await bar.getAttribute('value'));
      return v > first ? v : null;
    }, 'the upload to progress', 20_000);
    assert.ok(later > first && later < 100, `progress ${first} → ${later}`);
    await screenshot(page, SHOTS, 'files-uploading-desktop.png');
    await throttle(60 * 1024);
    await pending.getByRole('button', { name: /^Cancel uploading archive\.zip$/ }).click();
    await pending.waitFor({ state: 'detached', timeout: 10_000 });
  } finally {
    await throttle(-1);
    await cdp.detach();
  }
  await files.placed(page, 'alice', 'wide.png').waitFor({ state: 'visible', timeout: 30_000 });
  assert.deepEqual(await naturalSize(bob.page, 'wide.png'), { width: 1200, height: 800 });
  // A message after them reaches bob: the cancelled file never did.
  await send(page, 'after the cancelled upload');
  await waitForMessage(bob.page, 'alice', 'after the cancelled upload');
  assert.equal(await files.entry(bob.page, 'alice', 'archive.zip').count(), 0);
  await assertClean(alice, 'alice');
});

test('files dropped on the conversation, and an image pasted into the box, are sent', async () => {
  const { page } = alice;
  // A drag of a file over the conversation shows the drop target; the drop sends it.
  await page.evaluate(`(() => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(2048).fill(7)], 'dropped.txt', { type: 'text/plain' }));
    window.__drop = dt;
    document.querySelector('.conversation').dispatchEvent(new DragEvent('dragenter', { bubbles: true, cancelable: true, dataTransfer: dt }));
  })()`);
  const target = page.getByTestId('drop-target');
  await target.waitFor({ state: 'visible' });
  assert.match(await target.innerText(), /Drop files to send them to #general/);
  await page.evaluate(`document.querySelector('.log').dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: window.__drop }))`);
  await target.waitFor({ state: 'hidden' });
  await files.entry(bob.page, 'alice', 'dropped.txt').waitFor({ state: 'visible', timeout: 30_000 });

  // A pasted screenshot (an image file on the clipboard).
  await ui.composer(page).click();
  await page.evaluate(`(async () => {
    const canvas = new OffscreenCanvas(40, 30);
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#3a7'; ctx.fillRect(0, 0, 40, 30);
    const blob = await canvas.convertToBlob({ type: 'image/png' });
    const dt = new DataTransfer();
    dt.items.add(new File([blob], 'pasted.png', { type: 'image/png' }));
    document.activeElement.dispatchEvent(new ClipboardEvent('paste', { bubbles: true, cancelable: true, clipboardData: dt }));
  })()`);
  assert.deepEqual(await naturalSize(bob.page, 'pasted.png'), { width: 40, height: 30 });
  assert.equal(await ui.composer(page).inputValue(), '', 'nothing pasted into the box');
  await assertClean(alice, 'alice');
  await assertClean(bob, 'bob');
});

test('a blob altered on the server shows "This file cannot be opened", on a card and an image', async () => {
  // bob is away while the files arrive (his page would decrypt the image at once).
  await bob.page.goto('about:blank');
  const known = new Set(storedBlobs(env.dataDir));
  const notes = randomFile(dir, 'notes.pdf', 200 * 1024);
  const photo = pngFile(dir, 'photo.png', 160, 120);
  await attachFiles(alice.page, [notes.path, photo.path]);
  for (const name of ['notes.pdf', 'photo.png']) {
    await files.placed(alice.page, 'alice', name).waitFor({ timeout: 30_000 });
  }
  const added = storedBlobs(env.dataDir).filter((p) => !known.has(p));
  assert.equal(added.length, 2, `two new blobs: ${added.join(', ')}`);
  for (const blob of added) flipByte(blob);

  await bob.page.goto(`${env.origin}/`);
  await ui.current(bob.page, '#general').waitFor({ state: 'attached', timeout: 30_000 });
  const card = files.entry(bob.page, 'alice', 'notes.pdf');
  await card.waitFor({ state: 'visible', timeout: 30_000 });
  await files.download(card).click();
  await files.error(card).waitFor({ state: 'visible', timeout: 30_000 });
  assert.match(await files.error(card).innerText(), /^This file cannot be opened: /);
  const image = files.entry(bob.page, 'alice', 'photo.png');
  await image.scrollIntoViewIfNeeded();
  await files.error(image).waitFor({ state: 'visible', timeout: 30_000 });
  assert.match(await files.error(image).innerText(), /^This file cannot be opened: /);
  assert.equal(await files.image(image).count(), 0, 'no picture from a corrupt file');
  await screenshot(bob.page, SHOTS, 'files-corrupt-desktop.png');
  await assertClean(bob, 'bob');
});
