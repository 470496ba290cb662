import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { ConclaveClient, RoomListing } from '@conclave/client';
import type { ConversationId } from '@conclave/protocol';
import { Dialog } from '../common/Dialog.js';
import { suggestRoomName } from './room-name.js';

/** Props of `JoinRoomDialog`. */
export interface JoinRoomDialogProps {
  client: ConclaveClient;
  /** Called with the joined room (the dialog then closes). */
  onJoined: (conversationId: ConversationId) => void;
  onClose: () => void;
}

/**
 * "Join or create a room": a "Room name" field (focused, after a fixed `#`)
 * whose button says what happens ("Join #music" for a listed room, "Create
 * #music-night" for a new one, the typed name made fit for a room name), and
 * the server's rooms, each with a Join button.
 */
export function JoinRoomDialog({ client, onJoined, onClose }: JoinRoomDialogProps) {
  const [name, setName] = useState('');
  const input = useRef<HTMLInputElement>(null);
  const [rooms, setRooms] = useState<RoomListing[] | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  // After the dialog opened (its showModal focuses the first control, the Close button).
  useEffect(() => input.current?.focus(), []);

  const room = suggestRoomName(name);
  const exists = room !== null && rooms?.some((r) => r.name.toLowerCase() === room) === true;

  useEffect(() => {
    let live = true;
    client.rooms().then(
      (r) => live && setRooms([...r].sort((a, b) => a.name.localeCompare(b.name))),
      (err: unknown) => live && setListError(err instanceof Error ? err.message : String(err)),
    );
    return () => {
      live = false;
    };
  }, [client]);

  const join = async (typed: string): Promise<void> => {
    const normal = suggestRoomName(typed);
    if (normal === null) {
      setError('Room names are 1–32 letters, digits, _ or -, e.g. #music.');
      return;
    }
    setBusy(normal);
    setError(null);
    try {
      const conversation = await client.join(normal);
      onJoined(conversation.conversationId);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setBusy(null);
    }
  };

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (busy === null) void join(name);
  };

  return (
    <Dialog title="Join or create a room" onClose={onClose}>
      <form className="form" onSubmit={submit}>
        <div className="field">
          <label className="field__label" htmlFor="room-name">
            Room name
          </label>
          <div className="field__row">
            <span className="field__prefix" aria-hidden="true">
              #
            </span>
            <input
              ref={input}
              id="room-name"
              className="field__input field__input--prefixed"
              value={name}
              onChange={(e) => setName(e.target.value.replace(/^\s*#+/, ''))}
              placeholder="music"
              autoComplete="off"
              autoCapitalize="none"
              spellCheck={false}
              aria-describedby="room-name-hint"
            />
            <button type="submit" className="button button--primary" disabled={busy !== null || name.trim() === ''}>
              {busy !== null && busy === room && <span className="spinner spinner--small" aria-hidden="true" />}
              {room === null ? 'Join' : `${exists ? 'Join' : 'Create'} ${room}`}
            </button>
          </div>
          <p id="room-name-hint" className="field__hint">
            A room that does not exist yet is created, and you are its first member.
          </p>
        </div>
        <p className="form-error" role="alert">
          {error ?? ''}
        </p>
      </form>

      <h3 className="dialog__section">Rooms on this server</h3>
      {rooms === null && listError === null && <p className="muted">Loading…</p>}
      {listError !== null && <p className="form-error">{listError}</p>}
      {rooms !== null && (
        <ul className="room-list">
          {rooms.map((r) => (
            <li key={r.conversationId} className="room-list__item">
              <span className="room-list__name">{r.name}</span>
              <span className="room-list__meta">
                {r.members} member{r.members === 1 ? '' : 's'}
                {r.joined && ' · joined'}
              </span>
              <button type="button" className="button button--secondary" disabled={busy !== null} onClick={() => void join(r.name)}>
                {r.joined ? 'Open' : 'Join'}
                <span className="visually-hidden"> {r.name}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </Dialog>
  );
}
