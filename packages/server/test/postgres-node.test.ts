import assert from 'node:assert/strict';
import { existsSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { startServer } from '../src/index.js';
import { RawClient, tempDir } from './helpers.js';
import { freshPostgres } from './pg-database.js';

// Issue 15: one node on PostgreSQL (no Redis), and its identity sealed in the database.

test('a single node on PostgreSQL starts on a fresh data directory, seals its identity under a generated key file, and a node given another key refuses to start', async () => {
  const database = await freshPostgres();
  const dataDir = path.join(tempDir('pg-node'), 'not-yet');
  try {
    const first = await startServer({ host: '127.0.0.1', port: 0, dataDir, databaseUrl: database.url, logLevel: 'silent' });
    const client = await RawClient.connect(first);
    const hello = await client.hello();
    client.close();
    await first.close();
    const keyFile = path.join(dataDir, 'secret.key');
    assert.ok(existsSync(keyFile), 'the generated cluster secret key');
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.ok(!existsSync(path.join(dataDir, 'conclave.db')), 'no SQLite file on PostgreSQL');

    // Restarted with the same key file: the same notice key and setup code.
    const again = await startServer({ host: '127.0.0.1', port: 0, dataDir, databaseUrl: database.url, logLevel: 'silent' });
    const client2 = await RawClient.connect(again);
    const hello2 = await client2.hello();
    client2.close();
    await again.close();
    assert.ok(hello.type === 'hello' && hello2.type === 'hello');
    assert.equal(hello2.noticeKey, hello.noticeKey);
    assert.equal(again.setupCode, first.setupCode);

    await assert.rejects(
      startServer({ host: '127.0.0.1', port: 0, dataDir, databaseUrl: database.url, logLevel: 'silent', secretKey: 'another-secret-key-of-this-cluster' }),
      /cannot be opened with this node's secret key: every node must be given the same CONCLAVE_SECRET_KEY/,
    );
  } finally {
    await database.drop();
    rmSync(path.dirname(dataDir), { recursive: true, force: true });
  }
});
