/**
 * MLS cost benchmark: the client core's pure MLS steps (RFC 9420 via ts-mls,
 * suite MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519), in process, no server,
 * no store, at several group sizes. Prints JSON figures; nothing is asserted
 * beyond the group staying consistent (a figure, not a pass/fail test).
 *
 * For each size N:
 * - build: one creator makes the group, adds the N-1 other devices in a
 *   single Commit, and every one of them joins from the Welcome (KeyPackage
 *   and key generation excluded; ms for the whole setup, one run);
 * - encrypt / decrypt: the creator encrypts MESSAGES application messages of
 *   100 bytes of plaintext (the encoded text), a second member processes each
 *   in order (ms per message, p50 and p95);
 * - external join: a new device joins by external commit against the
 *   GroupInfo of the N-member group, the creator processes that join Commit
 *   (median of JOINS attempts, each from the same states with a fresh device);
 * - commit: the creator makes a Commit removing that joined device (so the
 *   group is N+1 leaves before it and N members after), the second member
 *   processes it (median of COMMITS attempts from the same states);
 * - UI stall (`uiStall`): one more external join and its processing through
 *   the runner the clients use (`ClientOptions.mls`), in this thread (`here`)
 *   and on a worker thread (`worker`, the terminal client's): the wall time,
 *   the longest stretch this thread could run nothing else (a 1 ms timer:
 *   what a UI on it would freeze for) and its busy time in all (`busyMs`).
 * Repeated attempts are sibling branches from one state, as a client makes
 * when the Delivery Service refuses a Commit; the last one is kept. Only the
 * creator's and the second member's states are used after the build, and
 * they process every Commit; a final message checks they still agree.
 * The first Commit after the build meets a tree whose inner nodes off the
 * creator's path are blank, so path secrets go to about N leaves: an upper
 * bound for a group that has seen Commits from many members.
 * Bytes: a 100-byte message's PrivateMessage, the remove Commit, the GroupInfo
 * (with external public key and ratchet tree), the Welcome of the build.
 *
 * `--welcome-joins K`: only the first K added members process the Welcome
 * (at least 1: the second member's state is used); the build time covers
 * those. With K = 1 a 1 000-member group is built in seconds, for the
 * external join and Commit figures at that size (default: all join).
 *
 * Prints one JSON line (`{bench, suite, node, results: [...]}`).
 *
 *   npm run bench:mls -- [--sizes 2,10,50] [--messages 50] [--welcome-joins K]
 * (bare numbers, the old form, are sizes too.)
 */
import { mls, inProcessMls } from '@conclave/client';
import { threadMls } from '../packages/cli/src/mls-thread.js';
import { fail, parseFlags } from './lib/common.js';

type State = Awaited<ReturnType<typeof mls.createGroupState>>;
type Device = Awaited<ReturnType<typeof mls.generateKeyPackage>>;

const argv = process.argv.slice(2);
const legacy = argv.length > 0 && !argv[0]!.startsWith('--');
let opts: { sizes: number[]; messages: number; 'welcome-joins': number };
try {
  opts = legacy
    ? { sizes: argv.map(Number), messages: 50, 'welcome-joins': Number.MAX_SAFE_INTEGER }
    : parseFlags(argv, { sizes: [2, 10, 50], messages: 50, 'welcome-joins': Number.MAX_SAFE_INTEGER });
  if (opts.sizes.some((n) => !Number.isInteger(n) || n < 2) || opts.messages < 1) throw new Error('sizes must be integers ≥ 2, messages ≥ 1');
  if (!Number.isInteger(opts['welcome-joins']) || opts['welcome-joins'] < 1) throw new Error('--welcome-joins must be an integer ≥ 1');
} catch (err) {
  fail('mls', err);
}
const sizes = opts.sizes;
const MESSAGES = opts.messages;
const COMMITS = 7;
const JOINS = 5;
/** `{"v":1,"kind":"text","text":""}` is 31 bytes: 69 characters make a 100-byte plaintext. */
const TEXT = 'x'.repeat(69);
if (mls.encodeText(TEXT).length !== 100) throw new Error('plaintext is not 100 bytes');

const round = (ms: number): number => Number(ms.toFixed(2));

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0);
}

async function timed<T>(step: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const out = await step();
  return [out, performance.now() - t0];
}

/**
 * Starts a 1 ms interval timer; `stop()` gives the longest time between two of
 * its ticks (how long this thread was kept busy at a stretch) and the time
 * its event loop was busy in all (`performance.eventLoopUtilization`), ms.
 */
function stallWatch(): { stop(): { longestStallMs: number; busyMs: number } } {
  let last = performance.now();
  let longest = 0;
  const utilization = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  return {
    stop() {
      clearInterval(timer);
      const busyMs = performance.eventLoopUtilization(utilization).active;
      return { longestStallMs: round(Math.max(longest, performance.now() - last)), busyMs: round(busyMs) };
    },
  };
}

async function newDevice(name: string): Promise<Device> {
  const keys = await mls.generateSignatureKeyPair();
  return mls.generateKeyPackage({ userId: `bench_${name}` as never, deviceId: `dev_${name}` as never }, keys);
}

async function processAs(kind: 'application' | 'commit', state: State, bytes: Uint8Array): Promise<State> {
  const out = await mls.processEntry(state, bytes);
  if (out.kind !== kind) throw new Error(`expected ${kind}, got ${out.kind}`);
  return out.state;
}

