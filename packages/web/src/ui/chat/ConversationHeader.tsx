import { conversationLabel, type ConversationSummary } from '@conclave/client';
import type { SoundPlayer } from '../../app/sounds.js';
import { useMuted } from '../common/hooks.js';

/** Props of `ConversationHeader`. */
export interface ConversationHeaderProps {
  conversation: ConversationSummary | undefined;
  /** For a DM: whether the peer is online. */
  peerOnline: boolean;
  /** Phone layout: show "Back" (to the conversation list). */
  showBack: boolean;
  /** Unread messages elsewhere (shown on the Back button on phones). */
  unreadElsewhere: number;
  sounds: SoundPlayer;
  onBack: () => void;
  onVerify: (username: string) => void;
  onSignOut: () => void;
}

/** The conversation's header: Back (phones), its name, Verify (DMs), the mute toggle, Sign out. */
export function ConversationHeader(props: ConversationHeaderProps) {
  const { conversation: c, sounds } = props;
  const muted = useMuted(sounds);
  const label = c === undefined ? 'Conclave' : conversationLabel(c);
  const peer = c?.kind === 'dm' ? c.peer?.username ?? c.name.replace(/^@/, '') : null;
  return (
    <header className="conv-header">
      {props.showBack && (
        <button type="button" className="button button--ghost conv-header__back" onClick={props.onBack}>
          <span aria-hidden="true">‹</span> Back
          {props.unreadElsewhere > 0 && (
            <span className="badge badge--small">
              {props.unreadElsewhere}
              <span className="visually-hidden"> unread</span>
            </span>
          )}
        </button>
      )}
      <div className="conv-header__title">
        <h1 className="conv-header__name">{label}</h1>
        {peer !== null && <span className={`conv-header__sub ${props.peerOnline ? 'is-online' : ''}`}>{props.peerOnline ? 'online' : 'offline'}</span>}
        {c?.kind === 'room' && <span className="conv-header__sub">Encrypted room</span>}
      </div>
      <div className="conv-header__actions">
        {peer !== null && (
          <button type="button" className="button button--ghost" onClick={() => props.onVerify(peer)}>
            <ShieldIcon />
            Verify
          </button>
        )}
        <button
          type="button"
          className="button button--ghost conv-header__mute"
          title={muted ? 'Sounds are off' : 'Sounds are on'}
          onClick={() => {
            sounds.setMuted(!muted);
            if (muted) sounds.unlock();
          }}
        >
          {muted ? <BellOffIcon /> : <BellIcon />}
          {muted ? 'Unmute' : 'Mute'}
          <span className="visually-hidden"> sounds</span>
        </button>
        <button type="button" className="button button--ghost" onClick={props.onSignOut}>
          Sign out
        </button>
      </div>
    </header>
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
