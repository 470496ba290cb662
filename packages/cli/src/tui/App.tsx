/** @jsxRuntime automatic */
/** @jsxImportSource react */
import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { Box, Text, useInput, useStdout, type Key } from 'ink';
import type { ChatSnapshot } from '@conclave/client';
import { conversationLabel, type ChatModel } from '@conclave/client';
import * as ed from './editor.js';
import { pad, textWidth, truncate, type ScreenLine, type Segment } from './layout.js';
import { layoutPane } from './pane.js';

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

function headerLine(snapshot: ChatSnapshot, server: string, width: number): ScreenLine {
  const current = snapshot.conversations.find((c) => c.conversationId === snapshot.current);
  const left = ` ◆ conclave `;
  const title = current === undefined ? '' : ` ${conversationLabel(current)}`;
  const who = snapshot.me === null ? server : `${snapshot.me.username}${snapshot.me.role === 'admin' ? ' (admin)' : ''} @ ${server}`;
  const right = `${snapshot.online.length} online · ${who} `;
  const gap = Math.max(1, width - textWidth(left) - textWidth(title) - textWidth(right));
  const bg = 'blue';
  return {
    key: 'header',
    segments: [
      { text: left, backgroundColor: bg, color: 'whiteBright', bold: true },
      { text: title, backgroundColor: bg, color: 'whiteBright' },
      { text: ' '.repeat(gap), backgroundColor: bg },
      { text: truncate(right, Math.max(0, width - textWidth(left) - textWidth(title) - 1)), backgroundColor: bg, color: 'white' },
    ],
  };
}

function connectionSegment(snapshot: ChatSnapshot, retryAt: number | null): Segment {
  switch (snapshot.connection) {
    case 'ready':
      return { text: ' ● connected ', color: 'green', bold: true };
    case 'idle':
    case 'connecting':
    case 'authenticating':
      return { text: ' ◌ connecting… ', color: 'yellow', bold: true };
    case 'reconnecting': {
      const secs = retryAt === null ? 0 : Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
      return { text: secs > 0 ? ` ◌ reconnecting in ${secs}s ` : ' ◌ reconnecting… ', color: 'yellow', bold: true };
    }
    case 'closed':
      return { text: ' ✖ disconnected ', color: 'red', bold: true };
  }
}

function statusLine(snapshot: ChatSnapshot, retryAt: number | null, width: number): ScreenLine {
  const bg = 'gray';
  const state = connectionSegment(snapshot, retryAt);
  const hint = ' Tab/^N next · /help ';
  const tabs: Segment[] = [];
  const all = snapshot.conversations;
  const others = all.filter((c) => c.conversationId !== snapshot.current);
  const totalWidth = all.reduce((w, c) => w + textWidth(conversationLabel(c)) + 5, 0);
  const room = width - textWidth(state.text) - textWidth(hint) - 2;
  // When every tab does not fit, keep the current one and those with unread messages.
  const shown = totalWidth <= room ? all : all.filter((c) => c.conversationId === snapshot.current || c.unread > 0);
  for (const c of shown) {
    const label = conversationLabel(c);
    if (c.conversationId === snapshot.current) tabs.push({ text: ` ${label} `, backgroundColor: 'white', color: 'black', bold: true });
    else {
      tabs.push({ text: ` ${label}`, backgroundColor: bg, color: c.unread > 0 ? 'whiteBright' : 'black' });
      tabs.push(
        c.unread > 0
          ? { text: ` ${c.unread > 99 ? '99+' : c.unread} `, backgroundColor: bg, color: 'yellowBright', bold: true }
          : { text: ' ', backgroundColor: bg },
      );
    }
  }
  const hidden = others.length - shown.filter((c) => c.conversationId !== snapshot.current).length;
  if (hidden > 0) tabs.push({ text: ` +${hidden} `, backgroundColor: bg, color: 'black' });
  const used = textWidth(state.text) + 1 + tabs.reduce((w, s) => w + textWidth(s.text), 0);
  const gap = Math.max(0, width - used - textWidth(hint));
  return {
    key: 'status',
    segments: [
      { ...state, backgroundColor: 'black' },
      { text: ' ', backgroundColor: bg },
      ...tabs,
      { text: ' '.repeat(gap), backgroundColor: bg },
      { text: used + textWidth(hint) <= width ? hint : '', backgroundColor: bg, color: 'black' },
    ],
  };
}

