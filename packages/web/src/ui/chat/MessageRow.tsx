import { memo } from 'react';
import type { PaneItem } from '@conclave/client';
import { noticeParts, type NoticeTone } from './notice-text.js';
import { MessageEntry } from './MessageEntry.js';
import { RichText } from './RichText.js';
import { Time } from './Time.js';

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
  /** Others whose read marker stops at this message, joined with ", " ("Seen by …" under it). */
  seen?: string | undefined;
  /** Briefly highlighted: the message a quote or a search result jumped to. */
  flash?: boolean;
}

/**
 * One entry of the message list, with `data-kind` = message | notice |
 * system | security (plus `data-sender`, `data-trust`, `data-level`,
 * `data-tone`, `data-status` = pending | failed on your own messages not yet
 * acknowledged, and `data-emphasis` on admin and server notices). Messages
 * are drawn by `MessageEntry`. Text is rendered as React text, never as HTML.
 */
export const MessageRow = memo(function MessageRow({ item, continued, seen, flash, onSender, onRetry, onDiscard }: MessageRowProps) {
  switch (item.kind) {
    case 'message':
      return <MessageEntry item={item} continued={continued} seen={seen} flash={flash} onSender={onSender} onRetry={onRetry} onDiscard={onDiscard} />;
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
        <div className="announce__text">
          <RichText text={body} />
        </div>
      </div>
    </section>
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
