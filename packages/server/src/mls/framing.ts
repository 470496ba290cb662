import { decodeMlsMessage, type MLSMessage } from 'ts-mls';
import { ServiceError } from '../errors.js';

/**
 * Reads the plaintext framing of MLS objects (RFC 9420 §6) the way a Delivery
 * Service may (RFC 9750 §5): wire format, group id, epoch, content type, sender
 * type, and the leaf credential of KeyPackages and external commits. Nothing
 * here decrypts, and nothing here verifies signatures: members do that.
 * Every function throws `ServiceError('CONCLAVE_ERR_MLS_INVALID')` on bytes
 * that are not one whole MLSMessage of the expected kind; the detail names
 * the check, never the content.
 */

/** A leaf's credential identity (BasicCredential, RFC 9420 §5.3) and signature key. */
export interface LeafIdentity {
  /** The BasicCredential identity bytes; undefined for other credential types. */
  identity: Uint8Array | undefined;
  /** The leaf's signature public key (Ed25519: 32 bytes). */
  signatureKey: Uint8Array;
}

/** A Commit's framing. */
export interface CommitFraming {
  /** The epoch the Commit was made in (the group's epoch it moves on from). */
  epoch: number;
  /** Present for an external commit (sender `new_member_commit`, RFC 9420 §12.4.3.2): the joiner's new leaf. */
  external: LeafIdentity | undefined;
}

const invalid = (detail: string) => new ServiceError('CONCLAVE_ERR_MLS_INVALID', detail);

/**
 * Decodes one MLSMessage that must fill `bytes` exactly.
 * @throws ServiceError MLS_INVALID
 */
export function decodeMls(bytes: Uint8Array): MLSMessage {
  let decoded: [MLSMessage, number] | undefined;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch {
    decoded = undefined;
  }
  if (!decoded) throw invalid('undecodable MLSMessage');
  if (decoded[1] !== bytes.byteLength) throw invalid('trailing bytes after MLSMessage');
  return decoded[0];
}

/** The MLS group id of a conversation: the UTF-8 bytes of its id. */
export function groupIdOf(conversationId: string): Uint8Array {
  return new TextEncoder().encode(conversationId);
}

function checkGroup(groupId: Uint8Array, conversationId: string): void {
  if (!Buffer.from(groupId).equals(Buffer.from(groupIdOf(conversationId)))) throw invalid('group id is not the conversation');
}

function epochNumber(epoch: bigint): number {
  if (epoch < 0n || epoch > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid('epoch out of range');
  return Number(epoch);
}

function leafIdentity(leaf: { credential: { credentialType: string }; signaturePublicKey: Uint8Array }): LeafIdentity {
  const credential = leaf.credential as { credentialType: string; identity?: Uint8Array };
  return {
    identity: credential.credentialType === 'basic' ? credential.identity : undefined,
    signatureKey: leaf.signaturePublicKey,
  };
}

/**
 * An application message: a PrivateMessage with content type `application`
 * for the conversation's group.
 * @returns its epoch.
 * @throws ServiceError MLS_INVALID
 */
export function parseApplicationMessage(bytes: Uint8Array, conversationId: string): { epoch: number } {
  const m = decodeMls(bytes);
  if (m.wireformat !== 'mls_private_message') throw invalid('not a PrivateMessage');
  if (m.privateMessage.contentType !== 'application') throw invalid('not application content');
  checkGroup(m.privateMessage.groupId, conversationId);
  return { epoch: epochNumber(m.privateMessage.epoch) };
}

/**
 * A Commit for the conversation's group: a PrivateMessage with content type
 * `commit`, or a PublicMessage whose content is a Commit from a member or, for
 * an external join, from a new member (which must carry an UpdatePath).
 * @throws ServiceError MLS_INVALID
 */
export function parseCommit(bytes: Uint8Array, conversationId: string): CommitFraming {
  const m = decodeMls(bytes);
  if (m.wireformat === 'mls_private_message') {
    if (m.privateMessage.contentType !== 'commit') throw invalid('not commit content');
    checkGroup(m.privateMessage.groupId, conversationId);
    return { epoch: epochNumber(m.privateMessage.epoch), external: undefined };
  }
  if (m.wireformat !== 'mls_public_message') throw invalid('not a PrivateMessage or PublicMessage');
  const content = m.publicMessage.content;
  if (content.contentType !== 'commit') throw invalid('not commit content');
  checkGroup(content.groupId, conversationId);
  const epoch = epochNumber(content.epoch);
  switch (content.sender.senderType) {
    case 'member':
      return { epoch, external: undefined };
    case 'new_member_commit': {
      const leaf = content.commit.path?.leafNode;
      if (!leaf) throw invalid('external commit without an UpdatePath');
      return { epoch, external: leafIdentity(leaf) };
    }
    default:
      throw invalid('commit from a non-member sender');
  }
}

/**
 * A GroupInfo (RFC 9420 §12.4.3) of the conversation's group.
 * @returns the epoch it describes.
 * @throws ServiceError MLS_INVALID
 */
export function parseGroupInfo(bytes: Uint8Array, conversationId: string): { epoch: number } {
  const m = decodeMls(bytes);
  if (m.wireformat !== 'mls_group_info') throw invalid('not a GroupInfo');
  checkGroup(m.groupInfo.groupContext.groupId, conversationId);
  return { epoch: epochNumber(m.groupInfo.groupContext.epoch) };
}

/**
 * A Welcome (RFC 9420 §12.4.3.1); its group is encrypted, so only the wire format is checked.
 * @throws ServiceError MLS_INVALID
 */
export function parseWelcome(bytes: Uint8Array): void {
  if (decodeMls(bytes).wireformat !== 'mls_welcome') throw invalid('not a Welcome');
}

/**
 * A KeyPackage (RFC 9420 §10): its leaf's credential and signature key.
 * @throws ServiceError MLS_INVALID
 */
export function parseKeyPackage(bytes: Uint8Array): LeafIdentity {
  const m = decodeMls(bytes);
  if (m.wireformat !== 'mls_key_package') throw invalid('not a KeyPackage');
  return leafIdentity(m.keyPackage.leafNode);
}
