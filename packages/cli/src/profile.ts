import { chmod, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { asDeviceId, type DeviceId } from '@conclave/protocol';
import type { ClientStore, Cursors, StoredSession } from '@conclave/client';

/**
 * The profile directory: `--profile-dir`, else `$XDG_CONFIG_HOME/conclave`,
 * else `~/.config/conclave`. Layout (dirs 0700, files 0600):
 *
 *   known_hosts.json                          pinned certificate per host:port
 *   last.json                                 last server and user (prompt defaults)
 *   servers/<host_port>/<user>/session.json   token (secret), deviceId, expiry
 *   servers/<host_port>/<user>/device.json    deviceId, kept across logouts
 *   servers/<host_port>/<user>/cursors.json   last seq seen per conversation
 */
export function defaultProfileDir(): string {
  const xdg = process.env.XDG_CONFIG_HOME;
  return xdg !== undefined && xdg !== '' ? join(xdg, 'conclave') : join(homedir(), '.config', 'conclave');
}

/** A name safe as one path component (host:port, usernames). */
function component(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9._-]/g, '_');
}

/** Creates `dir` (and parents) private to the user. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

/** Reads a JSON file; `null` when it does not exist or is unreadable as JSON. */
export async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return null;
  }
}

/** Writes JSON atomically (temp file + rename), mode 0600. */
export async function writeJson(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, path);
}

/** The directory of one user on one server. */
export function userDir(profileDir: string, serverKey: string, username: string): string {
  return join(profileDir, 'servers', component(serverKey), component(username));
}

/** Users with a saved profile on a server (as typed at their first login). */
export async function savedUsers(profileDir: string, serverKey: string): Promise<string[]> {
  const dir = join(profileDir, 'servers', component(serverKey));
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const users: string[] = [];
  for (const name of names.sort()) {
    const session = await readJson<StoredSession>(join(dir, name, 'session.json'));
    users.push(session?.username ?? name);
  }
  return users;
}

/** The last server and user, for prompt defaults. */
export interface LastUsed {
  url: string;
  user?: string;
}

export async function loadLastUsed(profileDir: string): Promise<LastUsed | null> {
  return readJson<LastUsed>(join(profileDir, 'last.json'));
}

export async function saveLastUsed(profileDir: string, last: LastUsed): Promise<void> {
  await ensurePrivateDir(profileDir);
  await writeJson(join(profileDir, 'last.json'), last);
}

/** `ClientStore` over one user's directory in the profile. */
export class FileStore implements ClientStore {
  constructor(readonly dir: string) {}

  private file(name: string): string {
    return join(this.dir, name);
  }

  async loadSession(): Promise<StoredSession | null> {
    const s = await readJson<StoredSession>(this.file('session.json'));
    return s !== null && typeof s.token === 'string' && typeof s.deviceId === 'string' ? s : null;
  }

  async saveSession(session: StoredSession | null): Promise<void> {
    await ensurePrivateDir(this.dir);
    if (session === null) {
      await rm(this.file('session.json'), { force: true });
      return;
    }
    await writeJson(this.file('session.json'), session);
    await writeJson(this.file('device.json'), { deviceId: session.deviceId });
  }

  async loadDeviceId(): Promise<DeviceId | null> {
    const d = await readJson<{ deviceId?: unknown }>(this.file('device.json'));
    return typeof d?.deviceId === 'string' ? asDeviceId(d.deviceId) : null;
  }

  async loadCursors(): Promise<Cursors> {
    return (await readJson<Cursors>(this.file('cursors.json'))) ?? {};
  }

  async saveCursors(cursors: Cursors): Promise<void> {
    await ensurePrivateDir(this.dir);
    await writeJson(this.file('cursors.json'), cursors);
  }
}
