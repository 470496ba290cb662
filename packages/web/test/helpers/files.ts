import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import type { Download, Locator, Page } from 'playwright-core';
import { ui } from './ui.js';

/*
 * Files for the file-transfer suites: test files on disk, their SHA-256, the
 * server's stored blobs, and the web client's file controls as the tests
 * name them.
 */

/** SHA-256 of `bytes`, lowercase hex. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Writes `size` random bytes to `dir/name`; returns the path and the bytes' SHA-256. */
export function randomFile(dir: string, name: string, size: number): { path: string; sha256: string } {
  const bytes = randomBytes(size);
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return { path, sha256: sha256(bytes) };
}

/**
 * A `width`×`height` RGB PNG (a colour gradient with a diagonal stripe, so a
 * screenshot shows something), written to `dir/name`.
 */
export function pngFile(dir: string, name: string, width: number, height: number): { path: string; sha256: string } {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const stripe = Math.abs(x - y * (width / height)) < width / 12;
      const at = row + 1 + x * 3;
      raw[at] = stripe ? 250 : Math.round((x / width) * 200) + 30;
      raw[at + 1] = stripe ? 200 : Math.round((y / height) * 160) + 40;
      raw[at + 2] = stripe ? 60 : 190;
    }
  }
  const chunk = (type: string, data: Buffer): Buffer => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
  const path = join(dir, name);
  writeFileSync(path, png);
  return { path, sha256: sha256(png) };
}

/** The stored blobs of a server data dir (`<dataDir>/blobs/<2 hex>/<id>`), as paths. */
export function storedBlobs(dataDir: string): string[] {
  const root = join(dataDir, 'blobs');
  let shards: string[];
  try {
    shards = readdirSync(root).filter((d) => /^[0-9a-f]{2}$/.test(d));
  } catch {
    return [];
  }
  return shards.flatMap((d) => readdirSync(join(root, d)).filter((f) => /^[0-9a-f]{64}$/.test(f)).map((f) => join(root, d, f)));
}

/** Flips one byte in the middle of the file at `path` (a blob altered on the server's disk). */
export function flipByte(path: string): void {
  const bytes = readFileSync(path);
  const at = Math.floor(statSync(path).size / 2);
  bytes[at] = (bytes[at] ?? 0) ^ 0xff;
  writeFileSync(path, bytes);
}

/** SHA-256 of what a Playwright download saved. */
export async function downloadedSha256(download: Download): Promise<string> {
  const path = await download.path();
  return sha256(readFileSync(path));
}

export const files = {
  attach: (page: Page): Locator => page.getByRole('button', { name: 'Attach files', exact: true }),
  /** The message entries from `sender` with the file `name` (a card's name, or an image's button). */
  entries: (page: Page, sender: string, name: string): Locator =>
    ui
      .messages(page, { sender })
      .filter({ has: page.locator('.file-card__name', { hasText: name }).or(page.getByRole('button', { name: `Open image ${name}`, exact: true })) }),
  entry: (page: Page, sender: string, name: string): Locator => files.entries(page, sender, name).first(),
  /** The entry once the server placed it (no `data-status`). */
  placed: (page: Page, sender: string, name: string): Locator => files.entries(page, sender, name).and(page.locator(':not([data-status])')).first(),
  download: (entry: Locator): Locator => entry.getByRole('button', { name: /^(Download|Try again) / }),
  image: (entry: Locator): Locator => entry.locator('img.image-msg__img'),
  imageButton: (entry: Locator, name: string): Locator => entry.getByRole('button', { name: `Open image ${name}`, exact: true }),
  error: (entry: Locator): Locator => entry.getByRole('alert'),
};

/** Chooses `paths` with "Attach files" (the browser's file chooser, as a user would). */
export async function attachFiles(page: Page, paths: string[]): Promise<void> {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), files.attach(page).click()]);
  await chooser.setFiles(paths);
}

/** Clicks the card's Download and waits for the browser's download; returns the saved bytes' SHA-256 and the suggested name. */
export async function downloadCard(page: Page, entry: Locator, ms = 30_000): Promise<{ sha256: string; name: string }> {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: ms }), files.download(entry).click()]);
  return { sha256: await downloadedSha256(download), name: download.suggestedFilename() };
}
