import { memo } from 'react';
import { formatTime, type PaneItem } from '@conclave/client';
import { Avatar } from '../common/Avatar.js';
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
 * `data-tone`). Text is rendered as React text, never as HTML.
 */
export const MessageRow = memo(function MessageRow({ item, continued, onSender }: MessageRowProps) {
  switch (item.kind) {
    case 'message': {
      const trust = item.trust === undefined ? null : TRUST_TEXT[item.trust];
      return (
        <div
          className={`msg ${continued ? 'msg--continued' : ''} ${item.mine ? 'msg--mine' : ''} ${item.trust !== undefined ? `msg--trust-${item.trust}` : ''}`}
          data-kind="message"
          data-sender={item.sender}
          {...(item.trust !== undefined && { 'data-trust': item.trust })}
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
          </div>
        </div>
      );
    }
    case 'notice':
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
