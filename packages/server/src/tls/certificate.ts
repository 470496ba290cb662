import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { certificateFingerprint } from './fingerprint.js';

/** PEM certificate and key the HTTPS listener uses, with the certificate's fingerprint. */
export interface TlsMaterial {
  cert: string;
  key: string;
  fingerprint: string;
  selfSigned: boolean;
}

/** Every non-internal IPv4/IPv6 address of this machine (what LAN clients connect to). */
export function lanAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => !a.internal && !a.address.startsWith('fe80'))
    .map((a) => a.address);
}

/**
 * Loads `--tls-cert`/`--tls-key` when given; otherwise loads the self-signed
 * certificate from `<dataDir>/tls/`, creating it on first start (ECDSA P-256,
 * 10 years, SANs for localhost, the host name and every LAN address).
 * @throws Error when only one of cert/key is given, or a file cannot be read.
 */
export async function loadOrCreateCertificate(dataDir: string, own?: { cert?: string; key?: string }): Promise<TlsMaterial> {
  if (own?.cert || own?.key) {
    if (!own.cert || !own.key) throw new Error('--tls-cert and --tls-key go together');
    const cert = readFileSync(own.cert, 'utf8');
    const key = readFileSync(own.key, 'utf8');
    return { cert, key, fingerprint: certificateFingerprint(new X509Certificate(cert).raw), selfSigned: false };
  }
  const dir = path.join(dataDir, 'tls');
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const altNames = [
      { type: 2 as const, value: 'localhost' },
      { type: 2 as const, value: os.hostname() },
      { type: 7 as const, ip: '127.0.0.1' },
      { type: 7 as const, ip: '::1' },
      ...lanAddresses().map((ip) => ({ type: 7 as const, ip })),
    ];
    const now = new Date();
    // Loaded only to make the certificate (first start): it and @peculiar/x509 take ~100 ms to load.
    const { default: selfsigned } = await import('selfsigned');
    const pems = await selfsigned.generate([{ name: 'commonName', value: `Conclave on ${os.hostname()}` }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notBeforeDate: new Date(now.getTime() - 3600_000),
      notAfterDate: new Date(now.getTime() + 10 * 365 * 24 * 3600_000),
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames },
      ],
    });
    writeFileSync(keyFile, pems.private, { mode: 0o600 });
    writeFileSync(certFile, pems.cert, { mode: 0o644 });
  }
  const cert = readFileSync(certFile, 'utf8');
  const key = readFileSync(keyFile, 'utf8');
  return { cert, key, fingerprint: certificateFingerprint(new X509Certificate(cert).raw), selfSigned: true };
}
