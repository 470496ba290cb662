/**
 * RFC 9420 test vectors of the MLS working group (mlswg/mls-implementations,
 * `test-vectors/`; source commit and filtering in `vectors/README.md`) run
 * against what Conclave computes through its ts-mls adapter, so that a library
 * upgrade that changes a KeyPackageRef or sender attribution fails here.
 *
 * Cipher suites: those the adapter's `cipherSuiteImpl` builds without
 * optional npm packages (1, 2, 5, 7); suite 1 is the one Conclave uses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, type CipherGCMTypes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  cipherSuiteImpl,
  decodeMlsBytes,
  keyPackageRefOf,
  senderDataOf,
  type CiphersuiteImpl,
  type CiphersuiteName,
  type KeyPackage,
  type PrivateMessage,
} from '../src/mls/ts-mls.js';
import { keyPackageRef } from '../src/mls/keypackages.js';
import { welcomeTargets } from '../src/mls/group.js';

/** RFC 9420 §17.1 values of the suites the vectors are filtered to. */
const SUITE_NAMES: Record<number, CiphersuiteName> = {
  1: 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519',
  2: 'MLS_128_DHKEMP256_AES128GCM_SHA256_P256',
  5: 'MLS_256_DHKEMP521_AES256GCM_SHA512_P521',
  7: 'MLS_256_DHKEMP384_AES256GCM_SHA384_P384',
};
const CONCLAVE_SUITE = 1;

function vectors<T>(file: string): T[] {
  return JSON.parse(readFileSync(new URL(`./vectors/${file}`, import.meta.url), 'utf8')) as T[];
}

function bytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** A copy of `b` with the lowest bit of byte `at` flipped. */
function flipped(b: Uint8Array, at = 0): Uint8Array {
  const copy = Uint8Array.from(b);
  copy[at] = copy[at]! ^ 1;
  return copy;
}

