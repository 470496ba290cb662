/** A user row as the accounts service sees it. Times in ms since the epoch. */
export interface UserRecord {
  id: string;
  username: string;
  usernameKey: string;
  passwordHash: string;
  role: 'admin' | 'member';
  createdAt: number;
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
  countAdmins(): Promise<number>;
  findDevice(id: string): Promise<DeviceRecord | undefined>;
  insertDevice(device: DeviceRecord, now: number): Promise<void>;
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
  /** Deletes every unused invite of `kind` (a fresh setup code replaces the old one). */
  deleteUnusedInvites(kind: 'setup' | 'invite'): Promise<void>;
}
