import { ACCOUNT_RULES, asDeviceId, asUserId, type DeviceId, type UserInfo } from '@conclave/protocol';
import type { SharedSetupCode } from '../cluster/identity.js';
import { memoryLimiters, type LimiterFactory } from '../cluster/limiters.js';
import { ServiceError } from '../errors.js';
import { newId } from '../ids.js';
import type { SettingsService } from '../settings/service.js';
import { assertAcceptablePassword, dummyPasswordHash, hashPassword, verifyPassword } from './passwords.js';
import type { AccountStore, DeviceRecord, UserRecord } from './store.js';
import { LoginThrottle } from './throttle.js';
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
 * expiry. Wrong user and wrong password give the same error and cost the same;
 * so do an existing and a new name with a wrong invite code. Every password or
 * code check is reserved in `LoginThrottle` before it is made.
 */
export class AccountService {
  /** Password-guess counters (per account and address, per address, per account). */
  private readonly throttle: LoginThrottle;

  constructor(
    private readonly store: AccountStore,
    private readonly settings: SettingsService,
    private readonly onUserCreated: UserCreatedHook,
    private readonly now: () => number = Date.now,
    /** Where the login throttle counts (default: this process's memory; Redis in a cluster). */
    limiters: LimiterFactory = memoryLimiters,
  ) {
    this.throttle = new LoginThrottle(() => settings.loginLimits(), limiters);
  }

  /**
   * Creates an account. With `code`, the code's role applies (the setup code
   * makes an admin); without, the registration policy must be `open`. The
   * code is checked before the name, so a wrong code answers INVITE_INVALID
   * whether or not the name exists. Every attempt is counted against the
   * address (`login_max_failures_per_address`) before anything is checked,
   * and given back only when the account is created.
   * @throws ServiceError LOGIN_THROTTLED, REGISTRATION_CLOSED, INVITE_INVALID, USERNAME_INVALID, PASSWORD_WEAK, USERNAME_TAKEN
   */
  async register(input: { username: string; password: string; code?: string | undefined; address: string }): Promise<UserInfo> {
    const attempt = await this.throttle.reserve(input.address, null);
    const policy = await this.settings.registrationPolicy();
    // `closed`: only admins add users (the setup code still makes the first admin).
    if (input.code === undefined ? policy !== 'open' : policy === 'closed' && (await this.store.countAdmins()) > 0) {
      throw new ServiceError('CONCLAVE_ERR_REGISTRATION_CLOSED');
    }
    const inviteHash = input.code === undefined ? null : hashSecret(normalizeHumanCode(input.code));
    // Checked again, atomically, when the user row is inserted (a code is single-use).
    if (inviteHash !== null && !(await this.store.isInviteUsable(inviteHash, this.now()))) throw new ServiceError('CONCLAVE_ERR_INVITE_INVALID');
    const user = await this.createUser({ username: input.username, password: input.password, role: 'member', inviteHash });
    await attempt.succeeded();
    return user;
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
   * Checks a password and opens a session for the device (creating the device
   * when new). The check is reserved in the throttle first (per account and
   * address, per address, per account) and given back when the password is right.
   * @returns the principal and the new session token (to hand to the client once).
   * @throws ServiceError BAD_CREDENTIALS, LOGIN_THROTTLED, TOO_MANY_DEVICES
   */
  async login(input: {
    username: string;
    password: string;
    device: DeviceLogin;
    address: string;
  }): Promise<{ principal: Principal; token: string }> {
    const key = input.username.toLowerCase();
    const attempt = await this.throttle.reserve(input.address, key);
    const user = await this.store.findUserByKey(key);
    const active = user?.deletedAt === null ? user : undefined;
    // A deleted account costs the same as a wrong password (its hash is unusable: checked against the dummy).
    const ok = await verifyPassword(active?.passwordHash ?? (await dummyPasswordHash()), input.password);
    if (!active || !ok) throw new ServiceError('CONCLAVE_ERR_BAD_CREDENTIALS');
    await attempt.succeeded();
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
   * Resumes a session from its token, sliding the idle expiry. Never throttled
   * by password failures (an address that is locked out for passwords resumes
   * its valid sessions): a token has 256 random bits, so guessing one is not a
   * threat a counter would add to, and the connection's frame rate bounds the
   * lookups. `_address` is the client's (kept for the callers' symmetry with `login`).
   * @throws ServiceError SESSION_INVALID (unknown, revoked, idle or absolutely expired)
   */
  async authenticate(token: string, _address: string): Promise<Principal> {
    const tokenHash = hashSecret(token);
    const session = await this.store.findSession(tokenHash);
    const now = this.now();
    if (!session || session.expiresAt <= now || session.lastUsedAt + SESSION_IDLE_MS <= now) {
      if (session) await this.store.deleteSession(tokenHash);
      throw new ServiceError('CONCLAVE_ERR_SESSION_INVALID');
    }
    const user = await this.store.findUserById(session.userId);
    if (!user || user.deletedAt !== null) throw new ServiceError('CONCLAVE_ERR_SESSION_INVALID');
    // Both join the same group commit (one transaction for every authenticate of this turn).
    await Promise.all([this.store.touchSession(tokenHash, now), this.store.touchDevice(session.deviceId, now)]);
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
   * With `shared` (the nodes of a cluster), the code stored there is kept
   * while it is still usable, so every node prints the same one; two nodes
   * starting at once agree on the first one's.
   * @returns the code to print, or null when an admin already exists.
   * @throws Error when the shared code cannot be opened (a node given another secret key)
   */
  async ensureSetupCode(shared?: SharedSetupCode): Promise<string | null> {
    if ((await this.store.countAdmins()) > 0) {
      await shared?.clear();
      return null;
    }
    const stored = await shared?.load();
    if (stored !== undefined && (await this.store.isInviteUsable(hashSecret(stored), this.now()))) return stored;
    if (stored !== undefined) await shared?.clear();
    const fresh = newHumanCode();
    const code = shared ? await shared.offer(fresh, this.now()) : fresh;
    // Another node offered first: that node stores the invite.
    if (code !== fresh) return code;
    await this.store.deleteUnusedInvites('setup');
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
}
