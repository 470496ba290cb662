/** @jsxRuntime automatic */
/** @jsxImportSource react */
import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { Box, Text, useInput, useStdout, type Key } from 'ink';
import { conversationLabel, type ChatModel } from '@conclave/client';
import { flashLine, headerLine, inputLine, sentText, sizeCounter, statusLine, typingLine, type ScreenState } from './bars.js';
import { commandCandidates, completeStep, completionWord, type Completion } from './complete.js';
import * as ed from './editor.js';
import { pad, type ScreenLine } from './layout.js';
import { layoutPane } from './pane.js';
import { ChatFiles } from '../files/chat-files.js';
import { CANCEL_HINT } from './message-lines.js';

/** Renders one line of styled segments, cut to the terminal width. */
function Line({ line }: { line: ScreenLine }) {
  return (
    <Text wrap="truncate">
      {line.segments.map((s, i) => (
        <Text
          key={i}
          {...(s.color !== undefined && { color: s.color })}
          {...(s.backgroundColor !== undefined && { backgroundColor: s.backgroundColor })}
          bold={s.bold ?? false}
          dimColor={s.dim ?? false}
          italic={s.italic ?? false}
          underline={s.underline ?? false}
          inverse={s.inverse ?? false}
        >
          {s.text}
        </Text>
      ))}
    </Text>
  );
}

function useTerminalSize(): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}

/**
 * Lines the terminal handles itself: `/retry` and `/discard` act on the
 * newest failed message on screen, `/cancel` stops the newest transfer.
 */
const LOCAL_COMMAND = /^\s*\/(retry|discard|cancel)\s*$/i;
/** Download progress lines shown at most (the rest are counted). */
const MAX_DOWNLOAD_LINES = 2;

/** The newest message on screen the server refused for good, if any. */
function newestFailed(model: ChatModel): string | null {
  const items = model.pane();
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!;
    if (item.kind === 'message' && item.status === 'failed') return item.key;
  }
  return null;
}

/** A line per download in progress (`ChatFiles`), newest last, at most `MAX_DOWNLOAD_LINES` and a count of the rest. */
function downloadLines(files: ChatFiles, columns: number): ScreenLine[] {
  const all = files.downloads();
  const shown = all.slice(-MAX_DOWNLOAD_LINES);
  const more = all.length - shown.length;
  return shown.map((d, i) => ({
    key: `download-${d.id}`,
    segments: [{ text: pad(`  ⇣ ${ChatFiles.line(d)}${i === 0 && more > 0 ? ` (and ${more} more)` : ''} — ${CANCEL_HINT}`, columns), color: 'yellow' }],
  }));
}

