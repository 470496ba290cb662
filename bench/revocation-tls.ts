/**
 * Figures for issue 13, findings 5 and 10 (printed as JSON; not a test).
 *
 *   node --import tsx bench/revocation-tls.ts [connections=50]
 *
 * - `revocation`: `connections` sockets of alice and as many of bob are
 *   logged in (one login each, on one device per user; at most 100 a user
 *   under the default per-address connection cap); alice's password is reset with the shell's code path
 *   (`resetPassword`, its own database connection, as `conclave admin
 *   reset-password` does in its own process). Prints how long until each of
 *   alice's sockets was closed with `CONCLAVE_ERR_SESSION_REVOKED` (p50, max;
 *   `null` when some were still open after 10 s) and how many of bob's
 *   sockets stayed open.
 * - `tls12`: every TLS 1.2 suite this Node's OpenSSL knows is offered alone
 *   to the server (self-signed ECDSA certificate); prints the ones it accepts.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import WebSocket from 'ws';
import { addUser, resetPassword, startServer } from '@conclave/server';
import { PROTOCOL_VERSION, type ServerFrame } from '@conclave/protocol';

const connections = Number(process.argv[2] ?? 50);
const password = 'bench-password-not-common-42';

interface Device {
  id?: string;
  signatureKey: string;
}

/** A logged-in socket (a new session of `device`, whose id it learns) that records when it was closed. */
async function loggedIn(wsUrl: string, username: string, device: Device): Promise<{ ws: WebSocket; closedAt?: number; code?: string }> {
  const ws = new WebSocket(wsUrl, { rejectUnauthorized: false });
  const conn: { ws: WebSocket; closedAt?: number; code?: string } = { ws };
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const session = new Promise<void>((resolve, reject) => {
    ws.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as ServerFrame;
      if (frame.type === 'session') {
        device.id = frame.deviceId;
        resolve();
      }
      if (frame.type === 'error') {
        conn.code = frame.code;
        reject(new Error(frame.code));
      }
    });
  });
  ws.on('close', () => (conn.closedAt = performance.now()));
  ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, client: 'bench' }));
  ws.send(JSON.stringify({ type: 'login', id: 'l', username, password, device: { name: 'bench', ...device } }));
  await session;
  conn.code = undefined;
  return conn;
}

async function revocation(): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'conclave-bench-revoke-'));
  const server = await startServer({ host: '127.0.0.1', port: 0, dataDir, logLevel: 'silent' });
  try {
    for (const username of ['alice', 'bob']) await addUser({ dataDir, username, password });
    const alice = [];
    const bob = [];
    const aliceDevice: Device = { signatureKey: randomBytes(32).toString('base64') };
    const bobDevice: Device = { signatureKey: randomBytes(32).toString('base64') };
    // One device each, several logins (sessions) on it: the per-user device cap does not interfere.
    for (let i = 0; i < connections; i++) {
      alice.push(await loggedIn(server.wsUrl, 'alice', aliceDevice));
      bob.push(await loggedIn(server.wsUrl, 'bob', bobDevice));
    }
    const start = performance.now();
    const { sessions } = await resetPassword(dataDir, 'alice', `${password}-new`);
    const deadline = start + 10_000;
    while (alice.some((c) => c.closedAt === undefined) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const times = alice.map((c) => (c.closedAt === undefined ? Infinity : c.closedAt - start)).sort((a, b) => a - b);
    const allClosed = times.every(Number.isFinite);
    const result = {
      connectionsPerUser: connections,
      sessionsEnded: sessions,
      aliceClosedWithin10s: times.filter(Number.isFinite).length,
      closeMsP50: allClosed ? Math.round(times[Math.floor(times.length / 2)] ?? 0) : null,
      closeMsMax: allClosed ? Math.round(times[times.length - 1] ?? 0) : null,
      bobStillOpen: bob.filter((c) => c.ws.readyState === WebSocket.OPEN).length,
    };
    for (const c of [...alice, ...bob]) c.ws.terminate();
    return result;
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function handshakeOk(port: number, cipher: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: cipher });
    socket.once('secureConnect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function tls12Suites(): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'conclave-bench-tls-'));
  const server = await startServer({ host: '127.0.0.1', port: 0, dataDir, logLevel: 'silent' });
  try {
    const accepted: string[] = [];
    const candidates = tls.getCiphers().filter((c) => !c.startsWith('tls_'));
    for (const cipher of candidates) if (await handshakeOk(server.port, cipher.toUpperCase())) accepted.push(cipher.toUpperCase());
    return { certificate: 'self-signed ECDSA P-256', offered: candidates.length, accepted };
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

console.log(JSON.stringify({ revocation: await revocation(), tls12: await tls12Suites() }, null, 2));
