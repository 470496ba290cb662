import { asDeviceId, asUserId, type DeviceId, type UserId } from './ids.js';

/**
 * Conclave's MLS credential convention, the one encoder and decoder every
 * party uses (clients building and validating leaves, the server checking
 * KeyPackages and external joiners): a BasicCredential (RFC 9420 §5.3) whose
 * identity is the UTF-8 string `conclave:1:<userId>:<deviceId>`. Ids are
 * `[A-Za-z0-9_-]{1,64}`, so `:` separates them unambiguously. Two parties
 * parsing the same bytes differently would fork group validation, hence one
 * implementation here.
 */

/** The prefix naming the convention and its version. */
export const CREDENTIAL_PREFIX = 'conclave:1:';

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The user and device a leaf's credential names. */
export interface CredentialOwner {
  userId: UserId;
  deviceId: DeviceId;
}

/**
 * The BasicCredential identity bytes of a device.
 * @throws Error when an id is not `[A-Za-z0-9_-]{1,64}` (it could not be parsed back).
 */
export function encodeCredentialIdentity(owner: CredentialOwner): Uint8Array {
  if (!ID.test(owner.userId) || !ID.test(owner.deviceId)) throw new Error('credential: ids must be [A-Za-z0-9_-]{1,64}');
  return encoder.encode(`${CREDENTIAL_PREFIX}${owner.userId}:${owner.deviceId}`);
}

/** The owner a credential identity names, or undefined when the bytes are not a Conclave identity (never throws). */
export function decodeCredentialIdentity(identity: Uint8Array): CredentialOwner | undefined {
  let text: string;
  try {
    text = decoder.decode(identity);
  } catch {
    return undefined;
  }
  if (!text.startsWith(CREDENTIAL_PREFIX)) return undefined;
  const parts = text.slice(CREDENTIAL_PREFIX.length).split(':');
  if (parts.length !== 2) return undefined;
  const [userId, deviceId] = parts as [string, string];
  return ID.test(userId) && ID.test(deviceId) ? { userId: asUserId(userId), deviceId: asDeviceId(deviceId) } : undefined;
}
