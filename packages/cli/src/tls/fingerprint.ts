import { createHash } from 'node:crypto';

/**
 * The fingerprint of a certificate, ssh style: `SHA256:` + base64 (no
 * padding) of SHA-256 over the certificate's DER bytes.
 */
export function certificateFingerprint(der: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(der).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Reads a fingerprint as a user may paste it — `SHA256:base64` (ssh style,
 * padding optional) or hex with or without colons/spaces (as browsers show
 * it), with or without a `SHA256:`/`SHA-256` prefix — and returns the
 * canonical `SHA256:base64` form, or null when it is neither.
 */
export function normalizeFingerprint(text: string): string | null {
  const trimmed = text.trim();
  const b64 = /^SHA256:([A-Za-z0-9+/]{43})=?$/i.exec(trimmed);
  if (b64 !== null && b64[1] !== undefined) return `SHA256:${b64[1]}`;
  const hex = trimmed.replace(/^sha-?256\s*[:=]?\s*/i, '').replace(/[:\s-]/g, '');
  if (/^[0-9a-fA-F]{64}$/.test(hex)) {
    return `SHA256:${Buffer.from(hex, 'hex').toString('base64').replace(/=+$/, '')}`;
  }
  return null;
}

/** The hex-with-colons form of a canonical fingerprint (`AB:CD:…`), as browsers display it. */
export function fingerprintToHex(fingerprint: string): string {
  const b64 = fingerprint.replace(/^SHA256:/, '');
  return Buffer.from(b64, 'base64').toString('hex').toUpperCase().match(/../g)?.join(':') ?? '';
}
