import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { conversationLabel, type ConversationSummary, type OpeningView } from '@conclave/client';
import type { SoundPlayer } from '../../app/sounds.js';
import { useMuted } from '../common/hooks.js';
import { EditIcon, MembersIcon, SearchIcon } from '../common/icons.js';

/** Props of `ConversationHeader`. */
export interface ConversationHeaderProps {
  conversation: ConversationSummary | undefined;
  /** A conversation still being set up, shown instead of `conversation` (`ChatModel.opening`). */
  opening: OpeningView | null;
  /** For a DM: whether the peer is online. */
  peerOnline: boolean;
  /** For a DM: whether every known device of the peer is verified (a ✓ by the name). */
  peerVerified: boolean;
  /** Phone layout: "Back" (to the conversation list), and the actions in one "⋮" menu. */
  phone: boolean;
  /** Same as `phone` (kept for the Back button). */
  showBack: boolean;
  /** Unread messages elsewhere (shown on the Back button on phones). */
  unreadElsewhere: number;
  /** Of those, the ones that mention this user (the Back button's badge then says "@N"). */
  mentionsElsewhere: number;
  sounds: SoundPlayer;
  onBack: () => void;
  onVerify: (username: string) => void;
  onSignOut: () => void;
  /** Which side panel is open (its button is pressed). */
  panel: 'search' | 'members' | null;
  /** Opens the search panel. */
  onSearch: () => void;
  /** Opens or closes the member list. */
  onMembers: () => void;
  /** How many members the conversation has (shown on the Members button), when known. */
  memberCount: number | null;
  /** Opens the topic editor (rooms; any member may set the topic). */
  onEditTopic: () => void;
}

/** One action of the header: a button on wide screens, an item of the "⋮" menu on phones. */
interface Action {
  label: string;
  /** Extra words for screen readers (e.g. " sounds" after "Mute"). */
  hidden?: string;
  icon?: ReactNode;
  title?: string;
  run: () => void;
  /** A toggle's state (`aria-pressed`). */
  pressed?: boolean;
  /** Shown after the label (e.g. a count), not part of the name. */
  extra?: ReactNode;
  /** Phones: a button of its own beside "More", not an item of the menu. */
  phoneButton?: boolean;
}

/**
 * The conversation's header: Back (phones), its name (with ✓ for a verified
 * DM peer; a conversation being set up shows its label), a room's topic (a
 * button to edit it on wide screens), and Search, Members, Verify (DMs), the
 * mute toggle, Sign out — on a phone Search beside one "More" (⋮) menu.
 */
export function ConversationHeader(props: ConversationHeaderProps) {
  const { conversation: c, opening, sounds } = props;
  const muted = useMuted(sounds);
  const label = opening?.label ?? (c === undefined ? 'Conclave' : conversationLabel(c));
  const peer = opening === null && c?.kind === 'dm' ? (c.peer?.username ?? c.name.replace(/^@/, '')) : null;
  const ready = opening === null && c !== undefined;
  const room = ready && c.kind === 'room';
  const topic = room ? (c.topic ?? '') : '';
  const actions: Action[] = [
    ...(ready ? [{ label: 'Search', icon: <SearchIcon />, title: 'Search messages (Ctrl+K)', run: props.onSearch, pressed: props.panel === 'search', phoneButton: true }] : []),
    // A DM's members are the two of you: the list is for rooms.
    ...(room
      ? [
          {
            label: 'Members',
            icon: <MembersIcon />,
            title: 'Show who is in this conversation',
            run: props.onMembers,
            pressed: props.panel === 'members',
            ...(props.memberCount !== null && { extra: <span className="conv-header__count">{props.memberCount}</span> }),
          },
        ]
      : []),
    ...(room && props.phone ? [{ label: topic === '' ? 'Set topic' : 'Edit topic', icon: <EditIcon />, run: props.onEditTopic }] : []),
    ...(peer !== null ? [{ label: 'Verify', icon: <ShieldIcon />, run: () => props.onVerify(peer) }] : []),
    {
      label: muted ? 'Unmute' : 'Mute',
      hidden: ' sounds',
      icon: muted ? <BellOffIcon /> : <BellIcon />,
      title: muted ? 'Sounds are off' : 'Sounds are on',
      run: () => {
        sounds.setMuted(!muted);
        if (muted) sounds.unlock();
      },
    },
    { label: 'Sign out', run: props.onSignOut },
  ];
  return (
    <header className="conv-header">
      {props.showBack && (
        <button type="button" className="button button--ghost conv-header__back" onClick={props.onBack}>
          <span aria-hidden="true">‹</span> Back
          {props.mentionsElsewhere > 0 ? (
            <span className="badge badge--small badge--mention">
              @{props.mentionsElsewhere}
              <span className="visually-hidden"> {props.mentionsElsewhere === 1 ? 'mention' : 'mentions'}</span>
            </span>
          ) : (
            props.unreadElsewhere > 0 && (
              <span className="badge badge--small">
                {props.unreadElsewhere}
                <span className="visually-hidden"> unread</span>
              </span>
            )
          )}
        </button>
      )}
      <div className="conv-header__title">
        <h1 className="conv-header__name">
          <span className="conv-header__label">{label}</span>
          {peer !== null && props.peerVerified && <VerifiedMark />}
        </h1>
        {opening !== null && <span className="conv-header__sub">{opening.kind === 'dm' ? 'Private conversation' : 'Encrypted room'}</span>}
        {peer !== null && <span className={`conv-header__sub ${props.peerOnline ? 'is-online' : ''}`}>{props.peerOnline ? 'online' : 'offline'}</span>}
        {room && (props.phone ? <RoomSub topic={topic} /> : <TopicButton topic={topic} onEdit={props.onEditTopic} />)}
      </div>
      {props.phone ? (
        <>
          {actions
            .filter((a) => a.phoneButton === true)
            .map((a) => (
              <button key={a.label} type="button" className="icon-button conv-header__icon" aria-label={a.label} aria-pressed={a.pressed} title={a.title} onClick={a.run}>
                {a.icon}
              </button>
            ))}
          <MoreMenu actions={actions.filter((a) => a.phoneButton !== true)} />
        </>
      ) : (
        <div className="conv-header__actions">
          {actions.map((a) => (
            <button key={a.label} type="button" className="button button--ghost" title={a.title ?? a.label} aria-pressed={a.pressed} onClick={a.run}>
              {a.icon}
              {/* In a narrow conversation column only the icon shows (the label stays the button's name). */}
              <span className={a.icon === undefined ? undefined : 'conv-header__action-label'}>{a.label}</span>
              {a.hidden !== undefined && <span className="visually-hidden">{a.hidden}</span>}
              {a.extra}
            </button>
          ))}
        </div>
      )}
    </header>
  );
}

