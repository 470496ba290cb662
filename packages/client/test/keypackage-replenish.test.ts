import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LIMITS } from '@conclave/protocol';
import { addUser, SQLITE_FILE } from '@conclave/server';
import { RawClient } from '../../server/test/helpers.js';
import { makeClient, startTestServer, waitFor } from './helpers/harness.js';

/** One-time KeyPackages of `username`'s devices on the server, read from its database. */
function oneTimeStock(dataDir: string, username: string): number {
  const handle = new Database(join(dataDir, SQLITE_FILE), { readonly: true });
  try {
    handle.pragma('busy_timeout = 5000');
    const row = handle
      .prepare(
        'SELECT COUNT(*) AS n FROM key_packages k JOIN devices d ON d.id = k.device_id JOIN users u ON u.id = d.user_id WHERE u.username = ? AND k.last_resort = 0',
      )
      .get(username) as { n: number };
    return row.n;
  } finally {
    handle.close();
  }
}

/** Deletes all but `keep` of `username`'s one-time KeyPackages, as claims by many members would. */
function drainTo(dataDir: string, username: string, keep: number): void {
  const handle = new Database(join(dataDir, SQLITE_FILE));
  try {
    handle.pragma('busy_timeout = 5000');
    const ids = handle
      .prepare(
        'SELECT k.id FROM key_packages k JOIN devices d ON d.id = k.device_id JOIN users u ON u.id = d.user_id WHERE u.username = ? AND k.last_resort = 0 ORDER BY k.created_at, k.id',
      )
      .all(username) as Array<{ id: string }>;
    const del = handle.prepare('DELETE FROM key_packages WHERE id = ?');
    for (const { id } of ids.slice(keep)) del.run(id);
  } finally {
    handle.close();
  }
}

test('a connected device whose KeyPackage stock claims take below the low-water mark tops it up without reconnecting', async (t) => {
  const env = await startTestServer();
  t.after(() => env.close());
  const bob = makeClient(env.server.wsUrl);
  await bob.client.connect({ kind: 'login', username: 'bob', password: 'bob-password-12' });
  t.after(() => bob.client.close());
  await waitFor(() => oneTimeStock(env.dataDir, 'bob') >= 30, 'bob keeps 30 KeyPackages on the server');
  // Other members' claims have left bob at the low-water mark; one more claim, by carol, takes one.
  // (A raw claim, once: a client's DM set-up may claim again on a lost race, and past
  // LIMITS.keyPackageClaimsPerTargetDevice a claimer gets the last-resort KeyPackage, which takes none.)
  drainTo(env.dataDir, 'bob', LIMITS.keyPackageLowWater);
  await addUser({ dataDir: env.dataDir, username: 'carol', password: 'carol-password-1' });
  const carol = await RawClient.login(env.server, 'carol', { password: 'carol-password-1' });
  t.after(() => carol.client.ws.close());
  const claimed = await carol.client.request({ type: 'claim_key_packages', userIds: [bob.client.snapshot().me!.userId] });
  assert.equal(claimed.type, 'key_packages');
  assert.equal(oneTimeStock(env.dataDir, 'bob'), LIMITS.keyPackageLowWater - 1, 'the claim took a one-time KeyPackage');
  await waitFor(() => oneTimeStock(env.dataDir, 'bob') >= 30, 'bob topped his stock back up while connected', 30_000);
});
