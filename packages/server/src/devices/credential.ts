import { decodeCredentialIdentity } from '@conclave/protocol';

/**
 * The server's use of Conclave's MLS credential convention (BasicCredential
 * identity `conclave:1:<userId>:<deviceId>`, RFC 9420 §5.3). The format
 * itself — encoder and decoder — lives in `@conclave/protocol`
 * (`credential.ts`), shared with every client.
 */

/** True when a leaf (credential identity + signature key) is exactly this device with its registered key. */
export function leafIsDevice(
  leaf: { identity: Uint8Array | undefined; signatureKey: Uint8Array },
  device: { userId: string; deviceId: string; signatureKey: string | null },
): boolean {
  if (leaf.identity === undefined || device.signatureKey === null) return false;
  const named = decodeCredentialIdentity(leaf.identity);
  return (
    named !== undefined &&
    named.userId === device.userId &&
    named.deviceId === device.deviceId &&
    Buffer.from(leaf.signatureKey).toString('base64') === device.signatureKey
  );
}
