import { ConclaveError } from '../errors.js';
import { parseCredential, type LeafOwner } from './identity.js';
import { acceptPolicyFor, clientConfig, leafOwnerAt, sameLeafOwner } from './policy.js';
import { cipherSuite } from './suite.js';
import * as tsmls from './ts-mls.js';
import type { ClientState, KeyPackage, KeyPackageWithKeys, MLSMessage, Proposal } from './ts-mls.js';

export type { KeyPackageWithKeys } from './ts-mls.js';

const encoder = new TextEncoder();

/** One leaf of a group's ratchet tree: its index, owner (from the credential) and signature key. */
export interface Member extends LeafOwner {
  leafIndex: number;
  signatureKey: Uint8Array;
}

/** What processing one log entry did to a group. */
export type Processed =
  /** An application message: `sender` is the leaf MLS authenticated (RFC 9420 §6.3.2), never a claim in the text. */
  | { kind: 'application'; state: ClientState; plaintext: Uint8Array; sender: Member }
  /** A Commit: the new epoch's state and who joined or left. */
  | { kind: 'commit'; state: ClientState; committer: Member | undefined; added: Member[]; removed: Member[] }
  /** A message or Commit sent by this very leaf (the log echoes it): nothing to process. */
  | { kind: 'own'; contentType: 'application' | 'commit'; epoch: bigint };

/** The group id of a conversation: the UTF-8 bytes of its id. */
export function groupIdOf(conversationId: string): Uint8Array {
  return encoder.encode(conversationId);
}

/** Every occupied leaf of the group, in leaf order. */
export function membersOf(state: ClientState): Member[] {
  const out: Member[] = [];
  state.ratchetTree.forEach((node, index) => {
    if (index % 2 !== 0 || node === undefined || node.nodeType !== 'leaf') return;
    const owner = parseCredential(node.leaf.credential);
    if (owner === undefined) return;
    out.push({ ...owner, leafIndex: index / 2, signatureKey: node.leaf.signaturePublicKey });
  });
  return out;
}

/** This device's own leaf index. */
export function ownLeafIndex(state: ClientState): number {
  return state.privatePath.leafIndex;
}

/** The group's current epoch as a number (safe: epochs stay far below 2^53). */
export function epochOf(state: ClientState): number {
  return Number(state.groupContext.epoch);
}

/** Serialises a group state for the local store (RFC 9420 has no format for this; ts-mls's encoding). */
export function encodeState(state: ClientState): Uint8Array {
  return tsmls.encodeState(state);
}

/** @throws ConclaveError `CONCLAVE_ERR_LOCAL_STATE` when the bytes are not a group state. */
export function decodeState(bytes: Uint8Array): ClientState {
  const state = tsmls.decodeState(bytes, clientConfig);
  if (state === undefined) throw new ConclaveError('CONCLAVE_ERR_LOCAL_STATE', 'A stored group state is unreadable.');
  return state;
}

/** A group state as a worker message carries it (a structured clone; see `toPortable`). */
export type PortableState = tsmls.PortableState;

/** The state for `postMessage` to another thread: everything but the configuration (functions). */
export function toPortable(state: ClientState): PortableState {
  return tsmls.portableState(state);
}

/** A state from `toPortable`, after it crossed to this thread, with the client's configuration back. */
export function fromPortable(portable: PortableState): ClientState {
  return tsmls.stateFromPortable(portable, clientConfig);
}

/** Encodes an MLSMessage (RFC 9420 §6). */
export function encodeMessage(message: MLSMessage): Uint8Array {
  return tsmls.encodeMlsBytes(message);
}

/**
 * Decodes an MLSMessage that must use all of `bytes`.
 * @throws ConclaveError `CONCLAVE_ERR_UNDECRYPTABLE` when malformed.
 */
export function decodeMessage(bytes: Uint8Array): MLSMessage {
  const decoded = tsmls.decodeMlsBytes(bytes);
  if (decoded === undefined || decoded.length !== bytes.length) {
    throw new ConclaveError('CONCLAVE_ERR_UNDECRYPTABLE', 'A message in this conversation is malformed.');
  }
  return decoded.message;
}

/**
 * A GroupInfo with the external public key (in the RFC's form) and the
 * ratchet tree, for external joins (RFC 9420 §12.4.3.2).
 */
export async function groupInfoOf(state: ClientState): Promise<Uint8Array> {
  const groupInfo = await tsmls.groupInfoOf({ state, cs: await cipherSuite() });
  return encodeMessage({ version: 'mls10', wireformat: 'mls_group_info', groupInfo });
}

