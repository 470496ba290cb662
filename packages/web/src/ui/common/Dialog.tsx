import { useEffect, useId, useRef, type ReactNode, type RefObject } from 'react';

/** Props of `Dialog`. */
export interface DialogProps {
  /** The visible heading, also the dialog's accessible name. */
  title: string;
  /** Called on Escape, on the close button, and on a click on the backdrop. */
  onClose: () => void;
  children: ReactNode;
  /** Extra class on the `<dialog>` (e.g. `dialog--wide`). */
  className?: string;
}

/**
 * Shows the `<dialog>` of `ref` as a modal while the component is mounted:
 * focuses its `[data-autofocus]` element (React's `autoFocus` fires while the
 * dialog is still hidden), turns Escape into `onClose`, and on unmount closes
 * it and gives the focus back to where it was — or, when that element is
 * gone, to `fallbackFocus()`.
 */
export function useModalDialog(ref: RefObject<HTMLDialogElement | null>, onClose: () => void, fallbackFocus?: () => HTMLElement | null | undefined): void {
  const closeRef = useRef(onClose);
  closeRef.current = onClose;
  const fallbackRef = useRef(fallbackFocus);
  fallbackRef.current = fallbackFocus;
  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    // showModal focuses the first focusable element (the ✕); a dialog may name a better start.
    dialog.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    const onCancel = (event: Event): void => {
      event.preventDefault();
      closeRef.current();
    };
    dialog.addEventListener('cancel', onCancel);
    return () => {
      dialog.removeEventListener('cancel', onCancel);
      if (dialog.open) dialog.close();
      if (previous?.isConnected) previous.focus();
      else fallbackRef.current?.()?.focus();
    };
  }, [ref]);
}

/**
 * A modal `<dialog>` opened with `showModal()`: the browser traps focus in it
 * and makes the page behind inert; Escape closes it; focus returns to where
 * it was when the dialog opened. The focus starts on the element marked
 * `data-autofocus` if there is one (React's `autoFocus` runs before
 * `showModal`, while the dialog is still hidden). Mount it to open, unmount to close.
 */
export function Dialog({ title, onClose, children, className }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useModalDialog(ref, onClose);

  return (
    <dialog
      ref={ref}
      className={`dialog ${className ?? ''}`}
      aria-labelledby={titleId}
      onClick={(event) => {
        // A click on the backdrop lands on the <dialog> itself.
        if (event.target === ref.current) onClose();
      }}
    >
      <div className="dialog__body">
        <header className="dialog__header">
          <h2 id={titleId} className="dialog__title">
            {title}
          </h2>
          <button type="button" className="icon-button" onClick={onClose} aria-label="Close" title="Close">
            <span aria-hidden="true">✕</span>
          </button>
        </header>
        {children}
      </div>
    </dialog>
  );
}
