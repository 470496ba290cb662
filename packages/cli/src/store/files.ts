import { chmod, link, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
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
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
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

/**
 * Replaces `path` with `data` atomically and durably: temp file (0600) +
 * fsync + rename + fsync of the directory. Readers see the old or the new
 * contents, never a mix, and the new contents survive a crash after return.
 */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  const tmp = await writeTemp(path, data);
  try {
    await rename(tmp, path);
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
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
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
