import { asDeviceId, asUserId } from '@conclave/protocol';
import type { KeyPackageWithKeys } from '../../src/mls/group.js';
import { generateSignatureKeyPair, type LeafOwner } from '../../src/mls/identity.js';
import { generateKeyPackage } from '../../src/mls/keypackages.js';

/** A leaf owner (user and device) for in-process MLS tests. */
export const owner = (user: string, device: string): LeafOwner => ({ userId: asUserId(user), deviceId: asDeviceId(device) });

/** A fresh KeyPackage of `who`, with a new signature key pair, as a new device makes it. */
export async function keyPackageOf(who: LeafOwner): Promise<KeyPackageWithKeys> {
  return generateKeyPackage(who, await generateSignatureKeyPair());
}
