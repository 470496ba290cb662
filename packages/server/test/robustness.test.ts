import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CLOSE_CODES, LIMITS } from '@conclave/protocol';
import { createUsers, RawClient, startTestServer, type TestServer } from './helpers.js';
import { MlsDevice } from './mls-fixture.js';

let server: TestServer;

before(async () => {
  server = await startTestServer();
  await createUsers(server, 'alice', 'bob');
});
after(() => server.dispose());

describe('bad input', () => {
  test('malformed, unknown, invalid and oversized frames get the right error; others keep being served', async () => {
    const bobDevice = await MlsDevice.login(server, 'bob');
    const bob = bobDevice.client;
    const general = bobDevice.conversationId('#general');
    await bobDevice.sync();
    assert.equal((await bobDevice.createGroup(general)).type, 'committed');
    const aliceDevice = await MlsDevice.login(server, 'alice');
    const alice = aliceDevice.client;
    assert.equal((await aliceDevice.joinExternal(general)).type, 'committed');

    alice.sendRaw('{not json');
    const bad = await alice.waitFor((f) => f.type === 'error');
    assert.equal(bad.type === 'error' && bad.code, 'CONCLAVE_ERR_BAD_FRAME');

    const unknown = await alice.request({ type: 'teleport' });
    assert.equal(unknown.type === 'error' && unknown.code, 'CONCLAVE_ERR_UNKNOWN_TYPE');

    const invalid = await alice.request({ type: 'send', conversationId: general, clientMsgId: 'x', body: 42 });
    assert.equal(invalid.type === 'error' && invalid.code, 'CONCLAVE_ERR_BAD_FRAME');
    assert.ok(invalid.type === 'error' && !invalid.message.includes('42'), 'no echo of the input');

    alice.sendRaw(Buffer.from([1, 2, 3]));
    await alice.waitFor((f) => f.type === 'error' && f.code === 'CONCLAVE_ERR_BAD_FRAME' && !('id' in f && f.id));

    const notMls = await alice.sendBody(general, Buffer.from('plaintext is refused').toString('base64'));
    assert.equal(notMls.type === 'error' && notMls.code, 'CONCLAVE_ERR_MLS_INVALID');

    const stillFine = await aliceDevice.send(general, 'after the garbage');
    assert.equal(stillFine.type, 'sent');
    const [m] = await bobDevice.waitRead(general, 1);
    assert.equal(m!.text, 'after the garbage');

    alice.sendRaw('x'.repeat(LIMITS.maxFrameBytes + 1));
    const closed = await alice.waitClosed();
    assert.equal(closed.code, CLOSE_CODES.tooBig);

    assert.equal((await bobDevice.send(general, 'bob carries on')).type, 'sent');
    bob.close();
  });

  test('a flood gets rate-limited, then disconnected; the server keeps serving others', async () => {
    const { client: bob } = await RawClient.login(server, 'bob');
    // Logged in: before login only hello/register/login/authenticate are taken (preauth-abuse.test.ts).
    const { client: flooder } = await RawClient.login(server, 'alice');
    for (let i = 0; i < 400 && !flooder.closed; i++) flooder.sendRaw(JSON.stringify({ type: 'ping', id: `p${i}` }));
    const closed = await flooder.waitClosed();
    assert.equal(closed.code, CLOSE_CODES.flood);
    assert.ok(flooder.frames.some((f) => f.type === 'error' && f.code === 'CONCLAVE_ERR_RATE_LIMITED'));
    const pongs = flooder.frames.filter((f) => f.type === 'pong').length;
    assert.ok(pongs <= LIMITS.frameBurst + 5, `at most a burst was served (${pongs})`);
    assert.equal((await bob.request({ type: 'ping' })).type, 'pong');
    bob.close();
  });

  test('a wrong protocol version is refused with its own close code', async () => {
    const c = await RawClient.connect(server);
    c.sendRaw(JSON.stringify({ type: 'hello', protocol: 999, client: 'future' }));
    const closed = await c.waitClosed();
    assert.equal(closed.code, CLOSE_CODES.protocolVersion);
  });

  test('GET /healthz answers ok over TLS with the advertised certificate', async () => {
    const https = await import('node:https');
    const { certificateFingerprint } = await import('../src/index.js');
    const { body, fingerprint, headers } = await new Promise<{ body: string; fingerprint: string; headers: Record<string, unknown> }>((resolve, reject) => {
      const req = https.get(`${server.url}/healthz`, { rejectUnauthorized: false }, (res) => {
        let data = '';
        const cert = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
        res.on('data', (d) => (data += d));
        res.on('end', () => resolve({ body: data, fingerprint: certificateFingerprint(cert.raw), headers: res.headers }));
      });
      req.on('error', reject);
    });
    assert.deepEqual(JSON.parse(body), { status: 'ok', database: 'ok' });
    assert.equal(fingerprint, server.fingerprint);
    assert.equal(headers['x-content-type-options'], 'nosniff');
  });
});
