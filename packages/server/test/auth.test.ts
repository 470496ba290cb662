import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import SQLite from 'better-sqlite3';
import path from 'node:path';
import { SQLITE_FILE } from '../src/index.js';
import { createUsers, PASSWORD, randomSignatureKey, RawClient, startTestServer, type TestServer } from './helpers.js';

let server: TestServer;

before(async () => {
  server = await startTestServer();
  await createUsers(server, 'alice', 'bob', 'victim');
});
after(() => server.dispose());

const DATA_TYPES = new Set(['session', 'message', 'conversation', 'who', 'rooms', 'synced', 'sent', 'notice', 'welcome', 'key_packages', 'devices', 'group_info', 'key_package_stock', 'committed']);
const sawData = (c: RawClient) => c.frames.some((f) => DATA_TYPES.has(f.type));

describe('accounts and sessions', () => {
  test('wrong password and unknown user get the same answer and no data', async () => {
    const c = await RawClient.connect(server);
    await c.hello();
    const wrong = await c.request({ type: 'login', username: 'alice', password: 'not-her-password-1', device: { name: 't', signatureKey: randomSignatureKey() } });
    const unknown = await c.request({ type: 'login', username: 'nobody', password: 'not-her-password-1', device: { name: 't', signatureKey: randomSignatureKey() } });
    assert.equal(wrong.type, 'error');
    assert.deepEqual({ ...wrong, id: '' }, { ...unknown, id: '' });
    assert.equal(wrong.type === 'error' && wrong.code, 'CONCLAVE_ERR_BAD_CREDENTIALS');
    assert.equal((await c.request({ type: 'sync', cursors: {} })).type, 'error');
    assert.ok(!sawData(c));
    c.close();
  });

  test('a login without a device signature key is not a valid frame', async () => {
    const c = await RawClient.connect(server);
    await c.hello();
    const reply = await c.request({ type: 'login', username: 'alice', password: PASSWORD, device: { name: 't' } });
    assert.equal(reply.type === 'error' && reply.code, 'CONCLAVE_ERR_BAD_FRAME');
    const short = await c.request({ type: 'login', username: 'alice', password: PASSWORD, device: { name: 't', signatureKey: 'AAAA' } });
    assert.equal(short.type === 'error' && short.code, 'CONCLAVE_ERR_BAD_FRAME');
    assert.ok(!sawData(c));
    c.close();
  });

  test('frames before hello or login are refused without data', async () => {
    const c = await RawClient.connect(server);
    const early = await c.request({ type: 'who' });
    assert.equal(early.type === 'error' && early.code, 'CONCLAVE_ERR_HELLO_REQUIRED');
    await c.hello();
    const e2ee = [
      { type: 'publish_key_packages', keyPackages: [] },
      { type: 'claim_key_packages', userIds: ['someone'] },
      { type: 'devices', userId: 'someone' },
      { type: 'group_info', conversationId: 'someconv' },
    ];
    for (const frame of [{ type: 'sync', cursors: {} }, { type: 'who' }, { type: 'rooms' }, { type: 'open_dm', username: 'bob' }, ...e2ee]) {
      const reply = await c.request(frame);
      assert.equal(reply.type === 'error' && reply.code, 'CONCLAVE_ERR_NOT_AUTHENTICATED', frame.type);
    }
    assert.ok(!sawData(c));
    c.close();
  });

  test('a session token resumes; after logout, or once expired, it gets no data', async () => {
    const { client, session } = await RawClient.login(server, 'bob');
    const token = session.type === 'session' ? session.token : undefined;
    assert.ok(token && token.length >= 22, 'token of at least 128 bits');

    const resumed = await RawClient.connect(server);
    await resumed.hello();
    const ok = await resumed.request({ type: 'authenticate', token });
    assert.equal(ok.type, 'session');
    assert.equal(ok.type === 'session' && ok.token, undefined, 'a resumed session does not resend the token');

    assert.equal((await client.request({ type: 'logout' })).type, 'ok');
    const afterLogout = await RawClient.connect(server);
    await afterLogout.hello();
    const refused = await afterLogout.request({ type: 'authenticate', token });
    assert.equal(refused.type === 'error' && refused.code, 'CONCLAVE_ERR_SESSION_INVALID');
    assert.ok(!sawData(afterLogout));

    // Expire a fresh session in the database: it is refused as well.
    const { session: second } = await RawClient.login(server, 'bob');
    const db = new SQLite(path.join(server.dataDir, SQLITE_FILE));
    db.prepare('UPDATE sessions SET expires_at = ?').run(Date.now() - 1);
    db.close();
    const expired = await RawClient.connect(server);
    await expired.hello();
    const gone = await expired.request({ type: 'authenticate', token: second.type === 'session' ? second.token : '' });
    assert.equal(gone.type === 'error' && gone.code, 'CONCLAVE_ERR_SESSION_INVALID');
    assert.ok(!sawData(expired));
    for (const c of [resumed, afterLogout, expired]) c.close();
  });

  test('the stored session is a hash, never the token', async () => {
    const { client, session } = await RawClient.login(server, 'alice');
    const db = new SQLite(path.join(server.dataDir, SQLITE_FILE), { readonly: true });
    const rows = db.prepare('SELECT token_hash FROM sessions').all() as Array<{ token_hash: string }>;
    db.close();
    assert.ok(rows.length > 0);
    assert.ok(rows.every((r) => r.token_hash !== (session.type === 'session' ? session.token : '')));
    client.close();
  });

  test('registration: invite policy needs a code; the setup code makes the first admin; names are unique case-insensitively', async () => {
    const c = await RawClient.connect(server);
    await c.hello();
    const device = { name: 't', signatureKey: randomSignatureKey() };
    const closed = await c.request({ type: 'register', username: 'zed', password: PASSWORD, device });
    assert.equal(closed.type === 'error' && closed.code, 'CONCLAVE_ERR_REGISTRATION_CLOSED');
    const badCode = await c.request({ type: 'register', username: 'zed', password: PASSWORD, code: 'AAAA-BBBB-CCCC-DDDD', device });
    assert.equal(badCode.type === 'error' && badCode.code, 'CONCLAVE_ERR_INVITE_INVALID');
    const weak = await c.request({ type: 'register', username: 'zed', password: 'password123', code: server.setupCode, device });
    assert.equal(weak.type === 'error' && weak.code, 'CONCLAVE_ERR_PASSWORD_WEAK');
    const impostor = await c.request({ type: 'register', username: 'Alice', password: PASSWORD, code: server.setupCode, device });
    assert.equal(impostor.type === 'error' && impostor.code, 'CONCLAVE_ERR_USERNAME_TAKEN');
    const admin = await c.request({ type: 'register', username: 'Root.Admin', password: PASSWORD, code: server.setupCode, device });
    assert.equal(admin.type, 'session');
    assert.equal(admin.type === 'session' && admin.user.role, 'admin');
    assert.equal(admin.type === 'session' && admin.user.username, 'Root.Admin', 'shown as typed');

    const invite = await c.request({ type: 'invite', hours: 1 });
    assert.equal(invite.type, 'invite');
    const other = await RawClient.connect(server);
    await other.hello();
    const reuse = await other.request({ type: 'register', username: 'second', password: PASSWORD, code: server.setupCode, device });
    assert.equal(reuse.type === 'error' && reuse.code, 'CONCLAVE_ERR_INVITE_INVALID', 'the setup code is single-use');
    const joined = await other.request({ type: 'register', username: 'second', password: PASSWORD, code: invite.type === 'invite' ? invite.code.toLowerCase() : '', device });
    assert.equal(joined.type === 'session' && joined.user.role, 'member');

    const forbidden = await other.request({ type: 'invite' });
    assert.equal(forbidden.type === 'error' && forbidden.code, 'CONCLAVE_ERR_FORBIDDEN');
    c.close();
    other.close();
  });

  test('logins are rate-limited per account, for existing and unknown names alike', async () => {
    const c = await RawClient.connect(server);
    await c.hello();
    let last;
    for (let i = 0; i < 11; i++) {
      last = await c.request({ type: 'login', username: 'victim', password: `wrong-guess-${i}-xx`, device: { name: 't', signatureKey: randomSignatureKey() } });
    }
    assert.equal(last?.type === 'error' && last.code, 'CONCLAVE_ERR_LOGIN_THROTTLED');
    const right = await c.request({ type: 'login', username: 'victim', password: PASSWORD, device: { name: 't', signatureKey: randomSignatureKey() } });
    assert.equal(right.type === 'error' && right.code, 'CONCLAVE_ERR_LOGIN_THROTTLED', 'even the right password waits');
    c.close();
  });
});
