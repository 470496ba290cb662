import type { MessageItem, ReplyQuote } from '@conclave/client';
import { SeenIcon } from '../common/icons.js';
import { reactionLabel, seenText, useMessageActions } from './message-actions.js';
import { RichText } from './RichText.js';

/**
 * The parts of a message entry below its header: the quote of the message it
 * answers, the text (or "message deleted", the emote, the unsupported note),
 * the reaction chips and who has read up to it.
 */

/** Above a reply: who wrote the original and how it starts; a button that scrolls to it (when it is on this device). */
export function Quote({ quote }: { quote: ReplyQuote }) {
  const { jump } = useMessageActions();
  if (quote.sender === undefined) {
    return (
      <div className="quote quote--missing">
        <span className="visually-hidden">In reply to </span>a message not on this device
      </div>
    );
  }
  // The core gives the quote as plain text, on one line and cut already.
  const text = quote.deleted === true ? 'message deleted' : (quote.text ?? '');
  return (
    <button type="button" className="quote" onClick={() => jump(quote.key)} title="Show the original message">
      <span className="visually-hidden">In reply to </span>
      <span className="quote__sender">{quote.sender}</span>
      <span className="visually-hidden">: </span>
      <span className={`quote__text ${quote.deleted === true ? 'quote__text--deleted' : ''}`}>{text}</span>
      <span className="visually-hidden"> (show the original)</span>
    </button>
  );
}

/** The message's text as its kind shows it; "(edited)" after an edited one. */
export function Body({ item }: { item: MessageItem }) {
  if (item.deleted === true) {
    return (
      <p className="msg__text msg__text--deleted" data-deleted="true">
        message deleted
      </p>
    );
  }
  if (item.unsupported === true) {
    return (
      <p className="msg__text msg__text--unsupported" data-unsupported="true">
        {item.text}
      </p>
    );
  }
  const edited = item.edited === true && (
    <span className="msg__edited" title="Edited by its author">
      {' '}
      (edited)
    </span>
  );
  if (item.emote === true) {
    return (
      <div className="msg__text msg__text--emote" data-emote="true">
        <span className="msg__emote-actor">* {item.sender} </span>
        <RichText text={item.text} />
        {edited}
      </div>
    );
  }
  return (
    <div className="msg__text">
      <RichText text={item.text} />
      {edited}
    </div>
  );
}

/**
 * The reactions under a message: one chip per emoji with its count, pressed
 * when one of them is this user's (a click takes it back, or adds it); the
 * names show in a tooltip on hover and on keyboard focus, and are the chip's
 * accessible name ("👍 2: alice, bob"). A last chip opens the emoji picker.
 */
export function Reactions({ item, canReact }: { item: MessageItem; canReact: boolean }) {
  const { react, pick } = useMessageActions();
  const reactions = item.reactions ?? [];
  if (reactions.length === 0) return null;
  return (
    <div className="reactions" role="group" aria-label="Reactions">
      {reactions.map((r) => {
        const label = reactionLabel(r.emoji, r.users);
        return (
          <button
            key={r.emoji}
            type="button"
            className={`reaction ${r.mine ? 'reaction--mine' : ''}`}
            aria-pressed={r.mine}
            aria-label={label}
            disabled={!canReact}
            data-emoji={r.emoji}
            onClick={() => react(item.key, r.emoji)}
          >
            <span className="reaction__emoji" aria-hidden="true">
              {r.emoji}
            </span>
            <span className="reaction__count" aria-hidden="true">
              {r.users.length}
            </span>
            <span className="tip" aria-hidden="true">
              {label}
            </span>
          </button>
        );
      })}
      {canReact && (
        <button type="button" className="reaction reaction--add" aria-label="Add reaction" onClick={(e) => pick(item.key, e.currentTarget)}>
          <span aria-hidden="true">+</span>
          <span className="tip" aria-hidden="true">
            Add reaction
          </span>
        </button>
      )}
    </div>
  );
}

/** "Seen by bob, carol" under the message where their read markers stop. */
export function SeenBy({ names }: { names: string }) {
  const list = names.split(', ');
  return (
    <p className="msg__seen" data-seen-by={names}>
      <SeenIcon />
      {seenText(list)}
    </p>
  );
}
