import { ACCOUNT_RULES, asDeviceId, asUserId, type DeviceId, type UserInfo } from '@conclave/protocol';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { ServiceError } from '../errors.js';
import { newId } from '../ids.js';
import type { LoginLimits, SettingsService } from '../settings/service.js';
import { assertAcceptablePassword, dummyPasswordHash, hashPassword, verifyPassword } from './passwords.js';
import type { AccountStore, DeviceRecord, UserRecord } from './store.js';
import { hashSecret, newHumanCode, newSessionToken, normalizeHumanCode } from './tokens.js';

/** Session lifetimes, in ms. */
export const SESSION_IDLE_MS = 30 * 24 * 3600_000;
export const SESSION_ABSOLUTE_MS = 180 * 24 * 3600_000;
/** Lifetime of the admin setup code, in ms. */
const SETUP_CODE_MS = 7 * 24 * 3600_000;

/** An authenticated principal: who and on which device. */
export interface Principal {
  user: UserInfo;
  deviceId: DeviceId;
  /** SHA-256 of the session token (to revoke it on logout); never the token. */
  tokenHash: string;
  expiresAt: number;
}

/** The device a client logs in with; `signatureKey` is base64 of its Ed25519 MLS signature key. */
export interface DeviceLogin {
  id?: string | undefined;
  name: string;
  signatureKey: string;
}

/** Called after a new user row exists (adds them to `#general`). */
export type UserCreatedHook = (userId: string) => Promise<void>;

const userInfo = (u: UserRecord): UserInfo => ({ userId: asUserId(u.id), username: u.username, role: u.role });

/**
 * Accounts and sessions: registration (invite / setup code / open policy),
 * login with Argon2id and rate limits, token sessions with idle and absolute
 * expiry. Wrong user and wrong password give the same error and cost the same.
 */
export class AccountService {
  /** Failed-login counters per address and per account name (existing or not), by window length in ms (a setting). */
  private readonly limiters = new Map<number, { byAddress: RateLimiterMemory; byAccount: RateLimiterMemory }>();

  constructor(
    private readonly store: AccountStore,
    private readonly settings: SettingsService,
    private readonly onUserCreated: UserCreatedHook,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Creates an account. With `code`, the code's role applies (the setup code
   * makes an admin); without, the registration policy must be `open`.
   * @throws ServiceError USERNAME_INVALID, PASSWORD_WEAK, REGISTRATION_CLOSED, INVITE_INVALID, USERNAME_TAKEN
   */
  async register(input: { username: string; password: string; code?: string | undefined; address: string }): Promise<UserInfo> {
    await this.checkThrottle(input.address, null);
    const policy = await this.settings.registrationPolicy();
    // `closed`: only admins add users (the setup code still makes the first admin).
    if (input.code === undefined ? policy !== 'open' : policy === 'closed' && (await this.store.countAdmins()) > 0) {
      throw new ServiceError('CONCLAVE_ERR_REGISTRATION_CLOSED');
    }
    const inviteHash = input.code === undefined ? null : hashSecret(normalizeHumanCode(input.code));
    try {
      return await this.createUser({ username: input.username, password: input.password, role: 'member', inviteHash });
    } catch (err) {
      if (err instanceof ServiceError && err.code === 'CONCLAVE_ERR_INVITE_INVALID') {
        await (await this.limiterPair()).byAddress.penalty(input.address, 1);
      }
      throw err;
    }
  }

  /**
   * Creates a user directly (shell `admin add-user`, or after a code was checked).
   * @throws ServiceError USERNAME_INVALID, PASSWORD_WEAK, USERNAME_TAKEN, INVITE_INVALID
   */
  async createUser(input: {
    username: string;
    password: string;
    role: 'admin' | 'member';
    inviteHash?: string | null;
  }): Promise<UserInfo> {
    if (!ACCOUNT_RULES.usernamePattern.test(input.username)) throw new ServiceError('CONCLAVE_ERR_USERNAME_INVALID');
    assertAcceptablePassword(input.password);
    const key = input.username.toLowerCase();
    if (await this.store.findUserByKey(key)) throw new ServiceError('CONCLAVE_ERR_USERNAME_TAKEN');
    const record: UserRecord = {
      id: newId(),
      username: input.username,
      usernameKey: key,
      passwordHash: await hashPassword(input.password),
      role: input.role,
      createdAt: this.now(),
      deletedAt: null,
    };
    record.role = await this.store.insertUser(record, input.inviteHash ?? null, this.now());
    await this.onUserCreated(record.id);
    return userInfo(record);
  }

