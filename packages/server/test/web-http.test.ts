import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Agent, request } from 'node:https';
import { SESSION_COOKIE, SESSION_PATH } from '@conclave/protocol';
import { createUsers, RawClient, startTestServer, tempDir, type TestServer } from './helpers.js';

const agent = new Agent({ rejectUnauthorized: false });

interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTPS request to the test server (self-signed certificate accepted). */
function fetchRaw(server: TestServer, method: string, pathname: string, headers: Record<string, string> = {}): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${pathname}`, { method, headers, agent }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A minimal built web client: what `vite build` leaves in `dist/`. */
function fakeWebRoot(): string {
  const root = tempDir('webroot');
  mkdirSync(path.join(root, 'assets'));
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>Conclave</title><script type="module" src="/assets/app-1a2b.js"></script>');
  writeFileSync(path.join(root, 'assets', 'app-1a2b.js'), 'console.log("app")');
  writeFileSync(path.join(root, 'sw.js'), 'self.addEventListener("fetch", () => {})');
  writeFileSync(path.join(root, 'manifest.webmanifest'), '{"name":"Conclave"}');
  return root;
}

function assertSecurityHeaders(reply: HttpReply): void {
  const csp = String(reply.headers['content-security-policy']);
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self'(;|$)/, 'no inline script, no eval');
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.match(String(reply.headers['strict-transport-security']), /max-age=\d+/);
  assert.equal(reply.headers['x-content-type-options'], 'nosniff');
}

test('the built web client is served at / with a strict CSP, immutable assets and a revalidated service worker', async () => {
  const server = await startTestServer(undefined, { webRoot: fakeWebRoot() });
  try {
    const index = await fetchRaw(server, 'GET', '/');
    assert.equal(index.status, 200);
    assert.match(index.body, /<title>Conclave<\/title>/);
    assert.equal(index.headers['cache-control'], 'no-cache');
    assertSecurityHeaders(index);
    const asset = await fetchRaw(server, 'GET', '/assets/app-1a2b.js');
    assert.equal(asset.status, 200);
    assert.match(String(asset.headers['cache-control']), /immutable/);
    assertSecurityHeaders(asset);
    const sw = await fetchRaw(server, 'GET', '/sw.js');
    assert.equal(sw.headers['cache-control'], 'no-cache');
    const manifest = await fetchRaw(server, 'GET', '/manifest.webmanifest');
    assert.match(String(manifest.headers['content-type']), /application\/manifest\+json/);
    assert.equal((await fetchRaw(server, 'GET', '/../../etc/passwd')).status, 404);
    assert.equal((await fetchRaw(server, 'GET', '/healthz')).status, 200);
  } finally {
    await server.dispose();
  }
});

test('without a built web client, / says how to build it (same security headers)', async () => {
  const server = await startTestServer(undefined, { webRoot: tempDir('empty-webroot') });
  try {
    const index = await fetchRaw(server, 'GET', '/');
    assert.equal(index.status, 200);
    assert.match(index.body, /web client is not built/);
    assertSecurityHeaders(index);
  } finally {
    await server.dispose();
  }
});

test('hello tells how accounts are created: setup code pending, then the invite policy', async () => {
  const server = await startTestServer();
  try {
    const c = await RawClient.connect(server);
    const hello = await c.hello();
    assert.equal(hello.type, 'hello');
    assert.deepEqual(hello.type === 'hello' && hello.registration, { policy: 'invite', setupPending: true });
    c.ws.close();
  } finally {
    await server.dispose();
  }
});

test('a session token becomes an HttpOnly cookie that authenticates same-origin WebSockets only', async () => {
  const server = await startTestServer();
  try {
    await createUsers(server, 'alice');
    const { client, session } = await RawClient.login(server, 'alice');
    const token = session.token!;
    const origin = server.url;

    // Setting the cookie: same origin and a valid bearer token only.
    assert.equal((await fetchRaw(server, 'POST', SESSION_PATH, { authorization: `Bearer ${token}` })).status, 403, 'no Origin');
    assert.equal((await fetchRaw(server, 'POST', SESSION_PATH, { origin: 'https://evil.example', authorization: `Bearer ${token}` })).status, 403);
    const bad = await fetchRaw(server, 'POST', SESSION_PATH, { origin, authorization: `Bearer ${'x'.repeat(43)}` });
    assert.equal(bad.status, 401);
    assert.ok(bad.headers['set-cookie'] === undefined);
    const ok = await fetchRaw(server, 'POST', SESSION_PATH, { origin, authorization: `Bearer ${token}` });
    assert.equal(ok.status, 204);
    const cookie = String(ok.headers['set-cookie']);
    assert.match(cookie, new RegExp(`^${SESSION_COOKIE}=${token};`));
    for (const attr of [/HttpOnly/i, /Secure/i, /SameSite=Strict/i, /Path=\//, /Max-Age=\d{5,}/]) assert.match(cookie, attr);

    // The cookie authenticates a same-origin upgrade without a token in the frame…
    const web = await RawClient.connect(server, { cookie: `${SESSION_COOKIE}=${token}`, origin });
    await web.hello();
    const resumed = await web.request({ type: 'authenticate' });
    assert.equal(resumed.type, 'session');
    assert.equal(resumed.type === 'session' && resumed.token, undefined, 'the token is not sent back');
    assert.equal(resumed.type === 'session' && resumed.user.username, 'alice');
    web.ws.close();
    // …but not one from another site's page, nor one without an Origin.
    for (const headers of [{ cookie: `${SESSION_COOKIE}=${token}`, origin: 'https://evil.example' }, { cookie: `${SESSION_COOKIE}=${token}` }] as Record<string, string>[]) {
      const other = await RawClient.connect(server, headers);
      await other.hello();
      const refused = await other.request({ type: 'authenticate' });
      assert.equal(refused.type === 'error' && refused.code, 'CONCLAVE_ERR_SESSION_INVALID');
      other.ws.close();
    }

    // Clearing it: an expired empty cookie.
    const cleared = await fetchRaw(server, 'DELETE', SESSION_PATH, { origin });
    assert.equal(cleared.status, 204);
    assert.match(String(cleared.headers['set-cookie']), new RegExp(`^${SESSION_COOKIE}=;.*Max-Age=0`, 'i'));
    client.ws.close();
  } finally {
    await server.dispose();
  }
});
