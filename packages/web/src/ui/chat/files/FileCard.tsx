import { useEffect, useState } from 'react';
import { formatBytes, type FileView, type MessageItem } from '@conclave/client';
import { DownloadIcon } from '../../common/icons.js';
import { useMessageActions } from '../message-actions.js';
import { fileKind } from './file-kinds.js';
import { FileIcon } from './FileIcon.js';
import { saveFile } from './save.js';
import { TransferBar } from './TransferBar.js';
import { openError, useDecryptedFile } from './use-file.js';

/**
 * A file that is not shown inline: an icon by its kind, its name, its size,
 * and Download, which decrypts it (a progress bar with Cancel meanwhile) and
 * then saves it through the browser. While this user's own file is being
 * sent, the bar shows that instead. A file that cannot be opened says why
 * (`role="alert"`), with "Try again" unless it was altered.
 */
export function FileCard({ item, file }: { item: MessageItem; file: FileView }) {
  const { cancelTransfer } = useMessageActions();
  const { state, load, drop } = useDecryptedFile(item, file, false);
  const [saving, setSaving] = useState(false);
  const placed = item.status === undefined;

  // Decrypted after a click on Download: save it once, then let go (the cache keeps it a while).
  useEffect(() => {
    if (!saving || state.kind !== 'ready') return;
    saveFile(state.url, file.name);
    setSaving(false);
    drop();
  }, [saving, state, file.name, drop]);

  const download = (): void => {
    setSaving(true);
    load();
  };
  const cancel = (): void => {
    setSaving(false);
    drop();
  };

  return (
    <div className="file-card" data-file-kind={fileKind(file)} data-file-state={item.transfer !== undefined ? 'sending' : state.kind}>
      <div className="file-card__row">
        <FileIcon kind={fileKind(file)} />
        <div className="file-card__info">
          <span className="file-card__name" title={file.name}>
            {file.name}
          </span>
          <span className="file-card__meta">{formatBytes(file.size)}</span>
        </div>
        {placed && state.kind !== 'loading' && !(state.kind === 'failed' && state.corrupt) && (
          <button type="button" className="button button--secondary file-card__download" onClick={download}>
            <DownloadIcon />
            <span className="file-card__download-label">{state.kind === 'failed' && !state.corrupt ? 'Try again' : 'Download'}</span>
            <span className="visually-hidden"> {file.name}</span>
          </button>
        )}
      </div>
      {item.transfer !== undefined && <TransferBar name={file.name} progress={item.transfer} onCancel={() => cancelTransfer(item.key)} />}
      {state.kind === 'loading' && <TransferBar name={file.name} verb="Decrypting" progress={{ doneBytes: state.done, totalBytes: state.total }} onCancel={cancel} />}
      {state.kind === 'failed' && (
        <p className="file-card__error" role="alert">
          {openError(state.message)}
        </p>
      )}
    </div>
  );
}
