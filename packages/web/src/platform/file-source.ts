import type { FileSource } from '@conclave/client';

/**
 * A browser `File` (or any `Blob`) as the core's `FileSource`: each read
 * slices the file and reads only that slice, so a large file is never held
 * in memory whole by the reader.
 */
export function blobSource(file: Blob): FileSource {
  return {
    size: file.size,
    read: async (offset, length) => new Uint8Array(await file.slice(offset, offset + length).arrayBuffer()),
  };
}
