import { useEffect, useLayoutEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { TextMeasure } from '@conclave/client';

/** Tallest the message box grows before it scrolls, px. */
const MAX_HEIGHT_PX = 180;

/** Props of `Composer`. */
export interface ComposerProps {
  /** e.g. "Message #general". */
  placeholder: string;
  /** Sends a line (text or a /command); the composer clears at once. */
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
}

/**
 * The message box ("Message") and the "Send" button: Enter sends,
 * Shift+Enter starts a new line; ↑ in an empty box recalls the last line sent.
 * A line `check` refuses stays in the box with the reason under it
 * (`role="alert"`); near the size limit a counter says what is left
 * ("120 left", "37 too many").
 */
export function Composer({ placeholder, onSubmit, check, measure, onActivity, conversationKey, autoFocus = false }: ComposerProps) {
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const [refusal, setRefusal] = useState<string | null>(null);
  const sent = useRef<string[]>([]);
  const box = useRef<HTMLTextAreaElement>(null);
  const text = drafts[conversationKey] ?? '';
  const setText = (value: string): void => setDrafts((d) => ({ ...d, [conversationKey]: value }));
  const size = measure === undefined || text === '' ? null : measure(text);

  // A refusal is about the text it refused: it goes when the text or the conversation changes.
  useEffect(() => setRefusal(null), [text, conversationKey]);

  useEffect(() => {
    if (autoFocus) box.current?.focus();
    // Only when the chat opens, not on every render.
  }, []);

  // Grow with the text, up to MAX_HEIGHT_PX.
  useLayoutEffect(() => {
    const el = box.current;
    if (el === null) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, MAX_HEIGHT_PX)}px`;
  }, [text]);

  const send = (): void => {
    const line = text.trim();
    if (line === '') return;
    const problem = check?.(line) ?? null;
    if (problem !== null) {
      setRefusal(problem);
      return;
    }
    sent.current = [...sent.current.slice(-49), line];
    setText('');
    onSubmit(line);
    box.current?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>): void => {
    onActivity?.();
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    } else if (event.key === 'ArrowUp' && text === '' && sent.current.length > 0) {
      event.preventDefault();
      setText(sent.current[sent.current.length - 1] ?? '');
    }
  };

  const onForm = (event: FormEvent): void => {
    event.preventDefault();
    send();
  };

  return (
    <form className="composer" onSubmit={onForm}>
      <label className="visually-hidden" htmlFor="composer-input">
        Message
      </label>
      <textarea
        id="composer-input"
        ref={box}
        className="composer__input"
        rows={1}
        value={text}
        placeholder={placeholder}
        aria-invalid={refusal !== null || (size !== null && size.charsLeft < 0)}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        enterKeyHint="send"
        autoComplete="off"
        aria-describedby="composer-hint composer-note"
      />
      <span id="composer-hint" className="visually-hidden">
        Enter sends, Shift+Enter starts a new line. Type /help for commands.
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
          <path d="M3.4 20.4 21 12 3.4 3.6 3.4 10l12.6 2-12.6 2z" />
        </svg>
        <span className="composer__send-label">Send</span>
      </button>
    </form>
  );
}
