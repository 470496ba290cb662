import { memo } from 'react';
import { formatTime, type PaneItem } from '@conclave/client';
import { Avatar } from '../common/Avatar.js';
import { noticeParts, type NoticeTone } from './notice-text.js';
import { RichText } from './RichText.js';

/** What a trust mark says, short (badge) and long (tooltip and screen readers). */
const TRUST_TEXT = {
  'new-device': { badge: 'New device', long: 'Sent from a device of this user that you have not verified yet' },
  'changed-key': { badge: 'Key changed', long: "This user's key changed since you last saw it: verify their safety number" },
} as const;

/** Props of `MessageRow`. */
export interface MessageRowProps {
  item: PaneItem;
  /** Same sender as the message above: the avatar and name are hidden (kept for screen readers). */
  continued: boolean;
  /** Opens the sender's verification screen. */
  onSender: (username: string) => void;
  /** A failed message: send it again / drop it (by its `key`). */
  onRetry?: (key: string) => void;
  onDiscard?: (key: string) => void;
}

function Time({ at }: { at: number }) {
  return (
    <time className="time" dateTime={new Date(at).toISOString()} title={new Date(at).toLocaleString()}>
      {formatTime(at)}
    </time>
  );
}

/**
 * One entry of the message list, with `data-kind` = message | notice |
 * system | security (plus `data-sender`, `data-trust`, `data-level`,
 * `data-tone`, `data-status` = pending | failed on your own messages not yet
 * acknowledged, and `data-emphasis` on admin and server notices).
 * Text is rendered as React text, never as HTML.
 */
export const MessageRow = memo(function MessageRow({ item, continued, onSender, onRetry, onDiscard }: MessageRowProps) {
  switch (item.kind) {
    case 'message': {
      const trust = item.trust === undefined ? null : TRUST_TEXT[item.trust];
      const status = item.status;
      return (
        <div
          className={`msg ${continued ? 'msg--continued' : ''} ${item.mine ? 'msg--mine' : ''} ${item.trust !== undefined ? `msg--trust-${item.trust}` : ''} ${status !== undefined ? `msg--${status}` : ''}`}
          data-kind="message"
          data-sender={item.sender}
          {...(item.trust !== undefined && { 'data-trust': item.trust })}
          {...(status !== undefined && { 'data-status': status })}
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
            <p className="msg__text">
              <RichText text={item.text} />
            </p>
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
          </div>
        </div>
      );
    }
    case 'notice':
      if (item.emphasis === true) return <EmphasisedNotice item={item} />;
      return (
        <div className="notice" data-kind="notice">
          <span className="notice__text">{item.text}</span>
          <span className="visually-hidden"> </span>
          <Time at={item.at} />
        </div>
      );
    case 'system':
      return (
        <div className={`system system--${item.tone} ${item.strong ? 'system--strong' : ''}`} data-kind="system" data-tone={item.tone}>
          {item.text}
        </div>
      );
    case 'security': {
      // The core's text ends with "/verify USER …": offer the screen instead of the command.
      const verify = /\/verify (@?[A-Za-z0-9_.-]{3,32})/.exec(item.text)?.[1];
      return (
        <div className={`security security--${item.level}`} data-kind="security" data-level={item.level} role={item.level === 'danger' ? 'alert' : undefined}>
          <span className="security__mark" aria-hidden="true">
            ⚠
          </span>
          <span className="security__text">
            <span className="visually-hidden">Security {item.level === 'info' ? 'note' : 'warning'}: </span>
            {item.text}
            {verify !== undefined && (
              <button type="button" className="security__action" onClick={() => onSender(verify)}>
                Compare safety numbers<span className="visually-hidden"> with {verify.replace(/^@/, '')}</span>
              </button>
            )}
          </span>
          <Time at={item.at} />
        </div>
      );
    }
  }
});

/**
 * An admin's or the server's notice (signed by the server, verified by the
 * client core): a banner apart from member messages, with an icon and a title
 * saying who it is from ("Announcement from alice", "Server"). A `note` named
 * by its title; the text follows the title for screen readers too.
 */
function EmphasisedNotice({ item }: { item: Extract<PaneItem, { kind: 'notice' }> }) {
  const { tone, title, body } = noticeParts(item);
  return (
    <section className={`announce announce--${tone}`} data-kind="notice" data-emphasis={tone} role="note" aria-label={title}>
      <span className="announce__icon" aria-hidden="true">
        <NoticeIcon tone={tone} />
      </span>
      <div className="announce__main">
        <p className="announce__head">
          <span className="announce__title">{title}</span>
          <span className="visually-hidden">: </span>
          <Time at={item.at} />
        </p>
        <p className="announce__text">
          <RichText text={body} />
        </p>
      </div>
    </section>
  );
}

function ClockIcon() {
  return (
    <svg className="icon msg__status-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d="M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 2a8 8 0 1 1 0 16 8 8 0 0 1 0-16zm-1 3v6l5 3 1-1.7-4-2.4V7h-2z" />
    </svg>
  );
}

function NoticeIcon({ tone }: { tone: NoticeTone }) {
  // A megaphone for announcements, an envelope for a notice to this user, a server for the server's own.
  const path =
    tone === 'announcement'
      ? 'M18 3v18l-6-3.6H8l1.2 4.6H6.5L5 17.4H4a2 2 0 0 1-2-2V8.6a2 2 0 0 1 2-2h8L18 3zm2 6.2a3 3 0 0 1 0 5.6V9.2z'
      : tone === 'direct'
        ? 'M3 5h18a1 1 0 0 1 1 1v12a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1zm1 2.3V17h16V7.3l-8 5.2-8-5.2zM5.2 7l6.8 4.4L18.8 7H5.2z'
        : 'M4 3h16a1 1 0 0 1 1 1v6a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1zm0 10h16a1 1 0 0 1 1 1v6a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1v-6a1 1 0 0 1 1-1zm3-8a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm0 10a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z';
  return (
    <svg className="icon" viewBox="0 0 24 24" focusable="false">
      <path d={path} />
    </svg>
  );
}
