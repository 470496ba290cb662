import { useEffect, useLayoutEffect, useRef, useState, type ClipboardEvent, type FormEvent, type KeyboardEvent } from 'react';
import type { TextMeasure } from '@conclave/client';
import { AttachIcon, CloseIcon, EditIcon, ReplyIcon } from '../common/icons.js';
import { completeMention, mentionAt } from './mention.js';
import { MENTION_LIST_ID, MentionPopup } from './MentionPopup.js';

/** Tallest the message box grows before it scrolls, px. */
const MAX_HEIGHT_PX = 180;

/**
 * What the next line sent does besides a plain message: answer a message
 * (`reply`, shown as "Replying to bob: …") or replace the text of one of your
 * own (`edit`, the box prefilled with it). `key` identifies the message.
 */
export type ComposeMode =
  | { kind: 'reply'; seq: number; key: string; sender: string; text: string }
  | { kind: 'edit'; seq: number; key: string; text: string };

/** Props of `Composer`. */
export interface ComposerProps {
  /** e.g. "Message #general". */
  placeholder: string;
  /** Sends a line (text or a /command) in the current mode; the composer clears at once. */
  onSubmit: (line: string) => void;
  /** Whether `line` may be sent: null, or why not ("Too long by 37 characters."): then it is shown and the text kept. */
  check?: (line: string) => string | null;
  /** How the text measures against the size limit: a counter shows while `nearLimit`. */
  measure?: (text: string) => TextMeasure;
  /** Called on each key press in the box (the page uses it to unlock audio). */
  onActivity?: () => void;
  /** Changes when another conversation is shown (its label, e.g. `@bob`): the draft is kept per conversation. */
  conversationKey: string;
  /** Focus the box when the chat opens (not on phones: the keyboard would cover the screen). */
  autoFocus?: boolean;
  /** Replying to or editing a message, or null. */
  mode?: ComposeMode | null;
  /** Ends the mode (✕, Escape, or an edit sent unchanged). */
  onCancelMode?: () => void;
  /** ↑ in an empty box: edit your last message; false when there is none (then ↑ recalls the last line sent). */
  onEditLast?: () => boolean;
  /**
   * Told the text after the user changes it ('' while editing a message): drives "… is typing". Called
   * after the key press is handled, with the text as it is then (a line sent meanwhile counts as '').
   */
  onComposing?: (text: string) => void;
  /** Names to complete an `@name` with (`ChatModel.mentionCandidates`). */
  mentionCandidates?: (prefix: string) => string[];
  /** "bob is typing…", or null: shown just above the box (a polite live region). */
  typing?: string | null;
  /** Sends files, one message each (chosen with "Attach files", or pasted); absent: no conversation to send to. */
  onFiles?: (files: File[]) => void;
}

/**
 * The message box ("Message") and the "Send" button: Enter sends,
 * Shift+Enter starts a new line; ↑ in an empty box edits your last message
 * (or, with none, recalls the last line sent). Above it: who is typing, and
 * while replying or editing, what to (✕ or Escape cancels). Typing `@` and
 * letters offers names to mention (↑/↓, Enter or Tab, Escape).
 * A line `check` refuses stays in the box with the reason under it
 * (`role="alert"`); near the size limit a counter says what is left
 * ("120 left", "37 too many").
 * "Attach files" (left of the box) opens the browser's file chooser; files
 * pasted into the box (a screenshot, say) are sent the same way.
 */
