import { useState, type ReactNode } from 'react';
import { Dialog } from '../common/Dialog.js';
import { errorText } from './admin-hooks.js';

/** Props of `ConfirmDialog`. */
export interface ConfirmDialogProps {
  title: string;
  /** What happens if the admin goes ahead, in plain words. */
  children: ReactNode;
  /** The confirming button's text, e.g. "Delete account". */
  confirmLabel: string;
  /** Runs the action; a rejection keeps the dialog open with the error shown in it. */
  onConfirm: () => Promise<void>;
  onClose: () => void;
}

/**
 * Confirms a consequential admin action (sign a user out everywhere, delete
 * an account). Cancel has the focus first; the server's refusal (e.g. "That
 * is the last admin…") is shown in the dialog, which then stays open.
 */
export function ConfirmDialog({ title, children, confirmLabel, onConfirm, onClose }: ConfirmDialogProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const confirm = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  return (
    <Dialog title={title} onClose={onClose}>
      <div className="dialog__text">{children}</div>
      <p className="form-error" role="alert">
        {error ?? ''}
      </p>
      <div className="dialog__actions">
        <button type="button" className="button button--secondary" onClick={onClose} disabled={busy} autoFocus>
          Cancel
        </button>
        <button type="button" className="button button--danger" disabled={busy} onClick={() => void confirm()}>
          {busy && <span className="spinner spinner--small" aria-hidden="true" />}
          {confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}
