import { useState, type FocusEvent, type MouseEvent } from 'react';
import { formatTime, type MessageItem } from '@conclave/client';
import { Avatar } from '../common/Avatar.js';
import { MoreIcon } from '../common/icons.js';
import { Attachment } from './files/Attachment.js';
import { actionable, useMessageActions } from './message-actions.js';
import { Body, Quote, Reactions, SeenBy } from './MessageParts.js';
import { MessageToolbar } from './MessageToolbar.js';
import { Time } from './Time.js';

/** What a trust mark says, short (badge) and long (tooltip and screen readers). */
const TRUST_TEXT = {
  'new-device': { badge: 'New device', long: 'Sent from a device of this user that you have not verified yet' },
  'changed-key': { badge: 'Key changed', long: "This user's key changed since you last saw it: verify their safety number" },
} as const;

/** Clicks on these inside a message do their own thing (a link, a chip, the sender): they never open the phone's action sheet. */
const INTERACTIVE = 'a, button, input, textarea, select, summary, [role="button"], [role="toolbar"]';

/** Props of `MessageEntry`. */
export interface MessageEntryProps {
  item: MessageItem;
  continued: boolean;
  seen?: string | undefined;
  flash?: boolean | undefined;
  onSender: (username: string) => void;
  onRetry?: ((key: string) => void) | undefined;
  onDiscard?: ((key: string) => void) | undefined;
}

/**
 * A member message: avatar and header (hidden in a group), the quote of the
 * message it answers, its file (an image inline, else a card; its caption is
 * the text), its text ("(edited)", "message deleted", an emote as
 * "* alice waves", an unsupported one muted), reaction chips, "Seen by …".
 * Messages that mention you are highlighted (`data-mention`). Wide screens: a
 * toolbar while the pointer is over it or the focus in it (made then: a list
 * of messages renders no toolbars); phones: a tap or long-press opens the
 * action sheet (and a button, visible on keyboard focus, does too).
 * `data-key` is the pane key (search results and quotes jump to it).
 */
export function MessageEntry({ item, continued, seen, flash, onSender, onRetry, onDiscard }: MessageEntryProps) {
  const actions = useMessageActions();
  const trust = item.trust === undefined ? null : TRUST_TEXT[item.trust];
  const status = item.status;
  const canAct = actionable(item);
  const mention = item.mentionsMe === true;
  const [pointer, setPointer] = useState(false);
  const [focused, setFocused] = useState(false);
  const tools = canAct && !actions.phone && (pointer || focused);
  const onBlur = (event: FocusEvent): void => {
    if (!event.currentTarget.contains(event.relatedTarget)) setFocused(false);
  };

  const openSheet = (event: MouseEvent): void => {
    if (!actions.phone || !canAct) return;
    if ((event.target as Element).closest(INTERACTIVE) !== null) return;
    if ((window.getSelection()?.toString() ?? '') !== '') return;
    event.preventDefault();
    actions.menu(item);
  };

  const classes = [
    'msg',
    continued && 'msg--continued',
    item.mine && 'msg--mine',
    item.trust !== undefined && `msg--trust-${item.trust}`,
    status !== undefined && `msg--${status}`,
    mention && 'msg--mention',
    item.deleted === true && 'msg--deleted',
    item.unsupported === true && 'msg--unsupported',
    flash === true && 'msg--flash',
    actions.phone && canAct && 'msg--tappable',
  ].filter(Boolean);

  return (
    <div
      className={classes.join(' ')}
      data-kind="message"
      data-sender={item.sender}
      data-key={item.key}
      tabIndex={-1}
      {...(item.trust !== undefined && { 'data-trust': item.trust })}
      {...(status !== undefined && { 'data-status': status })}
      {...(mention && { 'data-mention': 'true' })}
      {...(item.edited === true && { 'data-edited': 'true' })}
      onClick={actions.phone ? openSheet : undefined}
      onContextMenu={actions.phone ? openSheet : undefined}
      onMouseEnter={() => setPointer(true)}
      onMouseLeave={() => setPointer(false)}
      // The message itself focused by a click (to select text, say) is no reason to show the toolbar; by keyboard it is.
      onFocus={(event) => setFocused(event.target !== event.currentTarget || event.currentTarget.matches(':focus-visible'))}
      onBlur={onBlur}
    >
      <div className="msg__gutter">
        {continued ? (
          <span className="msg__hover-time" aria-hidden="true">
            {formatTime(item.at)}
          </span>
        ) : (
          <Avatar name={item.sender} />
        )}
      </div>
      <div className="msg__main">
        <div className={continued ? 'visually-hidden' : 'msg__header'}>
          {continued ? (
            <span>{item.sender}</span>
          ) : (
            <button type="button" className="msg__sender" onClick={() => onSender(item.sender)}>
              {item.sender}
            </button>
          )}
          {item.mine && <span className="msg__you"> (you)</span>}
          <span className="visually-hidden"> </span>
          <Time at={item.at} />
          {mention && <span className="visually-hidden">, mentions you</span>}
          {status === 'pending' && (
            <span className="msg__status" title="Not yet received by the server">
              <ClockIcon />
              Sending…
            </span>
          )}
          {trust !== null && (
            <span className={`trust trust--${item.trust}`} title={trust.long}>
              <span aria-hidden="true">⚠ </span>
              {trust.badge}
              <span className="visually-hidden">: {trust.long}</span>
            </span>
          )}
        </div>
        {item.replyTo !== undefined && <Quote quote={item.replyTo} />}
        {item.file !== undefined && item.deleted !== true && <Attachment item={item} file={item.file} />}
        {(item.file === undefined || item.text !== '' || item.deleted === true) && <Body item={item} />}
        <Reactions item={item} canReact={canAct} />
        {status === 'failed' && (
          <div className="msg__failed" role="alert">
            <span className="msg__error">Not sent: {item.error ?? 'the server refused it.'}</span>
            <button type="button" className="button button--secondary" onClick={() => onRetry?.(item.key)}>
              Retry
            </button>
            <button type="button" className="button button--ghost" onClick={() => onDiscard?.(item.key)}>
              Discard
            </button>
          </div>
        )}
        {seen !== undefined && <SeenBy names={seen} />}
      </div>
      {tools && <MessageToolbar item={item} />}
      {canAct && actions.phone && (
        <button type="button" className="msg__menu-button" onClick={() => actions.menu(item)}>
          <MoreIcon />
          <span className="visually-hidden">Actions for the message from {item.sender}</span>
        </button>
      )}
    </div>
  );
}

function ClockIcon() {
  return (
    <svg className="icon msg__status-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d="M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 2a8 8 0 1 1 0 16 8 8 0 0 1 0-16zm-1 3v6l5 3 1-1.7-4-2.4V7h-2z" />
    </svg>
  );
}
