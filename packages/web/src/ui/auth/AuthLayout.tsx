import type { ReactNode } from 'react';

/** The centred card of the sign-in and register pages, with the app's mark. */
export function AuthLayout({ title, subtitle, children }: { title: string; subtitle?: string; children: ReactNode }) {
  return (
    <main className="auth">
      <div className="auth__card">
        <div className="auth__brand">
          <img className="auth__logo" src="/icons/icon.svg" alt="" width="48" height="48" />
          <span className="auth__name">Conclave</span>
        </div>
        <h1 className="auth__title">{title}</h1>
        {subtitle !== undefined && <p className="auth__subtitle">{subtitle}</p>}
        {children}
      </div>
      <p className="auth__footnote">End-to-end encrypted. Your keys stay in this browser.</p>
    </main>
  );
}

/** A labelled input row; `label` is the field's accessible name, exactly. */
export function Field(props: {
  id: string;
  label: string;
  type?: string;
  value: string;
  onChange: (value: string) => void;
  autoComplete?: string;
  hint?: string;
  autoFocus?: boolean;
  required?: boolean;
}) {
  const hintId = `${props.id}-hint`;
  return (
    <div className="field">
      <label className="field__label" htmlFor={props.id}>
        {props.label}
      </label>
      <input
        id={props.id}
        className="field__input"
        type={props.type ?? 'text'}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        autoComplete={props.autoComplete}
        autoCapitalize="none"
        autoCorrect="off"
        spellCheck={false}
        required={props.required ?? true}
        autoFocus={props.autoFocus}
        {...(props.hint !== undefined && { 'aria-describedby': hintId })}
      />
      {props.hint !== undefined && (
        <p id={hintId} className="field__hint">
          {props.hint}
        </p>
      )}
    </div>
  );
}

/** The error line under a form (announced when it appears). */
export function FormError({ message }: { message: string | null }) {
  return (
    <p className="form-error" role="alert">
      {message ?? ''}
    </p>
  );
}
