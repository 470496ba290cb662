/**
 * The pure MLS steps of the client core (RFC 9420 via ts-mls), for tools
 * and benchmarks; applications use `ConclaveClient`, which drives them.
 */
export { CIPHER_SUITE, cipherSuite } from './suite.js';
export { credentialFor, parseCredential, generateSignatureKeyPair, type LeafOwner, type SignatureKeyPair } from './identity.js';
export {
  commitChanges,
  createGroupState,
  decodeMessage,
  decodeState,
  encodeState,
  encryptMessage,
  epochOf,
  groupInfoOf,
  joinExternally,
  joinFromWelcome,
  membersOf,
  processEntry,
  toPortable,
  fromPortable,
  type PortableState,
  type KeyPackageWithKeys,
  type Member,
  type Processed,
} from './group.js';
export { encodeKeyPackage, generateKeyPackage } from './keypackages.js';
export { encodeText, decodeText } from './content.js';
