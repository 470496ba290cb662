import { open, stat, type FileHandle } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, extname, isAbsolute, resolve } from 'node:path';
import { imageSize } from 'image-size';
import type { FileMeta, FileSource } from '@conclave/client';
import { CliError, EXIT } from '../errors.js';

/** Bytes read from the start of a file to find an image's size (JPEG keeps EXIF, maybe a preview, before its frame header). */
const IMAGE_HEADER_BYTES = 512 * 1024;

/** Largest image side announced, in pixels (the protocol's bound on `image.width`/`height`). */
const MAX_IMAGE_SIDE = 100_000;

/** Images whose size is sent (`FileMeta.image`), by image-size's type; SVG is not one: it is a document that can run script. */
const IMAGE_TYPES: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
  avif: 'image/avif',
};

/** The announced type of other files, by lower-case extension (unknown: the core's `application/octet-stream`). */
const TYPES_BY_EXTENSION: Readonly<Record<string, string>> = {
  '.pdf': 'application/pdf',
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.json': 'application/json',
  '.html': 'text/html',
  '.svg': 'image/svg+xml',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.tar': 'application/x-tar',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.wav': 'audio/wav',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.mov': 'video/quicktime',
  '.doc': 'application/msword',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.odt': 'application/vnd.oasis.opendocument.text',
};

/**
 * A file on disk to send. `source` opens the file for each read (the core
 * reads it twice, and again on /retry long after a failed send), so nothing
 * stays open and there is nothing to close.
 */
export interface LocalFile {
  /** The absolute path. */
  path: string;
  source: FileSource;
  /** Name (the path's last part), type, and an image's size in pixels (no thumbnail: the terminal makes none). */
  meta: Pick<FileMeta, 'name' | 'mime' | 'image'>;
}

/**
 * `typed` as a path: a leading `~` (`~`, `~/x`, `~\x`) is the home directory
 * — the chat's `/upload` gets paths as typed, with no shell to expand them —
 * and a relative path is resolved against the working directory.
 */
export function expandPath(typed: string, home: string = homedir()): string {
  const path = /^~(?=$|[\\/])/.test(typed) ? home + typed.slice(1) : typed;
  return isAbsolute(path) ? path : resolve(path);
}

/**
 * Checks the file at `typed` (see `expandPath`) can be sent, and reads what
 * is announced about it: the type from an image's header (its size in
 * pixels too, turned as its EXIF orientation says) or else from the extension.
 * @throws CliError (usage) with one line: no such file, a directory, not readable
 */
export async function openLocalFile(typed: string): Promise<LocalFile> {
  const path = expandPath(typed.trim());
  let size: number;
  let head: Uint8Array;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new CliError(`${path} is a directory; give a file`, EXIT.usage);
    size = info.size;
    head = await readFileAt(path, 0, Math.min(size, IMAGE_HEADER_BYTES));
  } catch (err) {
    throw err instanceof CliError ? err : new CliError(openProblem(path, err), EXIT.usage);
  }
  const image = imageOf(head);
  const mime = image?.mime ?? TYPES_BY_EXTENSION[extname(path).toLowerCase()];
  return {
    path,
    source: { size, read: (offset, length) => readFileAt(path, offset, length) },
    meta: { name: basename(path), ...(mime !== undefined && { mime }), ...(image !== null && { image: { width: image.width, height: image.height } }) },
  };
}

/** `length` bytes of the file at `path` from `offset` (fewer only at its end); opened and closed for the read. */
async function readFileAt(path: string, offset: number, length: number): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    return await readAt(handle, offset, length);
  } finally {
    await handle.close();
  }
}

/** The one line for a file that cannot be read. */
function openProblem(path: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return `no such file: ${path}`;
  if (code === 'EISDIR') return `${path} is a directory; give a file`;
  if (code === 'EACCES' || code === 'EPERM') return `cannot read ${path}: permission denied`;
  return `cannot read ${path}: ${code ?? (err instanceof Error ? err.message : String(err))}`;
}

/** `length` bytes from `offset` (fewer only at the end of the file). */
async function readAt(handle: FileHandle, offset: number, length: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, offset + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/** An image's type and displayed size from its first bytes, or null for anything else (or a header image-size cannot read). */
export function imageOf(head: Uint8Array): { mime: string; width: number; height: number } | null {
  if (head.byteLength === 0) return null;
  try {
    const found = imageSize(head);
    const mime = found.type === undefined ? undefined : IMAGE_TYPES[found.type];
    if (mime === undefined || !(found.width > 0 && found.height > 0) || Math.max(found.width, found.height) > MAX_IMAGE_SIDE) return null;
    // EXIF orientations 5–8 turn the picture a quarter: width and height swap on screen.
    const turned = found.orientation !== undefined && found.orientation >= 5;
    return { mime, width: turned ? found.height : found.width, height: turned ? found.width : found.height };
  } catch {
    return null;
  }
}
