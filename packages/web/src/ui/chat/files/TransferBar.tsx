import { formatBytes, type TransferProgress } from '@conclave/client';
import { percent } from './file-kinds.js';

/** What each stage of sending a file is called. */
const STAGE_TEXT: Record<TransferProgress['stage'], string> = {
  encrypting: 'Encrypting',
  uploading: 'Uploading',
  sending: 'Sending',
};

/** Props of `TransferBar`. */
export interface TransferBarProps {
  /** The file's name (names the bar and the Cancel button for screen readers). */
  name: string;
  /** Sending: the stage and the ciphertext bytes done. Fetching: `stage` omitted, plaintext bytes. */
  progress: { stage?: TransferProgress['stage']; doneBytes: number; totalBytes: number };
  /** The verb while fetching ("Decrypting"). */
  verb?: string;
  onCancel: () => void;
}

/**
 * A file on its way: a progress bar ("Uploading 42 %", "1.3 MB of 3.1 MB")
 * and Cancel. Screen readers hear the stage when it changes (a polite live
 * region), not every percent; the bar itself is a `<progress>` named after
 * the file.
 */
export function TransferBar({ name, progress, verb, onCancel }: TransferBarProps) {
  const label = progress.stage === undefined ? (verb ?? 'Fetching') : STAGE_TEXT[progress.stage];
  const pct = percent(progress.doneBytes, progress.totalBytes);
  return (
    <div className="transfer" data-stage={progress.stage ?? 'fetching'}>
      <progress className="transfer__bar" max={100} value={pct} aria-label={`${label} ${name}`} />
      <span className="transfer__text" aria-hidden="true">
        {label} {pct} %
        {progress.totalBytes > 0 && (
          <span className="transfer__bytes">
            {' '}
            · {formatBytes(progress.doneBytes)} of {formatBytes(progress.totalBytes)}
          </span>
        )}
      </span>
      <span className="visually-hidden" aria-live="polite">
        {label} {name}
      </span>
      <button type="button" className="button button--ghost transfer__cancel" onClick={onCancel}>
        Cancel<span className="visually-hidden"> {label.toLowerCase()} {name}</span>
      </button>
    </div>
  );
}
