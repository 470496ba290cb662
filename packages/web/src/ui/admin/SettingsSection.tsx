import { useEffect, useState, type FormEvent } from 'react';
import type { ConclaveClient } from '@conclave/client';
import type { SettingInfo } from '@conclave/protocol';
import { errorText, type Resource } from './admin-hooks.js';

/** Props of `SettingsSection`. */
export interface SettingsSectionProps {
  client: ConclaveClient;
  settings: Resource<SettingInfo[]>;
  onChanged: () => void;
}

/**
 * "Settings": every runtime setting with its value (editable), default and
 * description. Each saves on its own ("Save <key>"); the server checks the
 * value and its refusal is shown under the field.
 */
export function SettingsSection({ client, settings, onChanged }: SettingsSectionProps) {
  return (
    <section className="admin-card" aria-labelledby="admin-settings-title">
      <div className="admin-card__head">
        <h2 id="admin-settings-title" className="admin-card__title">
          Settings
        </h2>
        <span className="admin-card__hint">Take effect at once and survive restarts</span>
      </div>
      {settings.error !== null && (
        <p className="form-error" role="alert">
          {settings.error}
        </p>
      )}
      {settings.data === null && settings.error === null && <p className="muted">Loading…</p>}
      {settings.data !== null && (
        <ul className="settings">
          {settings.data.map((s) => (
            <SettingRow key={s.key} client={client} setting={s} onSaved={onChanged} />
          ))}
        </ul>
      )}
    </section>
  );
}

/** One setting: its key as the field's label, the description, the default, Save. */
function SettingRow({ client, setting, onSaved }: { client: ConclaveClient; setting: SettingInfo; onSaved: () => void }) {
  const [value, setValue] = useState(setting.value);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const id = `setting-${setting.key}`;

  // A reload (after a save, or a change made elsewhere) shows the value in force, unless being edited.
  const [base, setBase] = useState(setting.value);
  useEffect(() => {
    if (setting.value === base) return;
    setBase(setting.value);
    setValue((v) => (v === base ? setting.value : v));
  }, [setting.value, base]);

  const dirty = value.trim() !== setting.value;

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (busy || !dirty) return;
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      const result = await client.admin({ action: 'set', key: setting.key, value: value.trim() });
      setValue(result.setting.value);
      setBase(result.setting.value);
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <li className="setting" data-setting={setting.key}>
      <form className="setting__form" onSubmit={(e) => void submit(e)}>
        <label className="setting__key" htmlFor={id}>
          {setting.key}
        </label>
        <p id={`${id}-about`} className="setting__about">
          {setting.description}
          <span className="setting__default">
            {' '}
            · default <code>{setting.default}</code>
          </span>
        </p>
        <div className="setting__edit">
          <input
            id={id}
            className="field__input setting__input"
            value={value}
            onChange={(e) => {
              setValue(e.target.value);
              setSaved(false);
              setError(null);
            }}
            autoComplete="off"
            autoCapitalize="none"
            autoCorrect="off"
            spellCheck={false}
            aria-describedby={`${id}-about ${id}-result`}
            aria-invalid={error !== null}
          />
          <button type="submit" className="button button--primary button--compact" disabled={busy || !dirty} aria-label={`Save ${setting.key}`}>
            {busy && <span className="spinner spinner--small" aria-hidden="true" />}
            Save
          </button>
        </div>
        <p id={`${id}-result`} className={error !== null ? 'form-error' : 'form-ok'} role="status">
          {error ?? (saved ? 'Saved.' : '')}
        </p>
      </form>
    </li>
  );
}
