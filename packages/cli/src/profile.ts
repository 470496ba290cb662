import { readFile, readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { StoredSession } from '@conclave/client';
import { ensurePrivateDir, writeFileAtomic } from './store/files.js';
import { readKeystore } from './store/keystore.js';

export { ensurePrivateDir } from './store/files.js';
export { FileStore, WRONG_PROFILE_PASSWORD, type FileStoreOptions } from './store/file-store.js';

/**
 * The profile directory: `--profile-dir`, else `$XDG_CONFIG_HOME/conclave`,
 * else `~/.config/conclave`. Layout (dirs 0700, files 0600):
 *
 *   known_hosts.json              pinned certificate per host:port (plaintext)
 *   last.json                     last server and user, prompt defaults (plaintext)
 *   servers/<host_port>/<user>/   one user's profile, encrypted under their
 *                                 password except keystore.json (see `FileStore`)
 */
export function defaultProfileDir(): string {
  const xdg = process.env.XDG_CONFIG_HOME;
  return xdg !== undefined && xdg !== '' ? join(xdg, 'conclave') : join(homedir(), '.config', 'conclave');
}

/** A name safe as one path component (host:port, usernames). */
function component(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9._-]/g, '_');
}

/** Reads a JSON file; `null` when it does not exist or is unreadable as JSON. */
export async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return null;
  }
}

/** Writes JSON atomically and durably (temp file + fsync + rename), mode 0600. Plaintext: never for secrets. */
export async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8'));
}

/** The directory of one user on one server. */
export function userDir(profileDir: string, serverKey: string, username: string): string {
  return join(profileDir, 'servers', component(serverKey), component(username));
}

/**
 * Users with a saved profile on a server, as typed at their first login
 * (from the plaintext keystore.json, so no password is needed).
 */
export async function savedUsers(profileDir: string, serverKey: string): Promise<string[]> {
  const dir = join(profileDir, 'servers', component(serverKey));
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const users: string[] = [];
  for (const name of names.sort()) users.push(await savedUsername(join(dir, name), name));
  return users;
}

async function savedUsername(dir: string, fallback: string): Promise<string> {
  try {
    const keystore = await readKeystore(dir);
    if (keystore !== null) return keystore.username;
  } catch {
    return fallback; // a damaged keystore: opening it will say so
  }
  // A profile from before encryption at rest (deleted on its first unlock).
  const legacy = await readJson<Partial<StoredSession>>(join(dir, 'session.json'));
  return typeof legacy?.username === 'string' ? legacy.username : fallback;
}

/** The last server and user, for prompt defaults. */
export interface LastUsed {
  url: string;
  user?: string;
}

/** The last server and user from last.json; null when none was saved. */
export async function loadLastUsed(profileDir: string): Promise<LastUsed | null> {
  return readJson<LastUsed>(join(profileDir, 'last.json'));
}

/** Saves the last server and user (plaintext: never a secret). */
export async function saveLastUsed(profileDir: string, last: LastUsed): Promise<void> {
  await ensurePrivateDir(profileDir);
  await writeJson(join(profileDir, 'last.json'), last);
}