  /**
   * Checks a password and opens a session for the device (creating the device when new).
   * @returns the principal and the new session token (to hand to the client once).
   * @throws ServiceError BAD_CREDENTIALS, LOGIN_THROTTLED
   */
  async login(input: {
    username: string;
    password: string;
    device: DeviceLogin;
    address: string;
  }): Promise<{ principal: Principal; token: string }> {
    const key = input.username.toLowerCase();
    await this.checkThrottle(input.address, key);
    const user = await this.store.findUserByKey(key);
    const active = user?.deletedAt === null ? user : undefined;
    // A deleted account costs the same as a wrong password (its hash is unusable: checked against the dummy).
    const ok = await verifyPassword(active?.passwordHash ?? (await dummyPasswordHash()), input.password);
    const { byAddress, byAccount } = await this.limiterPair();
    if (!active || !ok) {
      await Promise.all([byAddress.penalty(input.address, 1), byAccount.penalty(key, 1)]);
      throw new ServiceError('CONCLAVE_ERR_BAD_CREDENTIALS');
    }
    await byAccount.delete(key);
    return this.openSession(active, input.device);
  }

  /**
   * Opens a session for a user just registered on this connection.
   * @throws ServiceError INTERNAL when the user vanished meanwhile
   */
  async sessionFor(userId: string, device: DeviceLogin): Promise<{ principal: Principal; token: string }> {
    const user = await this.store.findUserById(userId);
    if (!user) throw new ServiceError('CONCLAVE_ERR_INTERNAL', 'user vanished after registration');
    return this.openSession(user, device);
  }

  /**
   * Resumes a session from its token, sliding the idle expiry.
   * @throws ServiceError SESSION_INVALID (unknown, revoked, idle or absolutely expired)
   */
  async authenticate(token: string, address: string): Promise<Principal> {
    await this.checkThrottle(address, null);
    const tokenHash = hashSecret(token);
    const session = await this.store.findSession(tokenHash);
    const now = this.now();
    if (!session || session.expiresAt <= now || session.lastUsedAt + SESSION_IDLE_MS <= now) {
      if (session) await this.store.deleteSession(tokenHash);
      await (await this.limiterPair()).byAddress.penalty(address, 1);
      throw new ServiceError('CONCLAVE_ERR_SESSION_INVALID');
    }
    const user = await this.store.findUserById(session.userId);
    if (!user || user.deletedAt !== null) throw new ServiceError('CONCLAVE_ERR_SESSION_INVALID');
    await this.store.touchSession(tokenHash, now);
    await this.store.touchDevice(session.deviceId, now);
    return { user: userInfo(user), deviceId: asDeviceId(session.deviceId), tokenHash, expiresAt: session.expiresAt };
  }

  /**
   * A user who exists and is not deleted, by name (any case).
   * @throws ServiceError NO_SUCH_USER
   */
  async activeUser(username: string): Promise<UserRecord> {
    const user = await this.store.findUserByKey(username.replace(/^@/, '').toLowerCase());
    if (!user || user.deletedAt !== null) throw new ServiceError('CONCLAVE_ERR_NO_SUCH_USER');
    return user;
  }

  /**
   * Sets a new password and ends every session of the user (shell recovery).
   * @returns how many sessions were ended.
   * @throws ServiceError NO_SUCH_USER, PASSWORD_WEAK
   */
  async resetPassword(username: string, password: string): Promise<{ user: UserInfo; sessions: number }> {
    const user = await this.activeUser(username);
    assertAcceptablePassword(password);
    await this.store.setPasswordHash(user.id, await hashPassword(password));
    const sessions = await this.store.deleteSessionsOf(user.id);
    return { user: userInfo(user), sessions };
  }

  /** Records that a device was connected until now (its last-seen time, for `/listusers`). Never throws. */
  async seen(deviceId: string): Promise<void> {
    await this.store.touchDevice(deviceId, this.now()).catch(() => undefined);
  }

  /** Revokes a session (logout). */
  async logout(tokenHash: string): Promise<void> {
    await this.store.deleteSession(tokenHash);
  }

  /**
   * How accounts are created now (sent in the server's `hello`): the policy,
   * and whether the setup code is still waiting for the first admin.
   */
  async registrationInfo(): Promise<{ policy: 'invite' | 'open' | 'closed'; setupPending: boolean }> {
    const [policy, admins] = await Promise.all([this.settings.registrationPolicy(), this.store.countAdmins()]);
    return { policy, setupPending: admins === 0 };
  }

  /**
   * While no admin exists, replaces any earlier setup code with a fresh one.
   * @returns the code to print, or null when an admin already exists.
   */
  async ensureSetupCode(): Promise<string | null> {
    if ((await this.store.countAdmins()) > 0) return null;
    await this.store.deleteUnusedInvites('setup');
    const code = newHumanCode();
    const now = this.now();
    await this.store.insertInvite({
      codeHash: hashSecret(code),
      role: 'admin',
      kind: 'setup',
      createdBy: null,
      createdAt: now,
      expiresAt: now + SETUP_CODE_MS,
    });
    return code;
  }

