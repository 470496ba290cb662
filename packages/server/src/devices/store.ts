/** A device as the directory shows it. Times in ms since the epoch. */
export interface DeviceRecord {
  id: string;
  userId: string;
  name: string;
  /** Base64 of the Ed25519 signature key; null for a device that has not logged in since E2EE. */
  signatureKey: string | null;
  createdAt: number;
}

/** How many KeyPackages of one device the server holds. */
export interface KeyPackageStock {
  /** One-time KeyPackages left. */
  count: number;
  hasLastResort: boolean;
}

/** One device's share of a claim: a KeyPackage (MLSMessage bytes), or none when it has none left. */
export interface ClaimedKeyPackage {
  device: DeviceRecord & { signatureKey: string };
  keyPackage: Uint8Array | undefined;
  /** One-time KeyPackages the device has left, when this claim took one of them. */
  oneTimeLeft?: number;
}

/** Persistence of the device directory and the KeyPackage store. Implemented per SQL dialect. */
export interface DeviceStore {
  findDevice(id: string): Promise<DeviceRecord | undefined>;
  /** The user's devices that have a signature key, oldest first. */
  listDevices(userId: string): Promise<Array<DeviceRecord & { signatureKey: string }>>;
  stock(deviceId: string): Promise<KeyPackageStock>;
  /**
   * Adds one-time KeyPackages and, when given, replaces the last-resort one (one transaction).
   * @throws ServiceError KEY_PACKAGES_FULL when the device would hold more than `maxOneTime` one-time ones (nothing is stored)
   */
  addKeyPackages(deviceId: string, oneTime: Uint8Array[], lastResort: Uint8Array | undefined, maxOneTime: number, now: number): Promise<KeyPackageStock>;
  /**
   * For every device with a signature key of each user except `exceptDeviceId`:
   * takes (deletes) its oldest one-time KeyPackage, else hands out (keeps) its
   * last-resort one; devices in `lastResortOnly` give only their last-resort one.
   * One transaction, so two claims never get the same one-time KeyPackage.
   */
  claimKeyPackages(userIds: string[], exceptDeviceId: string, lastResortOnly?: ReadonlySet<string>): Promise<ClaimedKeyPackage[]>;
}