/** MLS-Exporter(label, context, length) of the state's epoch (RFC 9420 §8.5); `length` in bytes. */
export async function exporterSecret(state: ClientState, label: string, context: Uint8Array, length: number): Promise<Uint8Array> {
  return tsmls.exporterSecret({ state, label, context, length, cs: await cipherSuite() });
}

/** Creates a one-member group at epoch 0 (RFC 9420 §11). */
export async function createGroupState(conversationId: string, own: KeyPackageWithKeys): Promise<ClientState> {
  return tsmls.createGroupState({ groupId: groupIdOf(conversationId), own, config: clientConfig, cs: await cipherSuite() });
}

/**
 * Joins by external commit against a GroupInfo (RFC 9420 §12.4.3.2), whose
 * `external_pub` may be in the RFC's form or in ts-mls 1.6.4's bare-key form.
 * `resync` removes this device's old leaf (a device that lost its state).
 * @returns the new state and the Commit (a PublicMessage) to send.
 * @throws ConclaveError `CONCLAVE_ERR_UNDECRYPTABLE` on a bad GroupInfo.
 */
export async function joinExternally(
  groupInfoBytes: Uint8Array,
  own: KeyPackageWithKeys,
  resync: boolean,
): Promise<{ state: ClientState; commit: Uint8Array }> {
  const message = decodeMessage(groupInfoBytes);
  if (message.wireformat !== 'mls_group_info') throw new ConclaveError('CONCLAVE_ERR_UNDECRYPTABLE', 'The server sent no GroupInfo.');
  const joined = await tsmls.joinExternal({ groupInfo: message.groupInfo, own, resync, config: clientConfig, cs: await cipherSuite() });
  return { state: joined.state, commit: encodeMessage(joined.commit) };
}

/**
 * Commits Adds and Removes (RFC 9420 §12.4); with neither, a Commit that only
 * updates this device's path. The returned state is already in the new epoch:
 * callers keep the previous state until the Delivery Service accepts the
 * Commit. Commits are PrivateMessages (ARCHITECTURE.md); `publicMessage` is
 * for talking to implementations that take only PublicMessage Commits (tests).
 * @returns the new state, the Commit, and the Welcome when devices were added.
 */
export async function commitChanges(
  state: ClientState,
  changes: { add?: KeyPackage[]; remove?: number[] },
  options: { publicMessage?: boolean } = {},
): Promise<{ state: ClientState; commit: Uint8Array; welcome: Uint8Array | undefined }> {
  const proposals: Proposal[] = [
    ...(changes.add ?? []).map((keyPackage): Proposal => ({ proposalType: 'add', add: { keyPackage } })),
    ...(changes.remove ?? []).map((removed): Proposal => ({ proposalType: 'remove', remove: { removed } })),
  ];
  const result = await tsmls.commit({ state, proposals, publicMessage: options.publicMessage, cs: await cipherSuite() });
  return { state: result.state, commit: encodeMessage(result.commit), welcome: result.welcome && encodeMessage(result.welcome) };
}

/** Joins from a Welcome (RFC 9420 §12.4.3.1) with the local KeyPackage it was made for. */
export async function joinFromWelcome(welcomeBytes: Uint8Array, own: KeyPackageWithKeys): Promise<ClientState> {
  const message = decodeMessage(welcomeBytes);
  if (message.wireformat !== 'mls_welcome') throw new ConclaveError('CONCLAVE_ERR_UNDECRYPTABLE', 'The server sent no Welcome.');
  return tsmls.joinWelcome({ welcome: message, own, config: clientConfig, cs: await cipherSuite() });
}

/** The KeyPackageRefs (RFC 9420 §5.2) a Welcome has secrets for. */
export function welcomeTargets(welcomeBytes: Uint8Array): Uint8Array[] {
  const message = decodeMessage(welcomeBytes);
  if (message.wireformat !== 'mls_welcome') return [];
  return message.welcome.secrets.map((s) => s.newMember);
}

/**
 * Encrypts an application message for the current epoch (RFC 9420 §6.3).
 * @returns the new state (sender ratchet advanced: persist it before sending) and the PrivateMessage.
 */
export async function encryptMessage(state: ClientState, plaintext: Uint8Array): Promise<{ state: ClientState; message: Uint8Array }> {
  const result = await tsmls.encryptApplication({ state, plaintext, cs: await cipherSuite() });
  return { state: result.state, message: encodeMessage(result.message) };
}

