/**
 * The fan-out benchmark's load shape against ngIRCd, for the side-by-side
 * figures of issue 12: `members` IRC clients over TLS in one channel,
 * `#general`, on an ngIRCd started in a child process; `senders` of them send
 * 100-byte `PRIVMSG`s round robin at an aggregate `rate` msg/s, `rate` ×
 * `seconds` messages per phase; every delivery to every other member is
 * timed send→receive. Prints one JSON line per phase with the same figures
 * as `npm run bench` (`deliveriesPerSec`, `p50Ms`, `p99Ms`, `serverRssMiB`,
 * `serverCpuPct`, `loadGenCpuPct`); IRC has no acknowledgement, so no `ackP99Ms`.
 *
 *   npm run bench:ngircd -- --members 1000 --seconds 5 --rate 50,200,400
 *
 * ngIRCd is configured without penalties (`MaxPenaltyTime = 0`) and without a
 * per-address connection cap, as `npm run bench` raises Conclave's; its
 * certificate is a fresh self-signed ECDSA P-256 one (`openssl`), like Conclave's. Needs the `ngircd` binary (Debian:
 * `apt-get install ngircd`; `--ngircd PATH` or `NGIRCD` for another); exits 1
 * with one JSON line `{error}` without it, on a timeout, or when deliveries
 * are missing after `--drain-timeout` s.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { fail, machineLoad, parseFlags, pool, round, within } from './lib/common.js';
import { DeliveryClock, offerAt, sleep, watchProcess } from './lib/load.js';

const BENCH = 'ngircd';
const CHANNEL = '#general';
/** Where Debian installs ngIRCd (in /usr/sbin, often not on a user's PATH). */
const DEBIAN_NGIRCD = '/usr/sbin/ngircd';
/** Clients registering at once during setup. */
const SETUP_CONCURRENCY = 20;

/** One IRC client: a TLS socket, line-split, answering the server's PINGs. */
class IrcClient {
  /** Called with each line other than PING. */
  onLine: (line: string) => void = () => {};
  private buffered = '';

  private constructor(private readonly socket: tls.TLSSocket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const text = this.buffered + chunk;
      let start = 0;
      for (let end = text.indexOf('\n', start); end >= 0; end = text.indexOf('\n', start)) {
        const line = text.slice(start, end > start && text[end - 1] === '\r' ? end - 1 : end);
        start = end + 1;
        if (line.startsWith('PING ')) this.send(`PONG ${line.slice(5)}`);
        else this.onLine(line);
      }
      this.buffered = text.slice(start);
    });
  }

  /** Connects over TLS to 127.0.0.1:`port` (the self-signed certificate is not checked: the bench made it). */
  static connect(port: number): Promise<IrcClient> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => resolve(new IrcClient(socket)));
      socket.once('error', reject);
    });
  }

  send(line: string): void {
    this.socket.write(`${line}\r\n`);
  }

  /** Resolves with the first line matching `pattern` (lines before it are dropped). */
  waitFor(pattern: RegExp): Promise<string> {
    return new Promise((resolve) => {
      this.onLine = (line) => {
        if (pattern.test(line)) {
          this.onLine = () => {};
          resolve(line);
        }
      };
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A free TCP port on 127.0.0.1 (bound and released). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Writes a self-signed certificate and an ngIRCd configuration to `dir`; returns the config path. */
function configure(dir: string, plainPort: number, tlsPort: number): string {
  // ECDSA P-256, like the certificate Conclave makes for itself.
  const made = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=localhost', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')],
    { stdio: 'ignore' },
  );
  if (made.error !== undefined || made.status !== 0) throw new Error('openssl could not make the certificate (is it installed?)');
  const conf = path.join(dir, 'ngircd.conf');
  writeFileSync(
    conf,
    [
      '[Global]',
      'Name = bench.ngircd.local',
      'Info = Conclave bench',
      'Listen = 127.0.0.1',
      `Ports = ${plainPort}`,
      `PidFile = ${path.join(dir, 'ngircd.pid')}`,
      '[Limits]',
      'MaxConnections = 0',
      'MaxConnectionsIP = 0',
      'MaxJoins = 0',
      'MaxPenaltyTime = 0',
      'PingTimeout = 600',
      'PongTimeout = 600',
      '[Options]',
      'DNS = no',
      'Ident = no',
      'PAM = no',
      '[SSL]',
      `CertFile = ${path.join(dir, 'cert.pem')}`,
      `KeyFile = ${path.join(dir, 'key.pem')}`,
      `Ports = ${tlsPort}`,
      '',
    ].join('\n'),
  );
  return conf;
}

/** Starts ngIRCd in the foreground and waits until its TLS port accepts connections. */
async function startNgircd(binary: string, conf: string, tlsPort: number): Promise<ChildProcess> {
  const child = spawn(binary, ['--nodaemon', '--config', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = performance.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`ngircd exited ${child.exitCode}: ${stderr.trim().split('\n').pop()}`);
    try {
      (await IrcClient.connect(tlsPort)).close();
      return child;
    } catch {
      if (performance.now() > deadline) throw new Error('ngircd did not listen within 10 s');
      await sleep(50);
    }
  }
}

