/**
 * Pre-authentication flood benchmark (issue 13, finding 2): one well-behaved,
 * authenticated client sends app-level `ping` frames at a steady rate and
 * records each round trip, first on a quiet server, then while hostile
 * sockets that never log in send frames as fast as the server takes them.
 * Prints JSON figures: the good client's ping round trip p50/p99 (ms) in each
 * phase, and what the hostile sockets managed to send. A figure, not a test.
 *
 *   npm run bench:preauth-flood -- [hostile=4] [seconds=10] [pingsPerSecond=20]
 *
 * The hostile sockets run in a child process of their own (as an attacker
 * would be another machine), so their own work does not slow the server's
 * event loop; the server and the good client share this process.
 *
 * Hostile modes (one phase each):
 * - `big`: a `sync` with 60 000 cursors (≈857 kB, under `LIMITS.maxFrameBytes`),
 *   no `hello`; a socket the server closes reconnects at once.
 * - `small`: after `hello`, the largest frame still accepted before login
 *   (`LIMITS.maxPreAuthFrameBytes` when defined: a `login` missing its fields,
 *   padded), sent as fast as the socket drains; reconnects when closed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { addUser, startServer } from '@conclave/server';
import { LIMITS, PROTOCOL_VERSION, type ServerFrame } from '@conclave/protocol';

const hostileCount = Number(process.argv[2] ?? 4);
const seconds = Number(process.argv[3] ?? 10);
const pingsPerSecond = Number(process.argv[4] ?? 20);
const password = 'bench-password-not-common-42';

function percentile(sorted: number[], p: number): number {
  return Number((sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0).toFixed(2));
}

/** The `sync` of the figure: 60 000 cursors, ≈857 kB. */
function bigSync(): string {
  const cursors: Record<string, number> = {};
  for (let i = 0; i < 60_000; i++) cursors[`c${String(i).padStart(7, '0')}`] = i;
  return JSON.stringify({ type: 'sync', id: 'x', cursors });
}

/** A `login` without credentials (refused by the schema), padded to the pre-auth frame bound. */
function smallLogin(): string {
  const bound = (LIMITS as Record<string, number>).maxPreAuthFrameBytes ?? 8 * 1024;
  const head = JSON.stringify({ type: 'login', id: 'x', pad: '' });
  return head.replace('"pad":""', `"pad":"${'p'.repeat(bound - head.length)}"`);
}

async function open(wsUrl: string): Promise<WebSocket> {
  const ws = new WebSocket(wsUrl, { rejectUnauthorized: false });
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  return ws;
}

/** One hostile socket: sends `frame` whenever the previous one was written; reconnects when closed, until `stop`. */
function hostile(wsUrl: string, frame: string, sayHello: boolean, stats: { frames: number; connections: number; refusedConnections: number }): { stop: () => void } {
  let stopped = false;
  let current: WebSocket | undefined;
  const run = async (): Promise<void> => {
    while (!stopped) {
      let ws: WebSocket;
      try {
        ws = await open(wsUrl);
      } catch {
        stats.refusedConnections += 1;
        await new Promise((r) => setTimeout(r, 10));
        continue;
      }
      current = ws;
      stats.connections += 1;
      ws.on('message', () => undefined);
      ws.on('error', () => undefined);
      const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
      if (sayHello) ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, client: 'hostile' }));
      const pump = (): void => {
        if (stopped || ws.readyState !== WebSocket.OPEN) return;
        ws.send(frame, (err) => {
          if (err) return;
          stats.frames += 1;
          pump();
        });
      };
      pump();
      await closed;
    }
  };
  void run();
  return {
    stop: () => {
      stopped = true;
      current?.terminate();
    },
  };
}

