/**
 * Reconnect-storm benchmark: `users` users, one device each, are connected;
 * the server restarts (a deploy, a crash: its presence state is gone); every
 * device comes back at once, resuming its session with its token and
 * syncing. The server runs in a child process (`server-child.ts`).
 *
 * Prints one JSON line:
 * - `coldLoginMs`: the first logins, `pool` at a time (each one a password
 *   check and a new device);
 * - `backMs`: from the restarted server listening to the last device synced,
 *   all reconnecting at once;
 * - `backP50Ms`, `backP99Ms`: per device, from its reconnect to its `synced`;
 * - `noticesPerDevice`: presence notices each device received in the storm
 *   (from the restart until 2 s after the last was back), mean;
 * - `noticeBytesPerDevice`: their size, mean;
 * - `serverCpuPct`, `serverRssMiB`: the restarted server over the same span.
 * Exits 1 with one JSON line `{error}` on failure or timeout.
 *
 *   npm run bench:storm -- --users 500
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addUser, runShellAdmin } from '@conclave/server';
import { mls } from '@conclave/client';
import type { ServerFrame } from '@conclave/protocol';
import { cpuPct, fail, machineLoad, parseFlags, percentile, pool, procSample, round, startServerChild, within } from './lib/common.js';
import { BenchDevice } from './lib/device.js';

const BENCH = 'storm';
const PASSWORD = 'bench-password-not-common-42';

interface Member {
  username: string;
  keys: Awaited<ReturnType<typeof mls.generateSignatureKeyPair>>;
  token: string;
  device: BenchDevice | undefined;
  notices: number;
  noticeBytes: number;
}

async function main(): Promise<void> {
  const opts = parseFlags(process.argv.slice(2), { users: 200, pool: 10, settle: 2000, timeout: 300 });
  const n = opts.users;
  if (!Number.isInteger(n) || n < 2 || n > 5_000) throw new Error('--users must be 2–5000');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'conclave-bench-'));
  process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const members: Member[] = [];
  for (let i = 0; i < n; i++) {
    const username = `storm${i}`;
    await addUser({ dataDir, username, password: PASSWORD });
    members.push({ username, keys: await mls.generateSignatureKeyPair(), token: '', device: undefined, notices: 0, noticeBytes: 0 });
  }
  for (const key of ['max_connections_per_address', 'max_preauth_connections_per_address']) {
    await runShellAdmin(dataDir, { action: 'set', key, value: String(n + 100) });
  }

  let server = await startServerChild(dataDir);
  let counting = false;
  const watch = (m: Member, d: BenchDevice): void => {
    d.onFrame = (frame: ServerFrame) => {
      if (!counting || frame.type !== 'notice') return;
      m.notices++;
      m.noticeBytes += JSON.stringify(frame).length;
    };
  };
  try {
    const t0 = performance.now();
    await within(
      pool(members, opts.pool, async (m) => {
        const d = await BenchDevice.open(server.wsUrl, m.keys);
        await d.login(m.username, PASSWORD);
        m.token = d.token;
        m.device = d;
      }),
      opts.timeout * 1000,
      `${n} first logins`,
    );
    const coldLoginMs = performance.now() - t0;

    for (const m of members) m.device?.close();
    await server.stop();
    server = await startServerChild(dataDir);
    const before = procSample(server.pid);
    counting = true;
    const t1 = performance.now();
    const backAt: number[] = [];
    await within(
      Promise.all(
        members.map(async (m) => {
          const start = performance.now();
          const d = await BenchDevice.open(server.wsUrl, m.keys);
          watch(m, d);
          m.device = d;
          await d.authenticate(m.token);
          await d.request({ type: 'sync', cursors: {} });
          backAt.push(performance.now() - start);
        }),
      ),
      opts.timeout * 1000,
      `${n} reconnects`,
    );
    const backMs = performance.now() - t1;
    await sleep(opts.settle);
    counting = false;
    const after = procSample(server.pid);
    const notices = members.reduce((a, m) => a + m.notices, 0);
    const noticeBytes = members.reduce((a, m) => a + m.noticeBytes, 0);
    process.stdout.write(
      `${JSON.stringify({
        bench: BENCH,
        users: n,
        coldLoginMs: round(coldLoginMs),
        backMs: round(backMs),
        backP50Ms: round(percentile(backAt, 50)),
        backP99Ms: round(percentile(backAt, 99)),
        noticesPerDevice: round(notices / n),
        noticeBytesPerDevice: round(noticeBytes / n),
        serverCpuPct: cpuPct(before, after),
        serverRssMiB: after.rssMiB,
        node: process.version,
        ...machineLoad(),
      })}\n`,
    );
  } finally {
    for (const m of members) m.device?.close();
    await server.stop();
  }
  process.exit(0);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

main().catch((err: unknown) => fail(BENCH, err));
