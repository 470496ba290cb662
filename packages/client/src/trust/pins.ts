import type { DeviceId, UserId } from '@conclave/protocol';
import { base64ToBytes, bytesToBase64 } from '../body.js';
import type { ClientStore } from '../store/store.js';

const RECORD = 'pins';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A pinned device key of a contact (or of one's own other devices). */
export interface PinnedDevice {
  /** Ed25519 signature key, base64. */
  key: string;
  /** When first seen, ms since the Unix epoch. */
  firstSeen: number;
  /** The user confirmed a safety number covering this key. */
  verified: boolean;
  /** How it was first seen: with the user's first contact, as a later new device, or replacing a key. */
  origin?: 'first-contact' | 'new-device' | 'changed-key';
}

interface PinnedUser {
  username: string;
  devices: Record<string, PinnedDevice>;
}

/**
 * What seeing a device key meant:
 * `known` — pinned before, same key; `first-contact` — the first device seen
 * of this user; `new-device` — another device of a user already known;
 * `changed-key` — a pinned device now shows a different key (loud warning).
 */
export type Observation = 'known' | 'first-contact' | 'new-device' | 'changed-key';

/**
 * Trust on first use per contact device (record `pins`): the first key seen
 * for a (user, device) is pinned; later sightings are compared with it.
 * Verification (a confirmed safety number) marks the pinned keys verified;
 * a device added later is unverified until the next confirmation.
 */
export class TrustStore {
  private constructor(
    private readonly store: ClientStore,
    private readonly users: Map<string, PinnedUser>,
    private readonly now: () => number,
  ) {}

  /** Called after every saved change of the pins (a key pinned, replaced or verified). */
  onChange: (() => void) | null = null;

  /** The users with at least one pinned device. */
  userIds(): UserId[] {
    return [...this.users.keys()] as UserId[];
  }

  static async load(store: ClientStore, now: () => number = Date.now): Promise<TrustStore> {
    const bytes = await store.loadRecord(RECORD);
    const users = new Map<string, PinnedUser>(bytes === null ? [] : Object.entries(JSON.parse(decoder.decode(bytes)) as Record<string, PinnedUser>));
    return new TrustStore(store, users, now);
  }

  /** Compares a device key with the pins and pins it when new (saved before returning). */
  async observe(owner: { userId: UserId; deviceId: DeviceId }, username: string, key: Uint8Array): Promise<Observation> {
    const b64 = bytesToBase64(key);
    let user = this.users.get(owner.userId);
    const firstOfUser = user === undefined || Object.keys(user.devices).length === 0;
    if (user === undefined) this.users.set(owner.userId, (user = { username, devices: {} }));
    user.username = username;
    const pinned = user.devices[owner.deviceId];
    if (pinned !== undefined && pinned.key === b64) return 'known';
    const origin: Observation = pinned !== undefined ? 'changed-key' : firstOfUser ? 'first-contact' : 'new-device';
    user.devices[owner.deviceId] = { key: b64, firstSeen: this.now(), verified: false, origin };
    await this.save();
    return origin;
  }

  /** The pinned devices of a user. */
  devicesOf(userId: UserId): Array<PinnedDevice & { deviceId: DeviceId; keyBytes: Uint8Array }> {
    const user = this.users.get(userId);
    if (user === undefined) return [];
    return Object.entries(user.devices).map(([deviceId, d]) => ({ ...d, deviceId: deviceId as DeviceId, keyBytes: base64ToBytes(d.key) }));
  }

  /** True when every pinned device of the user is verified (and there is at least one). */
  isVerified(userId: UserId): boolean {
    const devices = this.devicesOf(userId);
    return devices.length > 0 && devices.every((d) => d.verified);
  }

  /** True when this exact key of the device is pinned and verified. */
  isDeviceVerified(owner: { userId: UserId; deviceId: DeviceId }, key: Uint8Array): boolean {
    const d = this.users.get(owner.userId)?.devices[owner.deviceId];
    return d !== undefined && d.verified && d.key === bytesToBase64(key);
  }

  /**
   * The mark a message from this device deserves: `changed-key` or
   * `new-device` while an unverified device that appeared after first
   * contact (or changed its key) speaks; undefined otherwise.
   */
  markFor(owner: { userId: UserId; deviceId: DeviceId }): 'new-device' | 'changed-key' | undefined {
    const d = this.users.get(owner.userId)?.devices[owner.deviceId];
    if (d === undefined || d.verified) return undefined;
    return d.origin === 'changed-key' ? 'changed-key' : d.origin === 'new-device' ? 'new-device' : undefined;
  }

  /** Marks the given device keys of a user verified (after the user confirmed the safety number); pins them if new. */
  async markVerified(userId: UserId, username: string, devices: Array<{ deviceId: DeviceId; key: Uint8Array }>): Promise<void> {
    let user = this.users.get(userId);
    if (user === undefined) this.users.set(userId, (user = { username, devices: {} }));
    for (const d of devices) user.devices[d.deviceId] = {
        key: bytesToBase64(d.key),
        firstSeen: user.devices[d.deviceId]?.firstSeen ?? this.now(),
        verified: true,
        origin: user.devices[d.deviceId]?.origin ?? 'first-contact',
      };
    await this.save();
  }

  private async save(): Promise<void> {
    await this.store.saveRecord(RECORD, encoder.encode(JSON.stringify(Object.fromEntries(this.users))));
    this.onChange?.();
  }
}
