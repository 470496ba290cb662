import type { MessageItem } from '@conclave/client';
import { Dialog } from '../common/Dialog.js';
import { previewText } from './message-actions.js';

/** Props of `DeleteDialog`. */
export interface DeleteDialogProps {
  item: MessageItem;
  /** Deletes the message for everyone (sent in the background: a failure becomes an error line in the conversation). */
  onConfirm: () => void;
  onClose: () => void;
}

/** "Delete message?": the message's start, and that it goes for everyone. Cancel has the focus (the safe choice). */
export function DeleteDialog({ item, onConfirm, onClose }: DeleteDialogProps) {
  const preview = previewText(item.text, 160);
  return (
    <Dialog title="Delete message?" onClose={onClose}>
      <blockquote className="dialog__quote">{preview}</blockquote>
      <p className="dialog__text">It is deleted for everyone in the conversation, on every device. This cannot be undone.</p>
      <div className="dialog__actions">
        <button type="button" className="button button--secondary" onClick={onClose} data-autofocus>
          Cancel
        </button>
        <button
          type="button"
          className="button button--danger"
          onClick={() => {
            onClose();
            onConfirm();
          }}
        >
          Delete
        </button>
      </div>
    </Dialog>
  );
}
