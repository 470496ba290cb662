import { formatBytes } from '@conclave/client';

/** What a transfer is doing, as its progress line says it. */
export type TransferVerb = 'encrypting' | 'uploading' | 'sending' | 'downloading';

/**
 * A transfer's progress line: `uploading report.pdf… 45 % (1.1 of 2.4 MB)`.
 * `done`/`total` are bytes of ciphertext (what moves), shown as the same
 * share of the file's `size` (what the user knows); `sending` (the message
 * announcing an uploaded file) has no figures. Without `name`: `uploading… 45 % …`.
 */
export function progressText(verb: TransferVerb, name: string | null, done: number, total: number, size: number): string {
  const what = name === null ? `${verb}…` : `${verb} ${name}…`;
  if (verb === 'sending') return what;
  const share = total <= 0 ? 1 : Math.min(1, Math.max(0, done / total));
  return `${what} ${Math.floor(share * 100)} % (${bytesOf(Math.round(share * size), size)})`;
}

/** `1.1 of 2.4 MB`, or `980 B of 2.4 MB` when the units differ. */
function bytesOf(part: number, whole: number): string {
  const a = formatBytes(part);
  const b = formatBytes(whole);
  const unitA = a.slice(a.indexOf(' '));
  return unitA === b.slice(b.indexOf(' ')) ? `${a.slice(0, a.indexOf(' '))} of ${b}` : `${a} of ${b}`;
}
