// The message codec only: the package's index loads all of ts-mls's crypto too (~90 ms at every server start).
import { decodeMlsMessage, type MLSMessage } from 'ts-mls/message.js';
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
 * How a GroupInfo carries the external public key (RFC 9420 §12.4.3.2):
 * `rfc` — `opaque HPKEPublicKey<V>`, the key with its own length prefix;
 * `bare` — the key without it, as ts-mls up to 1.6.4 wrote it (no other
 * implementation reads it); `absent` — no `external_pub` extension (no
 * external joins). Anything else is refused as invalid.
 */
export type ExternalPubForm = 'rfc' | 'bare' | 'absent';

/** HPKE public key length (Npk, RFC 9180 §7.1) of each KEM in the cipher suite names of RFC 9420 §17.1. */
const HPKE_PUBLIC_KEY_BYTES: ReadonlyArray<[RegExp, number]> = [
  [/DHKEMX25519/, 32],
  [/DHKEMX448/, 56],
  [/DHKEMP256/, 65],
  [/DHKEMP384/, 97],
  [/DHKEMP521/, 133],
];

/** A variable-length vector header (RFC 9420 §2.1.2): its length and header size; undefined when malformed. */
function varintHeader(data: Uint8Array): { length: number; headerBytes: number } | undefined {
  const first = data[0];
  if (first === undefined) return undefined;
  const headerBytes = [1, 2, 4][first >> 6];
  if (headerBytes === undefined || data.length < headerBytes) return undefined;
  let length = first & 0x3f;
  for (let i = 1; i < headerBytes; i++) length = length * 256 + data[i]!;
  return { length, headerBytes };
}

/** @throws ServiceError MLS_INVALID when the extension data is neither form for the suite's KEM. */
function externalPubForm(extensions: Array<{ extensionType: unknown; extensionData: Uint8Array }>, cipherSuite: unknown): ExternalPubForm {
  const extension = extensions.find((e) => e.extensionType === 'external_pub');
  if (extension === undefined) return 'absent';
  const data = extension.extensionData;
  const keyBytes = HPKE_PUBLIC_KEY_BYTES.find(([kem]) => kem.test(String(cipherSuite)))?.[1];
  const header = varintHeader(data);
  const rfc = header !== undefined && header.headerBytes + header.length === data.length;
  if (keyBytes === undefined) {
    if (rfc) return 'rfc';
  } else {
    if (rfc && header.length === keyBytes) return 'rfc';
    if (data.length === keyBytes) return 'bare';
  }
  throw invalid('external_pub is not an HPKE public key of the group\'s cipher suite');
}

/**
 * A GroupInfo (RFC 9420 §12.4.3) of the conversation's group.
 * @returns the epoch it describes and the form of its `external_pub`.
 * @throws ServiceError MLS_INVALID
 */
export function parseGroupInfo(bytes: Uint8Array, conversationId: string): { epoch: number; externalPub: ExternalPubForm } {
  const m = decodeMls(bytes);
  if (m.wireformat !== 'mls_group_info') throw invalid('not a GroupInfo');
  const { groupContext, extensions } = m.groupInfo;
  checkGroup(groupContext.groupId, conversationId);
  return { epoch: epochNumber(groupContext.epoch), externalPub: externalPubForm(extensions, groupContext.cipherSuite) };
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
