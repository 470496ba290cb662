/**
 * Fan-out benchmark: `members` real devices (one per user, each logged in
 * with its Ed25519 signature key and holding a published KeyPackage) in one
 * MLS room, `#general`, on a real TLS server running in a child process.
 *
 * Setup, as the clients do it: the first member creates the room's group
 * (`create_group`), claims the others' KeyPackages (`claim_key_packages`)
 * and adds them in Commits of up to 100 devices (`commit` with a Welcome);
 * the senders are added last, join from their Welcome and process any later
 * Commit. Load: `senders` members encrypt 100-byte texts (MLS
 * PrivateMessages, `send` frames) at an aggregate offered rate of `rate`
 * msg/s, round robin, `messages` in all. Every delivery to every other member
 * is timed send→receive (from the `send` frame leaving the sender). Passive
 * receivers do not decrypt (`receiversDecrypt: false` in the output); the
 * senders encrypt every message for real with MLS, but before the clock
 * starts (`encryptMsPerMessage`; at milliseconds a message, encrypting
 * during the run would cap the offered rate in this one process).
 *
 * Prints one JSON line: deliveriesPerSec, p50Ms, p99Ms (delivery latency),
 * ackP50Ms/ackP99Ms (send→`sent`), serverRssMiB (peak during the load),
 * serverCpuPct (% of one core during the load), loadGenCpuPct, setupMs, and
 * the machine's load average. Exits 1 with one JSON line `{error}` on any
 * failure or timeout, or (with the figures) when deliveries of acknowledged
 * messages are missing after the drain; refused sends are counted in `errors`.
 *
 *   npm run bench -- --members 100 --messages 2000 --senders 10 --rate 200
 *
 * `--database postgres` keeps the state in a PostgreSQL database of its own
 * (the cost the database adds per message, against the default `sqlite`);
 * `--nodes N` (with `--database postgres`) runs N server processes — one
 * cluster on that database and Redis — and spreads the members over them
 * round robin (member i on node i mod N); `serverCpuPct` and `serverRssMiB`
 * are then summed over the nodes, `perNode` lists each.
 *
 * `--rate 50,200,800` runs one phase per rate on the same room (2 s apart)
 * and prints one JSON line per phase (setup is minutes at 1 000 members);
 * `--seconds D` makes each phase rate × D messages instead of `messages`;
 * `--settle T` waits T s (default 2) after setup, `settleCpuPct` being the
 * server's CPU meanwhile.
 *
 * The server's `max_connections_per_address` is raised to fit every member
 * on 127.0.0.1 (a real deployment spreads them over many addresses); each
 * connection may send `LIMITS.framesPerSecond` frames/s, so `senders`
 * defaults to ⌈rate / 15⌉.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addUser, runShellAdmin } from '@conclave/server';
import { LIMITS, type ServerFrame } from '@conclave/protocol';
import { mls } from '@conclave/client';
import { cpuPct, fail, machineLoad, parseFlags, percentile, pool, procSample, round, startServerChild, within, type ServerChild } from './lib/common.js';
import { benchStorage } from './lib/cluster.js';
import { BenchDevice } from './lib/device.js';
import { DeliveryClock, offerAt, sleep, watchProcess } from './lib/load.js';

type State = Awaited<ReturnType<typeof mls.createGroupState>>;
type KeyPackage = Awaited<ReturnType<typeof mls.generateKeyPackage>>;

const BENCH = 'fanout';
const PASSWORD = 'bench-password-not-common-42';
/** `{"v":1,"kind":"text","text":""}` is 31 bytes: 69 characters make a 100-byte plaintext. */
const TEXT = 'x'.repeat(69);
/** Devices added per Commit (the Welcome and Commit stay well under `LIMITS.maxHandshakeBytes`). */
const ADD_BATCH = 100;
/** How long a `send` may wait for its `sent` under overload before it counts as an error, ms. */
const SEND_TIMEOUT_MS = 120_000;
/** Login, key and KeyPackage work in flight at once during setup. */
const SETUP_CONCURRENCY = 8;

/** A member that sends: its MLS state, advanced in order by `chain`. */
interface Sender {
  index: number;
  device: BenchDevice;
  kp: KeyPackage;
  state?: State;
  cursor: number;
  chain: Promise<void>;
  buffered: Array<{ seq: number; body: string }>;
}