/** The full-screen chat: header, message pane, status bar, input line. */
export function App({ model, server, files }: { model: ChatModel; server: string; files: ChatFiles }) {
  useSyncExternalStore(
    (listener) => model.subscribe(listener),
    () => model.version,
  );
  useSyncExternalStore(
    (listener) => files.subscribe(listener),
    () => files.version,
  );
  const snapshot = model.client.snapshot();
  const screen: ScreenState = { snapshot, current: model.current, opening: model.opening };
  const { columns, rows } = useTerminalSize();
  const [scroll, setScroll] = useState(0);
  /** A refusal shown above the input until the next key (the refused text stays in the editor). */
  const [flash, setFlash] = useState<string | null>(null);
  const [, tick] = useState(0);

  useEffect(() => {
    if (snapshot.connection !== 'reconnecting') return;
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, [snapshot.connection]);
  const screenKey = screen.opening?.label ?? screen.current;
  useEffect(() => setScroll(0), [screenKey]);

  // Ink writes rows-1 lines: a full screen would make it clear and redraw on every update.
  const height = Math.max(6, rows - 1);
  const typing = model.typingLine();
  const transfers = downloadLines(files, columns);
  // Someone typing takes the pane's bottom line (the pane moves up one, as for a new message); so does each download.
  const paneRows = Math.max(1, height - 3 - (typing === null ? 0 : 1) - transfers.length);
  const current = snapshot.conversations.find((c) => c.conversationId === screen.current);
  // The prompt names the conversation a typed line goes to (the verified mark is in the header and tabs).
  const label = screen.opening?.label ?? (current === undefined ? 'conclave' : conversationLabel(current));
  const items = model.pane();
  const view = layoutPane(
    items,
    columns,
    paneRows,
    scroll,
    current === undefined ? 'Join a room with /join #room, or type /help.' : `No messages in ${label} yet — say hello!`,
    {
      marker: screen.current === null ? null : model.unreadMarker(screen.current),
      footer: screen.opening?.status ?? null,
      seenBy: model.seenBy(),
      focus: model.focus,
    },
  );
  // A message brought into view (`/goto`, a search result) is scrolled to the middle of the pane, once.
  const focusFromEnd = view.focusFromEnd;
  useEffect(() => {
    if (model.focus !== null && focusFromEnd !== null) setScroll(Math.max(0, focusFromEnd - Math.ceil(paneRows / 2)));
    // Only when the focus changes: scrolling by hand afterwards must not snap back.
  }, [model.focus]);

  // Editing state lives in a ref so that one input chunk (a paste, or text
  // and Enter arriving together) can be applied step by step.
  // `editing`: your message whose new text is in the editor (↑ in an empty line) and the text it had, else null.
  // `completion`: the Tab completion the line shows, while Tab is pressed again.
  const editor = useRef<{ line: ed.LineState; history: ed.HistoryState; editing: { seq: number; text: string } | null; completion: Completion | null }>({
    line: ed.emptyLine,
    history: ed.emptyHistory,
    editing: null,
    completion: null,
  });
  const [, redraw] = useState(0);
  const line = editor.current.line;
  const editing = editor.current.editing?.seq ?? null;
  const typed = ed.textOf(line);
  // Tells the others you are typing (throttled by the client); an edit or a command is not typing.
  useEffect(() => model.composing(editing === null ? typed : ''), [model, typed, editing]);
  // Switching conversations ends an edit (the number belongs to the conversation it was started in).
  useEffect(() => {
    if (editor.current.editing === null) return;
    editor.current = { ...editor.current, line: ed.emptyLine, editing: null };
    redraw((n) => n + 1);
  }, [screenKey]);
  const setLine = (next: ed.LineState): void => {
    editor.current.line = next;
    redraw((n) => n + 1);
  };
  /** Submits the editor's line; false when it was refused (then it stays in the editor, with the reason shown). */
  const submit = (): boolean => {
    const text = ed.textOf(editor.current.line);
    const edit = editor.current.editing?.seq ?? null;
    if (edit !== null) {
      const problem = text.trim() === '' ? `An edit needs some text (Esc cancels; /delete ${edit} deletes the message).` : model.check(text);
      if (problem !== null) {
        setFlash(problem);
        return false;
      }
      editor.current = { ...editor.current, line: ed.emptyLine, editing: null };
      redraw((n) => n + 1);
      setScroll(0);
      void model.submit(text, { edit });
      return true;
    }
    const local = LOCAL_COMMAND.exec(text);
    const problem = local === null ? model.check(text) : null;
    if (problem !== null) {
      setFlash(problem);
      return false;
    }
    editor.current = { ...editor.current, line: ed.emptyLine, history: ed.remember(editor.current.history, text) };
    redraw((n) => n + 1);
    setScroll(0);
    if (local === null) {
      void model.submit(text);
      return true;
    }
    if (local[1]!.toLowerCase() === 'cancel') {
      if (!files.cancelNewest(model.pane())) setFlash('Nothing is uploading or downloading.');
      return true;
    }
    const key = newestFailed(model);
    if (key === null) setFlash('No failed message here to retry or discard.');
    else if (local[1]!.toLowerCase() === 'retry') void model.retry(key);
    else model.discard(key);
    return true;
  };
  /** Scrolls so the "new messages" divider is the top line. */
  const jumpToDivider = (): void => {
    if (view.dividerFromEnd !== null) setScroll(Math.max(0, view.dividerFromEnd - paneRows + 1));
  };

  /** Tab / Shift-Tab: completes `@name` or a `/command` before the cursor; false when there is nothing to complete. */
  const complete = (delta: 1 | -1): boolean => {
    const { line, completion } = editor.current;
    const admin = model.client.snapshot().me?.role === 'admin';
    const candidates = (word: string): string[] =>
      word.startsWith('@') ? model.mentionCandidates(word.slice(1)).map((n) => `@${n}`) : commandCandidates(word.slice(1), admin).map((n) => `/${n}`);
    const step = completeStep(line, completion, delta, candidates, ed.textOf);
    if (step === null) {
      const word = completionWord(line);
      if (word === null) return false;
      setFlash(word.word.startsWith('@') ? 'No one to complete that name with here.' : 'No command starts like that (/help lists them).');
      return true;
    }
    editor.current = { ...editor.current, line: step.line, completion: step.completion };
    redraw((n) => n + 1);
    return true;
  };
  /** ↑ in an empty line: your last message here goes into the editor to be changed. */
  const startEdit = (): boolean => {
    const last = model.lastEditable();
    if (last === null) return false;
    const history = { ...editor.current.history, index: null, draft: '' };
    editor.current = { ...editor.current, line: ed.lineOf(last.text), editing: last, history };
    redraw((n) => n + 1);
    return true;
  };

  useInput((input: string, key: Key) => {
    const line = editor.current.line;
    if (key.ctrl && input === 'c') return model.onExit?.('quit');
    setFlash(null);
    if (!key.tab) editor.current.completion = null;
    // Alt-Enter (ESC CR) breaks the line inside the message; Enter sends.
    if (key.return && key.meta) return setLine(ed.insertBreak(line));
    if (key.return) return void submit();
    if (!key.ctrl && !key.meta && /[\r\n]/.test(input)) {
      // Several lines at once: each line break submits what precedes it; a refused line keeps the rest with it.
      const parts = input.split(/\r\n|\r|\n/);
      let refused = false;
      parts.forEach((part, i) => {
        editor.current.line = ed.insert(editor.current.line, refused && part !== '' ? ` ${part}` : part);
        if (!refused && i < parts.length - 1) refused = !submit();
      });
      return redraw((n) => n + 1);
    }
    if (!key.ctrl && !key.meta && input.length > 1 && /[\x7f\b]/.test(input)) {
      // Backspaces that arrived in one read with other keys (fast typing, tmux): apply each in turn.
      let next = editor.current.line;
      for (const ch of input) next = ch === '\x7f' || ch === '\b' ? ed.backspace(next) : ed.insert(next, ch);
      return setLine(next);
    }
    if (key.upArrow || key.downArrow) {
      const { editing: edit, history } = editor.current;
      if (edit !== null) {
        // ↑ again before changing anything: the input history instead (the edit is dropped).
        if (!key.upArrow || ed.textOf(line) !== edit.text) return;
        const [h, l] = ed.browse(history, ed.emptyLine, -1);
        editor.current = { ...editor.current, line: l, history: h, editing: null };
        return redraw((n) => n + 1);
      }
      if (key.upArrow && line.chars.length === 0 && startEdit()) return;
      const [h, l] = ed.browse(history, line, key.upArrow ? -1 : 1);
      editor.current = { ...editor.current, line: l, history: h };
      return redraw((n) => n + 1);
    }
    if (key.pageUp) return setScroll(view.scroll + Math.max(1, paneRows - 2));
    if (key.pageDown) return setScroll(Math.max(0, view.scroll - Math.max(1, paneRows - 2)));
    if (key.escape) {
      if (editor.current.editing !== null) {
        editor.current = { ...editor.current, line: ed.emptyLine, editing: null };
        redraw((n) => n + 1);
      }
      return setScroll(0);
    }
    if (key.tab) {
      if (complete(key.shift ? -1 : 1)) return;
      return model.cycle(key.shift ? -1 : 1);
    }
    if (key.ctrl) {
      switch (input) {
        case 'n':
          return model.cycle(1);
        case 'p':
          return model.cycle(-1);
        case 'g':
          return jumpToDivider();
        case 'a':
          return setLine(ed.move(line, 0));
        case 'e':
          return setLine(ed.move(line, line.chars.length));
        case 'b':
          return setLine(ed.move(line, line.cursor - 1));
        case 'f':
          return setLine(ed.move(line, line.cursor + 1));
        case 'u':
          return setLine(ed.killToStart(line));
        case 'k':
          return setLine(ed.killToEnd(line));
        case 'w':
          return setLine(ed.deleteWordBack(line));
        case 'd':
          if (line.chars.length === 0) return model.onExit?.('quit');
          return setLine(ed.deleteForward(line));
        default:
          return;
      }
    }
    if (key.leftArrow) return setLine(ed.move(line, key.meta ? ed.wordStart(line) : line.cursor - 1));
    if (key.rightArrow) return setLine(ed.move(line, key.meta ? ed.wordEnd(line) : line.cursor + 1));
    if (key.home) return setLine(ed.move(line, 0));
    if (key.end) return setLine(ed.move(line, line.chars.length));
    // Ink reports the Backspace key (DEL, 0x7f) as `delete`.
    if (key.backspace || key.delete) return setLine(key.meta ? ed.deleteWordBack(line) : ed.backspace(line));
    if (key.meta) return;
    if (input !== '') setLine(ed.insert(line, input));
  });

  const note = (key: string, text: string): ScreenLine => ({ key, segments: [{ text: pad(text, columns), color: 'black', backgroundColor: 'yellow' }] });
  let paneLines = view.lines;
  // The divider is above the window: say so at the top, with the key that jumps to it.
  if (view.dividerFromEnd !== null && view.dividerFromEnd >= view.scroll + paneRows) paneLines = [note('above', '  ↑ new messages above — Ctrl-G to jump there'), ...paneLines.slice(1)];
  if (view.scroll > 0) paneLines = [...paneLines.slice(1), note('scrolled', `  ↓ ${view.scroll} more lines — PgDn or Esc to return`)];
  if (flash !== null) paneLines = [...paneLines.slice(1), flashLine(flash, columns)];
  const measured = editing === null ? sentText(typed) : typed;
  const counter = measured === null ? null : sizeCounter(model.measure(measured));

  return (
    <Box flexDirection="column" width={columns} height={height}>
      <Line line={headerLine(screen, server, columns)} />
      <Box flexDirection="column" height={paneRows}>
        {paneLines.map((l) => (
          <Line key={l.key} line={l} />
        ))}
      </Box>
      {typing === null ? null : <Line line={typingLine(typing, columns)} />}
      {transfers.map((l) => (
        <Line key={l.key} line={l} />
      ))}
      <Line line={statusLine(screen, model.retryAt, columns)} />
      {editing === null ? (
        <Line line={inputLine(label, line, columns, `Message ${label} — /help for commands`, counter)} />
      ) : (
        <Line line={inputLine(`edit ${editing}`, line, columns, `New text of message ${editing} — Enter saves, Esc cancels`, counter, 'yellow')} />
      )}
    </Box>
  );
}