/** A room's sub-line on a phone: its topic (edited from the "More" menu), or "Encrypted room". */
function RoomSub({ topic }: { topic: string }) {
  if (topic === '') return <span className="conv-header__sub">Encrypted room</span>;
  return (
    <span className="conv-header__sub conv-header__topic-text" data-topic={topic} title={topic}>
      <span className="visually-hidden">Topic: </span>
      {topic}
    </span>
  );
}

/** A room's topic under its name (or "Add a topic"), a button that opens the topic editor. */
function TopicButton({ topic, onEdit }: { topic: string; onEdit: () => void }) {
  return (
    <button type="button" className={`conv-header__topic ${topic === '' ? 'conv-header__topic--empty' : ''}`} title={topic === '' ? 'Set a topic for this room' : `${topic} (click to edit)`} onClick={onEdit} data-topic={topic}>
      {topic !== '' && <span className="visually-hidden">Topic: </span>}
      <span className="conv-header__topic-text">{topic === '' ? 'Encrypted room · Add a topic' : topic}</span>
      <EditIcon />
      <span className="visually-hidden">{topic === '' ? '' : '. Edit topic'}</span>
    </button>
  );
}

/** "✓" named "verified" for assistive technology. */
export function VerifiedMark() {
  return (
    <span className="verified-mark" role="img" aria-label="verified" title="Verified: you compared safety numbers">
      ✓
    </span>
  );
}

/**
 * The phone's "More" (⋮) button and its menu (`role="menu"`): ↑/↓ move,
 * Escape or a tap outside closes, and the focus returns to the button.
 */
function MoreMenu({ actions }: { actions: Action[] }) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);

  const close = (refocus: boolean): void => {
    setOpen(false);
    if (refocus) button.current?.focus();
  };

  useEffect(() => {
    if (!open) return;
    menu.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
    const outside = (event: PointerEvent): void => {
      const target = event.target as Node;
      if (!menu.current?.contains(target) && !button.current?.contains(target)) setOpen(false);
    };
    document.addEventListener('pointerdown', outside);
    return () => document.removeEventListener('pointerdown', outside);
  }, [open]);

  const onKeyDown = (event: KeyboardEvent): void => {
    if (event.key === 'Escape') {
      event.preventDefault();
      close(true);
      return;
    }
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    event.preventDefault();
    const items = Array.from(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? []);
    const at = items.indexOf(document.activeElement as HTMLElement);
    items[(at + (event.key === 'ArrowDown' ? 1 : -1) + items.length) % items.length]?.focus();
  };

  return (
    <div className="more">
      <button
        ref={button}
        type="button"
        className="button button--ghost more__button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls="conversation-menu"
        aria-label="More"
        onClick={() => setOpen((o) => !o)}
      >
        <span aria-hidden="true">⋮</span>
      </button>
      {open && (
        <div ref={menu} id="conversation-menu" className="more__menu" role="menu" aria-label="More" onKeyDown={onKeyDown}>
          {actions.map((a) => (
            <button
              key={a.label}
              type="button"
              role="menuitem"
              className="more__item"
              onClick={() => {
                close(true);
                a.run();
              }}
            >
              {a.icon}
              {a.label}
              {a.hidden !== undefined && <span className="visually-hidden">{a.hidden}</span>}
              {a.extra}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

function ShieldIcon() {
  return (
    <svg className="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d="M12 2 4 5v6c0 5 3.4 9.4 8 11 4.6-1.6 8-6 8-11V5l-8-3zm-1.2 14.2-3.5-3.5 1.4-1.4 2.1 2.1 4.9-4.9 1.4 1.4-6.3 6.3z" />
    </svg>
  );
}

function BellIcon() {
  return (
    <svg className="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2z" />
    </svg>
  );
}

function BellOffIcon() {
  return (
    <svg className="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zM19 16v-5a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66c-.9.2-1.73.57-2.46 1.07L19 16.2V16zM3.3 2.3 2 3.6l3.2 3.2A6.9 6.9 0 0 0 5 11v5l-2 2v1h14.6l2.8 2.8 1.3-1.3L3.3 2.3z" />
    </svg>
  );
}
