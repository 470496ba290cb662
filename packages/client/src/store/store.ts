import type { BlobId, ConversationId, DeviceId, UserId } from '@conclave/protocol';

/** What a device keeps between runs to resume without a password. */
export interface StoredSession {
  /**
   * The session token from the `session` frame. Secret: never log or show it.
   * `null` when the platform keeps it out of reach of scripts (the web client's
   * HttpOnly cookie, see `keepSessionCookie`): then `authenticate` is sent
   * without a token and the server reads the cookie.
   */
  token: string | null;
  deviceId: DeviceId;
  userId: UserId;
  username: string;
  /** Session expiry, ms since the Unix epoch. */
  expiresAt: number;
}

/** Per conversation, the highest seq delivered to the UI. */
export type Cursors = Partial<Record<ConversationId, number>>;

/**
 * One decrypted message as kept in the local history (JSON-safe). The sender
 * is the MLS-authenticated member, never a name taken from the plaintext.
 */
export interface HistoryEntry {
  conversationId: ConversationId;
  seq: number;
  sender: { userId: UserId; username: string; deviceId: DeviceId };
  /** Server time of the append, ms since the Unix epoch. */
  sentAt: number;
  /** A message's text; an edit's new text; empty for the other kinds and once deleted. */
  text: string;
  clientMsgId: string;
  mine: boolean;
  /** Set when the sender's device is not verified-and-unchanged (shown as a mark). */
  trust?: 'new-device' | 'changed-key';
  /**
   * What the entry is (its inner content, `InnerContent`): absent or `text`, a
   * message; `reaction`, `edit`, `delete` act on message `target` of the same
   * conversation; `topic` sets the room's topic; `unsupported`, a kind this
   * version cannot show (from a newer client).
   */
  kind?: 'text' | 'reaction' | 'edit' | 'delete' | 'topic' | 'file' | 'unsupported';
  /** A file or image (`kind` `file`): what it takes to fetch and open it; `text` is its caption. */
  file?: FileAttachment;
  /** A message: the seq it replies to. */
  replyTo?: number;
  /** A message or edit: the users it mentions. */
  mentions?: UserId[];
  /** A message written as an action (`/me waves`). */
  emote?: true;
  /** A reaction, edit or delete: the seq of the message it acts on. */
  target?: number;
  /** A reaction: the emoji, added or taken back. */
  emoji?: string;
  op?: 'add' | 'remove';
  /** A topic: the new topic (empty: cleared). */
  topic?: string;
  /** An unsupported entry: the kind it named. */
  named?: string;
  /** Deleted by its author: its text (and its edits' texts) are gone from this device. */
  deleted?: true;
}

/**
 * A file a message carries (the `file` inner content, protocol `FileContent`):
 * blob `blob` holds its ciphertext, `key` (base64, 32 bytes) opens it — a
 * secret: never log or show it. `size` in bytes before padding; images have
 * `width`/`height` in pixels and maybe a base64 `thumbnail` (JPEG or PNG).
 */
export interface FileAttachment {
  blob: BlobId;
  key: string;
  name: string;
  mime: string;
  size: number;
  image?: { width: number; height: number; thumbnail?: string };
}

/**
 * Record keys are `[A-Za-z0-9_-]` segments joined by `/`, e.g. `device`,
 * `group/<conversationId>`, `pins`. At most 200 characters.
 */
export type RecordKey = string;

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
  /**
   * A secret record of this device (signature key, KeyPackage private keys,
   * MLS group states, contact pins), or null. Platforms encrypt records at rest.
   */
  loadRecord(key: RecordKey): Promise<Uint8Array | null>;
  /** Replaces a record atomically (all or nothing, durable on return); `null` deletes it. */
  saveRecord(key: RecordKey, value: Uint8Array | null): Promise<void>;
  /** Keys of the stored records that start with `prefix`. */
  listRecords(prefix: string): Promise<RecordKey[]>;
  /** Appends decrypted messages to the local history (durable on return). Entries repeating a (conversation, seq) are kept once. */
  appendHistory(entries: HistoryEntry[]): Promise<void>;
  /** The last `limit` history entries of a conversation, oldest first, one per seq. */
  loadHistory(conversationId: ConversationId, limit: number): Promise<HistoryEntry[]>;
  /**
   * Erases the plaintext of entries (a message its author deleted, and its
   * edits): each entry at one of `seqs` is replaced by a copy with `text` ''
   * (and no `mentions` or `file`) and `deleted: true`, so no copy of the old words stays
   * in the store (durable on return). Seqs not stored are ignored.
   */
  redactHistory(conversationId: ConversationId, seqs: readonly number[]): Promise<void>;
}

/** The stored form of a deleted entry: no text, no mentions, no file (its key is forgotten), marked deleted. */
export function redacted(entry: HistoryEntry): HistoryEntry {
  const { mentions: _mentions, file: _file, ...rest } = entry;
  return { ...rest, text: '', deleted: true };
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
  readonly records = new Map<RecordKey, Uint8Array>();
  async loadRecord(key: RecordKey): Promise<Uint8Array | null> {
    const value = this.records.get(key);
    return value === undefined ? null : value.slice();
  }
  async saveRecord(key: RecordKey, value: Uint8Array | null): Promise<void> {
    if (value === null) this.records.delete(key);
    else this.records.set(key, value.slice());
  }
  async listRecords(prefix: string): Promise<RecordKey[]> {
    return [...this.records.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
  readonly history = new Map<ConversationId, Map<number, HistoryEntry>>();
  async appendHistory(entries: HistoryEntry[]): Promise<void> {
    for (const e of entries) {
      let conv = this.history.get(e.conversationId);
      if (conv === undefined) this.history.set(e.conversationId, (conv = new Map<number, HistoryEntry>()));
      if (!conv.has(e.seq)) conv.set(e.seq, { ...e });
    }
  }
  async loadHistory(conversationId: ConversationId, limit: number): Promise<HistoryEntry[]> {
    const conv = [...(this.history.get(conversationId)?.values() ?? [])].sort((a, b) => a.seq - b.seq);
    return conv.slice(Math.max(0, conv.length - limit));
  }
  async redactHistory(conversationId: ConversationId, seqs: readonly number[]): Promise<void> {
    const conv = this.history.get(conversationId);
    for (const seq of seqs) {
      const entry = conv?.get(seq);
      if (entry !== undefined) conv?.set(seq, redacted(entry));
    }
  }
}
