import type { ConversationId, DeviceId, UserId } from '@conclave/protocol';

/** What a device keeps between runs to resume without a password. */
export interface StoredSession {
  /** The session token from the `session` frame. Secret: never log or show it. */
  token: string;
  deviceId: DeviceId;
  userId: UserId;
  username: string;
  /** Session expiry, ms since the Unix epoch. */
  expiresAt: number;
}

/** Per conversation, the highest seq delivered to the UI. */
export type Cursors = Partial<Record<ConversationId, number>>;

/**
 * Persistence the platform provides (a profile directory for the terminal,
 * IndexedDB for the web). Methods may be async; the client awaits saves
 * before reporting itself closed, and coalesces cursor saves.
 */
export interface ClientStore {
  loadSession(): Promise<StoredSession | null>;
  /** `null` forgets the session (after logout or a refused token); keep the device id if you can. */
  saveSession(session: StoredSession | null): Promise<void>;
  /** The device id assigned by the server on an earlier login, if any (kept across logouts). */
  loadDeviceId(): Promise<DeviceId | null>;
  loadCursors(): Promise<Cursors>;
  saveCursors(cursors: Cursors): Promise<void>;
}

/** A `ClientStore` in memory: for tests and throwaway sessions. */
export class MemoryStore implements ClientStore {
  session: StoredSession | null = null;
  deviceId: DeviceId | null = null;
  cursors: Cursors = {};

  async loadSession(): Promise<StoredSession | null> {
    return this.session;
  }
  async saveSession(session: StoredSession | null): Promise<void> {
    this.session = session;
    if (session !== null) this.deviceId = session.deviceId;
  }
  async loadDeviceId(): Promise<DeviceId | null> {
    return this.deviceId;
  }
  async loadCursors(): Promise<Cursors> {
    return { ...this.cursors };
  }
  async saveCursors(cursors: Cursors): Promise<void> {
    this.cursors = { ...cursors };
  }
}
