import { base64ToBytes, bytesToBase64 } from '../body.js';
import type { ClientStore } from '../store/store.js';
import { encodeMessage, decodeMessage, type KeyPackageWithKeys } from './group.js';
import { credentialFor, type LeafOwner, type SignatureKeyPair } from './identity.js';
import { cipherSuite } from './suite.js';
import { generateKeyPackage as generateWithKey, keyPackageRefOf, type KeyPackage } from './ts-mls.js';

/** One-time KeyPackages a device keeps on the server. */
export const KEY_PACKAGE_TARGET = 30;
/** Below this stock the device uploads more. */
export const KEY_PACKAGE_LOW = 10;

const RECORD = 'keypackages';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface StoredKeyPackage {
  /** MLSMessage encoding of the KeyPackage, base64. */
  pub: string;
  init: string;
  hpke: string;
  lastResort: boolean;
}

/** Hex of a KeyPackageRef (RFC 9420 §5.2). */
export async function keyPackageRef(kp: KeyPackage): Promise<string> {
  const ref = await keyPackageRefOf(kp, await cipherSuite());
  return [...ref].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** A KeyPackage as an MLSMessage for the wire. */
export function encodeKeyPackage(kp: KeyPackage): Uint8Array {
  return encodeMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: kp });
}

/**
 * Decodes a KeyPackage from the wire.
 * @throws ConclaveError `CONCLAVE_ERR_UNDECRYPTABLE` when it is not one.
 */
export function decodeKeyPackage(bytes: Uint8Array): KeyPackage | undefined {
  const message = decodeMessage(bytes);
  return message.wireformat === 'mls_key_package' ? message.keyPackage : undefined;
}

/** Makes a KeyPackage (RFC 9420 §10) of this device, signed with its long-term key. */
export async function generateKeyPackage(owner: LeafOwner, keys: SignatureKeyPair): Promise<KeyPackageWithKeys> {
  return generateWithKey({ credential: credentialFor(owner), signatureKeys: keys, cs: await cipherSuite() });
}

/**
 * The private halves of this device's KeyPackages, by KeyPackageRef, kept in
 * the store's `keypackages` record until a Welcome uses them. The last-resort
 * one is kept after use (RFC 9420 §16.8).
 */
export class LocalKeyPackages {
  private constructor(
    private readonly store: ClientStore,
    private readonly entries: Map<string, StoredKeyPackage>,
    private readonly signKey: Uint8Array,
  ) {}

  /** Loads the record (empty when absent). */
  static async load(store: ClientStore, keys: SignatureKeyPair): Promise<LocalKeyPackages> {
    const bytes = await store.loadRecord(RECORD);
    const entries = new Map<string, StoredKeyPackage>(
      bytes === null ? [] : (Object.entries(JSON.parse(decoder.decode(bytes)) as Record<string, StoredKeyPackage>)),
    );
    return new LocalKeyPackages(store, entries, keys.signKey);
  }

  /** True when a last-resort KeyPackage is kept. */
  get hasLastResort(): boolean {
    return [...this.entries.values()].some((e) => e.lastResort);
  }

  /** Remembers new KeyPackages (durably) before they are uploaded. */
  async add(kps: KeyPackageWithKeys[], lastResort = false): Promise<void> {
    if (lastResort) for (const [ref, e] of this.entries) if (e.lastResort) this.entries.delete(ref);
    for (const kp of kps) {
      this.entries.set(await keyPackageRef(kp.publicPackage), {
        pub: bytesToBase64(encodeKeyPackage(kp.publicPackage)),
        init: bytesToBase64(kp.privatePackage.initPrivateKey),
        hpke: bytesToBase64(kp.privatePackage.hpkePrivateKey),
        lastResort,
      });
    }
    await this.save();
  }

  /** The KeyPackage (with keys) among `refs` that this device made, if any. */
  find(refs: Uint8Array[]): { ref: string; kp: KeyPackageWithKeys } | undefined {
    for (const raw of refs) {
      const ref = [...raw].map((b) => b.toString(16).padStart(2, '0')).join('');
      const e = this.entries.get(ref);
      if (e === undefined) continue;
      const publicPackage = decodeKeyPackage(base64ToBytes(e.pub));
      if (publicPackage === undefined) continue;
      return {
        ref,
        kp: {
          publicPackage,
          privatePackage: { initPrivateKey: base64ToBytes(e.init), hpkePrivateKey: base64ToBytes(e.hpke), signaturePrivateKey: this.signKey },
        },
      };
    }
    return undefined;
  }

  /** Forgets a used one-time KeyPackage (its private keys are deleted: forward secrecy of the Welcome). */
  async consume(ref: string): Promise<void> {
    const e = this.entries.get(ref);
    if (e === undefined || e.lastResort) return;
    this.entries.delete(ref);
    await this.save();
  }

  private async save(): Promise<void> {
    await this.store.saveRecord(RECORD, encoder.encode(JSON.stringify(Object.fromEntries(this.entries))));
  }
}
