/**
 * Fan-out benchmark: N members in #general on a real TLS server; members take
 * turns sending M messages one after another (each waits for its ack, and no
 * member exceeds the per-connection frame rate); every receive time is recorded.
 * Prints JSON figures (send→ack and send→last-member latencies in ms, messages
 * and deliveries per second). A figure, not a pass/fail test.
 *
 *   npm run bench -- [members=50] [messages=200]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { addUser, startServer } from '@conclave/server';
import { PROTOCOL_VERSION, type ServerFrame } from '@conclave/protocol';

const members = Number(process.argv[2] ?? 50);
const messages = Number(process.argv[3] ?? 200);
const password = 'bench-password-not-common-42';
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'conclave-bench-'));

function percentile(sorted: number[], p: number): number {
  return Number((sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0).toFixed(2));
}

async function connect(wsUrl: string, username: string, onFrame: (f: ServerFrame) => void): Promise<{ ws: WebSocket; general: string }> {
  const ws = new WebSocket(wsUrl, { rejectUnauthorized: false });
  await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
  return new Promise((resolve) => {
    ws.on('message', (d) => {
      const f = JSON.parse((d as Buffer).toString()) as ServerFrame; // binaryType 'nodebuffer': one Buffer
      if (f.type === 'session') ws.send(JSON.stringify({ type: 'sync', id: 's', cursors: {} }));
      if (f.type === 'synced') resolve({ ws, general: general! });
      if (f.type === 'session') general = f.conversations.find((c) => c.name === '#general')!.conversationId;
      onFrame(f);
    });
    let general: string | undefined;
    ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, client: 'bench' }));
    ws.send(JSON.stringify({ type: 'login', id: 'l', username, password, device: { name: 'bench' } }));
  });
}

const server = await startServer({ host: '127.0.0.1', port: 0, dataDir, logLevel: 'silent' });
try {
  for (let i = 0; i < members; i++) await addUser({ dataDir, username: `member${i}`, password });
  const sentAt = new Map<number, number>();
  const lastDelivery = new Map<number, number>();
  const deliveries = new Map<number, number>();
  const onFrame = (f: ServerFrame) => {
    if (f.type !== 'message') return;
    const n = Number(Buffer.from(f.body, 'base64').toString().split(' ')[1]);
    deliveries.set(n, (deliveries.get(n) ?? 0) + 1);
    lastDelivery.set(n, performance.now());
  };
  const clients = [];
  for (let i = 0; i < members; i++) clients.push(await connect(server.wsUrl, `member${i}`, onFrame));
  const ackLatency: number[] = [];
  const acks = new Map<string, () => void>();
  for (const c of clients) {
    c.ws.on('message', (d) => {
      const f = JSON.parse((d as Buffer).toString()) as ServerFrame; // binaryType 'nodebuffer': one Buffer
      if (f.type === 'sent' || f.type === 'error') acks.get(f.id ?? '')?.();
    });
  }
  const started = performance.now();
  for (let n = 0; n < messages; n++) {
    const sender = clients[n % clients.length]!;
    const t0 = performance.now();
    sentAt.set(n, t0);
    await new Promise<void>((resolve) => {
      acks.set(`m${n}`, resolve);
      sender.ws.send(JSON.stringify({ type: 'send', id: `m${n}`, conversationId: sender.general, clientMsgId: `bench-${n}-xxxx`, body: Buffer.from(`msg ${n} ${'x'.repeat(100)}`).toString('base64') }));
    });
    ackLatency.push(performance.now() - t0);
  }
  const deadline = Date.now() + 30_000;
  while ([...deliveries.values()].reduce((a, b) => a + b, 0) < members * messages && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const elapsed = (performance.now() - started) / 1000;
  const fanout = [...sentAt.entries()].map(([n, t]) => (lastDelivery.get(n) ?? t) - t).sort((a, b) => a - b);
  ackLatency.sort((a, b) => a - b);
  const delivered = [...deliveries.values()].reduce((a, b) => a + b, 0);
  console.log(JSON.stringify({
    bench: 'fanout', members, messages, delivered, expected: members * messages,
    ackMs: { p50: percentile(ackLatency, 50), p99: percentile(ackLatency, 99) },
    sendToLastMemberMs: { p50: percentile(fanout, 50), p99: percentile(fanout, 99) },
    messagesPerSecond: Number((messages / elapsed).toFixed(1)),
    deliveriesPerSecond: Number((delivered / elapsed).toFixed(1)),
  }, null, 2));
  for (const c of clients) c.ws.close();
} finally {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
}
