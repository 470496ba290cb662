import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import lockfile from 'proper-lockfile';
import { CliError } from '../errors.js';

/** How long a second `conclave` waits for a profile another one holds, ms (a `send` takes about a second). */
export const PROFILE_LOCK_WAIT_MS = 30_000;
/**
 * A holder refreshes its lock this often, ms; a lock not refreshed for
 * `PROFILE_LOCK_STALE_MS` (its process crashed) is taken over.
 */
const PROFILE_LOCK_UPDATE_MS = 5_000;
const PROFILE_LOCK_STALE_MS = 15_000;
/** Between two attempts to take a held lock, ms. */
const RETRY_MS = 100;

/**
 * Takes the profile directory `dir` for this process alone (proper-lockfile:
 * a `<dir>.lock` directory beside it, kept fresh while held, released when
 * the process exits however it exits). Two processes using one profile at
 * once would both start from the same saved MLS state, encrypt two messages
 * with the same key generation, and every other member would fail to
 * decrypt the second (RFC 9420 §9.1: each generation's key is used once).
 * With the lock, a second `conclave` waits for the first to finish.
 * @returns the release function (idempotent)
 * @throws CliError when another process still holds the profile after
 *   `waitMs` (a `chat` or `read --follow` that is running)
 */
export async function lockProfile(dir: string, waitMs = PROFILE_LOCK_WAIT_MS): Promise<() => Promise<void>> {
  await mkdir(dirname(dir), { recursive: true, mode: 0o700 });
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(dir, {
      realpath: false,
      stale: PROFILE_LOCK_STALE_MS,
      update: PROFILE_LOCK_UPDATE_MS,
      retries: { retries: Math.ceil(waitMs / RETRY_MS), factor: 1, minTimeout: RETRY_MS, maxTimeout: RETRY_MS },
      // The default throws from a timer (ending the process) when the lock could not be refreshed; a held
      // profile is better kept working: the lock only guards against a second process starting.
      onCompromised: () => undefined,
    });
  } catch (err) {
    if ((err as { code?: string }).code !== 'ELOCKED') throw err;
    throw new CliError(
      `the profile ${dir} is in use by another conclave (a chat, read --follow or send still running); close it or try again when it has finished`,
    );
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    await release().catch(() => undefined); // already gone (compromised, or the directory was removed)
  };
}
