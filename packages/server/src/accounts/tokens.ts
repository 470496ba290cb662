import { createHash, randomBytes } from 'node:crypto';

/** A session token: 32 random bytes (256 bits) as base64url. */
export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/** SHA-256 hex of a high-entropy secret (session token, invite code): what the database keeps. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** `length` characters of `CODE_ALPHABET` (5 random bits each), a dash every `group`. */
function groupedCode(length: number, group: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) {
    if (i > 0 && i % group === 0) out += '-';
    out += CODE_ALPHABET[bytes[i]! % 32];
  }
  return out;
}

/**
 * A human-typeable one-time code: 16 characters from a 32-letter alphabet
 * without look-alikes (80 bits), grouped `XXXX-XXXX-XXXX-XXXX`.
 */
export function newHumanCode(): string {
  return groupedCode(16, 4);
}

/** Canonical form of a typed code: upper case, dashes and spaces removed, then regrouped. */
export function normalizeHumanCode(code: string): string {
  const plain = code.toUpperCase().replace(/[\s-]/g, '');
  return plain.replace(/(.{4})(?=.)/g, '$1-');
}

/**
 * A generated password for `/adduser` without one: 20 characters from the
 * look-alike-free alphabet (100 bits), grouped `XXXXX-XXXXX-XXXXX-XXXXX`.
 */
export function newPassword(): string {
  return groupedCode(20, 5);
}
