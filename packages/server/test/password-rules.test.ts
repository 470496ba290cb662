import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PASSWORD_CONTROL_MESSAGE, passwordCharacterProblem } from '@conclave/protocol';
import { addUser, resetPassword } from '../src/index.js';
import { PASSWORD, RawClient, createUsers, randomSignatureKey, startTestServer, type TestServer } from './helpers.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
  await createUsers(server, 'alice');
});
after(() => server.dispose());

test('the shared rule refuses control characters and line separators, and nothing else', () => {
  for (const bad of ['a\nbcdefghij', 'abcdefgh\r', 'tab\there-it-is', 'esc\x1bape-seq', 'nul\0char-here', 'del\x7fete-key', 'c1\u0085next-line', 'line\u2028sep-here']) {
    assert.equal(passwordCharacterProblem(bad), PASSWORD_CONTROL_MESSAGE, JSON.stringify(bad));
  }
  for (const good of ['violet anchor 83', 'pässwörd-ünïcode', '密码密码密码密码', 'emoji 🔑🔑🔑🔑', "quote's \"and\" \\slash"]) {
    assert.equal(passwordCharacterProblem(good), null, good);
  }
});

test('register over the WebSocket with a line break in the password: the typed error, and nothing stored', async () => {
  const c = await RawClient.connect(server);
  await c.hello();
  const device = { name: 't', signatureKey: randomSignatureKey() };
  const refused = await c.request({ type: 'register', username: 'zed', password: 'a\nbcdefghij', code: server.setupCode, device });
  assert.equal(refused.type, 'error');
  assert.equal(refused.type === 'error' && refused.code, 'CONCLAVE_ERR_PASSWORD_WEAK');
  assert.equal(refused.type === 'error' && refused.message, PASSWORD_CONTROL_MESSAGE);
  // No account was made and the single-use setup code was not spent: the same name registers with it now.
  const noAccount = await c.request({ type: 'login', username: 'zed', password: 'a\nbcdefghij', device });
  assert.equal(noAccount.type === 'error' && noAccount.code, 'CONCLAVE_ERR_BAD_CREDENTIALS');
  const ok = await c.request({ type: 'register', username: 'zed', password: PASSWORD, code: server.setupCode, device });
  assert.equal(ok.type, 'session', JSON.stringify(ok));
  assert.equal(ok.type === 'session' && ok.user.role, 'admin');

  // The admin's add_user refuses it the same way.
  const added = await c.request({ type: 'admin', command: { action: 'add_user', username: 'yan', password: 'tab\there-it-is' } });
  assert.equal(added.type === 'error' && added.code, 'CONCLAVE_ERR_PASSWORD_WEAK');
  assert.equal(added.type === 'error' && added.message, PASSWORD_CONTROL_MESSAGE);
  const users = await c.request({ type: 'admin', command: { action: 'list_users' } });
  assert.ok(users.type === 'admin' && users.result.action === 'list_users');
  assert.deepEqual(users.result.users.map((u) => u.username).sort(), ['alice', 'zed']);
  c.close();
});

test('the shell paths (add-user, reset-password) refuse it with the same message and keep the old password', async () => {
  await assert.rejects(addUser({ dataDir: server.dataDir, username: 'xena', password: 'pw-line-1\npw-line-1' }), { message: PASSWORD_CONTROL_MESSAGE });
  await assert.rejects(resetPassword(server.dataDir, 'alice', 'new-password\r\n'), { message: PASSWORD_CONTROL_MESSAGE });
  const { client } = await RawClient.login(server, 'alice');
  client.close();
  const c = await RawClient.connect(server);
  await c.hello();
  const none = await c.request({ type: 'login', username: 'xena', password: 'pw-line-1\npw-line-1', device: { name: 't', signatureKey: randomSignatureKey() } });
  assert.equal(none.type === 'error' && none.code, 'CONCLAVE_ERR_BAD_CREDENTIALS');
  c.close();
});
