import { cipherSuiteImpl, type CiphersuiteImpl, type CiphersuiteName } from './ts-mls.js';

/** The one MLS cipher suite Conclave uses (RFC 9420 §17.1, value 0x0001). */
export const CIPHER_SUITE: CiphersuiteName = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519';

let suite: Promise<CiphersuiteImpl> | undefined;

/**
 * The cipher suite implementation (WebCrypto + @hpke/core through ts-mls),
 * created once per process.
 */
export function cipherSuite(): Promise<CiphersuiteImpl> {
  suite ??= cipherSuiteImpl(CIPHER_SUITE);
  return suite;
}
