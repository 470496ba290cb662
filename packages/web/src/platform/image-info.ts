import { MAX_THUMBNAIL_BYTES } from '@conclave/protocol';

/** What an image file's message announces about it (`FileMeta.image`). */
export interface ImageInfo {
  /** Natural size in CSS pixels, after the file's EXIF orientation (as `<img>` shows it). */
  width: number;
  height: number;
  /** A JPEG of at most `MAX_THUMBNAIL_BYTES`, shown blurred until the image is decrypted; absent when none fits. */
  thumbnail?: Uint8Array;
}

/** Longest side of a thumbnail tried first, then the smaller one, px. */
const THUMBNAIL_SIDES = [96, 64] as const;
/** JPEG qualities tried at each side, best first, until the thumbnail fits. */
const QUALITIES = [0.7, 0.55, 0.4, 0.28] as const;

/**
 * Reads an image's size and makes its thumbnail (`ImageInfo`), in the
 * browser: `createImageBitmap` decodes it (orientation applied), a canvas
 * (an `OffscreenCanvas` where there is one) encodes the thumbnail as JPEG
 * at lower and lower quality, then a smaller side, until it fits in
 * `MAX_THUMBNAIL_BYTES` — else the thumbnail is left out.
 * Resolves with undefined when the browser cannot decode the file (not an
 * image, or a format it does not know): it is then sent as a plain file.
 */
export async function imageInfo(file: Blob): Promise<ImageInfo | undefined> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return undefined;
  }
  try {
    const { width, height } = bitmap;
    if (width === 0 || height === 0) return undefined;
    const thumbnail = await makeThumbnail(bitmap).catch(() => undefined);
    return { width, height, ...(thumbnail !== undefined && { thumbnail }) };
  } finally {
    bitmap.close();
  }
}

async function makeThumbnail(bitmap: ImageBitmap): Promise<Uint8Array | undefined> {
  for (const side of THUMBNAIL_SIDES) {
    const scale = Math.min(1, side / Math.max(bitmap.width, bitmap.height));
    const w = Math.max(1, Math.round(bitmap.width * scale));
    const h = Math.max(1, Math.round(bitmap.height * scale));
    const small = await createImageBitmap(bitmap, { resizeWidth: w, resizeHeight: h, resizeQuality: 'high' });
    try {
      for (const quality of QUALITIES) {
        const jpeg = await encodeJpeg(small, quality);
        if (jpeg.byteLength <= MAX_THUMBNAIL_BYTES) return jpeg;
      }
    } finally {
      small.close();
    }
  }
  return undefined;
}

/** `bitmap` as JPEG bytes at `quality` (0–1), on white (JPEG has no transparency). */
async function encodeJpeg(bitmap: ImageBitmap, quality: number): Promise<Uint8Array> {
  const { width, height } = bitmap;
  let blob: Blob | null;
  if (typeof OffscreenCanvas === 'function') {
    const canvas = new OffscreenCanvas(width, height);
    paint(canvas.getContext('2d'), bitmap);
    blob = await canvas.convertToBlob({ type: 'image/jpeg', quality });
  } else {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    paint(canvas.getContext('2d'), bitmap);
    blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
  }
  if (blob === null) throw new Error('the canvas made no JPEG');
  return new Uint8Array(await blob.arrayBuffer());
}

function paint(ctx: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null, bitmap: ImageBitmap): void {
  if (ctx === null) throw new Error('no 2d canvas context');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, bitmap.width, bitmap.height);
  ctx.drawImage(bitmap, 0, 0);
}
