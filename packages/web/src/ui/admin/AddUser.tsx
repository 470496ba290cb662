import { useState, type FormEvent } from 'react';
import { inviteLink, type ConclaveClient } from '@conclave/client';
import { webSocketUrl } from '../../app/session.js';
import { errorText } from './admin-hooks.js';
import { Secret } from './Secret.js';

/** What the last "Add user" made: the name, and the password when the server generated it (shown once). */
interface Created {
  username: string;
  password?: string;
}

/** Props of `AddUser`. */
export interface AddUserProps {
  client: ConclaveClient;
  /** Called after an account was created (the users table reloads). */
  onAdded: () => void;
}

/**
 * "Add user": Username and an optional Password (left empty, the server
 * generates a strong one and returns it once, shown here with a copy button
 * until the next add). The password field is cleared as soon as it was sent.
 */
export function AddUser({ client, onAdded }: AddUserProps) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<Created | null>(null);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (busy || username.trim() === '') return;
    setBusy(true);
    setError(null);
    setCreated(null);
    try {
      const given = password === '' ? undefined : password;
      const result = await client.admin({ action: 'add_user', username: username.trim(), ...(given !== undefined && { password: given }) });
      setCreated({ username: result.user.username, ...(result.password !== undefined && { password: result.password }) });
      setUsername('');
      setPassword('');
      onAdded();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="admin-form" onSubmit={(e) => void submit(e)} aria-labelledby="add-user-title">
      <h3 id="add-user-title" className="admin-form__title">
        Add user
      </h3>
      <div className="admin-form__fields">
        <div className="field">
          <label className="field__label" htmlFor="add-user-name">
            New username
          </label>
          <input
            id="add-user-name"
            className="field__input"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            autoComplete="off"
            autoCapitalize="none"
            autoCorrect="off"
            spellCheck={false}
            required
          />
        </div>
        <div className="field">
          <label className="field__label" htmlFor="add-user-password">
            Initial password (optional)
          </label>
          <input
            id="add-user-password"
            className="field__input"
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="new-password"
            aria-describedby="add-user-password-hint"
          />
        </div>
        <button type="submit" className="button button--primary admin-form__submit" disabled={busy || username.trim() === ''}>
          {busy && <span className="spinner spinner--small" aria-hidden="true" />}
          Add user
        </button>
      </div>
      <p id="add-user-password-hint" className="field__hint">
        Leave the password empty to have the server generate a strong one, shown here once.
      </p>
      <p className="form-error" role="alert">
        {error ?? ''}
      </p>
      <p className="form-ok" role="status">
        {created === null ? '' : created.password === undefined ? `Created ${created.username} with the password you gave.` : `Created ${created.username}.`}
      </p>
      {created?.password !== undefined && (
        <Secret
          label={`Password for ${created.username}`}
          value={created.password}
          hint="Shown once: pass it on privately. They can sign in with it right away."
        />
      )}
    </form>
  );
}

/** "Create invite": a single-use registration code (valid 24 h by default) with a copy button. */
export function CreateInvite({ client, onCreated }: { client: ConclaveClient; onCreated: () => void }) {
  const [invite, setInvite] = useState<{ code: string; expiresAt: number } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const create = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      setInvite(await client.createInvite());
      onCreated();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="admin-form">
      <h3 className="admin-form__title">Invite</h3>
      <p className="field__hint">Someone with an invite link (or its code) creates their own account and password on the register page.</p>
      <div>
        <button type="button" className="button button--secondary" onClick={() => void create()} disabled={busy}>
          {busy && <span className="spinner spinner--small" aria-hidden="true" />}
          Create invite
        </button>
      </div>
      <p className="form-error" role="alert">
        {error ?? ''}
      </p>
      {invite !== null && (
        <>
          <Secret label="Invite link" value={inviteLink(webSocketUrl(), invite.code)} hint="Opens the register page with the code filled in." />
          <Secret label="Invite code" value={invite.code} hint={`Single use, valid until ${new Date(invite.expiresAt).toLocaleString()}.`} />
        </>
      )}
    </div>
  );
}
