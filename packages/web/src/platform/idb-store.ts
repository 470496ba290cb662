import type { ConversationId, DeviceId } from '@conclave/protocol';
import {
  createSealingKey,
  dropSessionCookie,
  keepSessionCookie,
  openBytes,
  redacted,
  sealBytes,
  type ClientStore,
  type Cursors,
  type HistoryEntry,
  type RecordKey,
  type SealingKey,
  type StoredSession,
} from '@conclave/client';
import { committed, deleteDatabase, openDatabase, request } from './idb.js';

const VERSION = 1;
const META = 'meta';
const RECORDS = 'records';
const HISTORY = 'history';
/** Keys in `meta`. */
const SEALING_KEY = 'sealingKey';
const SESSION = 'session';
const DEVICE_ID = 'deviceId';
const CURSORS = 'cursors';
/** Transactions that must be on disk when they resolve (the ClientStore contract). */
const STRICT: IDBTransactionOptions = { durability: 'strict' };

/** The database of `username` on this browser: `conclave:<username lowercased>`. */
export function databaseName(username: string): string {
  return `conclave:${username.toLowerCase()}`;
}

/** A `history` row: the entry sealed under `history:<conversationId>:<seq>`. */
interface HistoryRow {
  sealed: Uint8Array;
}

/**
 * `ClientStore` over IndexedDB: one database per user on this browser.
 *
 * - `meta`: the sealing key (a non-extractable AES-256-GCM `CryptoKey`,
 *   stored as itself: structured clone keeps it non-extractable), the
 *   session without its token, the device id, the cursors.
 * - `records`: RecordKey → bytes sealed with AAD `record:<key>`.
 * - `history`: key `[conversationId, seq]` → the JSON entry sealed with AAD
 *   `history:<conversationId>:<seq>`; the compound primary key keeps each
 *   conversation's rows together in seq order, so a reverse cursor over one
 *   conversation's key range reads its last N.
 *
 * The session token never reaches storage: `saveSession` hands it to the
 * server to keep as an HttpOnly cookie and stores `token: null`.
 */
export class IdbStore implements ClientStore {
  /** The token last handed to the server as a cookie (memory only, like the core's copy). */
  private keptToken: string | null = null;

  private constructor(
    private readonly db: IDBDatabase,
    private readonly key: SealingKey,
    /**
     * True when this browser had no device id from the server for the user when
     * opened: it has never been a device of theirs, so no earlier message can be
     * read here (MLS gives a new device no past keys).
     */
    readonly isNewDevice: boolean,
    readonly username: string,
  ) {}

  /**
   * Opens (creating on first use) the database of `username`, and its sealing key.
   * @throws Error when IndexedDB is unavailable (private mode in some browsers) or blocked.
   */
  static async open(username: string): Promise<IdbStore> {
    const db = await openDatabase(databaseName(username), VERSION, (d, old) => {
      if (old < 1) {
        d.createObjectStore(META);
        d.createObjectStore(RECORDS);
        d.createObjectStore(HISTORY);
      }
    });
    // Made before the transaction (WebCrypto is async; a transaction would auto-commit while waiting).
    const fresh = await createSealingKey();
    const tx = db.transaction(META, 'readwrite', STRICT);
    const meta = tx.objectStore(META);
    let key = fresh;
    let hadDeviceId = false;
    // Plain callbacks: the check-and-put must run while the transaction is active.
    const existing = meta.get(SEALING_KEY);
    existing.onsuccess = () => {
      if (existing.result instanceof CryptoKey) key = existing.result;
      else meta.put(fresh, SEALING_KEY);
    };
    const deviceId = meta.get(DEVICE_ID);
    deviceId.onsuccess = () => {
      hadDeviceId = typeof deviceId.result === 'string';
    };
    await committed(tx);
    return new IdbStore(db, key, !hadDeviceId, username);
  }

  /**
   * Deletes this browser's keys and history of `username` (this device then
   * no longer exists for them; the next sign-in here is a new device).
   */
  static async forgetDevice(username: string): Promise<void> {
    await deleteDatabase(databaseName(username));
  }

  /** Closes the connection (further calls fail). */
  close(): void {
    this.db.close();
  }

  /** True when a session (token kept as a cookie) is stored: a reload can resume. */
  async hasSession(): Promise<boolean> {
    return (await this.loadSession()) !== null;
  }

  // ---------------------------------------------------------------- session

  async loadSession(): Promise<StoredSession | null> {
    // Stored with `token: null`: the core then authenticates with the cookie.
    return (await this.get<StoredSession>(SESSION)) ?? null;
  }

  async saveSession(session: StoredSession | null): Promise<void> {
    if (session === null) {
      this.keptToken = null;
      await dropSessionCookie(location.origin);
      await this.write(META, (s) => s.delete(SESSION));
      return;
    }
    const token = session.token;
    // The core saves the session again on every reconnect: hand the same token over once.
    if (token !== null && token !== this.keptToken) {
      try {
        await keepSessionCookie(location.origin, token);
        this.keptToken = token;
      } catch (err) {
        // The session still works in this tab; a reload will ask for the password.
        console.warn(`Conclave: the server did not keep the session cookie (${err instanceof Error ? err.message : String(err)})`);
      }
    }
    const stored: StoredSession = {
      token: null,
      deviceId: session.deviceId,
      userId: session.userId,
      username: session.username,
      expiresAt: session.expiresAt,
    };
    await this.write(META, (s) => {
      s.put(stored, SESSION);
      s.put(session.deviceId, DEVICE_ID);
    });
  }

