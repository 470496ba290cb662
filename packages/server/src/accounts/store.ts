/** A user row as the accounts service sees it. Times in ms since the epoch. */
export interface UserRecord {
  id: string;
  username: string;
  usernameKey: string;
  passwordHash: string;
  role: 'admin' | 'member';
  createdAt: number;
  /** When an admin deleted the account (ms), else null. A deleted user cannot log in; the name stays taken. */
  deletedAt: number | null;
}

/** A registered (not deleted) user with counts, for `/listusers`. Times in ms. */
export interface UserSummary {
  userId: string;
  username: string;
  role: 'admin' | 'member';
  createdAt: number;
  /** Devices ever registered. */
  devices: number;
  /** Unexpired sessions. */
  sessions: number;
  /** Latest `last_seen_at` of their devices; null without devices. */
  lastSeenAt: number | null;
}

/** The per-user device cap `insertDevice` enforces. */
export interface DeviceCap {
  /** Devices a user may have (setting `max_devices_per_user`). */
  max: number;
  /** Whether a device has a live connection now (such a device is never deleted). */
  isConnected(deviceId: string): boolean;
}

export interface DeviceRecord {
  id: string;
  userId: string;
  name: string;
  /** Base64 (canonical) of the device's Ed25519 signature key; null for devices from before E2EE. */
  signatureKey: string | null;
}

export interface SessionRecord {
  tokenHash: string;
  userId: string;
  deviceId: string;
  lastUsedAt: number;
  expiresAt: number;
}

export interface InviteRecord {
  codeHash: string;
  role: 'admin' | 'member';
  kind: 'setup' | 'invite';
  createdBy: string | null;
  createdAt: number;
  expiresAt: number;
}

/** Persistence of users, devices, sessions and invite codes. Implemented per SQL dialect. */
export interface AccountStore {
  findUserByKey(usernameKey: string): Promise<UserRecord | undefined>;
  findUserById(id: string): Promise<UserRecord | undefined>;
  /**
   * Inserts `user`; when `inviteHash` is given, atomically consumes that unused,
   * unexpired invite first and takes its role.
   * @returns the role stored.
   * @throws ServiceError CONCLAVE_ERR_INVITE_INVALID, CONCLAVE_ERR_USERNAME_TAKEN
   */
  insertUser(user: UserRecord, inviteHash: string | null, now: number): Promise<'admin' | 'member'>;
  /** Admins that are not deleted. */
  countAdmins(): Promise<number>;
  /** Users that are not deleted. */
  countUsers(): Promise<number>;
  /** Every user that is not deleted, by name, with device and session counts. */
  listUsers(now: number): Promise<UserSummary[]>;
  /**
   * Sets a user's role; demoting refuses (returns false) when no other admin
   * would remain (checked in the same transaction).
   */
  setRole(userId: string, role: 'admin' | 'member'): Promise<boolean>;
  /**
   * Marks a user deleted and removes their sessions, KeyPackages and pending
   * Welcomes, in one transaction. Refuses (returns false) for the last admin.
   */
  markDeleted(userId: string, now: number): Promise<boolean>;
  /** Replaces a user's password hash (PHC string). */
  setPasswordHash(userId: string, passwordHash: string): Promise<void>;
  /** Deletes every session of a user. @returns how many there were. */
  deleteSessionsOf(userId: string): Promise<number>;
  findDevice(id: string): Promise<DeviceRecord | undefined>;
  /**
   * Adds a device. With `cap`, in the same transaction: when the user already
   * has `cap.max` devices or more, their longest-unseen devices that are not
   * connected (`cap.isConnected` false) are deleted (with their sessions,
   * KeyPackages, group places and Welcomes) to make room.
   * @returns the ids of the devices deleted to make room.
   * @throws ServiceError TOO_MANY_DEVICES when too few of them are unconnected (nothing changes)
   */
  insertDevice(device: DeviceRecord, now: number, cap?: DeviceCap): Promise<string[]>;
  /**
   * Records the signature key of a device that has none yet.
   * @returns false when the device already has a key (it is not changed).
   */
  setSignatureKey(id: string, signatureKey: string): Promise<boolean>;
  touchDevice(id: string, now: number): Promise<void>;
  insertSession(session: SessionRecord, now: number): Promise<void>;
  findSession(tokenHash: string): Promise<SessionRecord | undefined>;
  touchSession(tokenHash: string, now: number): Promise<void>;
  deleteSession(tokenHash: string): Promise<void>;
  insertInvite(invite: InviteRecord): Promise<void>;
  /** True when an invite with this hash exists, is unused and has not expired at `now` (ms). */
  isInviteUsable(codeHash: string, now: number): Promise<boolean>;
  /** Deletes every unused invite of `kind` (a fresh setup code replaces the old one). */
  deleteUnusedInvites(kind: 'setup' | 'invite'): Promise<void>;
}
