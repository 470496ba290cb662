import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NewMessage } from '../src/delivery/store.js';
import { newId } from '../src/ids.js';
import { openStores, type Stores } from '../src/storage/index.js';

/** Stores over a database of their own, and how to throw both away. */
export interface OpenedStores {
  stores: Stores;
  dispose(): Promise<void>;
}

/** Stores over a fresh SQLite file in a temporary data directory. */
export async function sqliteStores(): Promise<OpenedStores> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'conclave-store-'));
  const stores = await openStores({ dataDir });
  return {
    stores,
    async dispose() {
      await stores.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Registers a user (no invite) and returns its id. */
export async function addUser(s: Stores, username: string, role: 'admin' | 'member' = 'member'): Promise<string> {
  const id = newId();
  await s.accounts.insertUser(
    { id, username, usernameKey: username.toLowerCase(), passwordHash: '$argon2id$test', role, createdAt: 1, deletedAt: null },
    null,
    1,
  );
  return id;
}

/** Creation times of fixture devices: each later than the last, so "oldest first" never falls back to id order. */
let deviceClock = 1;

/**
 * Adds a device (with a signature key unless `keyless`) and returns its id.
 * (Ties on time would be broken by id, and text order differs between SQLite's
 * bytewise and PostgreSQL's locale collation.)
 */
export async function addDevice(s: Stores, userId: string, keyless = false): Promise<string> {
  const id = newId();
  await s.accounts.insertDevice({ id, userId, name: 'laptop', signatureKey: keyless ? null : newId() }, deviceClock++);
  return id;
}

/** Creates room `#name` with `memberIds` and returns its id. */
export async function addRoom(s: Stores, name: string, memberIds: string[]): Promise<string> {
  const id = newId();
  await s.conversations.create({ id, kind: 'room', name: `#${name}`, nameKey: name, dmKey: null }, memberIds, 1);
  return id;
}

/** A room `name` with one user and device in its MLS group (epoch 0). */
export async function roomWithGroup(s: Stores, name: string): Promise<{ userId: string; deviceId: string; conversationId: string }> {
  const userId = await addUser(s, `${name}-owner`);
  const deviceId = await addDevice(s, userId);
  const conversationId = await addRoom(s, name, [userId]);
  await s.groups.create(conversationId, { bytes: Buffer.from('group-info-0'), wanted: false }, deviceId, 1);
  return { userId, deviceId, conversationId };
}

/** A log entry from `deviceId` (body: the UTF-8 of `text`). */
export function entry(conversationId: string, userId: string, deviceId: string, text: string, clientMsgId = newId(), kind: NewMessage['kind'] = 'application'): NewMessage {
  return { conversationId, kind, senderUserId: userId, senderDeviceId: deviceId, clientMsgId, body: Buffer.from(text), sentAt: 1_000 };
}
