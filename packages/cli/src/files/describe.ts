import { formatBytes, sanitize, type FileAttachment } from '@conclave/client';

/**
 * How a file message names its file, in `read` and the chat: `[file: report.pdf, 1.2 MB]`,
 * `[image: cat.jpg, 1024×768, 210 kB]`; with `n` (the message number the chat
 * shows, for `/download N`) `[file 3: report.pdf, 1.2 MB]`. Sizes as `formatBytes`
 * (SI, as the web client shows them); the sender's name with control characters removed.
 */
export function fileTag(file: Pick<FileAttachment, 'name' | 'size' | 'image'>, n?: number): string {
  const what = file.image === undefined ? 'file' : 'image';
  const pixels = file.image === undefined ? '' : `${file.image.width}×${file.image.height}, `;
  const name = sanitize(file.name).replace(/\n/g, ' ');
  return `[${what}${n === undefined ? '' : ` ${n}`}: ${name}, ${pixels}${formatBytes(file.size)}]`;
}

/** The first 16 hex digits of a SHA-256, as the chat shows a saved file's digest. */
export function shortDigest(sha256: string): string {
  return sha256.slice(0, 16);
}
