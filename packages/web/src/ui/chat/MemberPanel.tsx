import type { MemberView } from '@conclave/client';
import { Avatar } from '../common/Avatar.js';
import { SidePanel } from './SidePanel.js';

/** Props of `MemberPanel`. */
export interface MemberPanelProps {
  /** The conversation's members, online first (`ChatModel.members`); empty until the server answered. */
  members: readonly MemberView[];
  /** This user's name (marked "you", no "Message" button). */
  me: string | null;
  phone: boolean;
  /** Opens (creating if needed) the DM with a member. */
  onMessage: (username: string) => void;
  onClose: () => void;
}

/**
 * "Members": who is in the conversation, online first, each with a presence
 * dot (and "online"/"offline" for screen readers) and a "Message" button.
 */
export function MemberPanel({ members, me, phone, onMessage, onClose }: MemberPanelProps) {
  const online = members.filter((m) => m.online).length;
  return (
    <SidePanel title="Members" phone={phone} onClose={onClose} className="panel--members">
      <p className="members__summary">
        {members.length === 0 ? 'Asking the server…' : `${members.length} ${members.length === 1 ? 'member' : 'members'}, ${online} online`}
      </p>
      <ul className="members" aria-label="Members">
        {members.map((m) => (
          <li key={m.userId} className="member" data-username={m.username} data-online={m.online ? 'true' : 'false'}>
            <span className="member__avatar">
              <Avatar name={m.username} size="small" />
              <span className={`presence ${m.online ? 'presence--on' : 'presence--off'}`} aria-hidden="true" />
            </span>
            <span className="member__name">
              {m.username}
              {m.username === me && <span className="member__you"> (you)</span>}
              <span className="visually-hidden">, {m.online ? 'online' : 'offline'}</span>
            </span>
            {m.username !== me && (
              <button type="button" className="button button--ghost member__message" onClick={() => onMessage(m.username)}>
                Message<span className="visually-hidden"> {m.username}</span>
              </button>
            )}
          </li>
        ))}
      </ul>
    </SidePanel>
  );
}
