/**
 * The one door to ts-mls (1.6.4, patched: see `patches/ts-mls+1.6.4.patch`).
 *
 * Every call Conclave makes into the library, every type it names and every
 * library internal it relies on goes through this module, so that a library
 * upgrade (ts-mls 2.x: numeric enums, params objects, `senderLeafIndex` in
 * processing results, successor-credential validation) is a change of this
 * file and of nothing else in the client. `npm run check:deps` enforces it:
 * no other file of `packages/client/src` may import `ts-mls`.
 *
 * The functions take one params object (CONVENTIONS.md §8), return new
 * states and never keep any: callers persist a state before acting on it.
 * What this file pins of the library's behaviour is tested in
 * `test/mls-adapter.test.ts` and `test/mls-vectors.test.ts` (RFC 9420 test
 * vectors), and against an independent implementation (OpenMLS, via Wire's
 * CoreCrypto) in `test/mls-interop-corecrypto.test.ts`.
 */
import {
  createApplicationMessage,
  createCommit,
  createGroup,
  createGroupInfoWithExternalPubAndRatchetTree,
  decodeGroupState,
  decodeMlsMessage,
  defaultCapabilities,
  defaultKeyPackageEqualityConfig,
  defaultLifetime,
  defaultLifetimeConfig,
  defaultPaddingConfig,
  emptyPskIndex,
  encodeGroupState,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroup,
  joinGroupExternal,
  mlsExporter,
  processMessage,
  type CiphersuiteImpl,
  type CiphersuiteName,
  type ClientConfig,
  type ClientState,
  type Credential,
  type GroupInfo,
  type IncomingMessageCallback,
  type KeyPackage,
  type MLSMessage,
  type PrivateKeyPackage,
  type PrivateMessage,
  type Proposal,
  type ProposalWithSender,
} from 'ts-mls';
import { expand as hkdfExpand, extract as hkdfExtract } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
// The library internals Conclave needs; ts-mls 1.6 exports them only by path.
import { ratchetTreeFromExtension } from 'ts-mls/groupInfo.js';
import { makeKeyPackageRef } from 'ts-mls/keyPackage.js';
import { decryptSenderData } from 'ts-mls/privateMessage.js';
import { ValidationError } from 'ts-mls/mlsError.js';

export type {
  CiphersuiteImpl,
  CiphersuiteName,
  ClientConfig,
  ClientState,
  Credential,
  GroupInfo,
  IncomingMessageCallback,
  KeyPackage,
  MLSMessage,
  PrivateKeyPackage,
  PrivateMessage,
  Proposal,
  ProposalWithSender,
};
export { defaultKeyPackageEqualityConfig, defaultLifetimeConfig, defaultPaddingConfig };

/** A Welcome as an MLSMessage (RFC 9420 §12.4.3.1). */
export type WelcomeMessage = Extract<MLSMessage, { wireformat: 'mls_welcome' }>;
/** A PrivateMessage or PublicMessage as an MLSMessage (RFC 9420 §6): what `processIncoming` takes. */
export type FramedMessage = Extract<MLSMessage, { wireformat: 'mls_private_message' | 'mls_public_message' }>;

/** One node of a ratchet tree (RFC 9420 §7.8) as ts-mls models it: `undefined` when blank. */
export type RatchetTree = ClientState['ratchetTree'];

/** A KeyPackage together with its private keys (only ever on the device that made it). */
export interface KeyPackageWithKeys {
  publicPackage: KeyPackage;
  privatePackage: PrivateKeyPackage;
}

/**
 * The implementation of a cipher suite named as RFC 9420 §17.1 spells it
 * (WebCrypto, @hpke/core and noble underneath). For the SHA-256 suites the
 * hash, KDF (HKDF, RFC 5869) and MAC (HMAC) of RFC 9420's key schedule, tree
 * hashes and secret tree are @noble/hashes' instead of ts-mls's defaults
 * over WebCrypto, which cost an asynchronous round trip per call (and, for
 * HKDF through @hpke/core, a key import: one extract + expand took 149 µs
 * that way and 29 µs with noble); a large group makes thousands of these
 * calls. At 1 000 members an external join went from 1.36 s to 0.66 s and
 * its processing from 0.66 s to 0.10 s (`npm run bench:mls`). The outputs
 * are the same bytes (`test/mls-vectors.test.ts` checks RFC 9420's test
 * vectors; `test/mls-interop-corecrypto.test.ts` joins OpenMLS both ways).
 * HPKE keeps its own (@hpke/core).
 */
