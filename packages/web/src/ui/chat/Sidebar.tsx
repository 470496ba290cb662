import type { ConversationId } from '@conclave/protocol';
import { conversationLabel, type ChatSnapshot, type ConversationSummary } from '@conclave/client';
import { Avatar } from '../common/Avatar.js';
import { NotificationsButton } from './NotificationsButton.js';

/** Props of `Sidebar`. */
export interface SidebarProps {
  snapshot: ChatSnapshot;
  /** The conversation shown (highlighted), or null. */
  selected: ConversationId | null;
  onSelect: (conversationId: ConversationId) => void;
  /** Opens (creating if needed) the DM with an online user. */
  onMessageUser: (username: string) => void;
  onJoinRoom: () => void;
}

/**
 * The conversation list (`nav` "Conversations"): rooms, DMs with unread
 * badges, who is online (each a "Message <username>" button), and the
 * notification switch.
 */
export function Sidebar({ snapshot, selected, onSelect, onMessageUser, onJoinRoom }: SidebarProps) {
  const rooms = snapshot.conversations.filter((c) => c.kind === 'room');
  const dms = snapshot.conversations.filter((c) => c.kind === 'dm');
  const me = snapshot.me;
  const online = snapshot.online.filter((u) => u.userId !== me?.userId);
  const onlineIds = new Set(snapshot.online.map((u) => u.userId));

  return (
    <nav className="sidebar" aria-label="Conversations">
      <div className="sidebar__top">
        <img className="sidebar__logo" src="/icons/icon.svg" alt="" width="28" height="28" />
        <span className="sidebar__app">Conclave</span>
        {me !== null && (
          <span className="sidebar__me" title={`Signed in as ${me.username}`}>
            {me.username}
            {me.role === 'admin' && <span className="tag tag--admin">admin</span>}
          </span>
        )}
      </div>

      <div className="sidebar__scroll">
        <button type="button" className="sidebar__join" onClick={onJoinRoom}>
          <span className="sidebar__join-plus" aria-hidden="true">
            +
          </span>
          Join or create a room
        </button>

        <h2 className="sidebar__section">Rooms</h2>
        <ul className="conv-list">
          {rooms.map((c) => (
            <ConversationItem key={c.conversationId} conversation={c} selected={c.conversationId === selected} onSelect={onSelect} />
          ))}
        </ul>

        <h2 className="sidebar__section">Direct messages</h2>
        {dms.length === 0 ? (
          <p className="sidebar__empty">Tap someone online to start a private conversation.</p>
        ) : (
          <ul className="conv-list">
            {dms.map((c) => (
              <ConversationItem
                key={c.conversationId}
                conversation={c}
                selected={c.conversationId === selected}
                online={c.peer !== undefined && onlineIds.has(c.peer.userId)}
                onSelect={onSelect}
              />
            ))}
          </ul>
        )}

        <h2 className="sidebar__section">
          Online <span className="sidebar__count">{online.length}</span>
        </h2>
        {online.length === 0 ? (
          <p className="sidebar__empty">Nobody else is online right now.</p>
        ) : (
          <ul className="conv-list">
            {online.map((u) => (
              <li key={u.userId}>
                <button type="button" className="conv conv--user" onClick={() => onMessageUser(u.username)}>
                  <Avatar name={u.username} size="small" />
                  <span className="conv__name">
                    <span className="visually-hidden">Message </span>
                    {u.username}
                  </span>
                  {u.devices > 1 && (
                    <span className="conv__meta" aria-hidden="true">
                      {u.devices} devices
                    </span>
                  )}
                  <span className="presence presence--on" aria-hidden="true" />
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>

      <div className="sidebar__footer">
        <NotificationsButton />
      </div>
    </nav>
  );
}

/**
 * One conversation: a button named `#room` or `@peer`, plus ", N unread"
 * (an `aria-label`: names assembled from hidden and visible spans get stray
 * spaces in some browsers).
 */
function ConversationItem(props: { conversation: ConversationSummary; selected: boolean; online?: boolean; onSelect: (id: ConversationId) => void }) {
  const c = props.conversation;
  const label = conversationLabel(c);
  const unread = c.unread;
  return (
    <li>
      <button
        type="button"
        className={`conv ${props.selected ? 'conv--selected' : ''} ${unread > 0 ? 'conv--unread' : ''}`}
        aria-current={props.selected ? 'true' : undefined}
        aria-label={unread > 0 ? `${label}, ${unread} unread` : label}
        onClick={() => props.onSelect(c.conversationId)}
      >
        {c.kind === 'dm' ? (
          <span className="conv__avatar">
            <Avatar name={label.slice(1)} size="small" />
            <span className={`presence ${props.online ? 'presence--on' : 'presence--off'}`} />
          </span>
        ) : (
          <span className="conv__sigil">#</span>
        )}
        <span className="conv__name">{label.slice(1)}</span>
        {unread > 0 && <span className="badge">{unread > 99 ? '99+' : unread}</span>}
      </button>
    </li>
  );
}
