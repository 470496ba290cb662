import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { noticeSigningBytes, type AdminCommand, type ServerFrame } from '@conclave/protocol';
import { addUser, runShellAdmin, SETTINGS, SQLITE_FILE } from '../src/index.js';
import { createUsers, PASSWORD, RawClient, startTestServer, tempDir, type TestServer } from './helpers.js';
import { MlsDevice } from './mls-fixture.js';

type Frame = ServerFrame;
type AdminReply = Extract<Frame, { type: 'admin' }>;

const ADMIN_PASSWORD = 'granite-harbor-61-lantern';

/** Every admin command once, with harmless-looking arguments (a member must get none of them done). */
const EVERY_COMMAND: AdminCommand[] = [
  { action: 'add_user', username: 'mallory2', password: 'sneaky-password-99' },
  { action: 'list_users' },
  { action: 'logout_user', username: 'root' },
  { action: 'delete_user', username: 'root' },
  { action: 'promote', username: 'mallory' },
  { action: 'demote', username: 'root' },
  { action: 'kick', username: 'root', room: '#ops' },
  { action: 'broadcast', text: 'free pizza' },
  { action: 'notice', username: 'root', text: 'hi' },
  { action: 'shutdown', seconds: 0 },
  { action: 'set', key: 'registration', value: 'open' },
  { action: 'settings' },
  { action: 'audit' },
  { action: 'status' },
];

async function admin(c: RawClient, command: AdminCommand): Promise<Frame> {
  return c.request({ type: 'admin', command });
}

async function ok<A extends AdminCommand['action']>(c: RawClient, command: AdminCommand & { action: A }): Promise<Extract<AdminReply['result'], { action: A }>> {
  const reply = await admin(c, command);
  assert.equal(reply.type, 'admin', `${command.action}: ${JSON.stringify(reply)}`);
  return (reply as AdminReply).result as Extract<AdminReply['result'], { action: A }>;
}

function errorCode(f: Frame): string | undefined {
  return f.type === 'error' ? f.code : undefined;
}

/** Verifies a notice's signature with the key from the server's hello (RFC 8032 Ed25519). */
function signedBy(notice: Extract<Frame, { type: 'notice' }>, noticeKey: string): boolean {
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(noticeKey, 'base64').toString('base64url') }, format: 'jwk' });
  const { type: _t, signature, ...fields } = notice;
  return verify(null, noticeSigningBytes(fields), key, Buffer.from(signature, 'base64'));
}

