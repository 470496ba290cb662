/**
 * Idle footprint benchmark: the server in a child process (`server-child.ts`),
 * its time to listen (from spawn: node start, module loading, database open,
 * listen), its RSS idle after start, then with `connections` idle
 * authenticated WebSocket connections (one login with a device signature key,
 * the others resume that session with its token, each after `hello`).
 * RSS is read from /proc after `settle` ms of quiet each time.
 *
 * Prints one JSON line: timeToListenMs, rssIdleMiB, rssWithConnectionsMiB,
 * perConnectionKiB, connectMs (to open and authenticate all of them).
 * Exits 1 with one JSON line `{error}` on failure or timeout.
 *
 *   npm run bench:idle -- --connections 1000
 *
 * `max_connections_per_address` and `max_connections_per_session` are raised
 * so every connection fits on 127.0.0.1 and one session.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addUser, runShellAdmin } from '@conclave/server';
import { mls } from '@conclave/client';
import { fail, machineLoad, parseFlags, pool, procSample, round, startServerChild, within } from './lib/common.js';
import { BenchDevice } from './lib/device.js';

const BENCH = 'idle';
const PASSWORD = 'bench-password-not-common-42';

async function main(): Promise<void> {
  const opts = parseFlags(process.argv.slice(2), { connections: 100, settle: 2000, timeout: 300 });
  const n = opts.connections;
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new Error('--connections must be 1–10000');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'conclave-bench-'));
  process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  await addUser({ dataDir, username: 'idle0', password: PASSWORD });
  await runShellAdmin(dataDir, { action: 'set', key: 'max_connections_per_address', value: String(n + 100) });
  await runShellAdmin(dataDir, { action: 'set', key: 'max_connections_per_session', value: String(Math.min(10_000, n + 10)) });

  const server = await startServerChild(dataDir);
  const devices: BenchDevice[] = [];
  try {
    await sleep(opts.settle);
    const idle = procSample(server.pid);
    const t0 = performance.now();
    await within(
      (async () => {
        const first = await BenchDevice.open(server.wsUrl, await mls.generateSignatureKeyPair());
        await first.login('idle0', PASSWORD);
        devices.push(first);
        await pool(Array.from({ length: n - 1 }), 10, async () => {
          const d = await BenchDevice.open(server.wsUrl);
          await d.authenticate(first.token);
          devices.push(d);
        });
      })(),
      opts.timeout * 1000,
      `${n} connections`,
    );
    const connectMs = performance.now() - t0;
    await sleep(opts.settle);
    const loaded = procSample(server.pid);
    process.stdout.write(
      `${JSON.stringify({
        bench: BENCH,
        connections: n,
        timeToListenMs: server.timeToListenMs,
        rssIdleMiB: idle.rssMiB,
        rssWithConnectionsMiB: loaded.rssMiB,
        perConnectionKiB: round(((loaded.rssMiB - idle.rssMiB) * 1024) / n),
        connectMs: round(connectMs),
        node: process.version,
        ...machineLoad(),
      })}\n`,
    );
  } finally {
    for (const d of devices) d.close();
    await server.stop();
  }
  process.exit(0);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

main().catch((err: unknown) => fail(BENCH, err));
