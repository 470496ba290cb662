import type { FileView } from '@conclave/client';

/**
 * What the web client makes of a file's announced type and size. The type
 * is the sender's word (`FileView.mime`), never proof: only raster formats
 * every current browser decodes safely are shown inline, SVG never (it is a
 * document that can carry scripts and links).
 */

/** Image types shown inline and in the lightbox. */
export const INLINE_IMAGE_TYPES: ReadonlySet<string> = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/avif']);

/** The MIME type a decrypted file's `Blob` gets when it is not shown inline: saved, never rendered. */
export const OPAQUE_TYPE = 'application/octet-stream';

/** The announced type in lower case, without parameters (`image/PNG; x=1` → `image/png`). */
export function baseType(mime: string): string {
  return (mime.split(';')[0] ?? '').trim().toLowerCase();
}

/** An image file with its size announced: what `InlineImage` and `Lightbox` take. */
export type ImageFileView = FileView & { image: NonNullable<FileView['image']> };

/** Whether the file is shown as an image in the message (a raster type we render, with its size announced). */
export function showsInline(file: FileView): file is ImageFileView {
  return file.image !== undefined && file.image.width > 0 && file.image.height > 0 && INLINE_IMAGE_TYPES.has(baseType(file.mime));
}

/** The `Blob` type of the decrypted file: its own for an inline image, else opaque bytes. */
export function blobType(file: FileView): string {
  return showsInline(file) ? baseType(file.mime) : OPAQUE_TYPE;
}

/** A file's kind, for its card's icon. */
export type FileKind = 'image' | 'video' | 'audio' | 'pdf' | 'archive' | 'text' | 'other';

const ARCHIVES = /\.(zip|tar|gz|tgz|bz2|xz|7z|rar|zst)$/i;
const TEXTS = /\.(txt|md|csv|log|json|ya?ml|toml|xml|html?|css|[jt]sx?|py|rs|go|c|h|cpp|java|sh)$/i;

/** The kind of a file from its type, or its name's extension when the type says little. */
export function fileKind(file: { mime: string; name: string }): FileKind {
  const type = baseType(file.mime);
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('video/')) return 'video';
  if (type.startsWith('audio/')) return 'audio';
  if (type === 'application/pdf' || /\.pdf$/i.test(file.name)) return 'pdf';
  if (/zip|compressed|tar|gzip|x-7z|rar/.test(type) || ARCHIVES.test(file.name)) return 'archive';
  if (type.startsWith('text/') || type === 'application/json' || TEXTS.test(file.name)) return 'text';
  return 'other';
}

/** "42 %" of `done` out of `total` bytes (0 when the total is not known yet). */
export function percent(done: number, total: number): number {
  return total <= 0 ? 0 : Math.min(100, Math.floor((done / total) * 100));
}

/**
 * A `data:` URL for a thumbnail (base64) when its bytes are a JPEG or a PNG
 * (by their signature, not the sender's word); null otherwise.
 */
export function thumbnailUrl(base64: string | undefined): string | null {
  if (base64 === undefined || base64 === '') return null;
  let head: string;
  try {
    head = atob(base64.slice(0, 12));
  } catch {
    return null;
  }
  if (head.startsWith('\xff\xd8\xff')) return `data:image/jpeg;base64,${base64}`;
  if (head.startsWith('\x89PNG')) return `data:image/png;base64,${base64}`;
  return null;
}

/** Largest box an image takes in a message, CSS px (a phone narrows the width further). */
export const IMAGE_BOX = { width: 360, height: 320 } as const;

/** The size an image is shown at in a message: its own, scaled down (never up) to fit `IMAGE_BOX`. */
export function fittedSize(image: { width: number; height: number }): { width: number; height: number } {
  const scale = Math.min(1, IMAGE_BOX.width / image.width, IMAGE_BOX.height / image.height);
  return { width: Math.max(1, Math.round(image.width * scale)), height: Math.max(1, Math.round(image.height * scale)) };
}