/** The well-behaved client: logs in, syncs, then pings at `pingsPerSecond` for `seconds`; resolves with sorted round trips, ms. */
async function measure(ws: WebSocket, pending: Map<string, () => void>, tag: string): Promise<number[]> {
  const rtts: number[] = [];
  const total = seconds * pingsPerSecond;
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const id = `${tag}${i}`;
    const t0 = performance.now();
    inFlight.push(
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => (pending.delete(id), rtts.push(10_000), resolve()), 10_000);
        pending.set(id, () => (clearTimeout(timer), rtts.push(performance.now() - t0), resolve()));
      }),
    );
    ws.send(JSON.stringify({ type: 'ping', id }));
    await new Promise((r) => setTimeout(r, 1000 / pingsPerSecond));
  }
  await Promise.all(inFlight);
  return rtts.sort((a, b) => a - b);
}

/** Child mode: `--hostile <wsUrl> <big|small> <count>`; runs until killed, prints its stats on SIGTERM. */
async function hostileChild(wsUrl: string, mode: string, count: number): Promise<void> {
  const frame = mode === 'big' ? bigSync() : smallLogin();
  const stats = { frames: 0, connections: 0, refusedConnections: 0 };
  const attackers = Array.from({ length: count }, () => hostile(wsUrl, frame, mode === 'small', stats));
  process.on('SIGTERM', () => {
    for (const a of attackers) a.stop();
    process.stdout.write(`${JSON.stringify({ frameBytes: Buffer.byteLength(frame), ...stats })}\n`);
    process.exit(0);
  });
  await new Promise(() => undefined);
}

/** Starts the hostile child; resolves with a stop function that returns its stats. */
function startHostile(wsUrl: string, mode: string): { stop: () => Promise<Record<string, number>> } {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--hostile', wsUrl, mode, String(hostileCount)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return {
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve(JSON.parse(out || '{}') as Record<string, number>));
        child.kill('SIGTERM');
      }),
  };
}

if (process.argv[2] === '--hostile') {
  await hostileChild(process.argv[3]!, process.argv[4]!, Number(process.argv[5]));
}

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'conclave-bench-'));
const server = await startServer({ host: '127.0.0.1', port: 0, dataDir, logLevel: 'silent' });
try {
  await addUser({ dataDir, username: 'good', password });
  const good = await open(server.wsUrl);
  const pending = new Map<string, () => void>();
  await new Promise<void>((resolve, reject) => {
    good.on('message', (d) => {
      const f = JSON.parse((d as Buffer).toString()) as ServerFrame; // binaryType 'nodebuffer': one Buffer
      if (f.type === 'session') good.send(JSON.stringify({ type: 'sync', id: 's', cursors: {} }));
      else if (f.type === 'synced') resolve();
      else if (f.type === 'error' && f.id === 'l') reject(new Error(f.message));
      if ((f.type === 'pong' || f.type === 'error') && f.id !== undefined) pending.get(f.id)?.();
    });
    good.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, client: 'bench' }));
    good.send(JSON.stringify({ type: 'login', id: 'l', username: 'good', password, device: { name: 'bench', signatureKey: Buffer.alloc(32, 7).toString('base64') } }));
  });

  const quiet = await measure(good, pending, 'q');
  const phases: Record<string, unknown> = { quiet: { p50: percentile(quiet, 50), p99: percentile(quiet, 99), pings: quiet.length } };
  for (const mode of ['big', 'small']) {
    const attack = startHostile(server.wsUrl, mode);
    await new Promise((r) => setTimeout(r, 2_000));
    const rtts = await measure(good, pending, mode);
    const stats = await attack.stop();
    phases[mode] = { p50: percentile(rtts, 50), p99: percentile(rtts, 99), pings: rtts.length, hostile: stats };
    await new Promise((r) => setTimeout(r, 1_000));
  }
  console.log(JSON.stringify({ bench: 'preauth-flood', hostileSockets: hostileCount, seconds, pingsPerSecond, goodClientPingMs: phases }, null, 2));
  good.close();
} finally {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
}
