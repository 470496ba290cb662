import { Component, lazy, Suspense, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { useModalDialog } from '../common/Dialog.js';
import { CloseIcon } from '../common/icons.js';

/** The picker's chunk (frimousse and our markup): fetched on first use, or ahead when the pointer nears a reaction button. */
const loadPicker = () => import('./EmojiPicker.js');
const EmojiPicker = lazy(loadPicker);

/** Starts fetching the emoji picker's code (idempotent: the module loader keeps one request). */
export function preloadEmojiPicker(): void {
  void loadPicker().catch(() => undefined);
}

/** The picker's size on wide screens, px (kept in step with `.picker-dialog` in emoji-picker.css). */
const WIDTH = 352;
const HEIGHT = 420;
const GAP = 6;
const MARGIN = 8;

/** Props of `ReactionPicker`. */
export interface ReactionPickerProps {
  /** The button it was opened from: on wide screens it opens next to it; the focus returns there. */
  anchor: HTMLElement | null;
  /** Phone layout: a sheet at the bottom of the screen. */
  phone: boolean;
  onPick: (emoji: string) => void;
  onClose: () => void;
  /** Where the focus goes on closing when the element it came from is gone (a toolbar shown only on hover). */
  returnFocus?: () => HTMLElement | null;
}

/**
 * The full emoji picker in a modal `<dialog>` ("Add reaction"): next to the
 * button that opened it on wide screens, a bottom sheet on phones. Escape, a
 * click outside or picking an emoji closes it; the focus goes back to where
 * it was. Its code loads lazily (a spinner meanwhile; a note if it fails).
 */
export function ReactionPicker({ anchor, phone, onPick, onClose, returnFocus }: ReactionPickerProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const [place, setPlace] = useState<{ top: number; left: number } | null>(null);

  useLayoutEffect(() => {
    if (phone || anchor === null) {
      setPlace(null);
      return;
    }
    const r = anchor.getBoundingClientRect();
    // Aligned with the button's left edge, or its right edge when that would overflow the window.
    const left = r.left + WIDTH <= window.innerWidth - MARGIN ? r.left : Math.min(r.right - WIDTH, window.innerWidth - WIDTH - MARGIN);
    const below = r.bottom + GAP;
    const top = below + HEIGHT <= window.innerHeight - MARGIN ? below : Math.max(MARGIN, r.top - GAP - HEIGHT);
    setPlace({ top, left: Math.max(MARGIN, left) });
  }, [anchor, phone]);

  useModalDialog(ref, onClose, returnFocus);

  return (
    <dialog
      ref={ref}
      className={`picker-dialog ${phone ? 'picker-dialog--sheet' : ''}`}
      aria-label="Add reaction"
      style={place === null ? undefined : { top: place.top, left: place.left }}
      onClick={(event) => {
        if (event.target === ref.current) onClose();
      }}
    >
      {phone && (
        <header className="picker-dialog__header">
          <h2 className="picker-dialog__title">Add reaction</h2>
          <button type="button" className="icon-button" aria-label="Close" onClick={onClose}>
            <CloseIcon />
          </button>
        </header>
      )}
      <PickerBoundary>
        <Suspense
          fallback={
            <p className="emoji-picker__status emoji-picker__status--loading" role="status">
              <span className="spinner spinner--small" aria-hidden="true" />
              Loading emoji…
            </p>
          }
        >
          <EmojiPicker onPick={onPick} columns={phone ? 7 : 8} focusSearch={!phone} />
        </Suspense>
      </PickerBoundary>
    </dialog>
  );
}

/** Shows a note instead of the picker when its code could not be loaded (offline after an update, say). */
class PickerBoundary extends Component<{ children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  override render(): ReactNode {
    if (this.state.failed) {
      return (
        <p className="emoji-picker__status" role="alert">
          The emoji picker could not be loaded. Check the connection and try again.
        </p>
      );
    }
    return this.props.children;
  }
}
