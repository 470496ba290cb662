import { useState, type FormEvent } from 'react';
import { AuthLayout, Field, FormError } from './AuthLayout.js';

/** Props of `SignIn`: `onSubmit` rejects with an Error whose message is shown under the form. */
export interface SignInProps {
  initialUsername: string;
  /** Shown above the form (e.g. "Your session has ended. Sign in again."). */
  notice?: string | undefined;
  onSubmit: (username: string, password: string) => Promise<void>;
  onRegister: (username: string) => void;
}

/** The sign-in page: Username, Password, "Sign in". */
export function SignIn({ initialUsername, notice, onSubmit, onRegister }: SignInProps) {
  const [username, setUsername] = useState(initialUsername);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await onSubmit(username.trim(), password);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };

  return (
    <AuthLayout title="Sign in" subtitle="Welcome back.">
      {notice !== undefined && <p className="auth__notice" role="status">
          {notice}
        </p>}
      <form className="form" onSubmit={(e) => void submit(e)} aria-busy={busy}>
        <Field id="signin-username" label="Username" value={username} onChange={setUsername} autoComplete="username" autoFocus={initialUsername === ''} />
        <Field
          id="signin-password"
          label="Password"
          type="password"
          value={password}
          onChange={setPassword}
          autoComplete="current-password"
          autoFocus={initialUsername !== ''}
        />
        <FormError message={error} />
        <button type="submit" className="button button--primary button--block" disabled={busy}>
          {busy && <span className="spinner" aria-hidden="true" />}
          Sign in
        </button>
      </form>
      <p className="auth__switch">
        New here?{' '}
        <button type="button" className="link-button" onClick={() => onRegister(username.trim())}>
          Create an account
        </button>
      </p>
    </AuthLayout>
  );
}
