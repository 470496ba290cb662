import { useCallback, useMemo, useRef, useState, type ReactNode } from 'react';
import type { ConversationId } from '@conclave/protocol';
import type { ChatModel, MessageItem } from '@conclave/client';
import type { ComposeMode } from './Composer.js';
import { DeleteDialog } from './DeleteDialog.js';
import { showsInline } from './files/file-kinds.js';
import { Lightbox } from './files/Lightbox.js';
import { previewText, type MessageActions } from './message-actions.js';
import type { JumpRequest } from './MessageList.js';
import { MessageSheet } from './MessageSheet.js';
import { ReactionPicker } from './ReactionPicker.js';

/** Longest start of a message quoted in "Replying to bob: …", characters. */
const REPLY_PREVIEW = 80;

/** What the message list and the composer share: the reply or edit under way, the open picker, sheet or question, the last jump. */
export interface MessageUi {
  /** For `MessageActionsContext` (stable while `phone` does not change). */
  actions: MessageActions;
  compose: ComposeMode | null;
  setCompose: (mode: ComposeMode | null) => void;
  /** ↑ in an empty composer: edit your last message in the conversation on screen; false when there is none. */
  editLast: () => boolean;
  /** For `MessageList`. */
  jump: JumpRequest | null;
  /** Opens a conversation at one of its messages (loading older history when needed), then scrolls to it. */
  reveal: (conversationId: ConversationId, key: string) => Promise<void>;
  /** The emoji picker, the phone's action sheet, the delete question and the lightbox, as they are open now. */
  overlays: ReactNode;
}

/** The message list's element of the message `key` (`data-key`), if shown. */
function messageElement(key: string): HTMLElement | null {
  return Array.from(document.querySelectorAll<HTMLElement>('[data-kind="message"][data-key]')).find((el) => el.dataset.key === key) ?? null;
}

/**
 * The state behind the actions on messages (reply, react, edit, delete, jump
 * to a quoted message, open an image, fetch or stop sending a file) and the
 * overlays they open. The actions call the `ChatModel`; nothing here decides
 * what a reaction or an edit means.
 */
export function useMessageUi(model: ChatModel, phone: boolean): MessageUi {
  const [compose, setCompose] = useState<ComposeMode | null>(null);
  const [picker, setPicker] = useState<{ key: string; anchor: HTMLElement | null } | null>(null);
  const [sheet, setSheet] = useState<MessageItem | null>(null);
  const [deleting, setDeleting] = useState<MessageItem | null>(null);
  const [viewing, setViewing] = useState<MessageItem | null>(null);
  const [jump, setJump] = useState<JumpRequest | null>(null);
  const jumps = useRef(0);

  const reveal = useCallback(
    async (conversationId: ConversationId, key: string): Promise<void> => {
      if (await model.reveal(conversationId, key)) setJump({ key, n: ++jumps.current });
      else model.system('That message is not on this browser.', 'info', conversationId);
    },
    [model],
  );

  const actions = useMemo<MessageActions>(
    () => ({
      phone,
      reply: (item) => setCompose({ kind: 'reply', seq: item.seq, key: item.key, sender: item.sender, text: previewText(item.text, REPLY_PREVIEW) }),
      react: (key, emoji) => void model.react(key, emoji),
      pick: (key, anchor) => setPicker({ key, anchor }),
      edit: (item) => setCompose({ kind: 'edit', seq: item.seq, key: item.key, text: item.text }),
      remove: (item) => setDeleting(item),
      jump: (key) => {
        const here = model.current;
        if (here !== null) void reveal(here, key);
      },
      menu: (item) => setSheet(item),
      fetchFile: (key, write, options) => model.downloadFile(key, write, options),
      cancelTransfer: (key) => model.cancelTransfer(key),
      view: (item) => setViewing(item),
    }),
    [model, phone, reveal],
  );

  const editLast = useCallback((): boolean => {
    const last = model.lastEditable();
    if (last === null) return false;
    const item = model.pane().find((i): i is MessageItem => i.kind === 'message' && i.mine && i.seq === last.seq);
    if (item === undefined) return false;
    setCompose({ kind: 'edit', seq: last.seq, key: item.key, text: last.text });
    return true;
  }, [model]);

  const overlays = (
    <>
      {picker !== null && (
        <ReactionPicker
          anchor={picker.anchor}
          phone={phone}
          onClose={() => setPicker(null)}
          returnFocus={() => messageElement(picker.key)}
          onPick={(emoji) => {
            setPicker(null);
            void model.react(picker.key, emoji);
          }}
        />
      )}
      {sheet !== null && <MessageSheet item={sheet} actions={actions} onClose={() => setSheet(null)} />}
      {deleting !== null && (
        <DeleteDialog
          item={deleting}
          onClose={() => setDeleting(null)}
          onConfirm={() => {
            const found = model.message(deleting.key);
            const conversationId = model.current;
            if (found !== null && conversationId !== null) void model.deleteMessage(conversationId, found.seq);
          }}
        />
      )}
      {viewing?.file !== undefined && showsInline(viewing.file) && (
        <Lightbox item={viewing} file={viewing.file} onClose={() => setViewing(null)} />
      )}
    </>
  );

  return { actions, compose, setCompose, editLast, jump, reveal, overlays };
}
