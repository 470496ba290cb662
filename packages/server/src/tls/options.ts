import type { SecureContextOptions } from 'node:tls';

/**
 * The TLS 1.2 cipher suites the server offers (OpenSSL names, server order):
 * the AEAD suites of Mozilla's "intermediate" profile (server-side TLS
 * guidelines, version 5.7) — ECDHE key exchange with AES-GCM or
 * ChaCha20-Poly1305, ECDSA suites first (the self-signed certificate is
 * ECDSA P-256), and the RSA ones for an own RSA certificate, then the DHE-RSA
 * ones. No CBC, no SHA-1 MAC, no CCM/CCM8, no static RSA key exchange.
 */
export const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'DHE-RSA-AES128-GCM-SHA256',
  'DHE-RSA-AES256-GCM-SHA384',
  'DHE-RSA-CHACHA20-POLY1305',
] as const;

/**
 * The TLS 1.3 suites (all three of RFC 8446 §9.1 that OpenSSL enables by
 * default; the intermediate profile keeps them all). Listed so that setting
 * `ciphers` does not drop them.
 */
export const TLS13_CIPHERS = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'] as const;

/**
 * The protocol options of the HTTPS/WebSocket listener: TLS 1.2 and 1.3 only
 * (`minVersion`), TLS 1.2 limited to `TLS12_CIPHERS`, and the server's cipher
 * order wins over the client's (`honorCipherOrder`).
 */
export const TLS_PROTOCOL_OPTIONS = {
  minVersion: 'TLSv1.2',
  ciphers: [...TLS13_CIPHERS, ...TLS12_CIPHERS].join(':'),
  honorCipherOrder: true,
} as const satisfies SecureContextOptions;