function inputLine(prompt: string, line: ed.LineState, width: number, placeholder: string): ScreenLine {
  const promptSeg: Segment = { text: `${prompt} › `, color: 'cyan', bold: true };
  const room = Math.max(4, width - textWidth(promptSeg.text) - 1);
  if (line.chars.length === 0) {
    return { key: 'input', segments: [promptSeg, { text: ' ', inverse: true }, { text: truncate(placeholder, room - 1), dim: true }] };
  }
  // Scroll horizontally so the cursor stays visible.
  let start = 0;
  let w = 0;
  for (let i = line.cursor - 1; i >= 0; i--) {
    w += textWidth(line.chars[i] ?? '');
    if (w > room - 1) {
      start = i + 1;
      break;
    }
  }
  const before = line.chars.slice(start, line.cursor).join('');
  const at = line.chars[line.cursor] ?? ' ';
  const after = truncate(line.chars.slice(line.cursor + 1).join(''), Math.max(0, room - textWidth(before) - textWidth(at)));
  return { key: 'input', segments: [promptSeg, { text: before }, { text: at, inverse: true }, { text: after }] };
}

/** The full-screen chat: header, message pane, status bar, input line. */
export function App({ model, server }: { model: ChatModel; server: string }) {
  useSyncExternalStore(
    (listener) => model.subscribe(listener),
    () => model.version,
  );
  const snapshot = model.client.snapshot();
  const { columns, rows } = useTerminalSize();
  const [scroll, setScroll] = useState(0);
  const [, tick] = useState(0);

  useEffect(() => {
    if (snapshot.connection !== 'reconnecting') return;
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, [snapshot.connection]);
  useEffect(() => setScroll(0), [snapshot.current]);

  // Ink writes rows-1 lines: a full screen would make it clear and redraw on every update.
  const height = Math.max(6, rows - 1);
  const paneRows = height - 3;
  const current = snapshot.conversations.find((c) => c.conversationId === snapshot.current);
  const label = current === undefined ? 'conclave' : conversationLabel(current);
  const view = layoutPane(
    model.pane(),
    columns,
    paneRows,
    scroll,
    current === undefined ? 'Join a room with /join #room, or type /help.' : `No messages in ${label} yet — say hello!`,
  );

  // Editing state lives in a ref so that one input chunk (a paste, or text
  // and Enter arriving together) can be applied step by step.
  const editor = useRef<{ line: ed.LineState; history: ed.HistoryState }>({ line: ed.emptyLine, history: ed.emptyHistory });
  const [, redraw] = useState(0);
  const line = editor.current.line;
  const setLine = (next: ed.LineState): void => {
    editor.current.line = next;
    redraw((n) => n + 1);
  };
  const submit = (): void => {
    const text = ed.textOf(editor.current.line);
    editor.current = { line: ed.emptyLine, history: ed.remember(editor.current.history, text) };
    redraw((n) => n + 1);
    setScroll(0);
    void model.submit(text);
  };

  useInput((input: string, key: Key) => {
    const line = editor.current.line;
    if (key.ctrl && input === 'c') return model.onExit?.('quit');
    if (key.return) return submit();
    if (!key.ctrl && !key.meta && /[\r\n]/.test(input)) {
      // Several lines at once: each line break submits what precedes it.
      const parts = input.split(/\r\n|\r|\n/);
      parts.forEach((part, i) => {
        editor.current.line = ed.insert(editor.current.line, part);
        if (i < parts.length - 1) submit();
      });
      return redraw((n) => n + 1);
    }
    if (key.upArrow || key.downArrow) {
      const [h, l] = ed.browse(editor.current.history, line, key.upArrow ? -1 : 1);
      editor.current = { line: l, history: h };
      return redraw((n) => n + 1);
    }
    if (key.pageUp) return setScroll(view.scroll + Math.max(1, paneRows - 2));
    if (key.pageDown) return setScroll(Math.max(0, view.scroll - Math.max(1, paneRows - 2)));
    if (key.escape) return setScroll(0);
    if (key.tab) return model.cycle(key.shift ? -1 : 1);
    if (key.ctrl) {
      switch (input) {
        case 'n':
          return model.cycle(1);
        case 'p':
          return model.cycle(-1);
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

  const scrolledNote: ScreenLine | null =
    view.scroll > 0 ? { key: 'scrolled', segments: [{ text: pad(`  ↓ ${view.scroll} more lines — PgDn or Esc to return`, columns), color: 'black', backgroundColor: 'yellow' }] } : null;
  const paneLines = scrolledNote === null ? view.lines : [...view.lines.slice(1), scrolledNote];

  return (
    <Box flexDirection="column" width={columns} height={height}>
      <Line line={headerLine(snapshot, server, columns)} />
      <Box flexDirection="column" height={paneRows}>
        {paneLines.map((l) => (
          <Line key={l.key} line={l} />
        ))}
      </Box>
      <Line line={statusLine(snapshot, model.retryAt, columns)} />
      <Line line={inputLine(label, line, columns, `Message ${label} — /help for commands`)} />
    </Box>
  );
}