async function measure(members: number, messages: number, commits: number, joins: number) {
  const devices: Device[] = [];
  for (let i = 0; i < members; i++) devices.push(await newDevice(`n${members}_m${i}`));
  const creator = devices[0]!;

  // Build: create, one Commit adding everyone else, everyone joins from the Welcome.
  const [built, buildMs] = await timed(async () => {
    const initial = await mls.createGroupState(`bench-${members}`, creator);
    const { state, welcome } = await mls.commitChanges(initial, { add: devices.slice(1).map((d) => d.publicPackage) });
    if (welcome === undefined) throw new Error('no Welcome');
    const joined: State[] = [];
    for (const d of devices.slice(1, 1 + opts['welcome-joins'])) joined.push(await mls.joinFromWelcome(welcome, d));
    return { state, welcome, joined };
  });
  if (built.joined.some((s) => mls.epochOf(s) !== mls.epochOf(built.state))) throw new Error('members disagree on the epoch');
  if (mls.membersOf(built.state).length !== members) throw new Error('wrong member count');
  let a = built.state;
  let b = built.joined[0]!;
  // The other members' states are not used after this point.

  // Encrypt (creator) and decrypt (second member), in order.
  const encryptSamples: number[] = [];
  const decryptSamples: number[] = [];
  let messageBytes = 0;
  for (let i = 0; i < messages; i++) {
    const [enc, encMs] = await timed(() => mls.encryptMessage(a, mls.encodeText(TEXT)));
    a = enc.state;
    messageBytes = enc.message.length;
    encryptSamples.push(encMs);
    const [dec, decMs] = await timed(() => mls.processEntry(b, enc.message));
    if (dec.kind !== 'application' || mls.decodeText(dec.plaintext) !== TEXT) throw new Error('decrypt failed');
    b = dec.state;
    decryptSamples.push(decMs);
  }

  // External join against the GroupInfo of the N-member group; the creator processes it.
  const groupInfo = await mls.groupInfoOf(a);
  const joinSamples: number[] = [];
  const joinProcessSamples: number[] = [];
  let joinCommit: Uint8Array | undefined;
  for (let i = 0; i < joins; i++) {
    const joiner = await newDevice(`n${members}_ext${i}`);
    const [ext, joinMs] = await timed(() => mls.joinExternally(groupInfo, joiner, false));
    joinSamples.push(joinMs);
    const [, processMs] = await timed(() => processAs('commit', a, ext.commit));
    joinProcessSamples.push(processMs);
    joinCommit = ext.commit;
  }
  // One more of these external joins and its processing, through the runner the UIs use — in this thread and
  // on a worker thread — while a 1 ms timer measures how long this thread is kept from running anything else.
  const uiStall: Record<string, { wallMs: number; longestStallMs: number; busyMs: number }> = {};
  for (const [where, runner] of [['here', inProcessMls], ['worker', threadMls()]] as const) {
    const joiner = await newDevice(`n${members}_ui_${where}`);
    await runner.groupInfo(a); // a worker thread starts (and loads the library) before the clock
    const watch = stallWatch();
    const t0 = performance.now();
    const ext = await runner.joinExternal(groupInfo, joiner, false);
    await runner.processCommit(a, ext.commit);
    uiStall[where] = { wallMs: round(performance.now() - t0), ...watch.stop() };
    if (runner.where !== (where === 'here' ? 'here' : 'worker')) throw new Error(`the ${where} runner ran ${runner.where}`);
    runner.close();
  }

  a = await processAs('commit', a, joinCommit!);
  b = await processAs('commit', b, joinCommit!);
  const joinedLeaf = mls.membersOf(a).find((m) => m.userId.startsWith(`bench_n${members}_ext`))!.leafIndex;

  // Commit removing the joined device (creator), processed by the second member.
  const commitSamples: number[] = [];
  const commitProcessSamples: number[] = [];
  let removal: Awaited<ReturnType<typeof mls.commitChanges>> | undefined;
  for (let i = 0; i < commits; i++) {
    const [made, createMs] = await timed(() => mls.commitChanges(a, { remove: [joinedLeaf] }));
    commitSamples.push(createMs);
    const [, processMs] = await timed(() => processAs('commit', b, made.commit));
    commitProcessSamples.push(processMs);
    removal = made;
  }
  a = removal!.state;
  b = await processAs('commit', b, removal!.commit);

  // The two kept states still agree.
  const check = await mls.encryptMessage(a, mls.encodeText('check'));
  const got = await mls.processEntry(b, check.message);
  if (got.kind !== 'application' || mls.decodeText(got.plaintext) !== 'check' || mls.membersOf(b).length !== members) {
    throw new Error('states diverged');
  }

  return {
    members,
    welcomeJoins: built.joined.length,
    buildMs: round(buildMs),
    encryptMs: { p50: percentile(encryptSamples, 50), p95: percentile(encryptSamples, 95) },
    decryptMs: { p50: percentile(decryptSamples, 50), p95: percentile(decryptSamples, 95) },
    commitCreateMs: percentile(commitSamples, 50),
    commitProcessMs: percentile(commitProcessSamples, 50),
    externalJoinMs: percentile(joinSamples, 50),
    externalJoinProcessMs: percentile(joinProcessSamples, 50),
    uiStall,
    bytes: { message: messageBytes, commit: removal!.commit.length, groupInfo: groupInfo.length, welcome: built.welcome.length },
  };
}

try {
  await measure(2, 5, 1, 1); // warm-up (suite loading, JIT), not reported
  const results = [];
  for (const members of sizes) results.push(await measure(members, MESSAGES, COMMITS, JOINS));
  console.log(JSON.stringify({ bench: 'mls', suite: mls.CIPHER_SUITE, node: process.version, results }));
} catch (err) {
  fail('mls', err);
}
