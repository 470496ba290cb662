import { useId, type ReactNode } from 'react';
import { Dialog } from '../common/Dialog.js';
import { CloseIcon } from '../common/icons.js';

/** Props of `SidePanel`. */
export interface SidePanelProps {
  title: string;
  /** Phone layout: a modal sheet over the whole screen instead of a column. */
  phone: boolean;
  onClose: () => void;
  children: ReactNode;
  /** Extra class (e.g. `panel--search`). */
  className?: string;
}

/**
 * A panel beside the conversation (search results, members): on wide screens
 * a column at the right (`complementary`, named by its title; Escape in it
 * closes it), on phones a modal sheet over the screen (`Dialog`).
 */
export function SidePanel({ title, phone, onClose, children, className }: SidePanelProps) {
  const titleId = useId();
  if (phone) {
    return (
      <Dialog title={title} onClose={onClose} className={`dialog--panel ${className ?? ''}`}>
        {children}
      </Dialog>
    );
  }
  return (
    <aside
      className={`panel ${className ?? ''}`}
      aria-labelledby={titleId}
      onKeyDown={(event) => {
        if (event.key !== 'Escape') return;
        event.preventDefault();
        onClose();
      }}
    >
      <header className="panel__header">
        <h2 id={titleId} className="panel__title">
          {title}
        </h2>
        <button type="button" className="icon-button" onClick={onClose} aria-label={`Close ${title.toLowerCase()}`} title="Close (Esc)">
          <CloseIcon />
        </button>
      </header>
      <div className="panel__body">{children}</div>
    </aside>
  );
}
