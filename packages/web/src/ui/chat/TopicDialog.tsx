import { useState, type FormEvent } from 'react';
import { Dialog } from '../common/Dialog.js';

/** Longest topic the field takes, characters (the message size limit is far above). */
const MAX_TOPIC = 300;

/** Props of `TopicDialog`. */
export interface TopicDialogProps {
  /** `#room`. */
  room: string;
  topic: string;
  /** Sets the topic ('' clears it) for every member; rejects with a message fit to show. */
  onSave: (topic: string) => Promise<void>;
  onClose: () => void;
}

/** "Room topic": one field; any member may set or clear it (it is end-to-end encrypted like a message). */
export function TopicDialog({ room, topic, onSave, onClose }: TopicDialogProps) {
  const [value, setValue] = useState(topic);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  const save = (next: string): void => {
    setBusy(true);
    setError('');
    onSave(next.trim()).then(onClose, (err: unknown) => {
      setBusy(false);
      setError(err instanceof Error ? err.message : String(err));
    });
  };

  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    if (value.trim() === topic.trim()) onClose();
    else save(value);
  };

  return (
    <Dialog title={`Topic of ${room}`} onClose={onClose}>
      <form className="form" onSubmit={onSubmit}>
        <div className="field">
          <label className="field__label" htmlFor="topic-field">
            Topic
          </label>
          <input
            id="topic-field"
            className="field__input"
            value={value}
            maxLength={MAX_TOPIC}
            onChange={(e) => setValue(e.target.value)}
            placeholder="What this room is about"
            autoComplete="off"
            data-autofocus
            aria-describedby="topic-hint"
          />
          <p id="topic-hint" className="field__hint">
            Every member sees it at the top of the room, and can change it.
          </p>
        </div>
        <p className="form-error" role="alert">
          {error}
        </p>
        <div className="dialog__actions">
          {topic !== '' && (
            <button type="button" className="button button--ghost dialog__action-start" disabled={busy} onClick={() => save('')}>
              Clear topic
            </button>
          )}
          <button type="button" className="button button--secondary" disabled={busy} onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={busy}>
            {busy && <span className="spinner spinner--small" aria-hidden="true" />}
            Save
          </button>
        </div>
      </form>
    </Dialog>
  );
}
