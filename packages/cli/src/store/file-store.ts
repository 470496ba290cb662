import { readdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { asDeviceId, type ConversationId, type DeviceId } from '@conclave/protocol';
import type { ClientStore, Cursors, HistoryEntry, RecordKey, StoredSession } from '@conclave/client';
import { CliError } from '../errors.js';
import { ensurePrivateDir, fsyncDir, isNotFound, readIfExists, removeFile, writeFileAtomic } from './files.js';
import { HistoryLog } from './history.js';
import { alteredFileError, createKeystore, KEYSTORE_FILE, readKeystore, unlockKeystore, type ProfileKey } from './keystore.js';

/** The message of the error `FileStore.open` throws for a wrong password. */
export const WRONG_PROFILE_PASSWORD = 'wrong password for this profile';

/** Record keys: `[A-Za-z0-9_-]` segments joined by `/`, at most 200 characters (see `RecordKey`). */
const RECORD_KEY = /^[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*$/;
const RECORD_FILE = /^[0-9a-f]{64}\.rec$/;

/** Plaintext files of profiles written before encryption at rest; deleted on first unlock (session.json held a token). */
const LEGACY_FILE = /^(?:session|device|cursors)\.json(?:\.[0-9a-f]+\.tmp)?$/;

/** Options of `FileStore.open`. */
export interface FileStoreOptions {
  /** The username as typed, kept in plaintext keystore.json when the profile is created (default: the directory name). */
  username?: string;
}

/**
 * `ClientStore` over one user's profile directory, encrypted at rest under a
 * key derived from the user's password (see keystore.ts). Layout (dirs 0700,
 * files 0600, every write atomic and fsync'd):
 *
 *   keystore.json        plaintext: KDF parameters, salt, password verifier, username
 *   session.enc          sealed JSON `StoredSession` (role `session`)
 *   device.enc           sealed JSON `{deviceId}`, kept across logouts (role `device`)
 *   cursors.enc          sealed JSON `Cursors` (role `cursors`)
 *   records/<h>.rec      one record; h = HMAC(key name); sealed `u16 BE key length ‖ key ‖ value` (role `record/<h>`)
 *   history/<h>.log      one conversation's history (see `HistoryLog`)
 *
 * A reader without the password learns file sizes and times only. An
 * attacker who can write the folder cannot forge or swap contents (any
 * altered file is refused with a CliError), but can delete files or restore
 * older copies of them.
 */
export class FileStore implements ClientStore {
  private readonly history: HistoryLog;
  /** Record file name → record key; a name always maps to the same key, so this never goes stale. */
  private readonly recordNames = new Map<string, RecordKey>();

  private constructor(
    /** The profile directory of this user on this server. */
    readonly dir: string,
    private readonly key: ProfileKey,
    /** True when this call to `open` created the profile (its password is not yet known to be the account's). */
    readonly created: boolean,
  ) {
    this.history = new HistoryLog(join(dir, 'history'), key);
  }

  /** True when `dir` holds an (encrypted) profile, i.e. a keystore.json; opening it needs its password. */
  static async exists(dir: string): Promise<boolean> {
    return (await readIfExists(join(dir, KEYSTORE_FILE))) !== null;
  }

  /**
   * Unlocks the profile in `dir` with `password` (Argon2id, ~0.1 s), or
   * creates it under `password` if it has no keystore.json yet. Nothing is
   * read or written before the password is verified. Deletes the plaintext
   * files of a profile from before encryption at rest.
   * @throws CliError `wrong password for this profile` (nothing changed), or
   *   when keystore.json is damaged
   */
  static async open(dir: string, password: string, opts: FileStoreOptions = {}): Promise<FileStore> {
    let keystore = await readKeystore(dir);
    let key: ProfileKey | null = null;
    if (keystore === null) {
      await ensurePrivateDir(dir);
      key = await createKeystore(dir, password, opts.username ?? basename(dir));
      if (key === null) keystore = await readKeystore(dir); // another process created it meanwhile
    }
    const created = key !== null;
    if (key === null && keystore !== null) key = await unlockKeystore(keystore, password);
    if (key === null) throw new CliError(WRONG_PROFILE_PASSWORD);
    await removeLegacyFiles(dir);
    await ensurePrivateDir(join(dir, 'records'));
    await ensurePrivateDir(join(dir, 'history'));
    return new FileStore(dir, key, created);
  }

  /**
   * Deletes the whole profile if this instance created it and no session was
   * ever saved in it: call after the server refused the password the profile
   * was created under, so the next attempt creates it under the right one.
   * @returns true when the profile was deleted
   */
  async discardIfNeverLoggedIn(): Promise<boolean> {
    if (!this.created || (await this.loadSession()) !== null) return false;
    // Windows: a file just closed may still be held by a scanner (EBUSY, EPERM, ENOTEMPTY); rm retries those.
    await rm(this.dir, { recursive: true, force: true, ...(process.platform === 'win32' && { maxRetries: 5 }) });
    return true;
  }

  /** Reads and decrypts `name`; null when absent. @throws CliError when it does not authenticate */
  private async readSealed(name: string, role: string, what: string): Promise<Buffer | null> {
    const path = join(this.dir, name);
    const blob = await readIfExists(path);
    if (blob === null) return null;
    const plain = this.key.open(role, blob);
    if (plain === null) throw alteredFileError(what, path);
    return plain;
  }

  private async readSealedJson<T>(name: string, role: string, what: string): Promise<T | null> {
    const plain = await this.readSealed(name, role, what);
    if (plain === null) return null;
    try {
      return JSON.parse(plain.toString('utf8')) as T;
    } catch {
      throw alteredFileError(what, join(this.dir, name));
    }
  }

  private async writeSealed(name: string, role: string, plain: Uint8Array): Promise<void> {
    await writeFileAtomic(join(this.dir, name), this.key.seal(role, plain));
  }

  private async writeSealedJson(name: string, role: string, value: unknown): Promise<void> {
    await this.writeSealed(name, role, Buffer.from(JSON.stringify(value), 'utf8'));
  }

  async loadSession(): Promise<StoredSession | null> {
    const s = await this.readSealedJson<StoredSession>('session.enc', 'session', 'the saved session');
    return s !== null && typeof s.token === 'string' && typeof s.deviceId === 'string' ? s : null;
  }

  async saveSession(session: StoredSession | null): Promise<void> {
    if (session === null) {
      await removeFile(join(this.dir, 'session.enc'));
      return;
    }
    await this.writeSealedJson('device.enc', 'device', { deviceId: session.deviceId });
    await this.writeSealedJson('session.enc', 'session', session);
  }

  async loadDeviceId(): Promise<DeviceId | null> {
    const d = await this.readSealedJson<{ deviceId?: unknown }>('device.enc', 'device', 'the device id');
    return typeof d?.deviceId === 'string' ? asDeviceId(d.deviceId) : null;
  }

  async loadCursors(): Promise<Cursors> {
    return (await this.readSealedJson<Cursors>('cursors.enc', 'cursors', 'the read cursors')) ?? {};
  }

  async saveCursors(cursors: Cursors): Promise<void> {
    await this.writeSealedJson('cursors.enc', 'cursors', cursors);
  }

  private recordFile(key: RecordKey): string {
    if (key.length > 200 || !RECORD_KEY.test(key)) throw new TypeError(`invalid record key "${key}"`);
    return `${this.key.fileName(`record/${key}`)}.rec`;
  }

  /**
   * Decrypts a record file. @returns its key and value, or null when it vanished
   * @throws CliError when it does not authenticate or its name does not match its key
   */
  private async readRecordFile(name: string): Promise<{ key: RecordKey; value: Buffer } | null> {
    const plain = await this.readSealed(join('records', name), `record/${name}`, 'a secret record');
    if (plain === null) return null;
    const length = plain.length >= 2 ? plain.readUInt16BE(0) : -1;
    const key = length >= 0 && plain.length >= 2 + length ? plain.toString('utf8', 2, 2 + length) : '';
    if (key === '' || this.recordFile(key) !== name) throw alteredFileError('a secret record', join(this.dir, 'records', name));
    this.recordNames.set(name, key);
    return { key, value: plain.subarray(2 + length) };
  }

  /** @throws TypeError for a malformed key; CliError for an altered file */
  async loadRecord(key: RecordKey): Promise<Uint8Array | null> {
    const record = await this.readRecordFile(this.recordFile(key));
    return record === null ? null : new Uint8Array(record.value);
  }

  /** @throws TypeError for a malformed key */
  async saveRecord(key: RecordKey, value: Uint8Array | null): Promise<void> {
    const name = this.recordFile(key);
    const path = join('records', name);
    if (value === null) {
      await removeFile(join(this.dir, path));
      return;
    }
    const keyBytes = Buffer.from(key, 'utf8');
    const header = Buffer.alloc(2);
    header.writeUInt16BE(keyBytes.length);
    await this.writeSealed(path, `record/${name}`, Buffer.concat([header, keyBytes, value]));
    this.recordNames.set(name, key);
  }

  /** Sorted. Decrypts each record file the first time this instance sees its name. @throws CliError for an altered file */
  async listRecords(prefix: string): Promise<RecordKey[]> {
    let names: string[];
    try {
      names = await readdir(join(this.dir, 'records'));
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
    const keys: RecordKey[] = [];
    for (const name of names) {
      if (!RECORD_FILE.test(name)) continue; // temp files of a write in progress
      const key = this.recordNames.get(name) ?? (await this.readRecordFile(name))?.key;
      if (key !== undefined && key.startsWith(prefix)) keys.push(key);
    }
    return keys.sort();
  }

  async appendHistory(entries: HistoryEntry[]): Promise<void> {
    await this.history.append(entries);
  }

  /** @throws CliError when the conversation's history file was altered */
  async loadHistory(conversationId: ConversationId, limit: number): Promise<HistoryEntry[]> {
    return this.history.load(conversationId, limit);
  }

  /** @throws CliError when the conversation's history file was altered */
  async redactHistory(conversationId: ConversationId, seqs: readonly number[]): Promise<void> {
    await this.history.redact(conversationId, seqs);
  }
}

async function removeLegacyFiles(dir: string): Promise<void> {
  const legacy = (await readdir(dir)).filter((name) => LEGACY_FILE.test(name));
  for (const name of legacy) await rm(join(dir, name), { force: true });
  if (legacy.length > 0) await fsyncDir(dir);
}