describe('admin controls', () => {
  let server: TestServer;
  let root: RawClient;

  before(async () => {
    server = await startTestServer();
    await addUser({ dataDir: server.dataDir, username: 'root', password: ADMIN_PASSWORD, admin: true });
    await createUsers(server, 'mallory', 'bob', 'carol');
    root = (await RawClient.login(server, 'root', { password: ADMIN_PASSWORD })).client;
  });
  after(async () => {
    root.close();
    await server.dispose();
  });

  test('every admin frame from a member is refused and changes nothing', async () => {
    const before = {
      users: await ok(root, { action: 'list_users' }),
      settings: await ok(root, { action: 'settings' }),
      audit: await ok(root, { action: 'audit', limit: 500 }),
    };
    const { client: mallory } = await RawClient.login(server, 'mallory');
    for (const command of EVERY_COMMAND) {
      assert.equal(errorCode(await admin(mallory, command)), 'CONCLAVE_ERR_FORBIDDEN', command.action);
    }
    assert.equal(errorCode(await mallory.request({ type: 'invite' })), 'CONCLAVE_ERR_FORBIDDEN');
    // Still connected, nobody was signed out, nothing was stored, the server still runs.
    assert.equal(mallory.closed, undefined);
    assert.equal(root.closed, undefined);
    assert.equal((await root.request({ type: 'ping' })).type, 'pong');
    const users = await ok(root, { action: 'list_users' });
    assert.deepEqual(users.users.map(({ online: _o, lastSeenAt: _l, sessions: _s, devices: _d, ...u }) => u), before.users.users.map(({ online: _o, lastSeenAt: _l, sessions: _s, devices: _d, ...u }) => u));
    assert.deepEqual(await ok(root, { action: 'settings' }), before.settings);
    assert.deepEqual(await ok(root, { action: 'audit', limit: 500 }), before.audit);
    assert.equal(mallory.frames.filter((f) => f.type === 'notice' && (f.kind === 'broadcast' || f.kind === 'server')).length, 0);
    mallory.close();
  });

  test('/logoutuser closes every connection of the user within a second and the old token no longer works', async () => {
    const first = await RawClient.login(server, 'bob');
    const second = await RawClient.login(server, 'bob');
    const token = first.session.token!;
    const started = Date.now();
    const result = await ok(root, { action: 'logout_user', username: 'bob' });
    const [closedA, closedB] = await Promise.all([first.client.waitClosed(1_000), second.client.waitClosed(1_000)]);
    assert.ok(Date.now() - started < 1_000, `closed after ${Date.now() - started} ms`);
    assert.equal(result.sessions, 2);
    assert.equal(result.connections, 2);
    assert.equal(closedA.code, 4004);
    assert.equal(closedB.code, 4004);
    // The client is told why before the close.
    assert.ok(first.client.frames.some((f) => f.type === 'error' && f.code === 'CONCLAVE_ERR_SESSION_REVOKED'));
    const again = await RawClient.connect(server);
    await again.hello();
    assert.equal(errorCode(await again.request({ type: 'authenticate', token })), 'CONCLAVE_ERR_SESSION_INVALID');
    again.close();
    // The password still works: only the sessions were revoked.
    (await RawClient.login(server, 'bob')).client.close();
  });

  test('/adduser makes up a strong password when none is given, shown once and never stored in the audit log', async () => {
    const made = await ok(root, { action: 'add_user', username: 'dave' });
    assert.equal(made.user.role, 'member');
    assert.match(made.password ?? '', /^[A-Z2-9]{5}(-[A-Z2-9]{5}){3}$/);
    (await RawClient.login(server, 'dave', { password: made.password! })).client.close();
    const given = await ok(root, { action: 'add_user', username: 'erin', password: 'my-own-choice-42' });
    assert.equal(given.password, undefined);
    assert.equal(errorCode(await admin(root, { action: 'add_user', username: 'Dave' })), 'CONCLAVE_ERR_USERNAME_TAKEN');
    assert.equal(errorCode(await admin(root, { action: 'add_user', username: 'x' })), 'CONCLAVE_ERR_USERNAME_INVALID');
  });

  test('/listusers shows role, online state, last seen and devices', async () => {
    const { client: carol } = await RawClient.login(server, 'carol');
    const { users } = await ok(root, { action: 'list_users' });
    const byName = new Map(users.map((u) => [u.username, u]));
    assert.equal(byName.get('root')?.role, 'admin');
    assert.equal(byName.get('root')?.online, true);
    assert.equal(byName.get('carol')?.online, true);
    assert.equal(byName.get('carol')?.devices, 1);
    assert.equal(byName.get('erin')?.online, false);
    assert.equal(byName.get('erin')?.lastSeenAt, null);
    assert.ok((byName.get('carol')?.lastSeenAt ?? 0) > Date.now() - 60_000);
    carol.close();
  });

  test('/promote and /demote change the role at once; the last admin cannot be demoted or deleted', async () => {
    const { client: carol } = await RawClient.login(server, 'carol');
    assert.equal((await ok(root, { action: 'promote', username: 'carol' })).user.role, 'admin');
    const roleNotice = await carol.waitFor((f) => f.type === 'notice' && f.kind === 'role');
    assert.equal(roleNotice.type === 'notice' && roleNotice.role, 'admin');
    // Carol's existing session is an admin now, without logging in again.
    assert.equal((await admin(carol, { action: 'status' })).type, 'admin');
    assert.equal((await ok(carol, { action: 'demote', username: 'carol' })).user.role, 'member');
    assert.equal(errorCode(await admin(carol, { action: 'status' })), 'CONCLAVE_ERR_FORBIDDEN');
    assert.equal(errorCode(await admin(root, { action: 'demote', username: 'root' })), 'CONCLAVE_ERR_LAST_ADMIN');
    assert.equal(errorCode(await admin(root, { action: 'delete_user', username: 'root' })), 'CONCLAVE_ERR_LAST_ADMIN');
    assert.equal(errorCode(await admin(root, { action: 'promote', username: 'nobody' })), 'CONCLAVE_ERR_NO_SUCH_USER');
    carol.close();
  });

  test('/broadcast reaches everyone and /notice one user, as server-signed notices', async () => {
    const bob = await RawClient.connect(server);
    const hello = await bob.hello();
    assert.equal(hello.type, 'hello');
    const noticeKey = hello.type === 'hello' ? hello.noticeKey : '';
    await bob.request({ type: 'login', username: 'bob', password: PASSWORD, device: { name: 't', signatureKey: Buffer.alloc(32, 7).toString('base64') } });
    const { client: carol } = await RawClient.login(server, 'carol');
    await ok(root, { action: 'broadcast', text: 'Maintenance at noon' });
    await ok(root, { action: 'notice', username: 'bob', text: 'Please update your client' });
    const broadcast = await bob.waitFor((f) => f.type === 'notice' && f.kind === 'broadcast');
    const direct = await bob.waitFor((f) => f.type === 'notice' && f.kind === 'direct');
    await carol.waitFor((f) => f.type === 'notice' && f.kind === 'broadcast');
    assert.ok(broadcast.type === 'notice' && broadcast.text === 'Maintenance at noon' && broadcast.from?.username === 'root');
    assert.ok(direct.type === 'notice' && signedBy(direct, noticeKey) && signedBy(broadcast as Extract<Frame, { type: 'notice' }>, noticeKey));
    // A notice altered on the way no longer verifies.
    assert.ok(broadcast.type === 'notice' && !signedBy({ ...broadcast, text: 'Maintenance at midnight' }, noticeKey));
    // Barrier: the direct notice was fanned out before root's reply; had carol been sent it, it is in before her pong.
    await carol.ping();
    assert.equal(carol.frames.filter((f) => f.type === 'notice' && f.kind === 'direct').length, 0);
    bob.close();
    carol.close();
  });

  test('/deluser ends the account: no login, name reserved, members told to remove its devices', async () => {
    await ok(root, { action: 'add_user', username: 'frank', password: 'frank-password-1' });
    const { client: frank } = await RawClient.login(server, 'frank', { password: 'frank-password-1' });
    const { client: bob } = await RawClient.login(server, 'bob');
    await ok(root, { action: 'delete_user', username: 'frank' });
    const closed = await frank.waitClosed(1_000);
    assert.equal(closed.code, 4004);
    assert.ok(frank.frames.some((f) => f.type === 'error' && f.code === 'CONCLAVE_ERR_ACCOUNT_DELETED'));
    const leave = await bob.waitFor((f) => f.type === 'notice' && f.kind === 'leave' && f.user?.username === 'frank');
    assert.equal(leave.type === 'notice' && leave.text, 'account deleted');
    const retry = await RawClient.connect(server);
    await retry.hello();
    const login = await retry.request({ type: 'login', username: 'frank', password: 'frank-password-1', device: { name: 't', signatureKey: Buffer.alloc(32, 1).toString('base64') } });
    assert.equal(errorCode(login), 'CONCLAVE_ERR_BAD_CREDENTIALS');
    retry.close();
    assert.equal(errorCode(await admin(root, { action: 'add_user', username: 'frank' })), 'CONCLAVE_ERR_USERNAME_TAKEN');
    assert.ok(!(await ok(root, { action: 'list_users' })).users.some((u) => u.username === 'frank'));
    assert.equal(errorCode(await bob.request({ type: 'open_dm', username: 'frank' })), 'CONCLAVE_ERR_NO_SUCH_USER');
    bob.close();
  });

  test('/kick removes a user from a room, and they and the members are told', async () => {
    const { client: bob } = await RawClient.login(server, 'bob');
    const { client: carol } = await RawClient.login(server, 'carol');
    const joined = await bob.request({ type: 'join', room: '#ops' });
    await carol.request({ type: 'join', room: '#ops' });
    assert.equal(joined.type, 'conversation');
    const result = await ok(root, { action: 'kick', username: 'bob', room: 'ops' });
    assert.equal(result.room, '#ops');
    const toBob = await bob.waitFor((f) => f.type === 'notice' && f.kind === 'leave' && f.user?.username === 'bob');
    await carol.waitFor((f) => f.type === 'notice' && f.kind === 'leave' && f.user?.username === 'bob');
    assert.match(toBob.type === 'notice' ? (toBob.text ?? '') : '', /removed by root/);
    assert.equal(errorCode(await admin(root, { action: 'kick', username: 'bob', room: '#ops' })), 'CONCLAVE_ERR_NOT_MEMBER');
    assert.equal(errorCode(await admin(root, { action: 'kick', username: 'bob', room: '#general' })), 'CONCLAVE_ERR_CANNOT_LEAVE');
    bob.close();
    carol.close();
  });

  test('the audit log records each admin action with actor, target and address, and never a password', async () => {
    const { entries } = await ok(root, { action: 'audit', limit: 100 });
    const actions = entries.map((e) => `${e.action} ${e.target ?? ''}`.trim());
    for (const expected of ['logout_user bob', 'add_user dave', 'add_user erin', 'promote carol', 'demote carol', 'broadcast', 'notice bob', 'delete_user frank', 'kick bob']) {
      assert.ok(actions.includes(expected), `missing "${expected}" in ${JSON.stringify(actions)}`);
    }
    // Newest first, each by the admin who did it (carol demoted herself), from this machine.
    assert.deepEqual([...entries].sort((a, b) => b.at - a.at), entries);
    assert.ok(entries.some((e) => e.action === 'demote' && e.actor === 'carol'));
    for (const e of entries.filter((x) => x.actor !== 'shell')) {
      assert.ok(e.actor === 'root' || (e.actor === 'carol' && e.action === 'demote'), `${e.actor} ${e.action}`);
      assert.equal(e.address?.replace('::ffff:', ''), '127.0.0.1');
    }
    const db = new SQLite(path.join(server.dataDir, SQLITE_FILE), { readonly: true });
    const raw = JSON.stringify(db.prepare('SELECT * FROM audit_log').all());
    db.close();
    for (const secret of ['my-own-choice-42', 'frank-password-1', ADMIN_PASSWORD, PASSWORD]) {
      assert.ok(!raw.includes(secret) && !JSON.stringify(entries).includes(secret), 'a password reached the audit log');
    }
  });

  test('/status counts users, devices, rooms and messages', async () => {
    const { status } = await ok(root, { action: 'status' });
    assert.ok(status.registeredUsers >= 6);
    assert.ok(status.onlineUsers >= 1 && status.onlineDevices >= 1 && status.connections >= 1);
    assert.ok(status.rooms >= 2);
    assert.ok(status.uptimeMs > 0);
  });
});

