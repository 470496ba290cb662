/**
 * The live status line of `conclave server` on a terminal: line 1 shows
 * `Conclave · 3 users online · 4 devices · 2 rooms · 12 msgs/min · up 1h 02m`,
 * refreshed every second, while the log scrolls below it.
 *
 * How: a DECSTBM scroll region (`ESC[2;<rows>r`) keeps scrolling to lines
 * 2…rows; each refresh saves the cursor (DECSC, `ESC 7`), rewrites line 1 and
 * restores it (DECRC, `ESC 8`) in one `write`, so a log line written by the
 * logger's worker thread cannot land between the steps (a tty write is
 * atomic with respect to other writes). The region is re-applied when the
 * terminal is resized (SIGWINCH, the stream's `resize` event) and reset when
 * the status line stops or the process exits.
 */
import type { ServerStatus } from '@conclave/protocol';

const ESC = '\x1b';
const SAVE = `${ESC}7`;
const RESTORE = `${ESC}8`;
const CLEAR_LINE = `${ESC}[2K`;
const INVERSE = `${ESC}[7m`;
const RESET = `${ESC}[0m`;

/** `1 room` / `2 rooms`. */
function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** An uptime as `42s`, `5m 07s`, `1h 02m` or `3d 04h`. @param ms milliseconds (negative counts as 0) */
export function formatUptime(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  const d = Math.floor(h / 24);
  if (d > 0) return `${d}d ${pad2(h % 24)}h`;
  if (h > 0) return `${h}h ${pad2(m % 60)}m`;
  if (m > 0) return `${m}m ${pad2(s % 60)}s`;
  return `${s}s`;
}

/**
 * The status text (plain, no escape sequences):
 * `Conclave · 3 users online · 4 devices · 2 rooms · 12 msgs/min · up 1h 02m`.
 * Devices are those with an open connection; messages per minute are those
 * accepted over the last 60 s.
 */
export function formatStatus(status: ServerStatus): string {
  return [
    'Conclave',
    `${count(status.onlineUsers, 'user', 'users')} online`,
    count(status.onlineDevices, 'device', 'devices'),
    count(status.rooms, 'room', 'rooms'),
    count(status.messagesPerMinute, 'msg/min', 'msgs/min'),
    `up ${formatUptime(status.uptimeMs)}`,
  ].join(' · ');
}

/** `text` cut to `columns` characters (an ellipsis marks the cut) or padded with spaces to fill them. */
export function fitToWidth(text: string, columns: number): string {
  const chars = [...text];
  if (columns <= 0) return '';
  if (chars.length > columns) return chars.slice(0, columns - 1).join('') + '…';
  return text + ' '.repeat(columns - chars.length);
}

/**
 * The bytes that paint `text` as an inverse-video bar on line 1 of a
 * `columns`-wide terminal and put the cursor back where it was.
 */
export function paintStatus(text: string, columns: number): string {
  return `${SAVE}${ESC}[1;1H${CLEAR_LINE}${INVERSE}${fitToWidth(text, columns)}${RESET}${RESTORE}`;
}

/** The bytes that confine scrolling to lines 2…`rows` without moving the cursor (DECSTBM homes it). */
export function setScrollRegion(rows: number): string {
  return `${SAVE}${ESC}[2;${Math.max(2, rows)}r${RESTORE}`;
}

/** The bytes that give the whole screen back to scrolling and blank line 1. */
export function resetScrollRegion(): string {
  return `${SAVE}${ESC}[r${ESC}[1;1H${CLEAR_LINE}${RESTORE}`;
}

/** A terminal output stream: what `StatusLine` needs of `process.stdout`. */
export interface TerminalOut {
  readonly rows: number;
  readonly columns: number;
  write(text: string): boolean;
  on(event: 'resize', listener: () => void): unknown;
  off(event: 'resize', listener: () => void): unknown;
}

/**
 * Keeps a live status on line 1 of a terminal. `start()` once, `stop()` once
 * (also run on process exit). A failing `read` (e.g. the server closing)
 * keeps the last painted status.
 */
export class StatusLine {
  private timer: NodeJS.Timeout | undefined;
  private last: string | undefined;
  private reading = false;
  private readonly onResize = () => this.applyRegion();
  private readonly onExit = () => this.stop();

  constructor(
    private readonly out: TerminalOut,
    /** Where the numbers come from (`RunningServer.status`). */
    private readonly read: () => Promise<ServerStatus>,
    /** Refresh period, ms. */
    private readonly intervalMs = 1000,
  ) {}

  /** Sets the scroll region, paints the first status and refreshes it every `intervalMs`. */
  start(): void {
    if (this.timer) return;
    this.out.on('resize', this.onResize);
    process.once('exit', this.onExit);
    this.applyRegion();
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops refreshing and gives the terminal its whole screen back. Safe to call more than once. */
  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.out.off('resize', this.onResize);
    process.off('exit', this.onExit);
    this.out.write(resetScrollRegion());
  }

  private applyRegion(): void {
    this.out.write(setScrollRegion(this.out.rows));
    if (this.last !== undefined) this.out.write(paintStatus(this.last, this.out.columns));
  }

  private async refresh(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      const text = formatStatus(await this.read());
      if (this.timer === undefined) return;
      this.last = text;
      this.out.write(paintStatus(text, this.out.columns));
    } catch {
      // The server is closing or the database is busy: keep the last status.
    } finally {
      this.reading = false;
    }
  }
}
