import { Avatar } from '../common/Avatar.js';

/** The id of the mention list (the message box's `aria-controls`); option `i` is `${MENTION_LIST_ID}-${i}`. */
export const MENTION_LIST_ID = 'mention-list';

/** Props of `MentionPopup`. */
export interface MentionPopupProps {
  names: readonly string[];
  /** Index of the highlighted name (the message box's `aria-activedescendant`). */
  active: number;
  onPick: (name: string) => void;
  onHover: (index: number) => void;
}

/**
 * The people an `@name` being typed may mean (`role="listbox"`, "Mention"),
 * above the message box. The box keeps the focus: ↑/↓ move the highlight,
 * Enter or Tab complete, Escape closes (see `Composer`); a click completes.
 */
export function MentionPopup({ names, active, onPick, onHover }: MentionPopupProps) {
  return (
    <ul id={MENTION_LIST_ID} className="mentions" role="listbox" aria-label="Mention">
      {names.map((name, i) => (
        <li
          key={name}
          id={`${MENTION_LIST_ID}-${i}`}
          className={`mentions__option ${i === active ? 'mentions__option--active' : ''}`}
          role="option"
          aria-selected={i === active}
          // The message box keeps the focus (and the caret) while the pointer picks.
          onMouseDown={(event) => event.preventDefault()}
          onClick={() => onPick(name)}
          onMouseMove={() => onHover(i)}
        >
          <Avatar name={name} size="small" />
          <span className="mentions__name">{name}</span>
        </li>
      ))}
    </ul>
  );
}
