import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import selfsigned from 'selfsigned';
import { startServer, type RunningServer } from '../src/index.js';
import { startTestServer, tempDir, type TestServer } from './helpers.js';

/** The outcome of one TLS handshake with the server: the negotiated protocol and suite, or the error code. */
async function handshake(port: number, options: tls.ConnectionOptions): Promise<{ ok: true; protocol: string | null; cipher: string } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ ok: false, error: 'timeout' });
    }, 5000);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const result = { ok: true as const, protocol: socket.getProtocol(), cipher: socket.getCipher().standardName };
      socket.end();
      resolve(result);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok: false, error: err.code ?? err.message });
    });
  });
}

/** TLS 1.2 with exactly one (legacy) suite offered. */
const tls12 = (ciphers: string): tls.ConnectionOptions => ({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers });

describe('TLS offers only AEAD suites (issue 13, finding 10)', () => {
  describe('the self-signed ECDSA certificate', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer();
    });
    after(() => server.dispose());

    it('refuses a TLS 1.2 client offering only ECDHE-ECDSA-AES128-SHA (CBC, SHA-1)', async () => {
      const result = await handshake(server.port, tls12('ECDHE-ECDSA-AES128-SHA'));
      assert.equal(result.ok, false, `handshake succeeded: ${JSON.stringify(result)}`);
    });

    it('refuses other CBC and CCM8 suites over TLS 1.2', async () => {
      for (const suite of ['ECDHE-ECDSA-AES256-SHA', 'ECDHE-ECDSA-AES128-SHA256', 'ECDHE-ECDSA-AES256-CCM8', 'ECDHE-ECDSA-AES128-CCM8', 'ECDHE-ECDSA-AES128-CCM']) {
        const result = await handshake(server.port, tls12(suite));
        assert.equal(result.ok, false, `${suite}: ${JSON.stringify(result)}`);
      }
    });

    it('accepts TLS 1.2 with an AEAD suite of the intermediate profile', async () => {
      for (const suite of ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305']) {
        const result = await handshake(server.port, tls12(suite));
        assert.deepEqual(result.ok && { protocol: result.protocol }, { protocol: 'TLSv1.2' }, `${suite}: ${JSON.stringify(result)}`);
      }
    });

    it('prefers its own order when the client offers several suites', async () => {
      const result = await handshake(server.port, tls12('ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256'));
      assert.ok(result.ok, JSON.stringify(result));
      assert.equal(result.cipher, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256');
    });

    it('accepts TLS 1.3 and refuses TLS 1.1', async () => {
      const v13 = await handshake(server.port, { minVersion: 'TLSv1.3' });
      assert.ok(v13.ok, JSON.stringify(v13));
      assert.equal(v13.protocol, 'TLSv1.3');
      const v11 = await handshake(server.port, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' });
      assert.equal(v11.ok, false, JSON.stringify(v11));
    });
  });

  describe('an own RSA certificate (--tls-cert)', () => {
    let server: RunningServer;
    let dataDir: string;
    before(async () => {
      dataDir = tempDir('tls-rsa');
      const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'rsa', keySize: 2048, algorithm: 'sha256' });
      writeFileSync(path.join(dataDir, 'rsa-cert.pem'), pems.cert);
      writeFileSync(path.join(dataDir, 'rsa-key.pem'), pems.private);
      server = await startServer({
        host: '127.0.0.1',
        port: 0,
        dataDir,
        logLevel: 'silent',
        tlsCert: path.join(dataDir, 'rsa-cert.pem'),
        tlsKey: path.join(dataDir, 'rsa-key.pem'),
      });
    });
    after(async () => {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('refuses ECDHE-RSA-AES128-SHA and static-RSA AES128-SHA over TLS 1.2, accepts ECDHE-RSA-AES128-GCM-SHA256', async () => {
      for (const suite of ['ECDHE-RSA-AES128-SHA', 'AES128-SHA', 'AES128-GCM-SHA256']) {
        const result = await handshake(server.port, tls12(suite));
        assert.equal(result.ok, false, `${suite}: ${JSON.stringify(result)}`);
      }
      const good = await handshake(server.port, tls12('ECDHE-RSA-AES128-GCM-SHA256'));
      assert.ok(good.ok, JSON.stringify(good));
      const v13 = await handshake(server.port, { minVersion: 'TLSv1.3' });
      assert.ok(v13.ok && v13.protocol === 'TLSv1.3', JSON.stringify(v13));
    });
  });
});