/** `opaque data<V>` (RFC 9420 §2.1.2): a QUIC-style variable-length length, then the bytes. */
function opaqueV(data: Uint8Array): Uint8Array {
  const n = data.length;
  const prefix =
    n < 0x40 ? [n] : n < 0x4000 ? [0x40 | (n >> 8), n & 0xff] : [0x80 | (n >>> 24), (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  return Uint8Array.from([...prefix, ...data]);
}

const suites = new Map<number, Promise<CiphersuiteImpl>>();
function suite(id: number): Promise<CiphersuiteImpl> {
  const name = SUITE_NAMES[id];
  if (name === undefined) throw new Error(`vector for cipher suite ${id}, which the filtered files should not hold`);
  let cs = suites.get(id);
  if (cs === undefined) suites.set(id, (cs = cipherSuiteImpl(name)));
  return cs;
}

function decodePrivateMessage(hexBytes: string): PrivateMessage {
  const decoded = decodeMlsBytes(bytes(hexBytes));
  assert.ok(decoded, 'decodes as an MLSMessage');
  assert.equal(decoded.message.wireformat, 'mls_private_message');
  if (decoded.message.wireformat !== 'mls_private_message') throw new Error('unreachable');
  return decoded.message.privateMessage;
}

// ---------------------------------------------------------------- KeyPackageRef (RFC 9420 §5.2)

interface WelcomeVector {
  cipher_suite: number;
  key_package: string;
  welcome: string;
}

test('KeyPackageRef of welcome.json key_package is the Welcome new_member it is addressed by (RFC 9420 §5.2, §12.4.3.1)', async () => {
  const all = vectors<WelcomeVector>('welcome.json');
  assert.deepEqual(all.map((v) => v.cipher_suite), [1, 2, 5, 7]);
  for (const v of all) {
    const at = `cipher suite ${v.cipher_suite}`;
    const kpMessage = decodeMlsBytes(bytes(v.key_package));
    assert.ok(kpMessage, `${at}: key_package decodes`);
    assert.equal(kpMessage.message.wireformat, 'mls_key_package', at);
    if (kpMessage.message.wireformat !== 'mls_key_package') continue;
    const kp: KeyPackage = kpMessage.message.keyPackage;

    const welcomeBytes = bytes(v.welcome);
    const welcomeMessage = decodeMlsBytes(welcomeBytes);
    assert.ok(welcomeMessage, `${at}: welcome decodes`);
    assert.equal(welcomeMessage.message.wireformat, 'mls_welcome', at);
    if (welcomeMessage.message.wireformat !== 'mls_welcome') continue;
    const newMembers = welcomeMessage.message.welcome.secrets.map((s) => hex(s.newMember));
    assert.equal(newMembers.length, 1, `${at}: the vector's Welcome has one new member`);

    const ref = hex(await keyPackageRefOf(kp, await suite(v.cipher_suite)));
    assert.equal(ref, newMembers[0], `${at}: keyPackageRefOf`);
    assert.deepEqual(welcomeTargets(welcomeBytes).map(hex), [ref], `${at}: welcomeTargets`);
    // keyPackageRef always hashes with Conclave's own suite.
    if (v.cipher_suite === CONCLAVE_SUITE) assert.equal(await keyPackageRef(kp), ref, `${at}: keyPackageRef`);
  }
});

interface CryptoBasicsVector {
  cipher_suite: number;
  ref_hash: { label: string; value: string; out: string };
}

test('RefHash of crypto-basics.json with the hash of the adapter suite (RFC 9420 §5.2)', async () => {
  const all = vectors<CryptoBasicsVector>('crypto-basics.json');
  assert.deepEqual(all.map((v) => v.cipher_suite), [1, 2, 5, 7]);
  for (const { cipher_suite, ref_hash } of all) {
    // RefHash(label, value) = Hash(RefHashInput{ opaque label<V>; opaque value<V> }).
    const input = Uint8Array.from([...opaqueV(new TextEncoder().encode(ref_hash.label)), ...opaqueV(bytes(ref_hash.value))]);
    const out = await (await suite(cipher_suite)).hash.digest(input);
    assert.equal(hex(out), ref_hash.out, `cipher suite ${cipher_suite}`);
  }
});

// ---------------------------------------------------------------- sender data (RFC 9420 §6.3.2)

interface MessageProtectionVector {
  cipher_suite: number;
  group_id: string;
  epoch: number;
  sender_data_secret: string;
  proposal_priv: string;
  commit_priv: string;
  application_priv: string;
}

/** test-vectors.md, "Message Protection": "use the member with LeafIndex 1 as the sender". */
const PROTECTION_SENDER_LEAF = 1;

test('senderDataOf attributes message-protection.json PrivateMessages to leaf 1, and to nobody once tampered (RFC 9420 §6.3.2)', async () => {
  const all = vectors<MessageProtectionVector>('message-protection.json');
  assert.deepEqual(all.map((v) => v.cipher_suite), [1, 2, 5, 7]);
  for (const v of all) {
    const cs = await suite(v.cipher_suite);
    const secret = bytes(v.sender_data_secret);
    for (const kind of ['proposal_priv', 'commit_priv', 'application_priv'] as const) {
      const at = `cipher suite ${v.cipher_suite} ${kind}`;
      const pm = decodePrivateMessage(v[kind]);
      assert.equal(hex(pm.groupId), v.group_id, at);
      assert.equal(pm.epoch, BigInt(v.epoch), at);

      const sender = await senderDataOf(pm, secret, cs);
      assert.ok(sender, `${at}: decrypts with the vector's sender_data_secret`);
      assert.equal(sender.leafIndex, PROTECTION_SENDER_LEAF, at);

      // The key and nonce are derived from a sample of the ciphertext, and the AEAD covers the sender data.
      assert.equal(await senderDataOf({ ...pm, ciphertext: flipped(pm.ciphertext) }, secret, cs), undefined, `${at}: ciphertext bit flipped`);
      assert.equal(await senderDataOf({ ...pm, encryptedSenderData: flipped(pm.encryptedSenderData) }, secret, cs), undefined, `${at}: sender data bit flipped`);
      assert.equal(await senderDataOf({ ...pm, epoch: pm.epoch + 1n }, secret, cs), undefined, `${at}: another epoch in the AAD`);
      assert.equal(await senderDataOf(pm, flipped(secret), cs), undefined, `${at}: wrong sender_data_secret`);
    }
  }
});

interface SecretTreeVector {
  cipher_suite: number;
  sender_data: { sender_data_secret: string; ciphertext: string; key: string; nonce: string };
}

/**
 * Encrypts SenderData{leaf_index, generation, reuse_guard} with the vector's
 * key and nonce by node:crypto (AES-GCM, every suite kept here), with
 * SenderDataAAD{group_id<V>, epoch, content_type} (RFC 9420 §6.3.2).
 */
function sealSenderData(params: { key: Uint8Array; nonce: Uint8Array; groupId: Uint8Array; epoch: bigint; leafIndex: number; generation: number }): Uint8Array {
  const aad = new Uint8Array([...opaqueV(params.groupId), ...new Uint8Array(9)]);
  new DataView(aad.buffer).setBigUint64(aad.length - 9, params.epoch);
  aad[aad.length - 1] = 1; // ContentType application
  const plain = new Uint8Array(12);
  new DataView(plain.buffer).setUint32(0, params.leafIndex);
  new DataView(plain.buffer).setUint32(4, params.generation);
  plain.set([0xde, 0xad, 0xbe, 0xef], 8); // reuse_guard
  const algorithm: CipherGCMTypes = params.key.length === 16 ? 'aes-128-gcm' : 'aes-256-gcm';
  const cipher = createCipheriv(algorithm, params.key, params.nonce);
  cipher.setAAD(aad);
  const sealed = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  return Uint8Array.from(sealed);
}

test('senderDataOf derives the sender data key and nonce of secret-tree.json (RFC 9420 §6.3.2)', async () => {
  const all = vectors<SecretTreeVector>('secret-tree.json');
  assert.deepEqual(all.map((v) => v.cipher_suite), [1, 1, 1, 2, 2, 2, 5, 5, 5, 7, 7, 7]);
  for (const [i, { cipher_suite, sender_data: sd }] of all.entries()) {
    const at = `cipher suite ${cipher_suite} entry ${i}`;
    const cs = await suite(cipher_suite);
    const groupId = new TextEncoder().encode('conclave-vector');
    const epoch = 7n;
    const leafIndex = 5 + i;
    const generation = 1000 + i;
    // Sealed with the vector's key and nonce: only the derivation from (sender_data_secret, ciphertext sample) opens it.
    const pm: PrivateMessage = {
      groupId,
      epoch,
      contentType: 'application',
      authenticatedData: new Uint8Array(0),
      encryptedSenderData: sealSenderData({ key: bytes(sd.key), nonce: bytes(sd.nonce), groupId, epoch, leafIndex, generation }),
      ciphertext: bytes(sd.ciphertext),
    };
    const secret = bytes(sd.sender_data_secret);
    assert.deepEqual(await senderDataOf(pm, secret, cs), { leafIndex, generation }, at);
    assert.equal(await senderDataOf(pm, flipped(secret), cs), undefined, `${at}: wrong sender_data_secret`);
    assert.equal(await senderDataOf({ ...pm, ciphertext: flipped(pm.ciphertext) }, secret, cs), undefined, `${at}: ciphertext sample bit flipped`);
  }
});
