import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LIMITS, type ServerFrame } from '@conclave/protocol';
import { createUsers, RawClient, startTestServer, type TestServer } from './helpers.js';

/*
 * Presence grace period (issue 11): a user whose last device disconnects is
 * announced as logged out only when none of their devices came back within
 * `presenceGraceMs`; a reload within it announces nothing at all.
 */

type Notice = Extract<ServerFrame, { type: 'notice' }>;

/** The login/logout notices about `username` that `observer` has received so far. */
function presenceNotices(observer: RawClient, username: string): Array<Notice['kind']> {
  return observer.frames
    .filter((f): f is Notice => f.type === 'notice' && (f.kind === 'login' || f.kind === 'logout') && f.user?.username === username)
    .map((f) => f.kind);
}

/** Whether `username` is listed by `who`, asked by `observer`. */
async function listedOnline(observer: RawClient, username: string): Promise<boolean> {
  const who = await observer.request({ type: 'who' });
  assert.equal(who.type, 'who');
  return who.type === 'who' && who.online.some((u) => u.username === username);
}

/** Asks `who` until `username`'s listing is `expected` (the server has seen the socket open or close). Bounded. */
async function untilListed(observer: RawClient, username: string, expected: boolean): Promise<void> {
  for (let i = 0; i < 250; i++) {
    if ((await listedOnline(observer, username)) === expected) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`${username} is still ${expected ? 'not ' : ''}listed by who`);
}

/** Logs `observer` in and syncs it, then logs `username` in and waits until the observer saw their login. */
async function observerAndUser(server: TestServer, username: string): Promise<{ observer: RawClient; user: RawClient; token: string }> {
  const { client: observer } = await RawClient.login(server, 'pat');
  await observer.request({ type: 'sync', cursors: {} });
  const { client: user, session } = await RawClient.login(server, username);
  await observer.waitFor((f) => f.type === 'notice' && f.kind === 'login' && f.user?.username === username);
  assert.ok(session.token, 'login returns a session token');
  return { observer, user, token: session.token };
}

/** Opens a new connection that resumes a session with its token, as a reloaded page does. */
async function resume(server: TestServer, token: string): Promise<RawClient> {
  const c = await RawClient.connect(server);
  await c.hello();
  const session = await c.request({ type: 'authenticate', token });
  assert.equal(session.type, 'session');
  return c;
}

test('a reload within the grace period announces neither a logout nor a new login', async () => {
  const server = await startTestServer(); // the default grace period, LIMITS.presenceGraceMs
  try {
    await createUsers(server, 'pat', 'quinn');
    const { observer, user: quinn, token } = await observerAndUser(server, 'quinn');
    assert.deepEqual(presenceNotices(observer, 'quinn'), ['login']);

    quinn.close();
    await quinn.waitClosed();
    // Not listed while in the grace period: `who` shows devices connected now.
    await untilListed(observer, 'quinn', false);

    const reloaded = await resume(server, token);
    await untilListed(observer, 'quinn', true);
    // Barrier: the pong comes after any notice the reconnect could have caused.
    assert.equal((await observer.request({ type: 'ping' })).type, 'pong');
    assert.deepEqual(presenceNotices(observer, 'quinn'), ['login'], 'no logout and no second login');

    reloaded.close();
    observer.close();
  } finally {
    await server.dispose();
  }
});

test('a user who does not come back is announced as logged out once the grace period has passed', async () => {
  const graceMs = 300;
  const server = await startTestServer(undefined, { presenceGraceMs: graceMs });
  try {
    await createUsers(server, 'pat', 'quinn');
    const { observer, user: quinn } = await observerAndUser(server, 'quinn');

    const closedAt = Date.now();
    quinn.close();
    await observer.waitFor((f) => f.type === 'notice' && f.kind === 'logout' && f.user?.username === 'quinn', graceMs + 5_000);
    assert.ok(Date.now() - closedAt >= graceMs, 'the logout waited for the grace period');
    assert.deepEqual(presenceNotices(observer, 'quinn'), ['login', 'logout']);

    // After the logout, coming back is a login again.
    const { client: again } = await RawClient.login(server, 'quinn');
    await observer.waitFor((f) => f.type === 'notice' && f.kind === 'login' && presenceNotices(observer, 'quinn').length === 3);
    assert.deepEqual(presenceNotices(observer, 'quinn'), ['login', 'logout', 'login']);

    again.close();
    observer.close();
  } finally {
    await server.dispose();
  }
});

test('shutdown does not wait for a pending logout', async () => {
  const server = await startTestServer();
  let disposed = false;
  try {
    await createUsers(server, 'pat', 'quinn');
    const { observer, user: quinn } = await observerAndUser(server, 'quinn');
    quinn.close();
    await untilListed(observer, 'quinn', false); // quinn's logout is now pending

    const started = Date.now();
    await server.dispose();
    disposed = true;
    assert.ok(Date.now() - started < LIMITS.presenceGraceMs, 'close returned before the grace period ended');
    assert.deepEqual(presenceNotices(observer, 'quinn'), ['login'], 'a pending logout is dropped, not announced');
  } finally {
    if (!disposed) await server.dispose();
  }
});

test('a burst of logins: the first are announced one by one, the rest of the window as one presence notice; who lists everyone', async () => {
  // Three notices one by one per 3 s window (the defaults are LIMITS.presenceBurst per LIMITS.presenceBurstWindowMs).
  const server = await startTestServer(undefined, { presenceBurst: 3, presenceBurstWindowMs: 3_000 });
  const clients: RawClient[] = [];
  try {
    const names = ['pat', 'ua1', 'ua2', 'ua3', 'ua4', 'ua5'];
    await createUsers(server, ...names);
    for (const name of names) clients.push((await RawClient.login(server, name)).client);
    const observer = clients[0]!;
    const summary = (await observer.waitFor((f) => f.type === 'notice' && f.kind === 'presence', 10_000)) as Notice;
    assert.equal(summary.text, 'ua3, ua4 and ua5 logged in');
    assert.equal(summary.user, undefined);
    assert.ok(summary.signature.length > 0, 'signed like every notice');
    const notices = observer.frames.filter((f): f is Notice => f.type === 'notice');
    assert.deepEqual(
      notices.map((n) => [n.kind, n.user?.username ?? n.text]),
      [
        ['login', 'pat'],
        ['login', 'ua1'],
        ['login', 'ua2'],
        ['presence', 'ua3, ua4 and ua5 logged in'],
      ],
    );
    const who = await observer.request({ type: 'who' });
    assert.ok(who.type === 'who');
    assert.deepEqual(who.online.map((u) => u.username).sort(), names);
  } finally {
    for (const c of clients) c.close();
    await server.dispose();
  }
});