async function main(): Promise<void> {
  const opts = parseFlags(process.argv.slice(2), { members: 50, senders: 0, rate: [50], seconds: 5, ngircd: process.env.NGIRCD ?? (existsSync(DEBIAN_NGIRCD) ? DEBIAN_NGIRCD : 'ngircd'), 'setup-timeout': 600, 'drain-timeout': 30 });
  const members = opts.members;
  const senderCount = opts.senders > 0 ? opts.senders : Math.max(1, Math.ceil(Math.max(...opts.rate) / 15));
  if (members < 2 || senderCount > members || opts.seconds <= 0 || opts.rate.some((r) => r <= 0)) throw new Error('need members ≥ 2, 1 ≤ senders ≤ members, seconds > 0, rate > 0');
  const version = spawnSync(opts.ngircd, ['--version'], { encoding: 'utf8' });
  if (version.error !== undefined || version.status !== 0) throw new Error(`${opts.ngircd} not found: install ngIRCd (apt-get install ngircd) or pass --ngircd PATH`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'conclave-bench-ngircd-'));
  const clients: IrcClient[] = [];
  let server: ChildProcess | undefined;
  try {
    const [plainPort, tlsPort] = [await freePort(), await freePort()];
    server = await startNgircd(opts.ngircd, configure(dir, plainPort, tlsPort), tlsPort);
    const setupStarted = performance.now();
    await within(
      pool(
        Array.from({ length: members }, (_, i) => i),
        SETUP_CONCURRENCY,
        async (i) => {
          const client = await IrcClient.connect(tlsPort);
          clients[i] = client;
          const welcomed = client.waitFor(/^\S+ 001 /);
          client.send(`NICK m${i}`);
          client.send(`USER m${i} 0 * :member ${i}`);
          await welcomed;
          const joined = client.waitFor(/^\S+ 366 /);
          client.send(`JOIN ${CHANNEL}`);
          await joined;
        },
      ),
      opts['setup-timeout'] * 1000,
      `${members} clients joining ${CHANNEL}`,
    );
    const setupMs = performance.now() - setupStarted;
    await sleep(2_000); // the JOIN lines of the last members reach everyone
    const pid = server.pid!;
    for (const [phase, rate] of opts.rate.entries()) {
      if (phase > 0) await sleep(2_000);
      const messages = Math.round(rate * opts.seconds);
      const figures = await load(pid, clients, senderCount, messages, rate, opts['drain-timeout'] * 1000, phase);
      process.stdout.write(
        `${JSON.stringify({ bench: BENCH, server: version.stdout.split('\n')[0], members, senders: senderCount, rate, messages, ...figures, setupMs: round(setupMs), ...machineLoad() })}\n`,
      );
      if (figures.delivered < figures.expected) process.exitCode = 1;
    }
  } finally {
    for (const c of clients) c?.close();
    server?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Offers `messages` PRIVMSGs at `rate` msg/s from the first `senderCount`
 * clients, round robin, and times every delivery to every other member.
 */
async function load(pid: number, clients: IrcClient[], senderCount: number, messages: number, rate: number, drainMs: number, phase: number) {
  const clock = new DeliveryClock(messages * (clients.length - 1));
  const sentAt = new Float64Array(messages);
  const prefix = `P${phase}:`;
  for (const client of clients) {
    client.onLine = (line) => {
      // ":m3!~m3@localhost PRIVMSG #general :P0:123 xxxx…": the message number follows the phase prefix.
      const at = line.indexOf(prefix);
      if (at < 0 || !line.includes(' PRIVMSG ')) return;
      const n = Number.parseInt(line.slice(at + prefix.length), 10);
      if (n >= 0 && n < messages) clock.record(sentAt[n]!);
    };
  }
  const cpuBefore = process.cpuUsage();
  const serverWatch = watchProcess(pid);
  const started = performance.now();
  const offeredSeconds = await offerAt(messages, rate, (n) => {
    const head = `${prefix}${n} `;
    sentAt[n] = performance.now();
    // 100 bytes of text, as `npm run bench` sends.
    clients[n % senderCount]!.send(`PRIVMSG ${CHANNEL} :${head}${'x'.repeat(100 - head.length)}`);
  });
  const expected = messages * (clients.length - 1);
  await clock.drain(expected, drainMs);
  const serverFigures = serverWatch.stop();
  const cpu = process.cpuUsage(cpuBefore);
  const { deliveriesPerSec, p50Ms, p99Ms, maxMs, windowMs } = clock.figures(started);
  return {
    delivered: clock.delivered,
    expected,
    deliveriesPerSec,
    messagesPerSec: round((clock.delivered / (clients.length - 1) / windowMs) * 1000),
    offeredSeconds: round(offeredSeconds),
    p50Ms,
    p99Ms,
    maxMs,
    serverRssMiB: serverFigures.rssPeakMiB,
    serverRssBeforeMiB: serverFigures.rssBeforeMiB,
    serverCpuPct: serverFigures.cpuPct,
    loadGenCpuPct: round(((cpu.user + cpu.system) / 1000 / (performance.now() - started)) * 100),
  };
}

main().catch((err: unknown) => fail(BENCH, err));