async function main(): Promise<void> {
  const opts = parseFlags(process.argv.slice(2), { members: 50, messages: 1000, senders: 0, rate: [50], seconds: 0, settle: 2, 'setup-timeout': 900, 'drain-timeout': 30, database: 'sqlite', nodes: 1 });
  const members = opts.members;
  const senderCount = opts.senders > 0 ? opts.senders : Math.max(1, Math.ceil(Math.max(...opts.rate) / 15));
  if (members < 2 || senderCount > members || opts.messages < 1 || opts.rate.some((r) => r <= 0)) throw new Error('need members ≥ 2, 1 ≤ senders ≤ members, messages ≥ 1, rate > 0');
  if (!Number.isInteger(opts.nodes) || opts.nodes < 1) throw new Error('--nodes must be a whole number ≥ 1');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'conclave-bench-'));
  process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const storage = await benchStorage(opts.database, opts.nodes);
  const target = { dataDir, ...storage.serverOptions };
  const setupStarted = performance.now();

  // Accounts and the connection cap, before the server starts.
  await addUser({ ...target, username: 'member0', password: PASSWORD }); // creates the database
  await pool(
    Array.from({ length: members - 1 }, (_, i) => i + 1),
    2,
    async (i) => void (await addUser({ ...target, username: `member${i}`, password: PASSWORD })),
  );
  await runShellAdmin(target, { action: 'set', key: 'max_connections_per_address', value: String(members + 100) });
  const usersMs = performance.now() - setupStarted;
  // One after the other: the first node makes the certificate (and secret key) the others load from the shared data directory.
  const servers: ServerChild[] = [];
  for (let n = 0; n < opts.nodes; n++) servers.push(await startServerChild(dataDir, 60_000, { ...storage.serverOptions, nodeId: `node-${n + 1}` }));
  const stopAll = async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await storage.dispose();
  };
  try {
    const { devices, creatorState, senders, general } = await within(setup(servers, members, senderCount), opts['setup-timeout'] * 1000, 'room setup');
    const setupMs = performance.now() - setupStarted;
    void creatorState;
    // Quiet before the first phase; the servers' CPU meanwhile says whether setup work was still running.
    const settleFrom = servers.map((s) => procSample(s.pid));
    await sleep(opts.settle * 1000);
    const settleCpuPct = round(servers.reduce((sum, s, i) => sum + cpuPct(settleFrom[i]!, procSample(s.pid)), 0));
    let allComplete = true;
    for (const [phase, rate] of opts.rate.entries()) {
      if (phase > 0) await sleep(2_000);
      const messages = opts.seconds > 0 ? Math.max(1, Math.round(rate * opts.seconds)) : opts.messages;
      const result = await load(servers, devices, senders, general, messages, rate, opts['drain-timeout'] * 1000, phase);
      // Frames the server refused (`errors`) are figures; a delivery missing for an acknowledged message is a failure.
      const complete = result.delivered >= result.expectedForAcked;
      allComplete &&= complete;
      process.stdout.write(
        `${JSON.stringify({
          bench: BENCH,
          members,
          senders: senderCount,
          messages,
          database: opts.database,
          nodes: opts.nodes,
          offeredRate: rate,
          perSenderRate: round(rate / senderCount),
          receiversDecrypt: false,
          ...result,
          setupMs: round(setupMs),
          settleCpuPct,
          usersMs: round(usersMs),
          serverTimeToListenMs: servers[0]!.timeToListenMs,
          node: process.version,
          ...machineLoad(),
          ...(complete ? {} : { error: `${result.expectedForAcked - result.delivered} deliveries of acknowledged messages missing after the drain` }),
        })}\n`,
      );
    }
    for (const d of devices) d.close();
    await stopAll();
    process.exit(allComplete ? 0 : 1);
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Logs every member in (member i on node i mod N), builds the group and waits until every sender is at the creator's epoch. */
async function setup(servers: ServerChild[], members: number, senderCount: number) {
  const devices: BenchDevice[] = new Array<BenchDevice>(members);
  const kps: KeyPackage[] = new Array<KeyPackage>(members);
  await pool(
    Array.from({ length: members }, (_, i) => i),
    SETUP_CONCURRENCY,
    async (i) => {
      const device = await BenchDevice.open(servers[i % servers.length]!.wsUrl, await mls.generateSignatureKeyPair());
      await device.login(`member${i}`, PASSWORD);
      if (i > 0) kps[i] = await device.publishKeyPackage();
      devices[i] = device;
    },
  );
  const creator = devices[0]!;
  const general = creator.conversations.get('#general');
  if (general === undefined) throw new Error('#general is not listed');

  // Senders 1..S-1 (member 0 is the creator and first sender) get Welcome/Commit handling.
  const senders: Sender[] = [];
  for (let i = 0; i < senderCount; i++) {
    const s: Sender = { index: i, device: devices[i]!, kp: kps[i]!, cursor: 0, chain: Promise.resolve(), buffered: [] };
    senders.push(s);
    if (i === 0) continue;
    s.device.onFrame = (f: ServerFrame) => {
      if (f.type !== 'welcome' || s.state !== undefined) return;
      s.chain = s.chain.then(async () => {
        s.state = await mls.joinFromWelcome(Buffer.from(f.welcome, 'base64'), s.kp);
        s.cursor = f.seq;
        for (const c of s.buffered.sort((a, b) => a.seq - b.seq)) await applyCommit(s, c);
        s.buffered = [];
      });
    };
    s.device.onMessageText = (text) => {
      if (!text.includes('"kind":"commit"')) return;
      const f = JSON.parse(text) as { seq: number; body: string };
      if (s.state === undefined) s.buffered.push(f);
      else s.chain = s.chain.then(() => applyCommit(s, f));
    };
  }

  // The creator makes the group, then adds the others: passive receivers first, senders last.
  const info = await creator.request({ type: 'group_info', conversationId: general });
  if (info.type !== 'group_info' || info.group !== undefined) throw new Error('#general already has a group');
  const own = await mls.generateKeyPackage({ userId: creator.userId as never, deviceId: creator.deviceId as never }, creator.keys!);
  let state = await mls.createGroupState(general, own);
  await creator.request({ type: 'create_group', conversationId: general, groupInfo: b64(await mls.groupInfoOf(state)) });
  senders[0]!.state = state;
  const order = [...devices.slice(senderCount), ...devices.slice(1, senderCount)];
  for (let start = 0; start < order.length; start += ADD_BATCH) {
    const batch = order.slice(start, start + ADD_BATCH);
    const add = [];
    const added: string[] = [];
    for (let c = 0; c < batch.length; c += LIMITS.maxClaimUsers) {
      const claimed = await creator.request({ type: 'claim_key_packages', userIds: batch.slice(c, c + LIMITS.maxClaimUsers).map((d) => d.userId) });
      if (claimed.type !== 'key_packages') throw new Error('unexpected claim reply');
      for (const d of claimed.devices) {
        if (d.keyPackage === undefined) throw new Error(`no KeyPackage for device ${d.deviceId}`);
        const message = mls.decodeMessage(Buffer.from(d.keyPackage, 'base64'));
        if (message.wireformat !== 'mls_key_package') throw new Error('claimed object is not a KeyPackage');
        add.push(message.keyPackage);
        added.push(d.deviceId);
      }
    }
    const next = await mls.commitChanges(state, { add });
    const groupInfo = await mls.groupInfoOf(next.state);
    try {
      await creator.request({ type: 'commit', conversationId: general, commit: b64(next.commit), groupInfo: b64(groupInfo), welcome: b64(next.welcome!), added, removed: [] });
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new Error(`adding devices ${start + 1}–${start + batch.length + 1} failed (GroupInfo ${groupInfo.length} B, Welcome ${next.welcome!.length} B, Commit ${next.commit.length} B): ${why}`);
    }
    state = next.state;
  }
  senders[0]!.state = state;
  const epoch = mls.epochOf(state);
  while (senders.some((s) => s.state === undefined || mls.epochOf(s.state) !== epoch)) await sleep(20); // bounded by the setup timeout
  for (const s of senders) await s.chain;
  return { devices, creatorState: state, senders, general };
}

async function applyCommit(s: Sender, f: { seq: number; body: string }): Promise<void> {
  if (f.seq <= s.cursor) return;
  const out = await mls.processEntry(s.state!, Buffer.from(f.body, 'base64'));
  if (out.kind !== 'commit') throw new Error(`sender ${s.index}: expected a commit, got ${out.kind}`);
  s.state = out.state;
  s.cursor = f.seq;
}

/** Offers `messages` at `rate` msg/s over the senders and times every delivery; returns the figures. */
async function load(servers: ServerChild[], devices: BenchDevice[], senders: Sender[], general: string, messages: number, rate: number, drainMs: number, phase: number) {
  const clock = new DeliveryClock(messages * (devices.length - 1));
  const sent = new Map<string, { t0: number; sender: number }>();
  const acks: number[] = [];
  const errors: Record<string, number> = {};
  const previousHandlers = devices.map((d) => d.onMessageText);
  devices.forEach((device, index) => {
    const previous = previousHandlers[index]!;
    device.onMessageText = (text) => {
      const at = text.indexOf('"clientMsgId":"');
      if (at < 0) return previous(text);
      const id = text.slice(at + 15, text.indexOf('"', at + 15));
      const entry = sent.get(id);
      if (entry === undefined) return previous(text);
      if (entry.sender !== index) clock.record(entry.t0);
    };
  });

  // Encrypt every message first, in each sender's order, so the load generator's MLS work
  // (milliseconds a message) does not cap the offered rate; sent later in the same order.
  const plaintext = mls.encodeText(TEXT);
  const bodies: string[][] = senders.map(() => []);
  const encryptStarted = performance.now();
  for (let n = 0; n < messages; n++) {
    const s = senders[n % senders.length]!;
    const { state, message } = await mls.encryptMessage(s.state!, plaintext);
    s.state = state;
    bodies[s.index]!.push(b64(message));
  }
  const encryptMsPerMessage = (performance.now() - encryptStarted) / messages;
  const cpuBefore = process.cpuUsage();
  const serverWatches = servers.map((s) => watchProcess(s.pid));
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  const offeredSeconds = await offerAt(messages, rate, (n) => {
    const s = senders[n % senders.length]!;
    const clientMsgId = `bench-${phase}-${n}-${s.index}`;
    const t0 = performance.now();
    sent.set(clientMsgId, { t0, sender: s.index });
    inFlight.push(
      s.device.request({ type: 'send', conversationId: general, clientMsgId, body: bodies[s.index]![Math.floor(n / senders.length)]! }, SEND_TIMEOUT_MS).then(
        () => void acks.push(performance.now() - t0),
        (err: unknown) => {
          const code = (err instanceof Error ? err.message : String(err)).split(':')[0]!;
          errors[code] = (errors[code] ?? 0) + 1;
        },
      ),
    );
  });
  await Promise.all(inFlight);
  const target = acks.length * (devices.length - 1);
  await clock.drain(target, drainMs);
  const perNode = serverWatches.map((w) => w.stop());
  devices.forEach((d, i) => (d.onMessageText = previousHandlers[i]!));
  const cpu = process.cpuUsage(cpuBefore);
  const { deliveriesPerSec, p50Ms, p99Ms, maxMs, windowMs } = clock.figures(started);
  return {
    delivered: clock.delivered,
    expected: clock.expected,
    expectedForAcked: target,
    errors,
    deliveriesPerSec,
    messagesPerSec: round((acks.length / windowMs) * 1000),
    offeredSeconds: round(offeredSeconds),
    p50Ms,
    p99Ms,
    maxMs,
    ackP50Ms: percentile(acks, 50),
    ackP99Ms: percentile(acks, 99),
    serverRssMiB: round(perNode.reduce((sum, n) => sum + n.rssPeakMiB, 0)),
    serverRssBeforeMiB: round(perNode.reduce((sum, n) => sum + n.rssBeforeMiB, 0)),
    serverCpuPct: round(perNode.reduce((sum, n) => sum + n.cpuPct, 0)),
    ...(perNode.length > 1 ? { perNode } : {}),
    encryptMsPerMessage: round(encryptMsPerMessage),
    loadGenCpuPct: round(((cpu.user + cpu.system) / 1000 / (performance.now() - started)) * 100),
  };
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

main().catch((err: unknown) => fail(BENCH, err));
