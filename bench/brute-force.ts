/**
 * Parallel password brute force benchmark (issue 13, findings 1 and 6): on a
 * fresh real TLS server per scenario, replays a burst of wrong `login` guesses
 * over many WebSocket connections at once, each connection keeping `depth`
 * guesses in flight, and counts the answers: `BAD_CREDENTIALS` means the
 * password was verified (a guess the attacker learnt something from),
 * `LOGIN_THROTTLED` that it was refused unverified. Prints JSON figures per
 * scenario: guesses verified within one login window vs the limit in force,
 * and the elapsed time. A figure, not a pass/fail test. Linux: the source
 * addresses 127.0.0.x are bound with `localAddress` (all of 127/8 is loopback).
 *
 *   npm run bench:brute-force -- [guesses=1000]
 *
 * Scenarios (defaults: 10 failures per account and address, 30 per address, 100 per account):
 * - `one-account-one-address`: 100 in flight (20 connections × 5) at one existing account.
 * - `one-account-five-addresses`: 100 in flight (5 addresses × 20 connections) at one account.
 * - `one-address-many-accounts`: 200 in flight (20 connections × 10), each guess at another name.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { addUser, startServer } from '@conclave/server';
import { PROTOCOL_VERSION, type ServerFrame } from '@conclave/protocol';

const guesses = Number(process.argv[2] ?? 1000);
const password = 'bench-password-not-common-42';

interface Scenario {
  name: string;
  addresses: string[];
  connectionsPerAddress: number;
  depth: number;
  username: (i: number) => string;
  /** Guesses that may be verified per window under the default settings, as the fixed code reads them. */
  limit: string;
}

const scenarios: Scenario[] = [
  {
    name: 'one-account-one-address',
    addresses: ['127.0.0.1'],
    connectionsPerAddress: 20,
    depth: 5,
    username: () => 'owner',
    limit: '10 per account and address (login_max_failures_per_account; before: 10 per account)',
  },
  {
    name: 'one-account-five-addresses',
    addresses: ['127.0.0.11', '127.0.0.12', '127.0.0.13', '127.0.0.14', '127.0.0.15'],
    connectionsPerAddress: 20,
    depth: 1,
    username: () => 'owner',
    limit: '5 addresses × 10 per account and address, under 100 per account (before: 10 per account)',
  },
  {
    name: 'one-address-many-accounts',
    addresses: ['127.0.0.1'],
    connectionsPerAddress: 20,
    depth: 10,
    username: (i) => `someone${i}`,
    limit: '30 (login_max_failures_per_address)',
  },
];

/** Sends wrong guesses on one connection, keeping `depth` in flight, until `next()` runs dry. */
async function worker(wsUrl: string, localAddress: string, depth: number, next: () => number | undefined, username: (i: number) => string, tally: Map<string, number>): Promise<void> {
  const ws = new WebSocket(wsUrl, { rejectUnauthorized: false, localAddress });
  try {
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  } catch {
    tally.set('connection refused', (tally.get('connection refused') ?? 0) + 1);
    return;
  }
  await new Promise<void>((done) => {
    let inFlight = 0;
    const send = () => {
      const i = next();
      if (i === undefined) {
        if (inFlight === 0) done();
        return;
      }
      inFlight += 1;
      ws.send(JSON.stringify({ type: 'login', id: `g${i}`, username: username(i), password: `wrong-guess-${i}-xyz`, device: { name: 'bench', signatureKey: Buffer.alloc(32, 7).toString('base64') } }));
    };
    ws.on('message', (d) => {
      const f = JSON.parse((d as Buffer).toString()) as ServerFrame;
      if (f.type === 'hello') {
        for (let k = 0; k < depth; k++) send();
        return;
      }
      if (!('id' in f) || typeof f.id !== 'string' || !f.id.startsWith('g')) return;
      inFlight -= 1;
      const outcome = f.type === 'error' ? f.code : f.type;
      tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
      send();
    });
    ws.on('close', (code) => {
      if (inFlight > 0) tally.set(`closed ${code}`, (tally.get(`closed ${code}`) ?? 0) + inFlight);
      done();
    });
    ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, client: 'bench' }));
  });
  ws.close();
}

const results = [];
for (const scenario of scenarios) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'conclave-bench-'));
  const server = await startServer({ host: '127.0.0.1', port: 0, dataDir, logLevel: 'silent' });
  try {
    await addUser({ dataDir, username: 'owner', password });
    let issued = 0;
    const next = () => (issued < guesses ? issued++ : undefined);
    const tally = new Map<string, number>();
    const started = performance.now();
    const workers = scenario.addresses.flatMap((address) =>
      Array.from({ length: scenario.connectionsPerAddress }, () => worker(server.wsUrl, address, scenario.depth, next, scenario.username, tally)),
    );
    await Promise.all(workers);
    results.push({
      scenario: scenario.name,
      guesses,
      inFlight: scenario.addresses.length * scenario.connectionsPerAddress * scenario.depth,
      verified: tally.get('CONCLAVE_ERR_BAD_CREDENTIALS') ?? 0,
      limit: scenario.limit,
      answers: Object.fromEntries(tally),
      elapsedMs: Math.round(performance.now() - started),
    });
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
console.log(JSON.stringify(results, null, 2));