export async function cipherSuiteImpl(name: CiphersuiteName): Promise<CiphersuiteImpl> {
  const suite = getCiphersuiteFromName(name);
  const impl = await getCiphersuiteImpl(suite);
  if (suite.hash !== 'SHA-256') return impl;
  return {
    ...impl,
    kdf: {
      extract: (salt, ikm) => Promise.resolve(hkdfExtract(sha256, ikm, salt)),
      expand: (prk, info, length) => Promise.resolve(hkdfExpand(sha256, prk, info, length)),
      size: impl.kdf.size,
    },
    hash: { ...impl.hash, digest: (data) => Promise.resolve(sha256(data)), mac: (key, data) => Promise.resolve(hmac(sha256, key, data)) },
  };
}

// ---------------------------------------------------------------- encoding

/**
 * Decodes an MLSMessage (RFC 9420 §6) at the start of `bytes`.
 * @returns the message and how many bytes it used; undefined when the bytes are not one (never throws).
 */
export function decodeMlsBytes(bytes: Uint8Array): { message: MLSMessage; length: number } | undefined {
  try {
    const decoded = decodeMlsMessage(bytes, 0);
    return decoded && { message: decoded[0], length: decoded[1] };
  } catch {
    return undefined;
  }
}

/** Encodes an MLSMessage (RFC 9420 §6). */
export function encodeMlsBytes(message: MLSMessage): Uint8Array {
  return encodeMlsMessage(message);
}

/** Serialises a group state (no RFC format exists; ts-mls's own encoding, stable within 1.x). */
export function encodeState(state: ClientState): Uint8Array {
  return encodeGroupState(state);
}

/**
 * Reads a state written by `encodeState`, giving it `config` (configs are
 * code, not data, so they are never stored).
 * @returns undefined when the bytes are not a group state.
 */
export function decodeState(bytes: Uint8Array, config: ClientConfig): ClientState | undefined {
  const decoded = decodeGroupState(bytes, 0);
  return decoded && { ...decoded[0], clientConfig: config };
}

/**
 * A group state as a structured clone (a worker message) carries it: every
 * field but the configuration, which holds functions. Cloning it is about a
 * tenth of the cost of `encodeState` + `decodeState` (1 000 members: 15 ms
 * against 110–130 ms), which matters on a UI thread.
 */
export type PortableState = Omit<ClientState, 'clientConfig'>;

/** The state without its configuration, for `postMessage`. */
export function portableState(state: ClientState): PortableState {
  const { clientConfig: _config, ...rest } = state;
  return rest;
}

/** A state from `portableState` (after a structured clone), given back `config`. */
export function stateFromPortable(portable: PortableState, config: ClientConfig): ClientState {
  return { ...portable, clientConfig: config };
}

// ---------------------------------------------------------------- keys and references

/** Makes a KeyPackage (RFC 9420 §10) with default capabilities and lifetime, signed with `signatureKeys`. */
export function generateKeyPackage(params: {
  credential: Credential;
  signatureKeys: { publicKey: Uint8Array; signKey: Uint8Array };
  cs: CiphersuiteImpl;
}): Promise<KeyPackageWithKeys> {
  return generateKeyPackageWithKey(params.credential, defaultCapabilities(), defaultLifetime, [], params.signatureKeys, params.cs);
}

/** The KeyPackageRef of a KeyPackage: RefHash("MLS 1.0 KeyPackage Reference", KeyPackage) (RFC 9420 §5.2). */
export function keyPackageRefOf(keyPackage: KeyPackage, cs: CiphersuiteImpl): Promise<Uint8Array> {
  return makeKeyPackageRef(keyPackage, cs.hash);
}

