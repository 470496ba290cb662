import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockProfile } from '../src/store/profile-lock.js';

test('a held profile makes the next taker wait, then refuse with one clear line; released, it is free again', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'conclave-lock-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const dir = join(root, 'profiles', 'server', 'alice');
  const release = await lockProfile(dir);

  const waited = Date.now();
  await assert.rejects(lockProfile(dir, 400), {
    name: 'CliError',
    message: `the profile ${dir} is in use by another conclave (a chat, read --follow or send still running); close it or try again when it has finished`,
  });
  assert.ok(Date.now() - waited >= 300, 'it waited before refusing');

  // A taker that starts waiting while the profile is held gets it once it is released.
  const next = lockProfile(dir, 5_000);
  setTimeout(() => void release(), 200);
  const releaseNext = await next;
  await releaseNext();
  await releaseNext(); // idempotent
  await (await lockProfile(dir, 0))();
});
