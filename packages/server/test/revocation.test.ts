import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { LIMITS } from '@conclave/protocol';
import { SQLITE_FILE } from '../src/index.js';
import { createUsers, PASSWORD, RawClient, startTestServer, type TestServer } from './helpers.js';

/** The real `conclave` binary: the shell reset runs in its own process, as an operator would run it. */
const CONCLAVE_BIN = fileURLToPath(new URL('../../cli/bin/conclave.js', import.meta.url));

/** Runs `conclave ARGS` with `stdin` to completion (20 s deadline). */
function runConclave(args: string[], stdin: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CONCLAVE_BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, CONCLAVE_PASSWORD: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`conclave ${args.join(' ')} timed out: ${stderr}`));
    }, 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

/** A ping round trip: the connection is open and served. */
async function pings(client: RawClient): Promise<boolean> {
  const reply = await client.request({ type: 'ping' }, 3_000);
  return reply.type === 'pong';
}

/** Close deadline after the revocation: the check interval plus a margin for a loaded machine. */
const CLOSE_WITHIN_MS = LIMITS.sessionRevocationCheckMs + 3_000;

describe('revoked sessions close their live connections (issue 13, finding 5)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    await createUsers(server, 'alice', 'bob', 'carol', 'dave');
  });
  after(() => server.dispose());

  it('a password reset by the `conclave admin` shell process closes the user’s open socket with SESSION_REVOKED; another user stays connected', async () => {
    const { client: alice } = await RawClient.login(server, 'alice');
    const { client: aliceSecond } = await RawClient.login(server, 'alice');
    const { client: bob } = await RawClient.login(server, 'bob');
    assert.ok(await pings(alice));

    const reset = await runConclave(['admin', 'reset-password', 'alice', '--data-dir', server.dataDir], 'a-brand-new-password-42\n');
    assert.equal(reset.code, 0, reset.stderr);
    const resetAt = Date.now();

    for (const conn of [alice, aliceSecond]) {
      const closed = await conn.waitClosed(CLOSE_WITHIN_MS);
      assert.equal(closed.code, 4004, `closed with ${JSON.stringify(closed)}`);
      const error = conn.frames.find((f) => f.type === 'error');
      assert.equal(error?.type === 'error' && error.code, 'CONCLAVE_ERR_SESSION_REVOKED');
    }
    assert.ok(Date.now() - resetAt < CLOSE_WITHIN_MS);

    // Bob's session was not touched: his socket still answers, and nothing closed it.
    assert.ok(await pings(bob));
    assert.equal(bob.closed, undefined);
    assert.equal(bob.frames.some((f) => f.type === 'error'), false);
    bob.close();

    // The old password no longer logs in; the new one does.
    await assert.rejects(RawClient.login(server, 'alice'), /CONCLAVE_ERR_/);
    const { client: again } = await RawClient.login(server, 'alice', { password: 'a-brand-new-password-42' });
    assert.ok(await pings(again));
    again.close();
  });

  it('`logout` on one connection closes the other connections of the same session', async () => {
    const { client: first, session } = await RawClient.login(server, 'carol', { password: PASSWORD });
    const second = await RawClient.connect(server);
    await second.hello();
    const resumed = await second.request({ type: 'authenticate', token: session.token });
    assert.equal(resumed.type, 'session', JSON.stringify(resumed));
    const { client: bob } = await RawClient.login(server, 'bob');

    const reply = await first.request({ type: 'logout' });
    assert.equal(reply.type, 'ok');
    const closed = await second.waitClosed(CLOSE_WITHIN_MS);
    assert.equal(closed.code, 4004);
    const error = second.frames.find((f) => f.type === 'error');
    assert.equal(error?.type === 'error' && error.code, 'CONCLAVE_ERR_SESSION_REVOKED');
    assert.ok(await pings(bob));
    bob.close();
  });

  it('a session that reaches its absolute expiry (or is deleted by another process) closes its open socket', async () => {
    const { client: dave } = await RawClient.login(server, 'dave');
    const { client: bob } = await RawClient.login(server, 'bob');
    // Another process ages dave's sessions in the shared database (as a clock past `expiresAt` would).
    const db = new Database(path.join(server.dataDir, SQLITE_FILE));
    try {
      db.pragma('busy_timeout = 5000');
      const users = db.prepare('SELECT id FROM users WHERE username = ?').get('dave') as { id: string };
      const aged = db.prepare('UPDATE sessions SET expires_at = ? WHERE user_id = ?').run(Date.now() - 1, users.id);
      assert.ok(aged.changes >= 1);
    } finally {
      db.close();
    }
    const closed = await dave.waitClosed(CLOSE_WITHIN_MS);
    assert.equal(closed.code, 4004);
    assert.ok(await pings(bob));
    bob.close();
  });
});
