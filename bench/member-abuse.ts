/**
 * Member abuse benchmark (issue 13, findings 4 and 9): what one logged-in
 * member can make the server store or hand out, replayed over the wire
 * against a fresh server in a temp directory. Prints JSON figures; nothing is
 * asserted (a figure, not a test).
 *
 *   node --import tsx bench/member-abuse.ts [logins=30] [rooms=100] [claims=30]
 *
 * - keyPackages: one device publishes KeyPackages padded to 200 kB (the report's
 *   attack) until refused; when those are refused, the largest accepted size
 *   (binary search) until the stock is full. Figures: accepted count, size,
 *   bytes stored, database growth (SQLite file + WAL) in MB.
 * - devices: `logins` logins of one user, each with fresh keys, each socket
 *   closed before the next; figure: devices the directory lists afterwards.
 * - rooms: one member joins `rooms` new room names as fast as it may (requests
 *   in order, paced under the frame rate limit); figures: created, refused, seconds.
 * - claims: a victim device publishes 30 one-time KeyPackages and a last-resort
 *   one; another member claims it `claims` times; figure: one-time KeyPackages
 *   the claimer took (the victim's stock drop), distinct ones it got.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import * as mls from 'ts-mls';
import { addUser, startServer } from '@conclave/server';
import { PROTOCOL_VERSION, type ServerFrame } from '@conclave/protocol';

const logins = Number(process.argv[2] ?? 30);
const roomCount = Number(process.argv[3] ?? 100);
const claimCount = Number(process.argv[4] ?? 30);
const password = 'bench-password-not-common-42';
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'conclave-bench-'));
const cs = await mls.getCiphersuiteImpl(mls.getCiphersuiteFromName('MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519'));
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

/** A request/reply client over a real TLS WebSocket. */
class Client {
  private next = 0;
  private readonly waiting = new Map<string, (f: ServerFrame) => void>();
  session!: Extract<ServerFrame, { type: 'session' }>;
  keys!: { signKey: Uint8Array; publicKey: Uint8Array };

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = Array.isArray(data)
        ? Buffer.concat(data).toString('utf8')
        : data instanceof ArrayBuffer
          ? Buffer.from(new Uint8Array(data)).toString('utf8')
          : data.toString('utf8');
      const frame = JSON.parse(text) as ServerFrame;
      const id = 'id' in frame ? frame.id : undefined;
      const resolve = id === undefined ? undefined : this.waiting.get(id);
      if (id !== undefined && resolve) {
        this.waiting.delete(id);
        resolve(frame);
      }
    });
  }

  static async login(wsUrl: string, username: string): Promise<Client> {
    const ws = new WebSocket(wsUrl, { rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
    const c = new Client(ws);
    ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, client: 'bench' }));
    c.keys = await cs.signature.keygen();
    const reply = await c.request({ type: 'login', username, password, device: { name: 'bench', signatureKey: b64(c.keys.publicKey) } });
    if (reply.type !== 'session') throw new Error(`login: ${JSON.stringify(reply)}`);
    c.session = reply;
    return c;
  }

  request(frame: Record<string, unknown>): Promise<ServerFrame> {
    const id = `r${++this.next}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to ${String(frame.type)}`)), 30_000);
      this.waiting.set(id, (f) => {
        clearTimeout(timer);
        resolve(f);
      });
      this.ws.send(JSON.stringify({ ...frame, id }));
    });
  }

  /** A KeyPackage of this device (base64 MLSMessage) padded with a private-use extension of `pad` bytes. */
  async keyPackage(pad = 0): Promise<string> {
    const identity = new TextEncoder().encode(`conclave:1:${this.session.user.userId}:${this.session.deviceId}`);
    const extensions = pad > 0 ? [{ extensionType: 0xf0a0, extensionData: new Uint8Array(pad) }] : [];
    const kp = await mls.generateKeyPackageWithKey({ credentialType: 'basic', identity }, mls.defaultCapabilities(), mls.defaultLifetime, extensions, this.keys, cs);
    return b64(mls.encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: kp.publicPackage }));
  }

  close(): void {
    this.ws.terminate();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const kind = (f: ServerFrame): string => (f.type === 'error' ? f.code : f.type);
const dbBytes = (): number =>
  readdirSync(dataDir)
    .filter((f) => f.startsWith('conclave.db'))
    .reduce((sum, f) => sum + statSync(path.join(dataDir, f)).size, 0);
const mb = (n: number): number => Math.round((n / 1e6) * 10) / 10;

for (const username of ['mallory', 'victim', 'claimer']) await addUser({ dataDir, username, password });
const server = await startServer({ host: '127.0.0.1', port: 0, dataDir, logLevel: 'silent' });
const results: Record<string, unknown> = {};
try {
  // ---------------------------------------------------------------- KeyPackages
  {
    const m = await Client.login(server.wsUrl, 'mallory');
    const before = dbBytes();
    let size = 200_000;
    let kp = await m.keyPackage(size);
    let accepted = 0;
    let bytes = 0;
    let first = await m.request({ type: 'publish_key_packages', keyPackages: [kp] });
    if (first.type !== 'key_package_stock') {
      // Refused at 200 kB: find the largest accepted padding.
      let lo = 0;
      let hi = size;
      while (hi - lo > 16) {
        const mid = Math.floor((lo + hi) / 2);
        const probe = await m.request({ type: 'publish_key_packages', keyPackages: [], lastResort: await m.keyPackage(mid) });
        if (probe.type === 'key_package_stock') lo = mid;
        else hi = mid;
        await sleep(60); // under the frame rate limit
      }
      size = lo;
      kp = await m.keyPackage(size);
      first = await m.request({ type: 'publish_key_packages', keyPackages: [kp] });
    }
    const kpBytes = Buffer.from(kp, 'base64').length;
    let reply = first;
    while (reply.type === 'key_package_stock') {
      accepted++;
      bytes += kpBytes;
      if (accepted >= 10_000) break;
      reply = await m.request({ type: 'publish_key_packages', keyPackages: [kp] });
      await sleep(55);
    }
    results.keyPackages = { keyPackageBytes: kpBytes, accepted, refusedWith: kind(reply), storedMB: mb(bytes), databaseGrowthMB: mb(dbBytes() - before) };
    m.close();
  }

  // ---------------------------------------------------------------- devices
  {
    let last: Client | undefined;
    let refused = 0;
    for (let i = 0; i < logins; i++) {
      try {
        last?.close();
        last = await Client.login(server.wsUrl, 'mallory');
      } catch {
        refused++;
      }
    }
    const list = await last!.request({ type: 'devices', userId: last!.session.user.userId });
    results.devices = { logins, refused, devicesListed: list.type === 'devices' ? list.devices.length : kind(list) };
    last!.close();
  }

  // ---------------------------------------------------------------- rooms
  {
    const m = await Client.login(server.wsUrl, 'mallory');
    const started = performance.now();
    let created = 0;
    let refusedWith = '';
    for (let i = 0; i < roomCount; i++) {
      const reply = await m.request({ type: 'join', room: `#flood-${i}` });
      if (reply.type === 'conversation') created++;
      else refusedWith = kind(reply);
      await sleep(50); // 20 frames/s: the sustained rate a connection may send
    }
    results.rooms = { attempted: roomCount, created, refusedWith, seconds: Math.round((performance.now() - started) / 100) / 10 };
    m.close();
  }

  // ---------------------------------------------------------------- claims
  {
    const victim = await Client.login(server.wsUrl, 'victim');
    const claimer = await Client.login(server.wsUrl, 'claimer');
    const oneTime = [];
    for (let i = 0; i < 30; i++) oneTime.push(await victim.keyPackage());
    await victim.request({ type: 'publish_key_packages', keyPackages: oneTime, lastResort: await victim.keyPackage() });
    const got = new Set<string>();
    for (let i = 0; i < claimCount; i++) {
      const reply = await claimer.request({ type: 'claim_key_packages', userIds: [victim.session.user.userId] });
      const kp = reply.type === 'key_packages' ? reply.devices.find((d) => d.deviceId === victim.session.deviceId)?.keyPackage : undefined;
      if (kp) got.add(kp);
      await sleep(55);
    }
    const stock = await victim.request({ type: 'publish_key_packages', keyPackages: [] });
    const left = stock.type === 'key_package_stock' ? stock.count : -1;
    results.claims = { published: 30, claims: claimCount, oneTimeTaken: 30 - left, distinctReceived: got.size, lastResortKept: stock.type === 'key_package_stock' && stock.hasLastResort };
    victim.close();
    claimer.close();
  }
  console.log(JSON.stringify(results, null, 2));
} finally {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
}
