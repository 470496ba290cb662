import { LIMITS } from '@conclave/protocol';
import { ConclaveError } from './errors.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

/** Base64 (RFC 4648 §4) of bytes, without platform Buffer. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** Bytes of a base64 string (the protocol validated its alphabet). */
export function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * The `body` of a text message: base64 of its UTF-8 bytes.
 * @throws ConclaveError `CONCLAVE_ERR_BODY_TOO_LARGE` above `LIMITS.maxBodyBytes` bytes.
 */
export function encodeTextBody(text: string): string {
  const bytes = encoder.encode(text);
  if (bytes.length > LIMITS.maxBodyBytes) {
    throw new ConclaveError(
      'CONCLAVE_ERR_BODY_TOO_LARGE',
      `Message too long (${bytes.length} bytes; the limit is ${LIMITS.maxBodyBytes}).`,
    );
  }
  return bytesToBase64(bytes);
}

/** The text of a message body; invalid UTF-8 shows as U+FFFD rather than failing. */
export function decodeTextBody(body: string): string {
  try {
    return decoder.decode(base64ToBytes(body));
  } catch {
    return '\uFFFD';
  }
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

/** A random id of `length` chars from [A-Za-z0-9_-] (6 bits each; 22 chars ≈ 132 bits). */
export function randomId(length = 22): string {
  const bytes = new Uint8Array(length);
  globalThis.crypto.getRandomValues(bytes);
  let id = '';
  for (const b of bytes) id += ID_ALPHABET[b & 63];
  return id;
}
