import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROTOCOL_VERSION } from '@conclave/protocol';
import { BACKOFF, backoffDelay, canTransition, Connection, type Clock, type ClientSocket } from '../src/index.js';

/** A clock driven by the test: `advance(ms)` fires due timers in order. */
function manualClock() {
  let now = 0;
  let nextId = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const clock: Clock & { advance(ms: number): Promise<void> } = {
    now: () => now,
    setTimeout: (fn, ms) => {
      timers.set(++nextId, { at: now + ms, fn });
      return nextId;
    },
    clearTimeout: (h) => void timers.delete(h as number),
    async advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (due === undefined) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
        await new Promise((r) => setImmediate(r));
      }
      now = end;
    },
  };
  return clock;
}

/** A socket whose "server" answers hello and pings unless told to go silent. */
function fakeServer() {
  const sockets: (ClientSocket & { sent: string[] })[] = [];
  let silent = false;
  const factory = () => {
    const socket: ClientSocket & { sent: string[] } = {
      sent: [],
      send(text) {
        this.sent.push(text);
        const frame = JSON.parse(text) as { type: string; id?: string };
        if (silent) return;
        const reply =
          frame.type === 'hello'
            ? { type: 'hello', protocol: PROTOCOL_VERSION, server: 'fake', limits: { maxFrameBytes: 1, maxBodyBytes: 1 }, registration: { policy: 'invite', setupPending: false }, noticeKey: '' }
            : frame.type === 'ping'
              ? { type: 'pong', id: frame.id }
              : null;
        if (reply) queueMicrotask(() => socket.onmessage?.(JSON.stringify(reply)));
      },
      close() {
        queueMicrotask(() => socket.onclose?.(1000, ''));
      },
      onopen: null,
      onmessage: null,
      onclose: null,
      onerror: null,
    };
    sockets.push(socket);
    queueMicrotask(() => socket.onopen?.());
    return socket;
  };
  return { factory, sockets, goSilent: (s: boolean) => (silent = s) };
}

test('backoff grows from 0.5 s to a 30 s cap, with jitter in [d/2, d]', () => {
  assert.equal(backoffDelay(0, () => 0), BACKOFF.initialMs / 2);
  assert.equal(backoffDelay(0, () => 0.999999), BACKOFF.initialMs);
  assert.equal(backoffDelay(3, () => 0.999999), 4_000);
  assert.equal(backoffDelay(50, () => 0.999999), BACKOFF.maxMs);
  assert.equal(backoffDelay(50, () => 0), BACKOFF.maxMs / 2);
});

test('the state machine allows only the documented transitions', () => {
  assert.ok(canTransition('idle', 'connecting'));
  assert.ok(canTransition('ready', 'reconnecting'));
  assert.ok(canTransition('reconnecting', 'connecting'));
  assert.ok(!canTransition('ready', 'connecting'));
  assert.ok(!canTransition('closed', 'connecting'));
  assert.ok(!canTransition('idle', 'ready'));
});

test('a missing pong makes the connection reconnect, and it comes back ready', async () => {
  const clock = manualClock();
  const server = fakeServer();
  const states: string[] = [];
  const conn = new Connection({
    url: 'wss://fake/ws',
    socketFactory: server.factory,
    clientName: 'test',
    clock,
    random: () => 0,
    handshake: async () => undefined,
    onFrame: () => undefined,
    onStateChange: (c) => states.push(c.state),
    pingIntervalMs: 1_000,
    pongTimeoutMs: 500,
  });
  await conn.start();
  assert.equal(conn.state, 'ready');
  assert.match(server.sockets[0]!.sent[0]!, /"type":"hello".*"protocol":1/);

  await clock.advance(1_000); // ping answered
  assert.equal(conn.state, 'ready');
  server.goSilent(true);
  await clock.advance(1_000 + 500); // ping unanswered
  assert.equal(conn.state, 'reconnecting');
  server.goSilent(false);
  await clock.advance(BACKOFF.initialMs);
  assert.equal(conn.state, 'ready');
  assert.equal(server.sockets.length, 2);
  assert.deepEqual(states, ['connecting', 'authenticating', 'ready', 'reconnecting', 'connecting', 'authenticating', 'ready']);
  conn.close();
  assert.equal(conn.state, 'closed');
});

test('a request times out without killing the connection', async () => {
  const clock = manualClock();
  const server = fakeServer();
  const conn = new Connection({
    url: 'wss://fake/ws',
    socketFactory: server.factory,
    clientName: 'test',
    clock,
    handshake: async () => undefined,
    onFrame: () => undefined,
    requestTimeoutMs: 100,
  });
  await conn.start();
  const rejected = assert.rejects(conn.request({ type: 'rooms' }), { code: 'CONCLAVE_ERR_TIMEOUT' });
  await clock.advance(100);
  await rejected;
  assert.equal(conn.state, 'ready');
  conn.close();
});
