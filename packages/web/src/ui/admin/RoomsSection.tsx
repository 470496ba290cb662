import { useState, type FormEvent } from 'react';
import { isConclaveError, type ConclaveClient, type RoomListing } from '@conclave/client';
import { Dialog } from '../common/Dialog.js';
import { errorText, type Resource } from './admin-hooks.js';

/** Props of `RoomsSection`. */
export interface RoomsSectionProps {
  client: ConclaveClient;
  rooms: Resource<RoomListing[]>;
  /** Usernames to choose from when removing someone from a room. */
  usernames: string[];
  onChanged: () => void;
}

/** The room everyone is in, which nobody can be removed from. */
const GENERAL = '#general';

/**
 * "Rooms": each room with its member count, and (except `#general`) a
 * "Remove someone" button that removes a user from the room (`kick`): the
 * members' devices then take the user's devices out of the room's group.
 */
export function RoomsSection({ client, rooms, usernames, onChanged }: RoomsSectionProps) {
  const [kickFrom, setKickFrom] = useState<string | null>(null);
  const list = [...(rooms.data ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  return (
    <section className="admin-card" aria-labelledby="admin-rooms-title">
      <div className="admin-card__head">
        <h2 id="admin-rooms-title" className="admin-card__title">
          Rooms
        </h2>
        {rooms.data !== null && <span className="admin-card__hint">{list.length === 1 ? '1 room' : `${list.length} rooms`}</span>}
      </div>
      {rooms.error !== null && (
        <p className="form-error" role="alert">
          {rooms.error}
        </p>
      )}
      {rooms.data === null && rooms.error === null && <p className="muted">Loading…</p>}
      {rooms.data !== null && (
        <ul className="room-list admin-rooms">
          {list.map((r) => (
            <li key={r.conversationId} className="room-list__item" data-room={r.name}>
              <span className="room-list__name">{r.name}</span>
              <span className="room-list__meta">
                {r.members} member{r.members === 1 ? '' : 's'}
              </span>
              {r.name !== GENERAL && (
                <button type="button" className="button button--secondary button--compact" onClick={() => setKickFrom(r.name)} aria-label={`Remove someone from ${r.name}`}>
                  Remove someone
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {kickFrom !== null && (
        <KickDialog
          client={client}
          room={kickFrom}
          usernames={usernames}
          onClose={() => setKickFrom(null)}
          onDone={() => {
            setKickFrom(null);
            onChanged();
          }}
        />
      )}
    </section>
  );
}

/** Says why a user could not be removed from `room`, in this dialog's terms. */
function kickError(err: unknown, username: string, room: string): string {
  if (isConclaveError(err, 'CONCLAVE_ERR_NOT_MEMBER')) return `${username} is not in ${room}.`;
  if (isConclaveError(err, 'CONCLAVE_ERR_CANNOT_LEAVE')) return `Nobody can be removed from ${GENERAL}.`;
  return errorText(err);
}

function KickDialog(props: { client: ConclaveClient; room: string; usernames: string[]; onClose: () => void; onDone: () => void }) {
  const { client, room } = props;
  const [username, setUsername] = useState(props.usernames[0] ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (busy || username === '') return;
    setBusy(true);
    setError(null);
    try {
      await client.admin({ action: 'kick', username, room });
      props.onDone();
    } catch (err) {
      setError(kickError(err, username, room));
      setBusy(false);
    }
  };

  return (
    <Dialog title={`Remove someone from ${room}`} onClose={props.onClose}>
      <form className="form" onSubmit={(e) => void submit(e)}>
        <p className="dialog__text">They stop receiving the room's new messages at once, and the room leaves their list.</p>
        <div className="field">
          <label className="field__label" htmlFor="kick-user">
            User
          </label>
          <select id="kick-user" className="field__input" value={username} onChange={(e) => setUsername(e.target.value)} autoFocus>
            {props.usernames.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </div>
        <p className="form-error" role="alert">
          {error ?? ''}
        </p>
        <div className="dialog__actions">
          <button type="button" className="button button--secondary" onClick={props.onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="button button--danger" disabled={busy || username === ''}>
            {busy && <span className="spinner spinner--small" aria-hidden="true" />}
            Remove from {room}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
