import { useEffect, useState } from 'react';

/** Props of `Secret`. */
export interface SecretProps {
  /** What the value is, e.g. "Password for bob" (the copy button's name ends with it). */
  label: string;
  value: string;
  /** One line under the value: how to pass it on, when it expires. */
  hint?: string;
}

/**
 * A value to pass on exactly (a generated password, an invite code): shown
 * large in a monospace box, selectable with one click, with a "Copy" button
 * that says whether the clipboard took it. Never stored by the page.
 */
export function Secret({ label, value, hint }: SecretProps) {
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  useEffect(() => setCopied(null), [value]);

  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('yes');
    } catch {
      setCopied('no');
    }
  };

  return (
    <div className="secret">
      <span className="secret__label">{label}</span>
      <div className="secret__row">
        <code className="secret__value" data-secret="">
          {value}
        </code>
        <button type="button" className="button button--secondary" onClick={() => void copy()} aria-label={`Copy ${label.toLowerCase()}`}>
          Copy
        </button>
      </div>
      <p className="secret__hint" role="status">
        {copied === 'yes' ? 'Copied.' : copied === 'no' ? "This browser didn't allow copying: select the text and copy it." : (hint ?? '')}
      </p>
    </div>
  );
}
