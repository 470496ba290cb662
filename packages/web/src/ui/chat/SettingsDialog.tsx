import { useState } from 'react';
import type { ConclaveClient } from '@conclave/client';
import type { SoundPlayer } from '../../app/sounds.js';
import { Dialog } from '../common/Dialog.js';
import { useMuted } from '../common/hooks.js';

/** Props of `SettingsDialog`. */
export interface SettingsDialogProps {
  client: ConclaveClient;
  sounds: SoundPlayer;
  onClose: () => void;
}

/**
 * "Settings" of this browser: whether it sends read receipts (others see
 * "Seen by you" under what you have read) and whether it plays sounds
 * (mentions still ring). Each takes effect at once and is remembered here.
 */
export function SettingsDialog({ client, sounds, onClose }: SettingsDialogProps) {
  const [receipts, setReceipts] = useState(client.readReceipts);
  const [error, setError] = useState('');
  const muted = useMuted(sounds);

  const toggleReceipts = (on: boolean): void => {
    setReceipts(on);
    setError('');
    client.setReadReceipts(on).catch((err: unknown) => {
      setReceipts(client.readReceipts);
      setError(`Could not save the setting: ${err instanceof Error ? err.message : String(err)}`);
    });
  };

  return (
    <Dialog title="Settings" onClose={onClose}>
      <label className="check check--setting">
        <input type="checkbox" checked={receipts} onChange={(e) => toggleReceipts(e.target.checked)} aria-labelledby="receipts-label" aria-describedby="receipts-hint" />
        <span>
          <span id="receipts-label">Send read receipts</span>
          <span id="receipts-hint" className="check__hint">
            Others see “Seen by” under the messages you have read. Turned off, this browser stops telling them.
          </span>
        </span>
      </label>
      <label className="check check--setting">
        <input
          type="checkbox"
          checked={!muted}
          onChange={(e) => {
            sounds.setMuted(!e.target.checked);
            if (e.target.checked) sounds.unlock();
          }}
          aria-labelledby="sounds-label"
          aria-describedby="sounds-hint"
        />
        <span>
          <span id="sounds-label">Play sounds</span>
          <span id="sounds-hint" className="check__hint">
            For new messages, people signing in and out. A message that mentions you always plays its sound.
          </span>
        </span>
      </label>
      <p className="form-error" role="alert">
        {error}
      </p>
      <div className="dialog__actions">
        <button type="button" className="button button--primary" onClick={onClose}>
          Done
        </button>
      </div>
    </Dialog>
  );
}
