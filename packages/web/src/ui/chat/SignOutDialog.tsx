import { useState } from 'react';
import { Dialog } from '../common/Dialog.js';

/** Props of `SignOutDialog`. */
export interface SignOutDialogProps {
  username: string;
  /** Signs out; `forget` also deletes this browser's keys and history. */
  onConfirm: (forget: boolean) => Promise<void>;
  onClose: () => void;
}

/** Confirms signing out, optionally forgetting this browser's keys and history. */
export function SignOutDialog({ username, onConfirm, onClose }: SignOutDialogProps) {
  const [forget, setForget] = useState(false);
  const [busy, setBusy] = useState(false);
  return (
    <Dialog title="Sign out?" onClose={onClose}>
      <p className="dialog__text">
        You will need your password to sign in as <strong>{username}</strong> again.
      </p>
      {/* The whole row toggles; the checkbox is named by the phrase alone and described by the hint. */}
      <label className="check">
        <input
          type="checkbox"
          checked={forget}
          onChange={(e) => setForget(e.target.checked)}
          aria-labelledby="forget-label"
          aria-describedby="forget-hint"
        />
        <span>
          <span id="forget-label">Also forget this browser's keys and history</span>
          <span id="forget-hint" className="check__hint">
            Messages decrypted here are deleted and this browser stops being one of your devices. Choose this on a shared computer.
          </span>
        </span>
      </label>
      <div className="dialog__actions">
        <button type="button" className="button button--secondary" onClick={onClose} disabled={busy}>
          Cancel
        </button>
        <button
          type="button"
          className="button button--danger"
          disabled={busy}
          data-autofocus
          onClick={() => {
            setBusy(true);
            void onConfirm(forget).finally(() => setBusy(false));
          }}
        >
          {busy && <span className="spinner spinner--small" aria-hidden="true" />}
          Sign out
        </button>
      </div>
    </Dialog>
  );
}
