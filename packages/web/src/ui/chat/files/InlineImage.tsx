import { useEffect, useRef, useState } from 'react';
import type { MessageItem } from '@conclave/client';
import { useMessageActions } from '../message-actions.js';
import { fittedSize, thumbnailUrl, type ImageFileView } from './file-kinds.js';
import { FileIcon } from './FileIcon.js';
import { previewOf } from './previews.js';
import { TransferBar } from './TransferBar.js';
import { openError, useDecryptedFile } from './use-file.js';

/** How far outside the visible list an image starts decrypting, px. */
const AHEAD_PX = 400;

/** Props of `InlineImage`: a message whose file shows inline (`showsInline`). */
export interface InlineImageProps {
  item: MessageItem;
  file: ImageFileView;
}

/**
 * An image in a message, in a box of its announced proportions (fitted to
 * `IMAGE_BOX`), so the list does not jump as it loads: the thumbnail blurred
 * first, then the decrypted image once the message comes near the visible
 * part of the list (an `IntersectionObserver` on the list). A button: it
 * opens the lightbox ("Open image NAME"). While this user's image is being
 * sent, the local file (`previews.ts`) with a progress bar and Cancel; an
 * image that cannot be opened says why.
 */
export function InlineImage({ item, file }: InlineImageProps) {
  const { view, cancelTransfer } = useMessageActions();
  const frame = useRef<HTMLButtonElement>(null);
  const [near, setNear] = useState(false);
  const placed = item.status === undefined;
  const { state, load } = useDecryptedFile(item, file, near && placed);
  const size = fittedSize(file.image);
  const thumb = thumbnailUrl(file.image.thumbnail);
  // Our own image on its way: the local file, until the message is placed.
  const preview = placed ? undefined : previewOf(item.key);

  useEffect(() => {
    const el = frame.current;
    if (el === null || near) return;
    const observer = new IntersectionObserver((seen) => {
      if (seen.some((e) => e.isIntersecting)) setNear(true);
    }, { root: el.closest('.log'), rootMargin: `${AHEAD_PX}px 0px` });
    observer.observe(el);
    return () => observer.disconnect();
  }, [near]);

  return (
    <div className="image-msg" data-file-state={item.transfer !== undefined ? 'sending' : state.kind}>
      <button
        ref={frame}
        type="button"
        className={`image-msg__frame ${state.kind === 'failed' ? 'image-msg__frame--failed' : ''}`}
        style={{ width: size.width, aspectRatio: `${file.image.width} / ${file.image.height}` }}
        aria-label={`Open image ${file.name}`}
        disabled={!placed}
        onClick={() => view(item)}
      >
        {preview !== undefined && <img className="image-msg__img image-msg__img--local" src={preview} alt={file.name} draggable={false} />}
        {state.kind !== 'ready' &&
          preview === undefined &&
          (thumb !== null ? (
            <img className="image-msg__thumb" src={thumb} alt="" draggable={false} />
          ) : (
            <span className="image-msg__placeholder">
              <FileIcon kind="image" />
            </span>
          ))}
        {state.kind === 'ready' && (
          <img className="image-msg__img" src={state.url} alt={file.name} width={file.image.width} height={file.image.height} draggable={false} />
        )}
        {state.kind === 'loading' && (
          <progress className="image-msg__progress" max={Math.max(1, state.total)} value={state.done} aria-label={`Decrypting ${file.name}`} />
        )}
      </button>
      {item.transfer !== undefined && <TransferBar name={file.name} progress={item.transfer} onCancel={() => cancelTransfer(item.key)} />}
      {state.kind === 'failed' && (
        <div className="file-card__failed">
          <p className="file-card__error" role="alert">
            {openError(state.message)}
          </p>
          {!state.corrupt && (
            <button type="button" className="button button--secondary" onClick={load}>
              Try again
            </button>
          )}
        </div>
      )}
    </div>
  );
}
