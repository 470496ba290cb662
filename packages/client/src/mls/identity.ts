import { decodeCredentialIdentity, encodeCredentialIdentity, type CredentialOwner } from '@conclave/protocol';
import type { Credential } from './ts-mls.js';
import { base64ToBytes, bytesToBase64 } from '../body.js';
import { cipherSuite } from './suite.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Who a leaf belongs to: the user and the device, as bound by its credential. */
export type LeafOwner = CredentialOwner;

/**
 * The BasicCredential of a device (RFC 9420 §5.3); its identity is the
 * protocol's credential convention (`encodeCredentialIdentity`), so every
 * client and the server read it the same way and group validation never forks.
 */
export function credentialFor(owner: LeafOwner): Credential {
  return { credentialType: 'basic', identity: encodeCredentialIdentity(owner) };
}

/** The owner named by a credential, or undefined when it is not a Conclave credential. */
export function parseCredential(credential: Credential): LeafOwner | undefined {
  return credential.credentialType === 'basic' ? decodeCredentialIdentity(credential.identity) : undefined;
}

/** A device's long-term Ed25519 signature key pair (raw public key, PKCS#8 private key as ts-mls uses). */
export interface SignatureKeyPair {
  publicKey: Uint8Array;
  signKey: Uint8Array;
}

/** Generates a fresh signature key pair for a new device. */
export async function generateSignatureKeyPair(): Promise<SignatureKeyPair> {
  return (await cipherSuite()).signature.keygen();
}

/** Stored form of a key pair (record `device`): JSON with base64 fields. */
export function encodeKeyPair(pair: SignatureKeyPair): Uint8Array {
  return encoder.encode(JSON.stringify({ v: 1, publicKey: bytesToBase64(pair.publicKey), signKey: bytesToBase64(pair.signKey) }));
}

/** @throws Error when the record is not a stored key pair. */
export function decodeKeyPair(bytes: Uint8Array): SignatureKeyPair {
  const parsed = JSON.parse(decoder.decode(bytes)) as { v?: number; publicKey?: string; signKey?: string };
  if (parsed.v !== 1 || typeof parsed.publicKey !== 'string' || typeof parsed.signKey !== 'string') {
    throw new Error('not a device key record');
  }
  return { publicKey: base64ToBytes(parsed.publicKey), signKey: base64ToBytes(parsed.signKey) };
}
