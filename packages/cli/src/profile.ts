import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, posix, win32 } from 'node:path';
import type { StoredSession } from '@conclave/client';
import { ensurePrivateDir, writeFileAtomic } from './store/files.js';
import { readKeystore } from './store/keystore.js';

export { ensurePrivateDir } from './store/files.js';
export { FileStore, WRONG_PROFILE_PASSWORD, type FileStoreOptions } from './store/file-store.js';

/**
 * What the default profile directory depends on: parameters rather than
 * `process.*`, so a test can ask for Windows on Linux.
 */
export interface PlatformEnv {
  platform: NodeJS.Platform;
  env: Readonly<Record<string, string | undefined>>;
  /** The user's home directory (`os.homedir()`). */
  home: string;
  /** Whether a directory exists (only asked on Windows). */
  exists: (path: string) => boolean;
}

/** This process's platform, environment and home directory. */
export function currentPlatform(): PlatformEnv {
  return { platform: process.platform, env: process.env, home: homedir(), exists: existsSync };
}

/**
 * The profile directory when `--profile-dir` is not given:
 * `$XDG_CONFIG_HOME/conclave` when that is set, else on Windows
 * `%LOCALAPPDATA%\conclave`, else `~/.config/conclave`. Layout (dirs 0700,
 * files 0600; on Windows the modes are not applied and the folder's ACL,
 * inherited from the user profile, is what keeps it private):
 *
 *   known_hosts.json              pinned certificate per host:port (plaintext)
 *   last.json                     last server and user, prompt defaults (plaintext)
 *   servers/<host_port>/<user>/   one user's profile, encrypted under their
 *                                 password except keystore.json (see `FileStore`)
 *
 * Windows uses the local, not the roaming, application data folder: the
 * profile holds this device's identity and MLS state, and a copy roaming to a
 * second PC would make two machines act as one device. A Windows profile
 * made before this default existed (`%USERPROFILE%\.config\conclave`) is
 * kept in use while `%LOCALAPPDATA%\conclave` does not exist, so no one
 * loses their device and history.
 */
export function defaultProfileDir(p: PlatformEnv = currentPlatform()): string {
  const path = p.platform === 'win32' ? win32 : posix;
  const xdg = p.env.XDG_CONFIG_HOME;
  if (xdg !== undefined && xdg !== '') return path.join(xdg, 'conclave');
  const dotConfig = path.join(p.home, '.config', 'conclave');
  const appData = p.env.LOCALAPPDATA || p.env.APPDATA;
  if (p.platform !== 'win32' || appData === undefined || appData === '') return dotConfig;
  const local = path.join(appData, 'conclave');
  return !p.exists(local) && p.exists(dotConfig) ? dotConfig : local;
}

/**
 * `--profile-dir` as given, with a leading `~` expanded to the home
 * directory on Windows, where cmd.exe (and PowerShell before 7.5) passes it
 * to a program as it was typed. A POSIX shell has already expanded it; a `~`
 * that reaches us there was quoted on purpose and stays.
 */
export function expandHome(dir: string, p: Pick<PlatformEnv, 'platform' | 'home'> = currentPlatform()): string {
  return p.platform === 'win32' && /^~(?=$|[\\/])/.test(dir) ? p.home + dir.slice(1) : dir;
}

/** Device names Windows reserves in every folder, with or without an extension (`con`, `nul.txt`, `com1`). */
const WINDOWS_RESERVED = /^(?:con|prn|aux|nul|com[0-9]|lpt[0-9])(?:\.|$)/;

/**
 * A name safe as one path component (host:port, usernames): lower case,
 * `[a-z0-9._-]`. On Windows a reserved device name (`con`, `aux.x`) or a
 * name ending in `.` (which Windows silently drops, so `bob.` would open
 * `bob`) gets a `~` appended; no other name contains `~`, so this adds no
 * collision. Other platforms keep the name as it always was.
 */
export function pathComponent(text: string, platform: NodeJS.Platform = process.platform): string {
  const name = text.toLowerCase().replace(/[^a-z0-9._-]/g, '_');
  return platform === 'win32' && (WINDOWS_RESERVED.test(name) || name.endsWith('.')) ? `${name}~` : name;
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
  return join(profileDir, 'servers', pathComponent(serverKey), pathComponent(username));
}

/**
 * Users with a saved profile on a server, as typed at their first login
 * (from the plaintext keystore.json, so no password is needed).
 */
export async function savedUsers(profileDir: string, serverKey: string): Promise<string[]> {
  const dir = join(profileDir, 'servers', pathComponent(serverKey));
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
