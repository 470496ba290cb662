import { asDeviceId, asUserId, LIMITS, type DeviceEntry, type DeviceId, type UserId } from '@conclave/protocol';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { memoryLimiters, type LimiterFactory } from '../cluster/limiters.js';
import type { Principal } from '../accounts/service.js';
import type { AccountStore } from '../accounts/store.js';
import { ServiceError } from '../errors.js';
import { parseKeyPackage } from '../mls/framing.js';
import { leafIsDevice } from './credential.js';
import type { DeviceRecord, DeviceStore, KeyPackageStock } from './store.js';

const entryOf = (d: DeviceRecord & { signatureKey: string }): DeviceEntry => ({
  deviceId: asDeviceId(d.id),
  name: d.name,
  signatureKey: d.signatureKey,
  createdAt: d.createdAt,
});

/** A claimed device with its KeyPackage (base64 MLSMessage), as the `key_packages` frame carries it. */
export type ClaimedEntry = DeviceEntry & { userId: UserId; keyPackage?: string };

/**
 * The device directory (what the Authentication Service vouches for: each
 * device's signature key, RFC 9750 §4) and the KeyPackage store (RFC 9420 §10;
 * RFC 9750 §5.1). A KeyPackage is accepted only when its leaf credential names
 * the publishing user and device and its signature key is the device's
 * registered one, so the server never hands out a KeyPackage under someone
 * else's name. Signatures are checked by the members who use them.
 */
export class DeviceService {
  /**
   * One-time KeyPackages handed out per (claiming user, target device) within
   * `LIMITS.keyPackageClaimWindowMs` (in this process, or the cluster's Redis). Past
   * `LIMITS.keyPackageClaimsPerTargetDevice` the claimer gets the last-resort one.
   */
  private readonly claims: RateLimiterAbstract;

  constructor(
    private readonly store: DeviceStore,
    private readonly accounts: AccountStore,
    private readonly now: () => number = Date.now,
    /** Where claims are counted (default: this process's memory; Redis in a cluster). */
    limiters: LimiterFactory = memoryLimiters,
  ) {
    this.claims = limiters('key-package-claims', {
      points: LIMITS.keyPackageClaimsPerTargetDevice,
      duration: Math.ceil(LIMITS.keyPackageClaimWindowMs / 1000),
    });
  }

  /**
   * Stores the device's KeyPackages (base64 MLSMessages); an empty publish just reports the stock.
   * @throws ServiceError MLS_TOO_LARGE (one is over `LIMITS.maxKeyPackageBytes`), MLS_INVALID (malformed),
   *   DEVICE_KEY_MISMATCH (another credential or key, or the device has no key),
   *   KEY_PACKAGES_FULL (over `LIMITS.maxKeyPackagesPerDevice`); nothing is stored on refusal
   */
  async publish(by: Principal, input: { keyPackages: string[]; lastResort?: string | undefined }): Promise<KeyPackageStock> {
    if (input.keyPackages.length === 0 && input.lastResort === undefined) return this.store.stock(by.deviceId);
    const device = await this.store.findDevice(by.deviceId);
    if (!device || device.signatureKey === null) throw new ServiceError('CONCLAVE_ERR_DEVICE_KEY_MISMATCH', 'device has no key');
    const check = (b64: string): Uint8Array => {
      const bytes = Buffer.from(b64, 'base64');
      if (bytes.length > LIMITS.maxKeyPackageBytes) {
        throw new ServiceError('CONCLAVE_ERR_MLS_TOO_LARGE', `key package of ${bytes.length} bytes`);
      }
      const leaf = parseKeyPackage(bytes);
      if (!leafIsDevice(leaf, { userId: device.userId, deviceId: device.id, signatureKey: device.signatureKey })) {
        throw new ServiceError('CONCLAVE_ERR_DEVICE_KEY_MISMATCH', 'key package of another device');
      }
      return bytes;
    };
    const oneTime = input.keyPackages.map(check);
    const lastResort = input.lastResort === undefined ? undefined : check(input.lastResort);
    return this.store.addKeyPackages(device.id, oneTime, lastResort, LIMITS.maxKeyPackagesPerDevice, this.now());
  }

  /**
   * Claims one KeyPackage of every device (with a key) of each user, except the requesting device.
   * A user gets at most `LIMITS.keyPackageClaimsPerTargetDevice` one-time KeyPackages of one
   * device of another user per `LIMITS.keyPackageClaimWindowMs`; past that, the device's last-resort one
   * (RFC 9420 §16.8), or none when it has none, so one member cannot drain another's stock.
   * @returns the entries, and the devices this claim left with fewer than
   *   `LIMITS.keyPackageLowWater` one-time KeyPackages (to be told to upload more).
   * @throws ServiceError NO_SUCH_USER when a user does not exist
   */
  async claim(by: Principal, userIds: UserId[]): Promise<{ entries: ClaimedEntry[]; low: Array<{ deviceId: string; count: number }> }> {
    const unique = [...new Set<string>(userIds)];
    const lastResortOnly = new Set<string>();
    for (const userId of unique) {
      if (!(await this.accounts.findUserById(userId))) throw new ServiceError('CONCLAVE_ERR_NO_SUCH_USER');
      // A user's own devices are not limited: each DM they open claims them once, and draining one's own stock harms no one else.
      if (userId === by.user.userId) continue;
      for (const device of await this.store.listDevices(userId)) {
        if (!(await this.mayClaimOneTime(by.user.userId, device.id))) lastResortOnly.add(device.id);
      }
    }
    const claimed = await this.store.claimKeyPackages(unique, by.deviceId, lastResortOnly);
    const entries = claimed.map(({ device, keyPackage }) => ({
      ...entryOf(device),
      userId: asUserId(device.userId),
      ...(keyPackage ? { keyPackage: Buffer.from(keyPackage).toString('base64') } : {}),
    }));
    const low = claimed.flatMap(({ device, oneTimeLeft }) =>
      oneTimeLeft !== undefined && oneTimeLeft < LIMITS.keyPackageLowWater ? [{ deviceId: device.id, count: oneTimeLeft }] : [],
    );
    return { entries, low };
  }

  /**
   * A user's devices that have signature keys.
   * @throws ServiceError NO_SUCH_USER
   */
  async list(userId: UserId): Promise<{ username: string; devices: DeviceEntry[] }> {
    const user = await this.accounts.findUserById(userId);
    if (!user) throw new ServiceError('CONCLAVE_ERR_NO_SUCH_USER');
    return { username: user.username, devices: (await this.store.listDevices(userId)).map(entryOf) };
  }

  /** Counts one claim of `deviceId`'s one-time KeyPackages by `claimerUserId`; false when over the limit. */
  private async mayClaimOneTime(claimerUserId: string, deviceId: string): Promise<boolean> {
    try {
      await this.claims.consume(`${claimerUserId}:${deviceId}`);
      return true;
    } catch (err) {
      if (err instanceof RateLimiterRes) return false; // the points of this window are used up
      throw err;
    }
  }

  /** The device, for checks in other areas (credential of an external joiner, added devices). */
  findDevice(deviceId: DeviceId | string): Promise<DeviceRecord | undefined> {
    return this.store.findDevice(deviceId);
  }
}
