import { Fragment, useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { PaneItem } from '@conclave/client';
import { MessageRow } from './MessageRow.js';
import { timeline } from './timeline.js';

/** How close to the bottom (px) still counts as "at the bottom" (new items keep it in view). */
const STICKY_PX = 80;
/** Below this many messages the pane holds everything this browser has (the model loads 200). */
const HISTORY_WINDOW = 200;
/** Room left above the "New messages" divider after jumping to it, px. */
const DIVIDER_MARGIN_PX = 8;
/** How long a message jumped to stays highlighted, ms. */
const FLASH_MS = 2_000;

/** A request to scroll to a message (`n` tells two requests for the same message apart). */
export interface JumpRequest {
  key: string;
  n: number;
}

/** Props of `MessageList`. */
export interface MessageListProps {
  /** Changes when another conversation is shown (also one still being set up, which has no id yet), e.g. its label. */
  paneKey: string;
  items: readonly PaneItem[];
  /** Key of the first item that was unread on opening (`ChatModel.unreadMarker`): a "New messages" divider goes above it. */
  unreadMarker: string | null;
  /** While the conversation is being set up: what is happening ("Setting up encryption with bob…"). */
  status: string | null;
  /** The model's version: the pane array is mutated in place, so this tells when it changed. */
  version: number;
  /** False while hidden (a phone showing the list): on showing again it scrolls to the newest entry. */
  active: boolean;
  /** Shown when the conversation has no entries yet. */
  emptyText: string;
  onSender: (username: string) => void;
  onRetry: (key: string) => void;
  onDiscard: (key: string) => void;
  /** Per message key: the others whose read marker stops there (`ChatModel.seenBy`). */
  seenBy: ReadonlyMap<string, readonly string[]>;
  /** Scroll to this message, centre it, focus it and highlight it briefly (a quote or a search result). */
  jump: JumpRequest | null;
}

/**
 * The message list (`role="log"`, "Messages"): day separators, grouped
 * messages, notices, system and security lines. Stays scrolled to the newest
 * entry unless the reader scrolled up; then a button jumps back down. Above
 * what was unread on opening, a "New messages" divider; while it is scrolled
 * out of view above, a "Jump to new messages" button. A `jump` request
 * scrolls to a message and highlights it for a moment. With the focus on the
 * list or a message, ↑/↓ (Home/End) move it between messages; from a message,
 * Tab reaches its actions.
 */
export function MessageList(props: MessageListProps) {
  const { paneKey, items, version, unreadMarker, status, active, emptyText, onSender, onRetry, onDiscard, seenBy, jump: jumpRequest } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const divider = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const [behind, setBehind] = useState(false);
  const [dividerAbove, setDividerAbove] = useState(false);
  const [flash, setFlash] = useState<string | null>(null);
  const rows = useMemo(() => timeline(items), [items, version]);
  const messageCount = useMemo(() => items.filter((i) => i.kind === 'message').length, [items, version]);

  /** Whether the divider is above the visible part of the list. */
  const measureDivider = (): void => {
    const el = scroller.current;
    const line = divider.current;
    setDividerAbove(el !== null && line !== null && line.getBoundingClientRect().bottom < el.getBoundingClientRect().top);
  };

  // A newly opened conversation starts at its newest entry.
  useLayoutEffect(() => {
    atBottom.current = true;
    setBehind(false);
  }, [paneKey]);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (el === null) return;
    if (atBottom.current) el.scrollTop = el.scrollHeight;
    else setBehind(true);
    measureDivider();
  }, [rows, paneKey, active, unreadMarker]);

  // A jump: the message in the middle of the list, focused (screen readers read it), highlighted for a moment.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (jumpRequest === null || el === null) return;
    const key = jumpRequest.key;
    const target = Array.from(el.querySelectorAll<HTMLElement>('[data-key]')).find((node) => node.dataset.key === key);
    if (target === undefined) return;
    const offset = target.getBoundingClientRect().top - el.getBoundingClientRect().top;
    el.scrollTop += offset - Math.max(DIVIDER_MARGIN_PX, (el.clientHeight - target.offsetHeight) / 2);
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICKY_PX;
    target.focus({ preventScroll: true });
    setFlash(key);
  }, [jumpRequest]);
  useEffect(() => {
    if (flash === null) return;
    const timer = setTimeout(() => setFlash(null), FLASH_MS);
    return () => clearTimeout(timer);
  }, [flash]);

  // ↑/↓, Home/End: from the list itself or a message to another message (not from a button or link in one).
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const el = scroller.current;
    const moves = ['ArrowUp', 'ArrowDown', 'Home', 'End'];
    if (el === null || !moves.includes(event.key) || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const active = document.activeElement;
    const row = active === el ? null : active instanceof HTMLElement && active.dataset.kind === 'message' && el.contains(active) ? active : undefined;
    if (row === undefined) return;
    const rows = Array.from(el.querySelectorAll<HTMLElement>('[data-kind="message"]'));
    const at = row === null ? rows.length : rows.indexOf(row);
    const to = event.key === 'Home' ? 0 : event.key === 'End' ? rows.length - 1 : event.key === 'ArrowUp' ? at - 1 : at + 1;
    const target = rows[Math.max(0, Math.min(rows.length - 1, to))];
    if (target === undefined || (row === null && event.key === 'ArrowDown')) return;
    event.preventDefault();
    target.focus({ preventScroll: true });
    target.scrollIntoView({ block: 'nearest' });
  };

  const onScroll = (): void => {
    const el = scroller.current;
    if (el === null) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICKY_PX;
    if (atBottom.current) setBehind(false);
    measureDivider();
  };

  // Scrolls only the list (scrollIntoView would also move the page on a short screen).
  const jumpToNew = (): void => {
    const el = scroller.current;
    const line = divider.current;
    if (el === null || line === null) return;
    el.scrollTop += line.getBoundingClientRect().top - el.getBoundingClientRect().top - DIVIDER_MARGIN_PX;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICKY_PX;
    measureDivider();
  };

  const jump = (): void => {
    const el = scroller.current;
    if (el === null) return;
    el.scrollTop = el.scrollHeight;
    atBottom.current = true;
    setBehind(false);
  };

  return (
    <div className="log-wrap">
      <div
        ref={scroller}
        className="log"
        role="log"
        aria-live="polite"
        aria-label="Messages"
        aria-describedby="log-keys"
        tabIndex={0}
        onScroll={onScroll}
        onKeyDown={onKeyDown}
      >
        <span id="log-keys" className="visually-hidden">
          Up and down arrows move between messages; Tab reaches a message's actions.
        </span>
        {messageCount < HISTORY_WINDOW && (
          <p className="log__start">
            <svg className="log__start-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
              <path d="M12 2a5 5 0 0 0-5 5v3H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-8a2 2 0 0 0-2-2h-1V7a5 5 0 0 0-5-5zm-3 8V7a3 3 0 1 1 6 0v3H9z" />
            </svg>
            History on this browser starts here.
          </p>
        )}
        {items.length === 0 && status === null && <p className="log__empty">{emptyText}</p>}
        {rows.map((row) =>
          row.kind === 'day' ? (
            <div key={row.key} className="day">
              <h3 className="day__label">{row.label}</h3>
            </div>
          ) : (
            <Fragment key={row.key}>
              {row.item.key === unreadMarker && (
                <div ref={divider} className="unread-divider" role="separator" aria-label="New messages">
                  <span className="unread-divider__label" aria-hidden="true">
                    New messages
                  </span>
                </div>
              )}
              <MessageRow
                item={row.item}
                continued={row.continued}
                seen={seenBy.get(row.item.key)?.join(', ')}
                flash={flash === row.item.key}
                onSender={onSender}
                onRetry={onRetry}
                onDiscard={onDiscard}
              />
            </Fragment>
          ),
        )}
        {status !== null && (
          <p className="log__opening" data-kind="opening">
            <span className="spinner spinner--small" aria-hidden="true" />
            {status}
          </p>
        )}
      </div>
      {dividerAbove && (
        <button type="button" className="jump jump--top" onClick={jumpToNew}>
          Jump to new messages<span aria-hidden="true"> ↑</span>
        </button>
      )}
      {behind && (
        <button type="button" className="jump" onClick={jump}>
          New messages ↓
        </button>
      )}
    </div>
  );
}