  async loadDeviceId(): Promise<DeviceId | null> {
    return (await this.get<DeviceId>(DEVICE_ID)) ?? null;
  }

  async loadCursors(): Promise<Cursors> {
    return { ...((await this.get<Cursors>(CURSORS)) ?? {}) };
  }

  async saveCursors(cursors: Cursors): Promise<void> {
    await this.write(META, (s) => s.put({ ...cursors }, CURSORS));
  }

  // ---------------------------------------------------------------- records

  async loadRecord(key: RecordKey): Promise<Uint8Array | null> {
    const tx = this.db.transaction(RECORDS, 'readonly');
    const sealed = await request(tx.objectStore(RECORDS).get(key) as IDBRequest<Uint8Array | undefined>);
    return sealed === undefined ? null : openBytes(this.key, sealed, `record:${key}`);
  }

  async saveRecord(key: RecordKey, value: Uint8Array | null): Promise<void> {
    const sealed = value === null ? null : await sealBytes(this.key, value, `record:${key}`);
    await this.write(RECORDS, (s) => (sealed === null ? s.delete(key) : s.put(sealed, key)));
  }

  async listRecords(prefix: string): Promise<RecordKey[]> {
    const tx = this.db.transaction(RECORDS, 'readonly');
    const range = IDBKeyRange.bound(prefix, `${prefix}\uffff`);
    const keys = await request(tx.objectStore(RECORDS).getAllKeys(range));
    return keys.map(String).filter((k) => k.startsWith(prefix)).sort();
  }

  // ---------------------------------------------------------------- history

  async appendHistory(entries: HistoryEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const rows = await Promise.all(
      entries.map(async (e) => ({
        key: [e.conversationId, e.seq],
        row: { sealed: await sealBytes(this.key, new TextEncoder().encode(JSON.stringify(e)), historyAad(e.conversationId, e.seq)) },
      })),
    );
    await this.write(HISTORY, (s) => {
      for (const { key, row } of rows) {
        // `add` keeps the first copy of a (conversation, seq); a repeat is not an error.
        const req = s.add(row, key);
        req.onerror = (event) => {
          if (req.error?.name === 'ConstraintError') {
            event.preventDefault();
            event.stopPropagation();
          }
        };
      }
    });
  }

  async loadHistory(conversationId: ConversationId, limit: number): Promise<HistoryEntry[]> {
    if (limit <= 0) return [];
    const tx = this.db.transaction(HISTORY, 'readonly');
    const range = IDBKeyRange.bound([conversationId, -Infinity], [conversationId, Infinity]);
    const rows: Array<{ seq: number; sealed: Uint8Array }> = [];
    await new Promise<void>((resolve, reject) => {
      const req = tx.objectStore(HISTORY).openCursor(range, 'prev');
      req.onerror = () => reject(req.error ?? new Error('IndexedDB cursor failed'));
      req.onsuccess = () => {
        const cursor = req.result;
        if (cursor === null || rows.length >= limit) return resolve();
        const key = cursor.key as [string, number];
        rows.push({ seq: key[1], sealed: (cursor.value as HistoryRow).sealed });
        cursor.continue();
      };
    });
    rows.reverse();
    return Promise.all(
      rows.map(async (r) => {
        const plain = await openBytes(this.key, r.sealed, historyAad(conversationId, r.seq));
        return JSON.parse(new TextDecoder().decode(plain)) as HistoryEntry;
      }),
    );
  }

  /** Re-seals each stored entry at `seqs` as `redacted(entry)` in one transaction (the old sealed row is overwritten). */
  async redactHistory(conversationId: ConversationId, seqs: readonly number[]): Promise<void> {
    const found: HistoryEntry[] = [];
    for (const seq of seqs) {
      const tx = this.db.transaction(HISTORY, 'readonly');
      const row = await request(tx.objectStore(HISTORY).get([conversationId, seq]) as IDBRequest<HistoryRow | undefined>);
      if (row === undefined) continue;
      const plain = await openBytes(this.key, row.sealed, historyAad(conversationId, seq));
      found.push(JSON.parse(new TextDecoder().decode(plain)) as HistoryEntry);
    }
    if (found.length === 0) return;
    const rows = await Promise.all(
      found.map(async (e) => ({
        key: [conversationId, e.seq],
        row: { sealed: await sealBytes(this.key, new TextEncoder().encode(JSON.stringify(redacted(e))), historyAad(conversationId, e.seq)) },
      })),
    );
    await this.write(HISTORY, (s) => {
      for (const { key, row } of rows) s.put(row, key);
    });
  }

  // ---------------------------------------------------------------- helpers

  private async get<T>(key: string): Promise<T | undefined> {
    const tx = this.db.transaction(META, 'readonly');
    return request(tx.objectStore(META).get(key) as IDBRequest<T | undefined>);
  }

  /** One strict-durability readwrite transaction on one store; resolves once committed. */
  private async write(store: string, fill: (s: IDBObjectStore) => unknown): Promise<void> {
    const tx = this.db.transaction(store, 'readwrite', STRICT);
    fill(tx.objectStore(store));
    await committed(tx);
  }
}

function historyAad(conversationId: ConversationId, seq: number): string {
  return `history:${conversationId}:${seq}`;
}
