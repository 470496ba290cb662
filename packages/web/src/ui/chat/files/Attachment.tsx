import type { FileView, MessageItem } from '@conclave/client';
import { showsInline } from './file-kinds.js';
import { FileCard } from './FileCard.js';
import { InlineImage } from './InlineImage.js';

/** The file of a message: inline when it is an image we render safely, else a card. */
export function Attachment({ item, file }: { item: MessageItem; file: FileView }) {
  return showsInline(file) ? <InlineImage item={item} file={file} /> : <FileCard item={item} file={file} />;
}
