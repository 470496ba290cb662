import { test } from 'node:test';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LIMITS } from '@conclave/protocol';
import { SQLITE_FILE } from '@conclave/server';
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
  const alice = makeClient(env.server.wsUrl);
  const bob = makeClient(env.server.wsUrl);
  await bob.client.connect({ kind: 'login', username: 'bob', password: 'bob-password-12' });
  await alice.client.connect({ kind: 'login', username: 'alice', password: 'alice-password-1' });
  t.after(() => Promise.all([alice.client.close(), bob.client.close()]));
  await waitFor(() => oneTimeStock(env.dataDir, 'bob') >= 30, 'bob keeps 30 KeyPackages on the server');
  // Other members' claims have left bob at the low-water mark; alice's DM takes one more.
  drainTo(env.dataDir, 'bob', LIMITS.keyPackageLowWater);
  await alice.client.openDm('bob');
  // (openDm's Adds, and so the claim, run after it returns; bob then makes 21 KeyPackages: bounded generously for a loaded machine.)
  await waitFor(() => oneTimeStock(env.dataDir, 'bob') >= 30, 'bob topped his stock back up while connected', 30_000);
});
