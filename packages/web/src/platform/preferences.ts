/**
 * Small non-secret preferences kept in `localStorage` (never a token or a
 * key): which user to resume on reload, and whether sounds are muted.
 * Storage may be unavailable (privacy modes); then nothing is remembered.
 */

const LAST_USER = 'conclave.lastUser';
const MUTED = 'conclave.muted';

function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // Not remembered; harmless.
  }
}

/** The username whose database a reload resumes, or null. */
export function lastUser(): string | null {
  return read(LAST_USER);
}

/** Remembers (or with null forgets) the username to resume on reload. */
export function setLastUser(username: string | null): void {
  write(LAST_USER, username);
}

/** Whether sounds are muted (default: not muted). */
export function isMuted(): boolean {
  return read(MUTED) === 'true';
}

/** Persists the mute choice. */
export function setMuted(muted: boolean): void {
  write(MUTED, muted ? 'true' : 'false');
}
