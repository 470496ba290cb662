import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { CliError } from '../errors.js';

/** Longest saved name, in UTF-8 bytes (ext4, APFS and NTFS allow 255). */
const MAX_NAME_BYTES = 255;
/** Tries at a free name (`name (1).ext`, `name (2).ext`, …) before giving up. */
const MAX_NUMBERED = 9_999;
/** Names Windows reserves in every folder, with or without an extension. */
const WINDOWS_RESERVED = /^(?:con|prn|aux|nul|com[0-9]|lpt[0-9])(?:\.|$)/i;

/**
 * A sender's file name made safe to create in a folder: control characters
 * and bidirectional overrides (which can show `exe.txt` for `txt.exe`)
 * removed; path separators and the characters Windows forbids (`:*?"<>|`)
 * become `_`; no leading dots (no hidden files, no `..`) or spaces, no
 * trailing dots or spaces (Windows drops them); a Windows device name
 * (`con.txt`) gets a `_` in front; at most 255 bytes, keeping the extension.
 * An empty result is `file`.
 */
export function safeFileName(name: string): string {
  let safe = name
    .replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/[/\\:*?"<>|]/g, '_')
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '');
  if (WINDOWS_RESERVED.test(safe)) safe = `_${safe}`;
  safe = cutToBytes(safe, MAX_NAME_BYTES);
  return safe === '' ? 'file' : safe;
}

/** `name` within `max` UTF-8 bytes, cut before its extension (kept when short) and never inside a character. */
function cutToBytes(name: string, max: number): string {
  const size = (s: string): number => Buffer.byteLength(s, 'utf8');
  if (size(name) <= max) return name;
  const ext = extname(name);
  const keep = size(ext) <= 16 ? ext : '';
  let stem = name.slice(0, name.length - keep.length);
  const chars = [...stem];
  while (chars.length > 0 && size(chars.join('')) + size(keep) > max) chars.pop();
  stem = chars.join('');
  return stem + keep;
}

/** The `n`th alternative of `name`: `report (2).pdf` (a name starting with its only dot has no extension). */
export function numberedName(name: string, n: number): string {
  const ext = extname(name);
  return `${name.slice(0, name.length - ext.length)} (${n})${ext}`;
}

/** Where a download was saved. */
export interface Saved<T> {
  /** The file's path: `dir` and the first free name. */
  path: string;
  /** What `fetch` returned. */
  result: T;
}

/**
 * Saves a download into `dir` (created if missing) under the sender's name
 * made safe (`safeFileName`), never overwriting: a taken name becomes
 * `name (1).ext`, `name (2).ext`, …. `fetch` streams the bytes to `write`;
 * they go to a hidden temporary file in `dir`, which becomes the file only
 * when `fetch` resolves — when it throws (a corrupt file, a cancel), the
 * temporary file is removed and nothing is saved. Saved files are private
 * to the user (mode 0600): they came end-to-end encrypted.
 * @throws what `fetch` throws; CliError when `dir` cannot be written
 */
export async function saveDownload<T>(dir: string, name: string, fetch: (write: (bytes: Uint8Array) => Promise<void>) => Promise<T>): Promise<Saved<T>> {
  const temp = join(dir, `.conclave-${randomBytes(6).toString('hex')}.part`);
  let handle: FileHandle;
  try {
    await mkdir(dir, { recursive: true });
    handle = await open(temp, 'wx', 0o600);
  } catch (err) {
    throw new CliError(folderProblem(dir, err));
  }
  let result: T;
  try {
    result = await fetch(async (bytes) => {
      for (let done = 0; done < bytes.byteLength; ) done += (await handle.write(bytes, done)).bytesWritten;
    });
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    const path = await claimName(dir, safeFileName(name));
    await rename(temp, path);
    return { path, result };
  } catch (err) {
    await rm(temp, { force: true });
    throw err instanceof CliError ? err : new CliError(folderProblem(dir, err));
  }
}

/**
 * Creates an empty file under the first free name in `dir` (exclusively, so
 * two downloads at once never take the same one) and returns its path.
 */
async function claimName(dir: string, name: string): Promise<string> {
  for (let n = 0; n <= MAX_NUMBERED; n++) {
    const path = join(dir, n === 0 ? name : numberedName(name, n));
    try {
      await (await open(path, 'wx', 0o600)).close();
      return path;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new CliError(`${dir} already holds ${MAX_NUMBERED} files named like ${name}`);
}

/** The one line for a folder that cannot take the download. */
function folderProblem(dir: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return `cannot save into ${dir}: permission denied`;
  if (code === 'ENOTDIR' || code === 'EEXIST') return `cannot save into ${dir}: it is not a folder`;
  if (code === 'ENOSPC') return `cannot save into ${dir}: the disk is full`;
  return `cannot save into ${dir}: ${code ?? (err instanceof Error ? err.message : String(err))}`;
}
