import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { BIN, PASSWORDS, startEnv, tmux } from './helpers/env.js';

/**
 * Files in the terminal client: `/upload` (with `~`, its progress line and
 * clear refusals), the `[file N: …]` / `[image N: …]` line on the other
 * screen, and `/download N [DIR]` saving the same bytes (never overwriting).
 * Alice and bob each run the real program in a tmux terminal against a real server.
 */

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** A PNG header image-size reads (signature and IHDR of `width`×`height`; the pixels do not matter here). */
function pngHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(25);
  ihdr.writeUInt32BE(13, 0);
  ihdr.write('IHDR', 4, 'ascii');
  ihdr.writeUInt32BE(width, 8);
  ihdr.writeUInt32BE(height, 12);
  ihdr[16] = 8;
  ihdr[17] = 2;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ihdr, deflateSync(Buffer.alloc(64))]);
}

test('/upload shows progress and the file reaches the other screen; /download N [DIR] saves the same bytes', { timeout: 300_000 }, async (t) => {
  const env = await startEnv();
  const tm = tmux(`conclave-test-${randomBytes(4).toString('hex')}`);
  t.after(async () => {
    await tm.kill();
    await env.close();
  });
  const homes = { alice: join(env.root, 'alice-home'), bob: join(env.root, 'bob-home') };
  for (const who of ['alice', 'bob'] as const) {
    await mkdir(homes[who], { recursive: true });
    // HOME set for the program: `~` in /upload and the default ~/Downloads of /download are under it.
    const args = [process.execPath, BIN, 'chat', env.address, '--user', who, '--profile-dir', join(env.root, `${who}-profile`), '--fingerprint', env.server.fingerprint];
    await tm.start(who, `HOME=${shellQuote(homes[who])} ${args.map(shellQuote).join(' ')}; echo "[exit $?]"; sleep 60`);
    await tm.waitFor(who, /Log in/);
    await tm.keys(who, 'Enter');
    await tm.waitFor(who, /Password/);
    await tm.type(who, PASSWORDS[who]);
    await tm.waitFor(who, /● connected/);
  }
  // Both devices are in #general's group once bob reads what alice writes.
  await tm.type('alice', 'files coming');
  await tm.waitFor('bob', /alice │ files coming/);

  // Clear refusals, as error lines: no such file, a directory. Nothing is sent.
  await tm.type('alice', '/upload ~/nope.pdf');
  await tm.waitFor('alice', `No such file: ${join(homes.alice, 'nope.pdf')}.`);
  await tm.type('alice', '/upload ~');
  await tm.waitFor('alice', `${homes.alice} is a directory; give a file.`);
  await tm.type('alice', '/cancel');
  await tm.waitFor('alice', 'Nothing is uploading or downloading.');

  // A big file: its progress line shows while it is encrypted and uploaded, then bob sees it with its number.
  const data = randomBytes(20 * 1000 * 1000);
  await writeFile(join(homes.alice, 'report.bin'), data);
  await tm.type('alice', '/upload ~/report.bin the **big** report');
  await tm.waitFor('alice', /(?:encrypting|uploading) report\.bin… \d+ % \([\d.]+(?: [kM]?B)? of 20\.0 MB\) — \/cancel stops it/, 30_000);
  const line = /(\d+) \d\d:\d\d +alice │ \[file (\d+): report\.bin, 20\.0 MB\] the big report/;
  const bobScreen = await tm.waitFor('bob', line, 60_000);
  const [, shownSeq, n] = line.exec(bobScreen)!;
  assert.equal(shownSeq, n, 'the tag carries the number shown before the message');
  await tm.waitFor('alice', new RegExp(`\\[file ${n}: report\\.bin, 20\\.0 MB\\] the big report`));
  assert.doesNotMatch(await tm.capture('alice'), /uploading report\.bin…/, 'the progress line is gone once sent');

  // An image: its size in pixels on the line.
  const image = pngHeader(1024, 768);
  await writeFile(join(homes.alice, 'cat.png'), image);
  await tm.type('alice', '/upload ~/cat.png');
  await tm.waitFor('bob', new RegExp(`alice │ \\[image \\d+: cat\\.png, 1024×768, ${image.length} B\\]`));

  // /download N DIR: a line says where and the digest's first 16 hex digits; the bytes are the same.
  const dir = join(env.root, 'saved');
  await tm.type('bob', `/download ${n} ${dir}`);
  await tm.waitFor('bob', `Saved to ${join(dir, 'report.bin')} (sha256 ${sha256(data).slice(0, 16)}…).`, 60_000);
  assert.ok((await readFile(join(dir, 'report.bin'))).equals(data), 'identical bytes');
  // Again into the same folder: a new name, the first file kept.
  await tm.type('bob', `/download ${n} ${dir}`);
  await tm.waitFor('bob', `Saved to ${join(dir, 'report (1).bin')}`, 60_000);
  assert.ok((await readFile(join(dir, 'report (1).bin'))).equals(data));
  // Without DIR: ~/Downloads, created.
  await tm.type('bob', `/download ${n}`);
  await tm.waitFor('bob', `Saved to ${join(homes.bob, 'Downloads', 'report.bin')}`, 60_000);
  assert.ok((await readFile(join(homes.bob, 'Downloads', 'report.bin'))).equals(data));
  // A number that is no file.
  await tm.type('bob', '/download 1');
  await tm.waitFor('bob', /Message 1 here is not a file/);
  assert.match(await tm.capture('bob'), new RegExp(escape('[file ')), 'the file line is still on screen');
});
