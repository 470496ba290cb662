import { useCallback, useEffect, useState } from 'react';
import { formatDate, isConclaveError, safetyNumberRows, type ChatModel, type DeviceView, type SafetyNumber } from '@conclave/client';
import { Dialog } from '../common/Dialog.js';

/** Props of `VerifyDialog`. */
export interface VerifyDialogProps {
  model: ChatModel;
  /** The contact (or yourself: then the number covers your own devices). */
  username: string;
  /** Opens the DM with the contact (absent for yourself). */
  onMessage?: () => void;
  onClose: () => void;
  /** Called once the contact is marked as verified (the screen then closes; a line in the conversation says so). */
  onVerified?: () => void;
}

type Loaded = { number: SafetyNumber; devices: DeviceView[]; username: string };

function errorText(err: unknown, username: string): string {
  if (isConclaveError(err, 'CONCLAVE_ERR_NO_SUCH_USER')) return `There is no user ${username} on this server.`;
  return err instanceof Error ? err.message : String(err);
}

/**
 * The safety-number screen for a contact: the 60-digit number as 3 rows of 4
 * groups, the contact's devices with fingerprints, how to compare, and
 * "Mark as verified". Confirming recomputes the number and refuses (showing
 * the new one) when it changed since it was shown, so a device added in
 * between is never verified unseen (the rule of `VerifyCommands`).
 */
export function VerifyDialog({ model, username, onMessage, onClose, onVerified }: VerifyDialogProps) {
  const client = model.client;
  const me = client.snapshot().me;
  const self = me !== null && me.username.toLowerCase() === username.replace(/^@/, '').toLowerCase();
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<{ tone: 'ok' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async (): Promise<Loaded> => {
    const v = client.verification;
    if (v === null) throw new Error('Not connected yet: try again once connected.');
    const [number, listed] = await Promise.all([v.safetyNumber(username), v.devices(username)]);
    return { number, devices: listed.devices, username: listed.username };
  }, [client, username]);

  useEffect(() => {
    let live = true;
    load().then(
      (l) => live && setLoaded(l),
      (err: unknown) => live && setError(errorText(err, username)),
    );
    return () => {
      live = false;
    };
  }, [load, username]);

  const confirm = async (): Promise<void> => {
    if (loaded === null || client.verification === null) return;
    setBusy(true);
    setOutcome(null);
    try {
      const fresh = await load();
      if (fresh.number.number !== loaded.number.number) {
        setLoaded(fresh);
        setOutcome({
          tone: 'error',
          text: `The safety number with ${fresh.username} changed since it was shown (a device was added or replaced). Compare this new one before marking as verified.`,
        });
        return;
      }
      await client.verification.confirm(fresh.number);
      setLoaded(await load());
      const n = fresh.number.covered.length;
      const text = `${fresh.username} is verified (${n} device${n === 1 ? '' : 's'}).`;
      model.system(text, 'ok');
      if (onVerified !== undefined) {
        onVerified();
        return;
      }
      setOutcome({ tone: 'ok', text });
    } catch (err) {
      setOutcome({ tone: 'error', text: errorText(err, username) });
    } finally {
      setBusy(false);
    }
  };

  const who = loaded?.username ?? username;
  const allVerified = loaded !== null && loaded.devices.every((d) => d.current || d.verified);
  return (
    <Dialog title={self ? 'Your safety number' : `Verify ${who}`} onClose={onClose} className="dialog--wide">
      {error !== null && <p className="form-error">{error}</p>}
      {error === null && loaded === null && <p className="muted">Computing the safety number…</p>}
      {loaded !== null && (
        <>
          <p className="dialog__text">
            {self
              ? 'This number covers all your devices. Compare it with the one shown on your other device.'
              : `Compare this number with ${who}, in person or on a call — not in this chat. It is the same on both your screens when nobody is in between.`}
          </p>
          <div className="safety-number" aria-label="Safety number" role="group">
            {safetyNumberRows(loaded.number.number).map((row, i) => (
              <p key={i} className="safety-number__row">
                {row}
              </p>
            ))}
          </div>
          <p className="dialog__text muted">
            If the numbers match, mark {self ? 'your devices' : who} as verified. If they differ, someone may be listening in: do not mark
            as verified, and tell {self ? 'your admin' : who} another way.
          </p>

          <h3 className="dialog__section">{self ? 'Your devices' : `Devices of ${who}`}</h3>
          {loaded.devices.length === 0 ? (
            <p className="muted">None listed by the server.</p>
          ) : (
            <ul className="device-list">
              {loaded.devices.map((d) => (
                <li key={d.deviceId} className="device-list__item">
                  <div className="device-list__head">
                    <span className="device-list__name">{d.name}</span>
                    <DeviceState device={d} />
                  </div>
                  <code className="device-list__fp">{d.fingerprint}</code>
                  <span className="device-list__date">added {formatDate(d.createdAt)}</span>
                </li>
              ))}
            </ul>
          )}

          {outcome !== null && (
            <p className={outcome.tone === 'ok' ? 'form-ok' : 'form-error'} role="alert">
              {outcome.text}
            </p>
          )}
          <div className="dialog__actions">
            {onMessage !== undefined && !self && (
              <button type="button" className="button button--secondary" onClick={onMessage}>
                Private message
              </button>
            )}
            <button type="button" className="button button--primary" disabled={busy} onClick={() => void confirm()}>
              {busy && <span className="spinner spinner--small" aria-hidden="true" />}
              {allVerified && outcome?.tone !== 'error' && <span aria-hidden="true">✓ </span>}
              Mark as verified
            </button>
          </div>
        </>
      )}
    </Dialog>
  );
}

function DeviceState({ device: d }: { device: DeviceView }) {
  if (d.current) return <span className="tag">this device</span>;
  if (d.verified) return <span className="tag tag--ok">verified</span>;
  if (d.pinned) return <span className="tag tag--warn">unverified</span>;
  return <span className="tag tag--warn">unverified, not seen yet</span>;
}
