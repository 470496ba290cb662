import { rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerFrame } from '@conclave/protocol';
import { runShellAdmin, startServer, type ServerOptions } from '../src/index.js';
import { clientAddress, TrustedProxies } from '../src/http/client-address.js';
import { createUsers, PASSWORD, randomSignatureKey, RawClient, tempDir, type TestServer } from './helpers.js';

// Issue 13, findings 1, 3 and 6: password guessing in parallel, username
// enumeration through `register`, and locking an owner out. Defaults in force:
// 10 failures per account and address, 30 per address, 100 per account, per 15 minutes.

/** A test server with extra options (e.g. `trustProxy`), on an ephemeral port. */
async function start(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const dataDir = tempDir('auth-abuse');
  const server = await startServer({ host: '127.0.0.1', port: 0, dataDir, logLevel: 'silent', ...options });
  return {
    ...server,
    dataDir,
    async dispose() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const device = () => ({ name: 't', signatureKey: randomSignatureKey() });
const codeOf = (f: ServerFrame) => (f.type === 'error' ? f.code : f.type);

/** Connects `count` sockets (optionally through a proxy naming `forwardedFor`) and says hello on each. */
async function sockets(server: TestServer, count: number, forwardedFor?: string): Promise<RawClient[]> {
  const headers: Record<string, string> = forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor };
  const clients = await Promise.all(Array.from({ length: count }, () => RawClient.connect(server, headers)));
  await Promise.all(clients.map((c) => c.hello()));
  return clients;
}

/** Sends `perSocket` requests on every socket at once (all in flight together) and tallies the answers by code. */
async function burst(clients: RawClient[], perSocket: number, frame: (i: number) => Record<string, unknown>): Promise<{ tally: Map<string, number>; replies: ServerFrame[] }> {
  const replies = await Promise.all(clients.flatMap((c, k) => Array.from({ length: perSocket }, (_, j) => c.request(frame(k * perSocket + j), 20_000))));
  const tally = new Map<string, number>();
  for (const r of replies) tally.set(codeOf(r), (tally.get(codeOf(r)) ?? 0) + 1);
  return { tally, replies };
}

/** Sends wrong passwords for `username` one after another on one socket; returns the answers' codes. */
async function guessInTurn(client: RawClient, username: string, count: number): Promise<string[]> {
  const codes: string[] = [];
  for (let i = 0; i < count; i++) codes.push(codeOf(await client.request({ type: 'login', username, password: `wrong-guess-${i}-xyz`, device: device() })));
  return codes;
}

const closeAll = (clients: RawClient[]) => clients.forEach((c) => c.close());

describe('password guessing in parallel (finding 1)', () => {
  test('100 parallel wrong guesses at one account: exactly login_max_failures_per_account are checked, the rest are throttled', async () => {
    const server = await start();
    try {
      await createUsers(server, 'owner');
      const clients = await sockets(server, 20);
      const { tally } = await burst(clients, 5, (i) => ({ type: 'login', username: 'owner', password: `wrong-guess-${i}-xyz`, device: device() }));
      assert.equal(tally.get('CONCLAVE_ERR_BAD_CREDENTIALS'), 10, `checked: ${JSON.stringify([...tally])}`);
      assert.equal(tally.get('CONCLAVE_ERR_LOGIN_THROTTLED'), 90);
      closeAll(clients);
    } finally {
      await server.dispose();
    }
  });

  test('200 parallel wrong guesses from one address at many names: exactly login_max_failures_per_address are checked', async () => {
    const server = await start();
    try {
      const clients = await sockets(server, 20);
      const { tally } = await burst(clients, 10, (i) => ({ type: 'login', username: `someone${i}`, password: `wrong-guess-${i}-xyz`, device: device() }));
      assert.equal(tally.get('CONCLAVE_ERR_BAD_CREDENTIALS'), 30, `checked: ${JSON.stringify([...tally])}`);
      assert.equal(tally.get('CONCLAVE_ERR_LOGIN_THROTTLED'), 170);
      closeAll(clients);
    } finally {
      await server.dispose();
    }
  });

  test('a right password gives its attempt back: the owner logging in now and then never runs out', async () => {
    const server = await start();
    try {
      await createUsers(server, 'owner');
      for (let i = 0; i < 12; i++) {
        const { client } = await RawClient.login(server, 'owner');
        client.close();
      }
    } finally {
      await server.dispose();
    }
  });
});

describe('username enumeration through register (finding 3)', () => {
  test('a wrong invite code answers the same for an existing and a new name, and parallel attempts are throttled per address', async () => {
    const server = await start();
    try {
      await createUsers(server, 'alice');
      const [one] = await sockets(server, 1);
      const existing = await one!.request({ type: 'register', username: 'alice', password: PASSWORD, code: 'AAAA-BBBB-CCCC-DDDD', device: device() });
      const fresh = await one!.request({ type: 'register', username: 'zed', password: PASSWORD, code: 'AAAA-BBBB-CCCC-DDDD', device: device() });
      assert.equal(codeOf(existing), 'CONCLAVE_ERR_INVITE_INVALID');
      assert.deepEqual({ ...existing, id: '' }, { ...fresh, id: '' });
      one!.close();

      const clients = await sockets(server, 20);
      const names = ['alice', 'Alice', 'newbie', 'zed'];
      const { tally, replies } = await burst(clients, 2, (i) => ({ type: 'register', username: names[i % names.length], password: PASSWORD, code: `AAAA-BBBB-CCCC-${String(i).padStart(4, 'E')}`, device: device() }));
      // 2 of the 30 failures allowed per address were used above.
      assert.equal(tally.get('CONCLAVE_ERR_INVITE_INVALID'), 28, JSON.stringify([...tally]));
      assert.equal(tally.get('CONCLAVE_ERR_LOGIN_THROTTLED'), 12);
      assert.equal(new Set(replies.filter((r) => codeOf(r) === 'CONCLAVE_ERR_INVITE_INVALID').map((r) => r.type === 'error' && r.message)).size, 1);
      closeAll(clients);
    } finally {
      await server.dispose();
    }
  });

  test('with a valid code, a registration still takes its place in the count only when it fails', async () => {
    const server = await start();
    try {
      const [c] = await sockets(server, 1);
      for (let i = 0; i < 29; i++) assert.equal(codeOf(await c!.request({ type: 'register', username: `newcomer${i}`, password: PASSWORD, code: 'AAAA-BBBB-CCCC-DDDD', device: device() })), 'CONCLAVE_ERR_INVITE_INVALID');
      const admin = await c!.request({ type: 'register', username: 'root', password: PASSWORD, code: server.setupCode, device: device() });
      assert.equal(admin.type, 'session', 'the 30th attempt, with the right code, is allowed');
      c!.close();
    } finally {
      await server.dispose();
    }
  });
});

describe('locking an owner out (finding 6)', () => {
  test('after an attacker\'s failures from one address, the owner logs in from another; the attacker\'s address waits even with the right password', async () => {
    const server = await start({ trustProxy: ['127.0.0.1'] });
    try {
      await createUsers(server, 'owner');
      const [attacker] = await sockets(server, 1, '203.0.113.7');
      const codes = await guessInTurn(attacker!, 'owner', 12);
      assert.deepEqual(codes, [...Array<string>(10).fill('CONCLAVE_ERR_BAD_CREDENTIALS'), 'CONCLAVE_ERR_LOGIN_THROTTLED', 'CONCLAVE_ERR_LOGIN_THROTTLED']);
      const locked = await attacker!.request({ type: 'login', username: 'owner', password: PASSWORD, device: device() });
      assert.equal(codeOf(locked), 'CONCLAVE_ERR_LOGIN_THROTTLED', 'the right password from the locked address waits too');
      assert.match(locked.type === 'error' ? locked.message : '', /try again in 15 minutes/);
      // A parallel burst from the attacker's address checks nothing more.
      const more = await sockets(server, 10, '203.0.113.7');
      const { tally } = await burst(more, 3, (i) => ({ type: 'login', username: 'owner', password: `again-${i}-xyz`, device: device() }));
      assert.deepEqual([...tally], [['CONCLAVE_ERR_LOGIN_THROTTLED', 30]]);

      const [owner] = await sockets(server, 1, '198.51.100.2');
      const session = await owner!.request({ type: 'login', username: 'owner', password: PASSWORD, device: device() });
      assert.equal(session.type, 'session', 'the owner elsewhere is not locked out');
      closeAll([attacker!, owner!, ...more]);
    } finally {
      await server.dispose();
    }
  });

  test('guesses spread over many addresses stop at login_max_failures_per_account_all_addresses', async () => {
    const server = await start({ trustProxy: ['127.0.0.1'] });
    try {
      await createUsers(server, 'owner');
      // From the shell, as an admin would (taken into account within a second; fresh server: read now).
      await runShellAdmin(server.dataDir, { action: 'set', key: 'login_max_failures_per_account_all_addresses', value: '25' });
      const codes: string[] = [];
      // 3 addresses × 10 guesses: 30 failures tried, 25 checked.
      for (let a = 1; a <= 3; a++) {
        const [c] = await sockets(server, 1, `203.0.113.${a}`);
        codes.push(...(await guessInTurn(c!, 'owner', 10)));
        c!.close();
      }
      assert.equal(codes.filter((c) => c === 'CONCLAVE_ERR_BAD_CREDENTIALS').length, 25);
      assert.equal(codes.filter((c) => c === 'CONCLAVE_ERR_LOGIN_THROTTLED').length, 5);
      // The ceiling holds for the owner too, from a new address (the price of the ceiling).
      const [owner] = await sockets(server, 1, '198.51.100.2');
      assert.equal(codeOf(await owner!.request({ type: 'login', username: 'owner', password: PASSWORD, device: device() })), 'CONCLAVE_ERR_LOGIN_THROTTLED');
      owner!.close();
    } finally {
      await server.dispose();
    }
  });

  test('a valid token resumes from an address that is throttled for passwords', async () => {
    const server = await start();
    try {
      await createUsers(server, 'owner');
      const { client, session } = await RawClient.login(server, 'owner');
      client.close();
      const [attacker] = await sockets(server, 1);
      const codes: string[] = [];
      for (let i = 0; i < 31; i++) codes.push(codeOf(await attacker!.request({ type: 'login', username: `someone${i}`, password: 'wrong-guess-xyz', device: device() })));
      assert.equal(codes.at(-1), 'CONCLAVE_ERR_LOGIN_THROTTLED', 'the address is throttled for passwords');
      const bad = await attacker!.request({ type: 'authenticate', token: 'A'.repeat(43) });
      assert.equal(codeOf(bad), 'CONCLAVE_ERR_SESSION_INVALID');
      attacker!.close();

      const [resume] = await sockets(server, 1);
      const resumed = await resume!.request({ type: 'authenticate', token: session.type === 'session' ? session.token : '' });
      assert.equal(resumed.type, 'session');
      resume!.close();
    } finally {
      await server.dispose();
    }
  });

  test('X-Forwarded-For names the client only when the peer is a trusted proxy, read from the right', async () => {
    const direct = await start();
    try {
      await createUsers(direct, 'owner');
      const [attacker] = await sockets(direct, 1, '203.0.113.7');
      await guessInTurn(attacker!, 'owner', 10);
      // Not behind a trusted proxy: the header is the client's own claim, ignored.
      const [spoofed] = await sockets(direct, 1, '198.51.100.2');
      assert.equal(codeOf(await spoofed!.request({ type: 'login', username: 'owner', password: PASSWORD, device: device() })), 'CONCLAVE_ERR_LOGIN_THROTTLED');
      closeAll([attacker!, spoofed!]);
    } finally {
      await direct.dispose();
    }
    const proxied = await start({ trustProxy: ['127.0.0.0/8', '10.0.0.0/8'] });
    try {
      await createUsers(proxied, 'owner');
      // Through two trusted hops (10.0.0.5, then 127.0.0.1) the client is 203.0.113.7, whatever it prepended.
      const [attacker] = await sockets(proxied, 1, '198.51.100.2, 203.0.113.7, 10.0.0.5');
      await guessInTurn(attacker!, 'owner', 10);
      const [again] = await sockets(proxied, 1, '198.51.100.99, 203.0.113.7');
      assert.equal(codeOf(await again!.request({ type: 'login', username: 'owner', password: PASSWORD, device: device() })), 'CONCLAVE_ERR_LOGIN_THROTTLED');
      const [owner] = await sockets(proxied, 1, '198.51.100.2');
      assert.equal((await owner!.request({ type: 'login', username: 'owner', password: PASSWORD, device: device() })).type, 'session');
      closeAll([attacker!, again!, owner!]);
    } finally {
      await proxied.dispose();
    }
  });
});

describe('client address', () => {
  const req = (peer: string | undefined, forwarded?: string | string[]) =>
    ({ socket: { remoteAddress: peer }, headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded } }) as unknown as IncomingMessage;

  test('the peer, unless it is a trusted proxy; then X-Forwarded-For from the right, stopping at the first untrusted or garbled hop', () => {
    const trusted = TrustedProxies.parse('10.0.0.0/8, ::1');
    assert.equal(clientAddress(req('::ffff:203.0.113.7', '198.51.100.2')), '203.0.113.7', 'no proxy trusted: header ignored, IPv4-mapped shown as IPv4');
    assert.equal(clientAddress(req('203.0.113.7', '198.51.100.2'), trusted), '203.0.113.7', 'an untrusted peer cannot name another client');
    assert.equal(clientAddress(req('10.1.2.3', '198.51.100.2, 203.0.113.7, 10.9.9.9'), trusted), '203.0.113.7');
    assert.equal(clientAddress(req('::1', ['198.51.100.2', '203.0.113.9']), trusted), '203.0.113.9', 'repeated headers are one list');
    assert.equal(clientAddress(req('10.1.2.3', '198.51.100.2, not-an-ip'), trusted), '10.1.2.3', 'a garbled hop ends the walk at the last trusted one');
    assert.equal(clientAddress(req('10.1.2.3', '10.4.4.4'), trusted), '10.4.4.4', 'all hops trusted: the leftmost');
    assert.equal(clientAddress(req(undefined)), 'unknown');
    assert.throws(() => TrustedProxies.parse('10.0.0.0/33'), /not an IP address or CIDR subnet/);
    assert.throws(() => TrustedProxies.parse('proxy.example'), /not an IP address or CIDR subnet/);
  });
});