describe('settings', () => {
  test('first start seeds the documented defaults; changed values survive a restart and take effect', async () => {
    const dataDir = tempDir('settings');
    let server = await startTestServer(dataDir);
    try {
      await addUser({ dataDir, username: 'root', password: ADMIN_PASSWORD, admin: true });
      await createUsers(server, 'bob');
      let root = (await RawClient.login(server, 'root', { password: ADMIN_PASSWORD })).client;
      const { settings } = await ok(root, { action: 'settings' });
      assert.deepEqual(
        Object.fromEntries(settings.map((s) => [s.key, s.value])),
        {
          registration: 'invite',
          retention_days: '90',
          max_message_bytes: '16384',
          login_max_failures_per_address: '30',
          login_max_failures_per_account: '10',
          login_window_minutes: '15',
          room_creation: 'anyone',
          max_devices_per_user: '10',
          rooms_per_user_per_hour: '20',
          max_connections_per_address: '200',
          max_preauth_connections_per_address: '20',
          max_connections_per_session: '10',
          login_max_failures_per_account_all_addresses: '100',
          max_file_mb: '25',
          file_quota_mb: '1024',
        },
      );
      for (const s of settings) assert.equal(s.default, SETTINGS[s.key as keyof typeof SETTINGS].default);
      assert.equal(errorCode(await admin(root, { action: 'set', key: 'registration', value: 'sometimes' })), 'CONCLAVE_ERR_SETTING_INVALID');
      assert.equal(errorCode(await admin(root, { action: 'set', key: 'colour', value: 'blue' })), 'CONCLAVE_ERR_SETTING_UNKNOWN');
      assert.equal((await ok(root, { action: 'set', key: 'registration', value: 'open' })).setting.value, 'open');
      assert.equal((await ok(root, { action: 'set', key: 'room_creation', value: 'admins' })).setting.value, 'admins');
      assert.equal((await ok(root, { action: 'set', key: 'retention_days', value: '7' })).setting.value, '7');
      root.close();
      await server.close();

      server = await startTestServer(dataDir);
      root = (await RawClient.login(server, 'root', { password: ADMIN_PASSWORD })).client;
      const after = Object.fromEntries((await ok(root, { action: 'settings' })).settings.map((s) => [s.key, s.value]));
      assert.equal(after.registration, 'open');
      assert.equal(after.room_creation, 'admins');
      assert.equal(after.retention_days, '7');
      assert.equal(after.login_window_minutes, '15');
      // In force: open registration needs no code; only admins create rooms.
      const newcomer = await RawClient.connect(server);
      const hello = await newcomer.hello();
      assert.equal(hello.type === 'hello' && hello.registration.policy, 'open');
      const registered = await newcomer.request({ type: 'register', username: 'newcomer', password: 'newcomer-password-7', device: { name: 't', signatureKey: Buffer.alloc(32, 3).toString('base64') } });
      assert.equal(registered.type, 'session');
      newcomer.close();
      const { client: bob } = await RawClient.login(server, 'bob');
      assert.equal(errorCode(await bob.request({ type: 'join', room: '#brand-new' })), 'CONCLAVE_ERR_ROOM_CREATION_CLOSED');
      assert.equal((await root.request({ type: 'join', room: '#brand-new' })).type, 'conversation');
      assert.equal((await bob.request({ type: 'join', room: '#brand-new' })).type, 'conversation');
      bob.close();
      root.close();
      // The shell reads and writes the same settings.
      const shell = await runShellAdmin(dataDir, { action: 'settings' });
      assert.ok(shell.action === 'settings' && shell.settings.some((s) => s.key === 'room_creation' && s.value === 'admins'));
    } finally {
      await server.dispose();
    }
  });

  test('a smaller max_message_bytes is announced in hello and enforced; messages past retention_days are purged', async () => {
    const dataDir = tempDir('retention');
    let server = await startTestServer(dataDir);
    try {
      await createUsers(server, 'alice');
      await runShellAdmin(dataDir, { action: 'set', key: 'max_message_bytes', value: '1000' });
      const c = await RawClient.connect(server);
      const hello = await c.hello();
      assert.equal(hello.type === 'hello' && hello.limits.maxBodyBytes, 1000);
      c.close();
      const alice = await MlsDevice.login(server, 'alice');
      await alice.sync();
      const general = alice.conversationId('#general');
      assert.equal((await alice.createGroup(general)).type, 'committed');
      assert.equal((await alice.send(general, 'x'.repeat(900))).type, 'sent');
      // Padding and framing stay within the allowance; far more than the setting is refused.
      assert.equal(errorCode(await alice.send(general, 'x'.repeat(8_000))), 'CONCLAVE_ERR_BODY_TOO_LARGE');
      const old = await alice.send(general, 'from long ago');
      assert.equal(old.type, 'sent');
      alice.close();
      await server.close();
      // Make one message 3 days old, keep 2 days: the next start purges it (and only it).
      const db = new SQLite(path.join(dataDir, SQLITE_FILE));
      db.prepare('UPDATE messages SET sent_at = ? WHERE seq = ?').run(Date.now() - 3 * 24 * 3600_000, old.type === 'sent' ? old.seq : -1);
      db.close();
      await runShellAdmin(dataDir, { action: 'set', key: 'retention_days', value: '2' });
      server = await startTestServer(dataDir);
      const check = new SQLite(path.join(dataDir, SQLITE_FILE), { readonly: true });
      const kinds = check.prepare('SELECT kind, seq FROM messages ORDER BY seq').all() as Array<{ kind: string; seq: number }>;
      check.close();
      assert.deepEqual(kinds.map((k) => k.kind), ['application'], 'the recent message stays');
      assert.ok(!kinds.some((k) => old.type === 'sent' && k.seq === old.seq));
    } finally {
      await server.dispose();
    }
  });
});