/**
 * Decrypts a PrivateMessage's sender data (RFC 9420 §6.3.2) with the epoch's
 * `sender_data_secret`: the sender's leaf index and ratchet generation. This
 * is what Conclave attributes a message by (ts-mls then verifies the
 * content's signature against that same leaf).
 * @returns undefined when the AEAD fails (tampered, or another epoch's secret).
 */
export async function senderDataOf(
  privateMessage: PrivateMessage,
  senderDataSecret: Uint8Array,
  cs: CiphersuiteImpl,
): Promise<{ leafIndex: number; generation: number } | undefined> {
  const data = await decryptSenderData(privateMessage, senderDataSecret, cs).catch(() => undefined);
  return data && { leafIndex: data.leafIndex, generation: data.generation };
}

/** MLS-Exporter(label, context, length) of the state's epoch (RFC 9420 §8.5); `length` in bytes. */
export function exporterSecret(params: { state: ClientState; label: string; context: Uint8Array; length: number; cs: CiphersuiteImpl }): Promise<Uint8Array> {
  return mlsExporter(params.state.keySchedule.exporterSecret, params.label, params.context, params.length, params.cs);
}

// ---------------------------------------------------------------- group operations

/**
 * A state without the past epochs' receiver data. ts-mls keeps some after
 * every Commit; Conclave keeps none (`retainKeysForEpochs: 0`: a removed
 * member must not be able to inject messages into an epoch it still knows,
 * RFC 9420 §16.5), so every state that crosses an epoch passes through here.
 */
function withoutHistory(state: ClientState): ClientState {
  return { ...state, historicalReceiverData: new Map() };
}

/** Creates a one-member group at epoch 0 (RFC 9420 §11). */
export function createGroupState(params: { groupId: Uint8Array; own: KeyPackageWithKeys; config: ClientConfig; cs: CiphersuiteImpl }): Promise<ClientState> {
  return createGroup(params.groupId, params.own.publicPackage, params.own.privatePackage, [], params.cs, params.config);
}

/**
 * A GroupInfo with the external public key and the ratchet tree inline, for
 * external joins (RFC 9420 §12.4.3.2, §12.4.3.3). `external_pub` is written in
 * the RFC's form, `opaque HPKEPublicKey<V>` (the patch; ts-mls 1.6.4 wrote the bare key).
 */
export function groupInfoOf(params: { state: ClientState; cs: CiphersuiteImpl }): Promise<GroupInfo> {
  return createGroupInfoWithExternalPubAndRatchetTree(params.state, [], params.cs);
}

/** The ratchet tree carried in a GroupInfo's `ratchet_tree` extension (RFC 9420 §12.4.3.3), if any. */
export function ratchetTreeOf(groupInfo: GroupInfo): RatchetTree | undefined {
  return ratchetTreeFromExtension(groupInfo);
}

/**
 * Joins by external commit (RFC 9420 §12.4.3.2). Reads `external_pub` in
 * both forms, the RFC's and ts-mls 1.6.4's bare key (the patch), so rooms
 * whose stored GroupInfo predates the fix stay joinable.
 * `resync` removes the leaf this KeyPackage's owner already had.
 * @returns the new state and the Commit, a PublicMessage.
 * @throws the library's errors on a GroupInfo that does not verify.
 */
export async function joinExternal(params: {
  groupInfo: GroupInfo;
  own: KeyPackageWithKeys;
  resync: boolean;
  config: ClientConfig;
  cs: CiphersuiteImpl;
}): Promise<{ state: ClientState; commit: MLSMessage }> {
  const { publicMessage, newState } = await joinGroupExternal(
    params.groupInfo,
    params.own.publicPackage,
    params.own.privatePackage,
    params.resync,
    params.cs,
    undefined,
    params.config,
  );
  return { state: withoutHistory(newState), commit: { version: 'mls10', wireformat: 'mls_public_message', publicMessage } };
}

