import { ConclaveError } from '../errors.js';

/** AES-GCM nonce length, bytes (NIST SP 800-38D §8.2: 96-bit random IVs). */
const NONCE_BYTES = 12;
const encoder = new TextEncoder();

/** A WebCrypto `CryptoKey` (named structurally, so the core needs neither the DOM's nor Node's type names). */
export type SealingKey = Parameters<typeof globalThis.crypto.subtle.encrypt>[1];

/**
 * A fresh AES-256-GCM key for sealing a device's local records, made with
 * WebCrypto as **non-extractable**: its bytes can never be read back out, so
 * whoever copies the stored data (an IndexedDB database) gets ciphertext
 * only. The key object itself can be kept (IndexedDB structured clone keeps
 * it non-extractable).
 * @throws DOMException when WebCrypto is unavailable (an insecure context).
 */
export function createSealingKey(): Promise<SealingKey> {
  return globalThis.crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

/**
 * Seals `plaintext` with AES-256-GCM under `key`, binding it to `aad` (the
 * record's role and name, so one sealed value cannot be swapped for another).
 * @returns `nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes)`.
 */
export async function sealBytes(key: SealingKey, plaintext: Uint8Array, aad: string): Promise<Uint8Array> {
  const nonce = globalThis.crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const sealed = new Uint8Array(
    await globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: encoder.encode(aad) }, key, plaintext.slice()),
  );
  const out = new Uint8Array(NONCE_BYTES + sealed.length);
  out.set(nonce, 0);
  out.set(sealed, NONCE_BYTES);
  return out;
}

/**
 * Opens what `sealBytes` made with the same key and `aad`.
 * @throws ConclaveError `CONCLAVE_ERR_LOCAL_STATE` when the value was altered,
 *   truncated, sealed under another key or for another `aad`.
 */
export async function openBytes(key: SealingKey, sealed: Uint8Array, aad: string): Promise<Uint8Array> {
  if (sealed.length < NONCE_BYTES + 16) throw new ConclaveError('CONCLAVE_ERR_LOCAL_STATE', 'A stored record is truncated.');
  try {
    const plain = await globalThis.crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: sealed.slice(0, NONCE_BYTES), additionalData: encoder.encode(aad) },
      key,
      sealed.slice(NONCE_BYTES),
    );
    return new Uint8Array(plain);
  } catch (err) {
    throw new ConclaveError('CONCLAVE_ERR_LOCAL_STATE', 'A stored record failed its integrity check.', { cause: err });
  }
}