  /**
   * Creates a single-use member invite code.
   * @param hours validity, 1 minute to 720 hours
   * @throws ServiceError FORBIDDEN when `by` is not an admin
   */
  async createInvite(by: UserInfo, hours: number): Promise<{ code: string; expiresAt: number }> {
    // The stored role, not the session's copy: a demotion takes effect at once.
    const fresh = await this.store.findUserById(by.userId);
    if (fresh?.role !== 'admin' || fresh.deletedAt !== null) throw new ServiceError('CONCLAVE_ERR_FORBIDDEN', 'invite');
    const code = newHumanCode();
    const now = this.now();
    const expiresAt = now + Math.round(hours * 3600_000);
    await this.store.insertInvite({ codeHash: hashSecret(code), role: 'member', kind: 'invite', createdBy: by.userId, createdAt: now, expiresAt });
    return { code, expiresAt };
  }

  /**
   * Whether a device has a live connection now, for the device cap (set by the
   * running server from its presence hub). Until set, every device counts as
   * connected: a new device over the cap is refused rather than one pruned.
   */
  private isDeviceConnected: (deviceId: string) => boolean = () => true;

  /** Tells the service which devices are connected now (the running server's presence hub). */
  useDeviceLiveness(isConnected: (deviceId: string) => boolean): void {
    this.isDeviceConnected = isConnected;
  }

  /**
   * Opens a session on the named device when it is this user's and has the
   * same signature key (or none yet: it is recorded). Otherwise a new device
   * is created: a reinstalled client with new keys is a new device, and a
   * device's key never changes (members pinned it, RFC 9750 §4). A user has at
   * most `max_devices_per_user` devices: at the cap a new one replaces their
   * longest-unseen device that is not connected (it was most likely
   * reinstalled or lost, and ARCHITECTURE.md prunes idle devices); when every
   * one is connected the login is refused with TOO_MANY_DEVICES.
   * @throws ServiceError TOO_MANY_DEVICES
   */
  private async openSession(user: UserRecord, device: DeviceLogin): Promise<{ principal: Principal; token: string }> {
    const now = this.now();
    // Canonical base64, so a key compares equal to the bytes in a leaf however the client padded it.
    const signatureKey = Buffer.from(device.signatureKey, 'base64').toString('base64');
    const known = device.id === undefined ? undefined : await this.store.findDevice(device.id);
    let deviceId: string;
    if (known && known.userId === user.id && (await this.deviceKeyMatches(known, signatureKey))) {
      deviceId = known.id;
      await this.store.touchDevice(deviceId, now);
    } else {
      deviceId = newId();
      const cap = { max: await this.settings.maxDevicesPerUser(), isConnected: this.isDeviceConnected };
      await this.store.insertDevice({ id: deviceId, userId: user.id, name: device.name, signatureKey }, now, cap);
    }
    const token = newSessionToken();
    const tokenHash = hashSecret(token);
    const expiresAt = now + SESSION_ABSOLUTE_MS;
    await this.store.insertSession({ tokenHash, userId: user.id, deviceId, lastUsedAt: now, expiresAt }, now);
    return { principal: { user: userInfo(user), deviceId: asDeviceId(deviceId), tokenHash, expiresAt }, token };
  }

  /** True when the device's key is `signatureKey`, recording it when the device has none yet. */
  private async deviceKeyMatches(device: DeviceRecord, signatureKey: string): Promise<boolean> {
    if (device.signatureKey !== null) return device.signatureKey === signatureKey;
    if (await this.store.setSignatureKey(device.id, signatureKey)) return true;
    // Another login recorded a key meanwhile.
    return (await this.store.findDevice(device.id))?.signatureKey === signatureKey;
  }

  private async checkThrottle(address: string, accountKey: string | null): Promise<void> {
    const limits = await this.settings.loginLimits();
    const { byAddress, byAccount } = await this.limiterPair(limits);
    const [fromAddress, forAccount] = await Promise.all([byAddress.get(address), accountKey === null ? null : byAccount.get(accountKey)]);
    const exhausted = (r: { consumedPoints: number } | null, points: number) => r !== null && r.consumedPoints >= points;
    if (exhausted(fromAddress, limits.perAddress) || exhausted(forAccount, limits.perAccount)) {
      throw new ServiceError('CONCLAVE_ERR_LOGIN_THROTTLED');
    }
  }

  /** The failure counters for the window in force (the limits are compared in `checkThrottle`). */
  private async limiterPair(limits?: LoginLimits): Promise<{ byAddress: RateLimiterMemory; byAccount: RateLimiterMemory }> {
    const windowMs = (limits ?? (await this.settings.loginLimits())).windowMs;
    let pair = this.limiters.get(windowMs);
    if (!pair) {
      // Points are only counted here (penalty never refuses); the settings decide when enough is enough.
      const options = { points: Number.MAX_SAFE_INTEGER, duration: Math.ceil(windowMs / 1000) };
      pair = { byAddress: new RateLimiterMemory(options), byAccount: new RateLimiterMemory(options) };
      this.limiters.set(windowMs, pair);
    }
    return pair;
  }
}
