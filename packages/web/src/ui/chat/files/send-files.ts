import type { ConversationId } from '@conclave/protocol';
import { fileName, type ChatModel, type FileMeta, type FileSource } from '@conclave/client';
import { blobSource } from '../../../platform/file-source.js';
import { imageInfo } from '../../../platform/image-info.js';
import { baseType, INLINE_IMAGE_TYPES } from './file-kinds.js';
import { withPreview } from './previews.js';

/** A browser file ready for `ChatModel.sendFile`. */
export interface PreparedFile {
  source: FileSource;
  meta: FileMeta;
}

/**
 * What a message announces about `file`: its name (`fileName`: cut to the
 * protocol's limit, the extension kept), its type as the browser
 * guessed it, and for an image we show inline its size and thumbnail
 * (`imageInfo`; an image the browser cannot decode goes as a plain file).
 */
export async function prepareFile(file: File): Promise<PreparedFile> {
  const mime = baseType(file.type);
  const image = INLINE_IMAGE_TYPES.has(mime) ? await imageInfo(file) : undefined;
  return {
    source: blobSource(file),
    meta: { name: fileName(file.name), ...(mime !== '' && { mime }), ...(image !== undefined && { image }) },
  };
}

/**
 * Sends each file as its own message to `conversationId`: all upload side by
 * side, and the model announces them in the order given (a small file chosen
 * after a large one does not overtake it). Each shows at once as a pending
 * message with its progress (an image from the local file meanwhile:
 * `withPreview`); a failure shows on it with Retry and Discard (`sendFile`
 * never throws).
 */
export async function sendFiles(model: ChatModel, files: readonly File[], conversationId: ConversationId): Promise<void> {
  const prepared = await Promise.all(files.map(prepareFile));
  await Promise.all(
    prepared.map(({ source, meta }, i) => {
      const send = (): Promise<void> => model.sendFile(source, meta, conversationId);
      return meta.image !== undefined ? withPreview(model, conversationId, files[i]!, send) : send();
    }),
  );
}
