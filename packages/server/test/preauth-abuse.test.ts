import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { CLOSE_CODES, decodeClientFrame, LIMITS } from '@conclave/protocol';
import { runShellAdmin } from '../src/index.js';
import { createUsers, RawClient, startTestServer, tempDir, type TestServer } from './helpers.js';

// Issue 13, findings 2 (pre-auth stall), 7 (connection caps) and 8 (log flooding),
// each reproduced through the public interface.

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'run-server-logged.ts');

/** Resolves when the client's socket has closed (bounded). */
async function closedOf(c: RawClient, timeoutMs = 5_000): Promise<{ code: number; reason: string }> {
  const deadline = Date.now() + timeoutMs;
  while (c.closed === undefined) {
    if (Date.now() > deadline) throw new Error('socket did not close');
    await new Promise((r) => setTimeout(r, 10));
  }
  return c.closed;
}

/** A `sync` naming `n` conversations. */
function syncWith(n: number): string {
  const cursors: Record<string, number> = {};
  for (let i = 0; i < n; i++) cursors[`c${String(i).padStart(7, '0')}`] = i;
  return JSON.stringify({ type: 'sync', id: 'big', cursors });
}

describe('before authentication', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    await createUsers(server, 'alice');
  });
  after(() => server.dispose());

  test('a frame over LIMITS.maxPreAuthFrameBytes closes the connection with 1009, unparsed', async () => {
    const c = await RawClient.connect(server);
    await c.hello();
    // A well-formed login padded past the pre-auth bound (but far under maxFrameBytes).
    c.sendRaw(JSON.stringify({ type: 'login', id: 'l1', username: 'alice', password: 'x'.repeat(2_000), device: { name: 'd'.repeat(LIMITS.maxPreAuthFrameBytes) } }));
    const closed = await closedOf(c);
    assert.equal(closed.code, CLOSE_CODES.tooBig);
    assert.ok(!c.frames.some((f) => f.type === 'session'), 'not logged in');
  });

  test('a frame header announcing more than the pre-auth bound closes the connection at once: nothing of it is buffered', async () => {
    const c = await RawClient.connect(server);
    await c.hello();
    // A masked text frame (RFC 6455 §5.2) announcing 900 KiB — under maxFrameBytes — of which only 64 bytes follow.
    // Were the server to read it whole before checking its size, it would wait for the rest, and never close.
    const header = Buffer.alloc(14);
    header[0] = 0x81;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(900 * 1024), 2);
    const socket = (c.ws as unknown as { _socket: { write(b: Buffer): void } })._socket;
    socket.write(Buffer.concat([header, Buffer.alloc(64, 0x20)]));
    assert.equal((await closedOf(c, 3_000)).code, CLOSE_CODES.tooBig);
  });

  test('after authentication frames up to LIMITS.maxFrameBytes are read', async () => {
    const { client } = await RawClient.login(server, 'alice');
    // 64 KiB, eight times the pre-auth bound: read, parsed and refused by the schema with a typed error, not closed.
    const reply = await client.request({ type: 'join', room: `#${'r'.repeat(64 * 1024)}` });
    assert.equal(reply.type, 'error');
    assert.equal(client.closed, undefined);
    client.close();
  });

  test('the 857 kB sync of the issue is refused before hello by size, not parsed', async () => {
    const c = await RawClient.connect(server);
    c.sendRaw(syncWith(60_000));
    assert.equal((await closedOf(c)).code, CLOSE_CODES.tooBig);
  });

  test('a non-auth frame before login gets a typed error; past LIMITS.maxPreAuthRefusals the connection closes (1008)', async () => {
    const c = await RawClient.connect(server);
    await c.hello();
    for (let i = 0; i < LIMITS.maxPreAuthRefusals; i++) {
      const refused = await c.request({ type: i % 2 === 0 ? 'rooms' : 'sync', cursors: {} });
      assert.equal(refused.type === 'error' && refused.code, 'CONCLAVE_ERR_NOT_AUTHENTICATED');
    }
    c.sendRaw(JSON.stringify({ type: 'who', id: 'w2' }));
    assert.equal((await closedOf(c)).code, CLOSE_CODES.policyViolation);
  });

  test('ping is not answered before login', async () => {
    const c = await RawClient.connect(server);
    await c.hello();
    const reply = await c.request({ type: 'ping' });
    assert.equal(reply.type === 'error' && reply.code, 'CONCLAVE_ERR_NOT_AUTHENTICATED');
    c.ws.close();
  });

  test('login after hello still works, and the session then answers ping', async () => {
    const { client, session } = await RawClient.login(server, 'alice');
    assert.equal(session.type, 'session');
    assert.equal((await client.request({ type: 'ping' })).type, 'pong');
    client.ws.close();
  });
});

describe('parse work is bounded before schema validation', () => {
  test('a sync with more than LIMITS.maxFrameCollectionEntries cursors is refused by the shape bound', () => {
    const decoded = decodeClientFrame(syncWith(60_000));
    assert.equal(decoded.ok, false);
    if (!decoded.ok) {
      assert.equal(decoded.code, 'CONCLAVE_ERR_BAD_FRAME');
      assert.match(decoded.detail, /more than 2000 keys/);
      assert.equal(decoded.id, 'big');
    }
  });

  test('nesting deeper than LIMITS.maxFrameDepth is refused before validation', () => {
    const deep = `{"type":"login","id":"d","x":${'['.repeat(50)}${']'.repeat(50)}}`;
    const decoded = decodeClientFrame(deep);
    assert.equal(decoded.ok, false);
    if (!decoded.ok) assert.match(decoded.detail, /nested deeper/);
  });

  test('a sync at the limit still validates', () => {
    assert.equal(decodeClientFrame(syncWith(LIMITS.maxSyncCursors)).ok, true);
  });
});

