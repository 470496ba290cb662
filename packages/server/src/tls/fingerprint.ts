import { createHash } from 'node:crypto';

/**
 * The SHA-256 fingerprint of a certificate, ssh style: `SHA256:` then the
 * unpadded base64 of SHA-256 over the certificate's DER bytes.
 */
export function certificateFingerprint(der: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(der).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Canonical `SHA256:<base64>` form of a fingerprint typed by a user: accepts the
 * ssh-style form (with or without `SHA256:`) or hex with or without colons (as
 * browsers show it).
 * @returns null when `text` is neither.
 */
export function normalizeFingerprint(text: string): string | null {
  const t = text.trim().replace(/^sha-?256\s*[:=]?\s*/i, '');
  const hex = t.replace(/[:\s-]/g, '');
  if (/^[0-9a-fA-F]{64}$/.test(hex)) {
    return `SHA256:${Buffer.from(hex, 'hex').toString('base64').replace(/=+$/, '')}`;
  }
  if (/^[A-Za-z0-9+/]{43}=?$/.test(t)) return `SHA256:${t.replace(/=+$/, '')}`;
  return null;
}

/** Hex with colons (`AB:CD:…`), as browsers display a certificate's SHA-256 fingerprint. */
export function fingerprintHex(fingerprint: string): string {
  const b64 = fingerprint.replace(/^SHA256:/, '');
  return Buffer.from(b64, 'base64').toString('hex').toUpperCase().replace(/(..)(?=.)/g, '$1:');
}
