import type { ConversationId } from '@conclave/protocol';
import { conversationLabel, type ChatSnapshot, type ConversationSummary } from '@conclave/client';
import { Avatar } from '../common/Avatar.js';
import { SettingsIcon } from '../common/icons.js';
import { VerifiedMark } from './ConversationHeader.js';
import { NotificationsButton } from './NotificationsButton.js';

/** The id of the sidebar's "Admin" entry (the focus returns there when the admin page closes). */
export const ADMIN_ENTRY_ID = 'sidebar-admin';

/** Props of `Sidebar`. */
export interface SidebarProps {
  snapshot: ChatSnapshot;
  /** The conversation shown (highlighted), or null. */
  selected: ConversationId | null;
  onSelect: (conversationId: ConversationId) => void;
  /** Opens (creating if needed) the DM with an online user. */
  onMessageUser: (username: string) => void;
  onJoinRoom: () => void;
  /** Whether the admin page is shown (its entry is then the current one). */
  adminOpen: boolean;
  /** Opens the admin page; its entry is shown to admins only. */
  onAdmin: () => void;
  /** Opens this browser's settings (read receipts, sounds). */
  onSettings: () => void;
}

/**
 * The conversation list (`nav` "Conversations"): rooms, DMs with unread
 * badges (and "@N" for unread messages that mention you), who is online (each
 * a "Message <username>" button), the notification switch and Settings; for
 * admins, an "Admin" entry opening the admin page.
 */
export function Sidebar({ snapshot, selected, onSelect, onMessageUser, onJoinRoom, adminOpen, onAdmin, onSettings }: SidebarProps) {
  const rooms = snapshot.conversations.filter((c) => c.kind === 'room');
  const dms = snapshot.conversations.filter((c) => c.kind === 'dm');
  const me = snapshot.me;
  const online = snapshot.online.filter((u) => u.userId !== me?.userId);
  const onlineIds = new Set(snapshot.online.map((u) => u.userId));
  const verified = new Set(snapshot.verified);

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
        {me?.role === 'admin' && (
          <button
            type="button"
            id={ADMIN_ENTRY_ID}
            className={`conv sidebar__admin ${adminOpen ? 'conv--selected' : ''}`}
            aria-current={adminOpen ? 'page' : undefined}
            onClick={onAdmin}
          >
            <AdminIcon />
            <span className="conv__name">Admin</span>
          </button>
        )}

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
                verified={c.peer !== undefined && verified.has(c.peer.userId)}
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
                  {verified.has(u.userId) && <VerifiedMark />}
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
        <button type="button" className="button button--ghost button--block sidebar__settings" onClick={onSettings}>
          <SettingsIcon />
          Settings
        </button>
      </div>
    </nav>
  );
}

/**
 * One conversation: a button named `#room` or `@peer`, plus ", N unread" and
 * ", N mentions" (an `aria-label`: names assembled from hidden and visible
 * spans get stray spaces in some browsers).
 */
function ConversationItem(props: {
  conversation: ConversationSummary;
  selected: boolean;
  online?: boolean;
  /** A DM whose peer is verified: "✓" after the name (and ", verified" in its name). */
  verified?: boolean;
  onSelect: (id: ConversationId) => void;
}) {
  const c = props.conversation;
  const label = conversationLabel(c);
  const unread = c.unread;
  const mentions = c.mentions;
  const name = props.verified === true ? `${label}, verified` : label;
  const counts = `${unread > 0 ? `, ${unread} unread` : ''}${mentions > 0 ? `, ${mentions} ${mentions === 1 ? 'mention' : 'mentions'}` : ''}`;
  return (
    <li>
      <button
        type="button"
        className={`conv ${props.selected ? 'conv--selected' : ''} ${unread > 0 ? 'conv--unread' : ''}`}
        aria-current={props.selected ? 'true' : undefined}
        aria-label={`${name}${counts}`}
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
        {props.verified === true && (
          <span className="verified-mark" aria-hidden="true">
            ✓
          </span>
        )}
        {mentions > 0 && (
          <span className="badge badge--mention" data-mentions={mentions}>
            @{mentions > 99 ? '99+' : mentions}
          </span>
        )}
        {unread > 0 && <span className="badge">{unread > 99 ? '99+' : unread}</span>}
      </button>
    </li>
  );
}

function AdminIcon() {
  return (
    <svg className="icon conv__icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d="M12 2 4 5v6c0 5 3.4 9.4 8 11 4.6-1.6 8-6 8-11V5l-8-3zm0 5a2.5 2.5 0 1 1 0 5 2.5 2.5 0 0 1 0-5zm0 6.6c2 0 4.2.9 4.7 2.4a7.7 7.7 0 0 1-4.7 3.6A7.7 7.7 0 0 1 7.3 16c.5-1.5 2.7-2.4 4.7-2.4z" />
    </svg>
  );
}
