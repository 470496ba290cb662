import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LIMITS, PROTOCOL_VERSION } from '@conclave/protocol';
import { BACKOFF, backoffDelay, ConclaveClient, Connection, MemoryStore, type ClientSocket, type StateChange } from '../src/index.js';
import { makeClient, startTestServer, tappedFactory, waitFor, type TappedSocket } from './helpers/harness.js';

const login = (username: 'alice' | 'bob') => ({
  kind: 'login' as const,
  username,
  password: username === 'alice' ? 'alice-password-1' : 'bob-password-12',
});

test('by default a silently dropped network is noticed within 15 s', () => {
  assert.ok(LIMITS.clientPingIntervalMs + LIMITS.clientPongTimeoutMs <= 15_000);
  // The server's flood limit is far above one ping per interval.
  assert.ok(1_000 / LIMITS.clientPingIntervalMs < LIMITS.framesPerSecond);
});

test('a socket that stops answering is noticed within ping interval + pong timeout, and the client comes back', async (t) => {
  const env = await startTestServer();
  t.after(() => env.close());
  let silent = false;
  const factory = tappedFactory({ incoming: () => !silent });
  const alice = new ConclaveClient({
    url: env.server.wsUrl,
    socketFactory: factory,
    store: new MemoryStore(),
    deviceName: 'test',
    requestTimeoutMs: 5_000,
    pingIntervalMs: 200,
    pongTimeoutMs: 300,
  });
  const changes: Array<{ state: string; at: number }> = [];
  alice.on('connection', (c) => changes.push({ state: c.state, at: Date.now() }));
  await alice.connect(login('alice'));
  t.after(() => alice.close());

  const since = Date.now();
  silent = true; // the network drops everything from the server; the socket stays open
  await waitFor(() => changes.some((c) => c.state === 'reconnecting'), 'the loss to be noticed', 5_000);
  const noticed = changes.find((c) => c.state === 'reconnecting')!.at - since;
  assert.ok(noticed <= 200 + 300 + 400, `noticed after ${noticed} ms`);
  silent = false;
  await waitFor(() => alice.connectionState === 'ready', 'alice to reconnect', 10_000);
  assert.ok(factory.opened >= 2);
});

test('others are not shown online while disconnected; the next ready refreshes the list', async (t) => {
  const env = await startTestServer();
  t.after(() => env.close());
  let socket: TappedSocket | null = null;
  const factory = tappedFactory({
    incoming: (_text, s) => {
      socket = s;
      return true;
    },
  });
  const bob = makeClient(env.server.wsUrl);
  await bob.client.connect(login('bob'));
  t.after(() => bob.client.close());
  const alice = makeClient(env.server.wsUrl, { factory });
  const onlineWhenLeft: number[] = [];
  alice.client.on('connection', (c) => {
    if (c.previous === 'ready') onlineWhenLeft.push(alice.client.snapshot().online.length);
  });
  await alice.client.connect(login('alice'));
  t.after(() => alice.client.close());
  await waitFor(() => alice.client.snapshot().online.some((u) => u.username === 'bob'), 'bob to be listed online');

  (socket as TappedSocket | null)?.cut();
  await waitFor(() => onlineWhenLeft.length > 0, 'the connection to leave ready');
  assert.deepEqual(onlineWhenLeft, [0], 'the list is cleared as the connection leaves ready');
  await waitFor(() => alice.client.connectionState === 'ready', 'alice to reconnect');
  await waitFor(() => alice.client.snapshot().online.some((u) => u.username === 'bob'), 'bob to be listed again');
});

/**
 * A connection over fake sockets and hand-run timers: the first socket
 * works; once it drops, every later one fails to open. Returns the reconnect
 * delays it announced, in order.
 */
async function reconnectDelays(isVisible: () => boolean, attempts: number, beforeAttempt: (i: number) => void = () => undefined): Promise<number[]> {
  const delays: number[] = [];
  const timers: Array<{ fn: () => void; ms: number }> = [];
  const sockets: ClientSocket[] = [];
  const settle = () => new Promise((r) => setImmediate(r));
  const factory = (): ClientSocket => {
    const socket: ClientSocket = {
      send(text) {
        const frame = JSON.parse(text) as { type: string };
        if (frame.type !== 'hello') return;
        const hello = { type: 'hello', protocol: PROTOCOL_VERSION, server: 'fake', limits: { maxFrameBytes: 1, maxBodyBytes: 1 }, registration: { policy: 'invite', setupPending: false }, noticeKey: '' };
        queueMicrotask(() => socket.onmessage?.(JSON.stringify(hello)));
      },
      close: () => undefined,
      onopen: null,
      onmessage: null,
      onclose: null,
      onerror: null,
    };
    const first = sockets.length === 0;
    sockets.push(socket);
    queueMicrotask(() => (first ? socket.onopen?.() : socket.onclose?.(1006, 'refused')));
    return socket;
  };
  const conn = new Connection({
    url: 'wss://fake/ws',
    socketFactory: factory,
    clientName: 'test',
    clock: { now: () => 0, setTimeout: (fn, ms) => timers.push({ fn, ms }), clearTimeout: () => undefined },
    random: () => 0.999999,
    handshake: async () => undefined,
    onFrame: () => undefined,
    onStateChange: (c: StateChange) => {
      if (c.retryInMs !== undefined) delays.push(c.retryInMs);
    },
    pingIntervalMs: 1e9,
    isVisible,
  });
  await conn.start();
  sockets[0]!.onclose?.(1006, 'network gone');
  for (let i = 0; i < attempts; i++) {
    beforeAttempt(i);
    const delay = delays.at(-1)!;
    const timer = timers.findLast((tm) => tm.ms === delay)!;
    timers.splice(timers.indexOf(timer), 1);
    timer.fn(); // the next attempt, which fails
    await settle();
  }
  conn.close();
  return delays;
}

test('reconnect backoff is capped near 5 s while the app is visible and at 30 s while hidden', async () => {
  assert.equal(backoffDelay(50, () => 0.999999, BACKOFF.visibleMaxMs), BACKOFF.visibleMaxMs);
  const visible = await reconnectDelays(() => true, 10);
  assert.equal(Math.max(...visible), 5_000, `visible: ${visible.join(', ')}`);
  const hidden = await reconnectDelays(() => false, 10);
  assert.equal(Math.max(...hidden), 30_000, `hidden: ${hidden.join(', ')}`);
  let shown = false;
  // Hidden for ten attempts, then the user looks again: the next delays are short again.
  const switching = await reconnectDelays(() => shown, 12, (i) => (shown = i >= 10));
  assert.equal(switching[10], 30_000, `switching: ${switching.join(', ')}`);
  assert.ok(switching.slice(11).every((d) => d <= 5_000), `switching: ${switching.join(', ')}`);
});