/**
 * Joins from a Welcome (RFC 9420 §12.4.3.1) with the KeyPackage it was made for.
 * @throws the library's errors when the Welcome is not for it or does not verify.
 */
export async function joinWelcome(params: { welcome: WelcomeMessage; own: KeyPackageWithKeys; config: ClientConfig; cs: CiphersuiteImpl }): Promise<ClientState> {
  const state = await joinGroup(params.welcome.welcome, params.own.publicPackage, params.own.privatePackage, emptyPskIndex, params.cs, undefined, undefined, params.config);
  return { ...state, clientConfig: params.config };
}

/**
 * Creates a Commit of `proposals` with an UpdatePath and the ratchet tree in
 * the Welcome's GroupInfo (RFC 9420 §12.4). The Commit is a PrivateMessage
 * unless `publicMessage` (ARCHITECTURE.md, "Commits are PrivateMessages").
 * The returned state is already in the new epoch: keep the old one until
 * the Delivery Service accepts the Commit.
 */
export async function commit(params: {
  state: ClientState;
  proposals: Proposal[];
  publicMessage?: boolean;
  cs: CiphersuiteImpl;
}): Promise<{ state: ClientState; commit: MLSMessage; welcome: WelcomeMessage | undefined }> {
  const result = await createCommit(
    { state: params.state, cipherSuite: params.cs },
    { extraProposals: params.proposals, ratchetTreeExtension: true, wireAsPublicMessage: params.publicMessage === true },
  );
  return {
    state: withoutHistory(result.newState),
    commit: result.commit,
    welcome: result.welcome && { version: 'mls10', wireformat: 'mls_welcome', welcome: result.welcome },
  };
}

/** Encrypts an application message for the current epoch (RFC 9420 §6.3); the state's sender ratchet advances. */
export async function encryptApplication(params: { state: ClientState; plaintext: Uint8Array; cs: CiphersuiteImpl }): Promise<{ state: ClientState; message: MLSMessage }> {
  const { newState, privateMessage } = await createApplicationMessage(params.state, params.plaintext, params.cs);
  return { state: newState, message: { version: 'mls10', wireformat: 'mls_private_message', privateMessage } };
}

/**
 * True when ts-mls refused a message because what it says is not allowed
 * (a proposal, leaf or credential failing RFC 9420 §12.2–§12.4's checks, or
 * our authentication service), as opposed to bytes that do not decrypt or
 * verify.
 */
export function isValidationRefusal(err: unknown): boolean {
  return err instanceof ValidationError;
}

/** What `processIncoming` did. */
export type Incoming =
  | { kind: 'application'; state: ClientState; plaintext: Uint8Array }
  /**
   * A Commit: `accepted` is false when `policy` rejected it (then `state` is
   * the unchanged one); `committerLeaf` is the sender's leaf for a member's
   * Commit, undefined for an external one (from the commit callback, ts-mls 1.6.0+).
   */
  | { kind: 'commit'; state: ClientState; accepted: boolean; committerLeaf: number | undefined };

/**
 * Processes a PrivateMessage or PublicMessage for the state's epoch (RFC 9420
 * §6.3, §12.4.2): decrypts, verifies the signature and membership, applies a
 * Commit if `policy` accepts its proposals.
 * @throws the library's errors on anything that does not decrypt or verify.
 */
export async function processIncoming(params: {
  state: ClientState;
  message: FramedMessage;
  policy: IncomingMessageCallback;
  cs: CiphersuiteImpl;
}): Promise<Incoming> {
  let committerLeaf: number | undefined;
  const callback: IncomingMessageCallback = (incoming) => {
    if (incoming.kind === 'commit') committerLeaf = incoming.senderLeafIndex;
    return params.policy(incoming);
  };
  const result = await processMessage(params.message, params.state, emptyPskIndex, callback, params.cs);
  if (result.kind === 'applicationMessage') return { kind: 'application', state: result.newState, plaintext: result.message };
  const accepted = result.actionTaken === 'accept';
  return { kind: 'commit', state: accepted ? withoutHistory(result.newState) : params.state, accepted, committerLeaf };
}