export function Composer(props: ComposerProps) {
  const { placeholder, onSubmit, check, measure, onActivity, conversationKey, autoFocus = false, mode = null } = props;
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const [refusal, setRefusal] = useState<string | null>(null);
  const [caret, setCaret] = useState(0);
  const [active, setActive] = useState(0);
  /** The `@` position whose suggestions Escape closed (they stay closed for that token). */
  const [dismissed, setDismissed] = useState<number | null>(null);
  const sent = useRef<string[]>([]);
  const box = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  /** The draft put aside while editing a message, and its conversation (it comes back after). */
  const aside = useRef<{ key: string; text: string } | null>(null);
  const pendingCaret = useRef<number | null>(null);
  /** What "… is typing" is told next (see `composing`). */
  const typed = useRef('');
  const typedTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const text = drafts[conversationKey] ?? '';
  const setText = (value: string): void => setDrafts((d) => ({ ...d, [conversationKey]: value }));
  const size = measure === undefined || text === '' ? null : measure(text);

  const token = mentionAt(text, caret);
  const names = token === null || token.start === dismissed || props.mentionCandidates === undefined ? [] : props.mentionCandidates(token.query);
  const suggesting = names.length > 0;
  const highlighted = Math.min(active, names.length - 1);

  /**
   * Tells `onComposing` about `text` once the current task is over: telling may encrypt and send a
   * typing notice, which must not delay the key press (nor Enter right after it). A line sent
   * meanwhile has set `typed` to '': no "typing" goes out after its message.
   */
  const composing = (text: string): void => {
    typed.current = text;
    if (typedTimer.current !== null) return;
    typedTimer.current = setTimeout(() => {
      typedTimer.current = null;
      props.onComposing?.(typed.current);
    }, 0);
  };
  useEffect(
    () => () => {
      if (typedTimer.current !== null) clearTimeout(typedTimer.current);
    },
    [],
  );

  // A refusal is about the text it refused: it goes when the text or the conversation changes.
  useEffect(() => setRefusal(null), [text, conversationKey]);

  useEffect(() => {
    if (autoFocus) box.current?.focus();
    // Only when the chat opens, not on every render.
  }, []);

  // Entering a mode: the box gets the focus; editing puts the draft aside and fills in the message.
  const modeKey = mode === null ? null : `${mode.kind}:${mode.key}`;
  useEffect(() => {
    if (mode === null) {
      // Ended from outside (another conversation shown): the draft put aside goes back where it was.
      const put = aside.current;
      aside.current = null;
      if (put !== null) setDrafts((d) => ({ ...d, [put.key]: put.text }));
      return;
    }
    if (mode.kind === 'edit') {
      if (aside.current === null) aside.current = { key: conversationKey, text };
      setText(mode.text);
      pendingCaret.current = mode.text.length;
      composing('');
    }
    box.current?.focus();
    // Runs when the mode changes, not when the text does.
  }, [modeKey]);

  // Grow with the text, up to MAX_HEIGHT_PX; put the caret where a completion or an edit left it.
  useLayoutEffect(() => {
    const el = box.current;
    if (el === null) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, MAX_HEIGHT_PX)}px`;
    if (pendingCaret.current !== null) {
      el.setSelectionRange(pendingCaret.current, pendingCaret.current);
      setCaret(pendingCaret.current);
      pendingCaret.current = null;
    }
  }, [text]);

  /** Leaves the mode; an edit gives the draft put aside back. */
  const endMode = (): void => {
    if (mode?.kind === 'edit') {
      const draft = aside.current?.text ?? '';
      setText(draft);
      pendingCaret.current = draft.length;
    }
    aside.current = null;
    props.onCancelMode?.();
  };

  const send = (): void => {
    const line = text.trim();
    if (line === '') return;
    if (mode?.kind === 'edit' && line === mode.text.trim()) {
      endMode();
      return;
    }
    const problem = check?.(line) ?? null;
    if (problem !== null) {
      setRefusal(problem);
      return;
    }
    if (mode === null) sent.current = [...sent.current.slice(-49), line];
    const restore = mode?.kind === 'edit' ? (aside.current?.text ?? '') : '';
    aside.current = null;
    setText(restore);
    // The message itself ends "… is typing" for the others: no separate notice.
    typed.current = '';
    onSubmit(line);
    box.current?.focus();
  };

  const complete = (name: string): void => {
    if (token === null) return;
    const done = completeMention(text, token, caret, name);
    pendingCaret.current = done.caret;
    setText(done.text);
    setActive(0);
  };

  const onSuggestKey = (event: KeyboardEvent<HTMLTextAreaElement>): boolean => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      setActive((highlighted + (event.key === 'ArrowDown' ? 1 : -1) + names.length) % names.length);
    } else if ((event.key === 'Enter' || event.key === 'Tab') && !event.shiftKey) {
      complete(names[highlighted] ?? '');
    } else if (event.key === 'Escape') {
      setDismissed(token?.start ?? null);
    } else {
      return false;
    }
    event.preventDefault();
    return true;
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>): void => {
    onActivity?.();
    if (event.nativeEvent.isComposing) return;
    if (suggesting && onSuggestKey(event)) return;
    if (event.key === 'Escape' && mode !== null) {
      event.preventDefault();
      endMode();
    } else if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      send();
    } else if (event.key === 'ArrowUp' && text === '' && mode === null) {
      if (props.onEditLast?.() === true) {
        event.preventDefault();
      } else if (sent.current.length > 0) {
        event.preventDefault();
        setText(sent.current[sent.current.length - 1] ?? '');
      }
    }
  };

  // A pasted file (an image copied to the clipboard) is sent; pasted text goes into the box as usual.
  const onPaste = (event: ClipboardEvent<HTMLTextAreaElement>): void => {
    const files = Array.from(event.clipboardData.files);
    if (files.length === 0 || props.onFiles === undefined) return;
    event.preventDefault();
    props.onFiles(files);
  };

  const onForm = (event: FormEvent): void => {
    event.preventDefault();
    send();
  };

  return (
    <form className={`composer ${mode !== null ? `composer--${mode.kind}` : ''}`} onSubmit={onForm}>
      <p className="composer__typing" aria-live="polite" data-testid="typing">
        {props.typing ?? ''}
      </p>
      {mode !== null && <ModeBanner mode={mode} onCancel={endMode} />}
      {suggesting && <MentionPopup names={names} active={highlighted} onPick={complete} onHover={setActive} />}
      {props.onFiles !== undefined && (
        <>
          <button type="button" className="icon-button composer__attach" aria-label="Attach files" title="Attach files" onClick={() => picker.current?.click()}>
            <AttachIcon />
          </button>
          <input
            ref={picker}
            type="file"
            multiple
            hidden
            tabIndex={-1}
            data-testid="attach-input"
            onChange={(event) => {
              const files = Array.from(event.currentTarget.files ?? []);
              // Cleared, so choosing the same file again is a change too.
              event.currentTarget.value = '';
              if (files.length > 0) props.onFiles?.(files);
            }}
          />
        </>
      )}
      <label className="visually-hidden" htmlFor="composer-input">
        Message
      </label>
      <textarea
        id="composer-input"
        ref={box}
        className="composer__input"
        rows={1}
        value={text}
        placeholder={mode?.kind === 'edit' ? 'Edit your message' : placeholder}
        aria-invalid={refusal !== null || (size !== null && size.charsLeft < 0)}
        aria-autocomplete="list"
        {...(suggesting && { 'aria-controls': MENTION_LIST_ID, 'aria-activedescendant': `${MENTION_LIST_ID}-${highlighted}` })}
        onChange={(e) => {
          setText(e.target.value);
          setCaret(e.target.selectionEnd);
          setActive(0);
          if (dismissed !== null && mentionAt(e.target.value, e.target.selectionEnd)?.start !== dismissed) setDismissed(null);
          composing(mode?.kind === 'edit' ? '' : e.target.value);
        }}
        onSelect={(e) => setCaret(e.currentTarget.selectionEnd)}
        onBlur={() => setDismissed(token?.start ?? null)}
        onFocus={() => setDismissed(null)}
        onKeyDown={onKeyDown}
        onPaste={onPaste}
        enterKeyHint={mode?.kind === 'edit' ? 'done' : 'send'}
        autoComplete="off"
        aria-describedby={`${mode !== null ? 'composer-mode ' : ''}composer-hint composer-note`}
      />
      <span id="composer-hint" className="visually-hidden">
        Enter sends, Shift+Enter starts a new line. Type @ to mention someone, /help for commands.
      </span>
      <p id="composer-note" className="composer__note">
        <span className="composer__refusal" role="alert">
          {refusal ?? ''}
        </span>
        {size !== null && size.nearLimit && (
          <span className={`composer__count ${size.charsLeft < 0 ? 'composer__count--over' : ''}`} data-testid="composer-count">
            {size.charsLeft < 0 ? `${-size.charsLeft} too many` : `${size.charsLeft} left`}
          </span>
        )}
      </p>
      <button type="submit" className="button button--primary composer__send" disabled={text.trim() === ''}>
        <svg className="composer__send-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
          <path d={mode?.kind === 'edit' ? 'M9 16.2 4.8 12l-1.4 1.4L9 19 21 7l-1.4-1.4L9 16.2z' : 'M3.4 20.4 21 12 3.4 3.6 3.4 10l12.6 2-12.6 2z'} />
        </svg>
        <span className="composer__send-label">{mode?.kind === 'edit' ? 'Save' : 'Send'}</span>
      </button>
    </form>
  );
}

/** "Replying to bob: …" or "Editing message — Esc to cancel", with ✕ to cancel. */
function ModeBanner({ mode, onCancel }: { mode: ComposeMode; onCancel: () => void }) {
  return (
    <div className="composer__mode" data-mode={mode.kind}>
      {mode.kind === 'reply' ? <ReplyIcon /> : <EditIcon />}
      <span id="composer-mode" className="composer__mode-text">
        {mode.kind === 'reply' ? (
          <>
            Replying to <strong>{mode.sender}</strong>
            {mode.text !== '' && <span className="composer__mode-quote">: {mode.text}</span>}
          </>
        ) : (
          <>
            <strong>Editing message</strong> — Esc to cancel
          </>
        )}
      </span>
      <button type="button" className="icon-button composer__mode-cancel" aria-label={mode.kind === 'reply' ? 'Cancel reply' : 'Cancel editing'} title="Cancel (Esc)" onClick={onCancel}>
        <CloseIcon />
      </button>
    </div>
  );
}
