import { formatBytes, type MessageItem } from '@conclave/client';
import { Dialog } from '../../common/Dialog.js';
import { DownloadIcon } from '../../common/icons.js';
import { percent, thumbnailUrl, type ImageFileView } from './file-kinds.js';
import { openError, useDecryptedFile } from './use-file.js';

/** Props of `Lightbox`. */
export interface LightboxProps {
  item: MessageItem;
  file: ImageFileView;
  onClose: () => void;
}

/**
 * An image at full size in a modal dialog named after the file: fitted to
 * the viewport (never scaled up), with who sent it, its size, and Download
 * (an `<a download>` of the decrypted image). Escape, ✕ or a click beside
 * the image closes it; the focus goes back to the image in the message. It
 * shares the decrypted copy with the message (`file-urls.ts`).
 */
export function Lightbox({ item, file, onClose }: LightboxProps) {
  const { state } = useDecryptedFile(item, file, true);
  const thumb = thumbnailUrl(file.image.thumbnail);
  return (
    <Dialog title={file.name} onClose={onClose} className="dialog--lightbox">
      <div className="lightbox__stage">
        {state.kind === 'ready' ? (
          <img className="lightbox__img" src={state.url} alt={file.name} width={file.image.width} height={file.image.height} />
        ) : state.kind === 'failed' ? (
          <p className="file-card__error" role="alert">
            {openError(state.message)}
          </p>
        ) : (
          <>
            {thumb !== null && <img className="lightbox__thumb" src={thumb} alt="" width={file.image.width} height={file.image.height} />}
            <progress
              className="lightbox__progress"
              max={100}
              value={state.kind === 'loading' ? percent(state.done, state.total) : 0}
              aria-label={`Decrypting ${file.name}`}
            />
          </>
        )}
      </div>
      <div className="lightbox__footer">
        <p className="lightbox__meta">
          From {item.sender} · {file.image.width} × {file.image.height} · {formatBytes(file.size)}
        </p>
        {state.kind === 'ready' && (
          <a className="button button--secondary lightbox__download" href={state.url} download={file.name}>
            <DownloadIcon />
            Download
          </a>
        )}
      </div>
    </Dialog>
  );
}
