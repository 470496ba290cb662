import { EmojiPicker as Picker, type EmojiPickerListCategoryHeaderProps, type EmojiPickerListEmojiProps, type EmojiPickerListRowProps } from 'frimousse';

/**
 * The full emoji picker (frimousse: unstyled, virtualised, keyboard and
 * screen-reader friendly), loaded on first use as its own chunk (see
 * `ReactionPicker`). Its Emojibase data comes from this server
 * (`__EMOJIBASE_URL__`, emitted by the build), never from a CDN: the page's
 * CSP allows no other origin. Styles: `styles/emoji-picker.css`.
 */
export default function EmojiPicker({ onPick, columns = 8, focusSearch = true }: { onPick: (emoji: string) => void; columns?: number; focusSearch?: boolean }) {
  return (
    <Picker.Root className="emoji-picker" emojibaseUrl={__EMOJIBASE_URL__} columns={columns} onEmojiSelect={({ emoji }) => onPick(emoji)}>
      <div className="emoji-picker__top">
        {/* Focused on opening (not on phones): type to search, ↓ and the arrows move through the emoji, Enter picks. */}
        <Picker.Search
          className="emoji-picker__search field__input"
          aria-label="Search emoji"
          placeholder="Search emoji"
          autoFocus={focusSearch}
          {...(focusSearch && { 'data-autofocus': true })}
        />
        <Picker.SkinToneSelector className="emoji-picker__tone" aria-label="Change skin tone" title="Change skin tone" />
      </div>
      <Picker.Viewport className="emoji-picker__viewport">
        <Picker.Loading className="emoji-picker__status">Loading emoji…</Picker.Loading>
        <Picker.Empty className="emoji-picker__status">{({ search }) => `No emoji found for “${search}”.`}</Picker.Empty>
        <Picker.List className="emoji-picker__list" components={{ CategoryHeader, Row, Emoji }} />
      </Picker.Viewport>
      <div className="emoji-picker__footer" aria-hidden="true">
        <Picker.ActiveEmoji>
          {({ emoji }) =>
            emoji === undefined ? (
              <span className="emoji-picker__hint">Pick an emoji…</span>
            ) : (
              <>
                <span className="emoji-picker__preview">{emoji.emoji}</span>
                <span className="emoji-picker__label">{emoji.label}</span>
              </>
            )
          }
        </Picker.ActiveEmoji>
      </div>
    </Picker.Root>
  );
}

function CategoryHeader({ category, ...props }: EmojiPickerListCategoryHeaderProps) {
  return (
    <div {...props} className="emoji-picker__category">
      {category.label}
    </div>
  );
}

function Row({ children, ...props }: EmojiPickerListRowProps) {
  return (
    <div {...props} className="emoji-picker__row">
      {children}
    </div>
  );
}

function Emoji({ emoji, ...props }: EmojiPickerListEmojiProps) {
  return (
    <button {...props} className="emoji-picker__emoji" aria-label={emoji.label} data-active={emoji.isActive ? '' : undefined}>
      {emoji.emoji}
    </button>
  );
}
