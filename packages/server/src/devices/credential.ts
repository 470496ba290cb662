/**
 * Conclave's MLS credential convention (BasicCredential, RFC 9420 §5.3): the
 * identity is the UTF-8 string `conclave:1:<userId>:<deviceId>`. The client has
 * its own copy of this parser; the server never imports client code.
 * Ids are `[A-Za-z0-9_-]{1,64}`, so `:` separates them unambiguously.
 */

const PREFIX = 'conclave:1:';
const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The credential identity bytes of a device. */
export function credentialIdentity(userId: string, deviceId: string): Uint8Array {
  return new TextEncoder().encode(`${PREFIX}${userId}:${deviceId}`);
}

/** The user and device a credential identity names, or undefined when it is not a Conclave identity. */
export function parseCredentialIdentity(identity: Uint8Array): { userId: string; deviceId: string } | undefined {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(identity);
  } catch {
    return undefined;
  }
  if (!text.startsWith(PREFIX)) return undefined;
  const parts = text.slice(PREFIX.length).split(':');
  if (parts.length !== 2) return undefined;
  const [userId, deviceId] = parts as [string, string];
  return ID.test(userId) && ID.test(deviceId) ? { userId, deviceId } : undefined;
}

/** True when a leaf (credential identity + signature key) is exactly this device with its registered key. */
export function leafIsDevice(
  leaf: { identity: Uint8Array | undefined; signatureKey: Uint8Array },
  device: { userId: string; deviceId: string; signatureKey: string | null },
): boolean {
  if (leaf.identity === undefined || device.signatureKey === null) return false;
  const named = parseCredentialIdentity(leaf.identity);
  return (
    named !== undefined &&
    named.userId === device.userId &&
    named.deviceId === device.deviceId &&
    Buffer.from(leaf.signatureKey).toString('base64') === device.signatureKey
  );
}