/**
 * Processes one log entry: decrypts an application message or applies a
 * Commit, under the shared group policy. Old epochs are never accepted
 * (their keys are dropped at every Commit), nor is a message whose sender
 * leaf is empty.
 * @throws ConclaveError `CONCLAVE_ERR_UNDECRYPTABLE` (tampered, replayed, wrong
 *   epoch, unknown sender), `CONCLAVE_ERR_COMMIT_REJECTED` (policy).
 */
export async function processEntry(state: ClientState, bytes: Uint8Array): Promise<Processed> {
  const message = decodeMessage(bytes);
  const cs = await cipherSuite();
  const before = membersOf(state);
  let senderLeaf: number | undefined;
  if (message.wireformat === 'mls_private_message') {
    const pm = message.privateMessage;
    if (pm.epoch !== state.groupContext.epoch) {
      throw new ConclaveError('CONCLAVE_ERR_UNDECRYPTABLE', `A message for epoch ${pm.epoch} arrived in epoch ${state.groupContext.epoch}.`);
    }
    // The sender data is AEAD-protected with a key only members hold; ts-mls then
    // verifies the content's signature against this same leaf (RFC 9420 §6.3.2).
    const senderData = await tsmls.senderDataOf(pm, state.keySchedule.senderDataSecret, cs);
    if (senderData === undefined) throw new ConclaveError('CONCLAVE_ERR_UNDECRYPTABLE', 'A message could not be decrypted (tampered or not for this epoch).');
    senderLeaf = senderData.leafIndex;
    if (senderLeaf === ownLeafIndex(state)) {
      return { kind: 'own', contentType: pm.contentType === 'commit' ? 'commit' : 'application', epoch: pm.epoch };
    }
  } else if (message.wireformat === 'mls_public_message') {
    if (message.publicMessage.content.epoch !== state.groupContext.epoch) {
      throw new ConclaveError('CONCLAVE_ERR_UNDECRYPTABLE', 'A Commit for another epoch arrived.');
    }
  } else {
    throw new ConclaveError('CONCLAVE_ERR_UNDECRYPTABLE', `Unexpected ${message.wireformat} in the conversation log.`);
  }
  let result: tsmls.Incoming;
  try {
    result = await tsmls.processIncoming({ state, message, policy: acceptPolicyFor(state), cs });
  } catch (err) {
    const commit =
      message.wireformat === 'mls_public_message' ? message.publicMessage.content.contentType === 'commit' : message.privateMessage.contentType === 'commit';
    if (commit && tsmls.isValidationRefusal(err)) {
      throw new ConclaveError('CONCLAVE_ERR_COMMIT_REJECTED', 'A member made a group change Conclave does not allow; it was ignored.', { cause: err });
    }
    throw new ConclaveError('CONCLAVE_ERR_UNDECRYPTABLE', 'A message could not be decrypted or verified.', { cause: err });
  }
  if (result.kind === 'application') {
    const sender = before.find((m) => m.leafIndex === senderLeaf);
    if (sender === undefined) throw new ConclaveError('CONCLAVE_ERR_UNDECRYPTABLE', 'A message came from an empty leaf.');
    return { kind: 'application', state: result.state, plaintext: result.plaintext, sender };
  }
  if (!result.accepted) {
    throw new ConclaveError('CONCLAVE_ERR_COMMIT_REJECTED', 'A member made a group change Conclave does not allow; it was ignored.');
  }
  const next = result.state;
  // A member's Commit replaces its own leaf with the UpdatePath's: same user and device only (`sameLeafOwner`).
  // The committer's leaf is the one ts-mls authenticated (undefined for an external join).
  const committerLeaf = result.committerLeaf;
  if (committerLeaf !== undefined && !sameLeafOwner(leafOwnerAt(state.ratchetTree, committerLeaf), leafOwnerAt(next.ratchetTree, committerLeaf))) {
    throw new ConclaveError('CONCLAVE_ERR_COMMIT_REJECTED', 'A member tried to take over another user or device in a group; the change was ignored.');
  }
  const after = membersOf(next);
  const key = (m: Member): string => `${m.leafIndex}:${m.userId}:${m.deviceId}`;
  const beforeKeys = new Set(before.map(key));
  const afterKeys = new Set(after.map(key));
  const committer =
    committerLeaf !== undefined ? before.find((m) => m.leafIndex === committerLeaf) : after.find((m) => !beforeKeys.has(key(m)));
  return {
    kind: 'commit',
    state: next,
    committer,
    added: after.filter((m) => !beforeKeys.has(key(m))),
    removed: before.filter((m) => !afterKeys.has(key(m))),
  };
}

