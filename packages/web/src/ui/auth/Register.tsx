import { useEffect, useState, type FormEvent } from 'react';
import { ACCOUNT_RULES } from '@conclave/protocol';
import { probeServer, type ServerInfo } from '@conclave/client';
import { browserSockets, CLIENT_NAME, webSocketUrl } from '../../app/session.js';
import { AuthLayout, Field, FormError } from './AuthLayout.js';

/** Props of `Register`: `onSubmit` rejects with an Error whose message is shown under the form. */
export interface RegisterProps {
  initialUsername: string;
  /** The invite code of the link that opened the page (`#/register?invite=CODE`), or ''. */
  initialCode: string;
  onSubmit: (username: string, password: string, code: string | undefined) => Promise<void>;
  onSignIn: (username: string) => void;
}

/** What the code field asks for, from the server's registration policy. */
type CodeField = { label: string; hint: string } | null;

function codeFieldOf(probe: ServerInfo | null | 'failed'): CodeField {
  if (probe === null) return null;
  if (probe === 'failed') return { label: 'Invite code', hint: 'If the server gave you one; leave empty otherwise.' };
  if (probe.setupPending) return { label: 'Setup code', hint: 'The one-time code the server printed when it first started. This first account becomes the admin.' };
  if (probe.registration === 'invite') return { label: 'Invite code', hint: 'Ask an admin of this server for one.' };
  return null;
}

/** Checks the form before asking the server; returns the problem or null. */
function validate(username: string, password: string, repeat: string): string | null {
  if (!ACCOUNT_RULES.usernamePattern.test(username)) return 'Usernames are 3–32 characters: letters, digits, _ . -';
  if (password.length < ACCOUNT_RULES.passwordMinChars) return `Passwords need at least ${ACCOUNT_RULES.passwordMinChars} characters.`;
  if (password !== repeat) return 'The passwords do not match.';
  return null;
}

/**
 * The register page: Username, Password, "Repeat password", and the invite
 * or setup code when the server's policy needs one (asked with `probeServer`).
 */
export function Register({ initialUsername, initialCode, onSubmit, onSignIn }: RegisterProps) {
  const [username, setUsername] = useState(initialUsername);
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [code, setCode] = useState(initialCode);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [probe, setProbe] = useState<ServerInfo | null | 'failed'>(null);

  useEffect(() => {
    let live = true;
    probeServer(webSocketUrl(), browserSockets, 5_000, CLIENT_NAME).then(
      (p) => live && setProbe(p),
      () => live && setProbe('failed'),
    );
    return () => {
      live = false;
    };
  }, []);

  const closed = probe !== null && probe !== 'failed' && !probe.setupPending && probe.registration === 'closed';
  const codeField = codeFieldOf(probe);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (busy) return;
    const name = username.trim();
    const problem = validate(name, password, repeat);
    setError(problem);
    if (problem !== null) return;
    setBusy(true);
    try {
      await onSubmit(name, password, codeField !== null && code.trim() !== '' ? code.trim() : undefined);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };

  return (
    <AuthLayout title="Create account" subtitle="Your account lives on this server; your keys stay on your devices.">
      {closed ? (
        <p className="auth__notice" role="status">
          Registration is closed on this server. Ask an admin to create an account for you.
        </p>
      ) : (
        <form className="form" onSubmit={(e) => void submit(e)} aria-busy={busy} noValidate>
          <Field
            id="register-username"
            label="Username"
            value={username}
            onChange={setUsername}
            autoComplete="username"
            hint="3–32 letters, digits, _ . -"
            autoFocus
          />
          <Field id="register-password" label="Password" type="password" value={password} onChange={setPassword} autoComplete="new-password" hint="At least 8 characters." />
          <Field id="register-repeat" label="Repeat password" type="password" value={repeat} onChange={setRepeat} autoComplete="new-password" />
          {codeField !== null && (
            <Field
              id="register-code"
              label={codeField.label}
              value={code}
              onChange={setCode}
              autoComplete="one-time-code"
              hint={initialCode !== '' && code === initialCode ? 'Filled in from your invite link.' : codeField.hint}
              required={probe !== 'failed'}
            />
          )}
          <FormError message={error} />
          <button type="submit" className="button button--primary button--block" disabled={busy || probe === null}>
            {busy && <span className="spinner" aria-hidden="true" />}
            Create account
          </button>
        </form>
      )}
      <p className="auth__switch">
        Already have an account?{' '}
        <button type="button" className="link-button" onClick={() => onSignIn(username.trim())}>
          Sign in instead
        </button>
      </p>
    </AuthLayout>
  );
}
