import type { MessageItem } from '@conclave/client';
import { Dialog } from '../common/Dialog.js';
import { AddReactionIcon, CopyIcon, DeleteIcon, EditIcon, ReplyIcon } from '../common/icons.js';
import { editable, previewText, QUICK_REACTIONS, type MessageActions } from './message-actions.js';
import { preloadEmojiPicker } from './ReactionPicker.js';

/** Props of `MessageSheet`. */
export interface MessageSheetProps {
  item: MessageItem;
  actions: MessageActions;
  onClose: () => void;
}

/**
 * A phone's actions on one message, as a sheet from the bottom of the screen
 * (a modal dialog named after the message): the quick reactions and "More
 * reactions", Reply, Copy text, and on your own messages Edit and Delete.
 * Each closes the sheet first.
 */
export function MessageSheet({ item, actions, onClose }: MessageSheetProps) {
  const then = (run: () => void) => () => {
    onClose();
    run();
  };
  const preview = previewText(item.text, 160);
  const canCopy = typeof navigator.clipboard?.writeText === 'function' && item.text !== '';
  return (
    <Dialog title={`Message from ${item.sender}`} onClose={onClose} className="dialog--sheet">
      <p className="sheet__preview">{preview}</p>
      <div className="sheet__reactions" role="group" aria-label="React">
        {QUICK_REACTIONS.map((emoji) => {
          const mine = item.reactions?.some((r) => r.emoji === emoji && r.mine) === true;
          return (
            <button
              key={emoji}
              type="button"
              className={`sheet__emoji ${mine ? 'sheet__emoji--mine' : ''}`}
              aria-label={`React with ${emoji}`}
              aria-pressed={mine}
              onClick={then(() => actions.react(item.key, emoji))}
            >
              {emoji}
            </button>
          );
        })}
        <button
          type="button"
          className="sheet__emoji"
          aria-label="More reactions"
          onPointerDown={preloadEmojiPicker}
          onClick={then(() => actions.pick(item.key, null))}
        >
          <AddReactionIcon />
        </button>
      </div>
      <ul className="sheet__list">
        <li>
          <button type="button" className="sheet__item" onClick={then(() => actions.reply(item))}>
            <ReplyIcon />
            Reply
          </button>
        </li>
        {canCopy && (
          <li>
            <button type="button" className="sheet__item" onClick={then(() => void navigator.clipboard.writeText(item.text).catch(() => undefined))}>
              <CopyIcon />
              Copy text
            </button>
          </li>
        )}
        {editable(item) && (
          <>
            <li>
              <button type="button" className="sheet__item" onClick={then(() => actions.edit(item))}>
                <EditIcon />
                Edit
              </button>
            </li>
            <li>
              <button type="button" className="sheet__item sheet__item--danger" onClick={then(() => actions.remove(item))}>
                <DeleteIcon />
                Delete
              </button>
            </li>
          </>
        )}
      </ul>
    </Dialog>
  );
}