describe('connection caps', () => {
  let server: TestServer;
  before(async () => {
    const dataDir = tempDir('caps');
    await runShellAdmin(dataDir, { action: 'set', key: 'max_connections_per_address', value: '4' });
    await runShellAdmin(dataDir, { action: 'set', key: 'max_preauth_connections_per_address', value: '2' });
    await runShellAdmin(dataDir, { action: 'set', key: 'max_connections_per_session', value: '2' });
    server = await startTestServer(dataDir);
    await createUsers(server, 'alice');
  });
  after(() => server.dispose());

  test('per address (pre-auth tighter), and per session, with CONCLAVE_ERR_TOO_MANY_CONNECTIONS and 1013', async () => {
    const { client: a, session } = await RawClient.login(server, 'alice');
    const p1 = await RawClient.connect(server);
    const p2 = await RawClient.connect(server);
    // Third unauthenticated socket from 127.0.0.1: over max_preauth_connections_per_address.
    const p3 = await RawClient.connect(server);
    assert.equal((await closedOf(p3)).code, CLOSE_CODES.tryAgainLater);
    assert.ok(p3.frames.some((f) => f.type === 'error' && f.code === 'CONCLAVE_ERR_TOO_MANY_CONNECTIONS'));

    // Resuming the session: the second connection on it is fine, a third is over max_connections_per_session.
    await p1.hello();
    assert.equal((await p1.request({ type: 'authenticate', token: session.token })).type, 'session');
    await p2.hello();
    const refused = await p2.request({ type: 'authenticate', token: session.token });
    assert.equal(refused.type === 'error' && refused.code, 'CONCLAVE_ERR_TOO_MANY_CONNECTIONS');
    assert.equal((await closedOf(p2)).code, CLOSE_CODES.tryAgainLater);
    // Barrier: a round trip on another connection after p2's close has been processed.
    assert.equal((await a.request({ type: 'ping' })).type, 'pong');
    await new Promise((r) => setTimeout(r, 100));

    // a and p1 are open; two more fit under max_connections_per_address = 4, the fifth does not.
    const q1 = await RawClient.connect(server);
    const q2 = await RawClient.connect(server);
    const q3 = await RawClient.connect(server);
    assert.equal((await closedOf(q3)).code, CLOSE_CODES.tryAgainLater);
    assert.equal(q1.closed, undefined);
    assert.equal(q2.closed, undefined);
    for (const c of [a, p1, q1, q2]) c.ws.close();
  });
});

describe('log flooding', () => {
  const dataDir = tempDir('logflood');
  let child: ChildProcess;
  const lines: string[] = [];
  let urls: { wsUrl: string; url: string };
  before(async () => {
    child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    createInterface({ input: child.stdout! }).on('line', (l) => lines.push(l));
    urls = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('server did not start')), 20_000);
      createInterface({ input: child.stderr! }).on('line', (l) => {
        if (!l.startsWith('{"port"')) return;
        clearTimeout(timer);
        resolve(JSON.parse(l) as { wsUrl: string; url: string });
      });
    });
  });
  after(async () => {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('hundreds of refused frames write a bounded number of log lines, and the metric counts them all', async () => {
    const c = await RawClient.connect({ wsUrl: urls.wsUrl });
    await c.hello();
    // Schema-invalid logins (no login needed to send them): within the burst each is answered
    // BAD_FRAME, then they are rate-limited, and after LIMITS.maxRejectedFrames in a row the flood close.
    const sent = LIMITS.frameBurst + LIMITS.maxRejectedFrames + 40;
    for (let i = 0; i < sent; i++) c.sendRaw(JSON.stringify({ type: 'login', id: `r${i}` }));
    const closed = await closedOf(c, 10_000);
    assert.equal(closed.code, CLOSE_CODES.flood);
    const metrics = await get(`${urls.url}/metrics`);
    const refused = [...metrics.matchAll(/^conclave_frames_refused_total\{code="([A-Z_]+)"(?:,node="[^"]*")?\} (\d+)$/gm)].reduce((n, m) => n + Number(m[2]), 0);
    // `hello` took one token of the burst (a few more refill meanwhile); every other frame read was refused,
    // the last one by the flood close.
    assert.ok(refused >= LIMITS.frameBurst - 1 + LIMITS.maxRejectedFrames, `refusals counted: ${refused}\n${metrics}`);
    // The refused ones were never parsed: the rate limit comes before JSON.parse.
    const unparsed = Number(/^conclave_frames_received_total\{type="unparsed"(?:,node="[^"]*")?\} (\d+)$/m.exec(metrics)?.[1] ?? 0);
    assert.ok(unparsed >= LIMITS.maxRejectedFrames, `frames refused before parsing: ${unparsed}`);
    // Barrier for the log: the closing line of that connection.
    const deadline = Date.now() + 5_000;
    while (!lines.some((l) => l.includes('"connection closed"')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const connLines = lines.filter((l) => l.includes('"component":"ws"'));
    assert.ok(connLines.some((l) => l.includes('"connection closed"') && l.includes('CONCLAVE_ERR_RATE_LIMITED')), connLines.join('\n'));
    assert.ok(connLines.length <= 6, `${connLines.length} ws log lines for ${refused} refused frames:\n${connLines.slice(0, 10).join('\n')}`);
  });
});

const agent = new Agent({ rejectUnauthorized: false });

/** One HTTPS GET's body (self-signed certificate accepted), bounded by a timeout. */
function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, timeout: 5_000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}
