import { chmod, link, mkdir, open, readFile, rename, rm, truncate, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';

/** Creates `dir` (and parents) private to the user (mode 0700). */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

/** The contents of `path`, or null when it does not exist. @throws for any other I/O error */
export async function readIfExists(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

/** True for the "no such file or directory" error of node:fs. */
export function isNotFound(err: unknown): boolean {
  return codeOf(err) === 'ENOENT';
}

/**
 * Flushes a directory's entries (a rename or unlink in it) to disk. Best
 * effort: some platforms (Windows) cannot open a directory for fsync.
 */
export async function fsyncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Not supported here; the file itself was fsync'd.
  } finally {
    await handle?.close();
  }
}

/** Writes `data` to a fresh temp file next to `path` (mode 0600) and fsyncs it. @returns the temp path */
async function writeTemp(path: string, data: Uint8Array): Promise<string> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.chmod(0o600); // the umask may have narrowed it further, never widened; be explicit
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  return tmp;
}

/** The error code of a node:fs error ('' for anything else). */
function codeOf(err: unknown): string {
  return (err as NodeJS.ErrnoException | null)?.code ?? '';
}

/**
 * Errors a rename over an existing file fails with on Windows while another
 * process holds the target open without sharing delete access (a virus
 * scanner, the search indexer, a backup tool); they pass within moments.
 */
const WINDOWS_TRANSIENT_RENAME = new Set(['EPERM', 'EACCES', 'EBUSY']);

/** Tries a Windows rename this many times in all; the pauses between tries add up to ~3 s. */
const RENAME_ATTEMPTS = 8;

/** What `replaceFile` uses, injectable for tests. */
export interface ReplaceFileDeps {
  platform: NodeJS.Platform;
  rename: (from: string, to: string) => Promise<void>;
  /** Waits `ms` milliseconds. */
  pause: (ms: number) => Promise<void>;
}

const realReplaceDeps: ReplaceFileDeps = {
  platform: process.platform,
  rename,
  pause: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Renames `from` over `to`. On Windows, a rename refused with EPERM, EACCES
 * or EBUSY (the target is open elsewhere) is retried with growing pauses
 * (25 ms doubling to 800 ms), the way graceful-fs does; elsewhere those
 * errors are real and thrown at once.
 * @throws the last error of the rename
 */
export async function replaceFile(from: string, to: string, deps: Partial<ReplaceFileDeps> = {}): Promise<void> {
  const { platform, rename: move, pause } = { ...realReplaceDeps, ...deps };
  for (let attempt = 1; ; attempt++) {
    try {
      await move(from, to);
      return;
    } catch (err) {
      if (platform !== 'win32' || attempt >= RENAME_ATTEMPTS || !WINDOWS_TRANSIENT_RENAME.has(codeOf(err))) throw err;
      await pause(Math.min(800, 25 * 2 ** (attempt - 1)));
    }
  }
}

/**
 * Truncates the file open as `handle` (at `path`) to `length` bytes. A handle
 * opened for appending (`a`, `a+`) may truncate on POSIX, but on Windows it
 * lacks the write-data right (libuv opens it with FILE_APPEND_DATA only) and
 * the call fails with EPERM or EACCES: then the file is truncated through a
 * second handle opened by path (libuv shares read, write and delete access,
 * so the first handle stays valid and appends at the new end).
 */
export async function truncateOpenFile(handle: Pick<FileHandle, 'truncate'>, path: string, length: number): Promise<void> {
  try {
    await handle.truncate(length);
  } catch (err) {
    if (codeOf(err) !== 'EPERM' && codeOf(err) !== 'EACCES') throw err;
    await truncate(path, length);
  }
}

/**
 * Replaces `path` with `data` atomically and durably: temp file (0600) +
 * fsync + rename + fsync of the directory. Readers see the old or the new
 * contents, never a mix, and the new contents survive a crash after return.
 * (On Windows the rename may be retried for a few seconds, see `replaceFile`.)
 */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  const tmp = await writeTemp(path, data);
  try {
    await replaceFile(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(dirname(path));
}

/**
 * Like `writeFileAtomic`, but only if `path` does not exist yet (a hard link
 * refuses to replace a file), so two processes creating it at once cannot
 * overwrite each other. @returns false when `path` already existed
 */
export async function createFileAtomic(path: string, data: Uint8Array): Promise<boolean> {
  const tmp = await writeTemp(path, data);
  try {
    await link(tmp, path);
  } catch (err) {
    if (codeOf(err) === 'EEXIST') return false;
    throw err;
  } finally {
    await rm(tmp, { force: true });
  }
  await fsyncDir(dirname(path));
  return true;
}

/** Deletes `path` if it exists, durably. */
export async function removeFile(path: string): Promise<void> {
  await rm(path, { force: true });
  await fsyncDir(dirname(path));
}
