import type { ConversationId } from '@conclave/protocol';
import type { ChatModel, MessageItem } from '@conclave/client';

/**
 * This user's own images while they are being sent, shown from the local
 * file (a `blob:` URL of the `File` itself: no copy) until the message is
 * placed; from then on it is shown like anyone's, decrypted from the server.
 * Keyed by the pending message's key.
 */
const previews = new Map<string, string>();

/** The local preview of the pending message `key`, if it is one of ours being sent from this tab. */
export function previewOf(key: string): string | undefined {
  return previews.get(key);
}

/**
 * Starts `send` (a `ChatModel.sendFile` of `file` to `conversationId`) and,
 * when `file` is an image shown inline, keeps a preview for the pending
 * message it adds — `sendFile` adds it before its first await, so it is the
 * newest pending file message of the conversation right after the call.
 * The preview goes once the message is placed or cancelled (a failed one
 * keeps it for Retry).
 */
export async function withPreview(model: ChatModel, conversationId: ConversationId, file: File, send: () => Promise<void>): Promise<void> {
  const sending = send();
  const item = model
    .pane(conversationId)
    .findLast((i): i is MessageItem => i.kind === 'message' && i.mine && i.status === 'pending' && i.file !== undefined && i.file.attachment === undefined);
  if (item === undefined || previews.has(item.key)) return sending;
  const url = URL.createObjectURL(file);
  previews.set(item.key, url);
  try {
    await sending;
  } finally {
    if (model.message(item.key)?.status !== 'failed') {
      previews.delete(item.key);
      URL.revokeObjectURL(url);
    }
  }
}
