import { sha256, sha512 } from '@noble/hashes/sha2.js';

const encoder = new TextEncoder();
/** Hash iterations per side: makes a brute-forced near-collision expensive (as Signal's numeric fingerprints). */
const ITERATIONS = 5200;
const VERSION = encoder.encode('conclave-safety-number-v1');

/** One user's side of a safety number: their id and every device signature key (raw Ed25519, 32 bytes). */
export interface SafetySide {
  userId: string;
  keys: Uint8Array[];
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function compare(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** 30 digits for one side: 6 chunks of 5 bytes, each as a big-endian integer mod 100000. */
function sideDigits(side: SafetySide): string {
  const keys = [...side.keys].sort(compare);
  const material = concat(...keys);
  let hash = sha512(concat(VERSION, encoder.encode(side.userId), material));
  for (let i = 0; i < ITERATIONS; i++) hash = sha512(concat(hash, material));
  let digits = '';
  for (let chunk = 0; chunk < 6; chunk++) {
    let value = 0;
    for (let i = 0; i < 5; i++) value = value * 256 + hash[chunk * 5 + i]!;
    digits += String(value % 100000).padStart(5, '0');
  }
  return digits;
}

/**
 * The safety number of two users (60 digits in 12 groups of 5): the same on
 * both sides (the halves are sorted), and different as soon as any device key
 * of either user differs. Compare it out of band (read aloud, in person).
 * Follows the construction of Signal's numeric fingerprints: per side,
 * SHA-512 iterated 5200 times over a version, the user id and the keys.
 */
export function safetyNumber(a: SafetySide, b: SafetySide): string {
  const halves = [sideDigits(a), sideDigits(b)].sort();
  return (halves.join('').match(/\d{5}/g) ?? []).join(' ');
}

/** A short fingerprint of one device key for lists: 32 hex digits of its SHA-256, in groups of 4. */
export function keyFingerprint(key: Uint8Array): string {
  const hex = [...sha256(key).subarray(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return (hex.match(/.{4}/g) ?? []).join(' ');
}
