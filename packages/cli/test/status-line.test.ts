import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerStatus } from '@conclave/protocol';
import { fitToWidth, formatStatus, formatUptime, paintStatus, StatusLine, type TerminalOut } from '../src/status-line.js';

const status: ServerStatus = {
  registeredUsers: 9,
  onlineUsers: 3,
  onlineDevices: 4,
  connections: 5,
  rooms: 2,
  messagesPerMinute: 12,
  uptimeMs: (3600 + 2 * 60 + 7) * 1000,
};

test('the status text names users online, devices, rooms, messages per minute and uptime', () => {
  assert.equal(formatStatus(status), 'Conclave · 3 users online · 4 devices · 2 rooms · 12 msgs/min · up 1h 02m');
  assert.equal(
    formatStatus({ ...status, onlineUsers: 1, onlineDevices: 1, rooms: 1, messagesPerMinute: 1, uptimeMs: 0 }),
    'Conclave · 1 user online · 1 device · 1 room · 1 msg/min · up 0s',
  );
  assert.equal(formatStatus({ ...status, onlineUsers: 0, onlineDevices: 0 }).split(' · ')[1], '0 users online');
});

test('uptime reads as seconds, minutes, hours or days, two digits after the first unit', () => {
  assert.equal(formatUptime(42_999), '42s');
  assert.equal(formatUptime(5 * 60_000 + 7_000), '5m 07s');
  assert.equal(formatUptime(3_600_000 + 2 * 60_000), '1h 02m');
  assert.equal(formatUptime(3 * 86_400_000 + 4 * 3_600_000 + 59 * 60_000), '3d 04h');
  assert.equal(formatUptime(-5), '0s');
});

test('the bar fills the terminal width, is cut with an ellipsis when narrower, and puts the cursor back', () => {
  assert.equal(fitToWidth('Conclave', 10), 'Conclave  ');
  assert.equal(fitToWidth('Conclave · 3 users', 10), 'Conclave …');
  assert.equal([...fitToWidth('Conclave · 3 users', 10)].length, 10);
  assert.equal(fitToWidth('x', 0), '');
  const painted = paintStatus('Conclave', 12);
  assert.ok(painted.startsWith('\x1b7\x1b[1;1H\x1b[2K'), 'save cursor, go to line 1, clear it');
  assert.ok(painted.endsWith('\x1b[0m\x1b8'), 'restore the cursor');
  assert.ok(painted.includes('Conclave    '));
});

/** A terminal that records what is written to it. */
class FakeTerminal implements TerminalOut {
  rows = 24;
  columns = 80;
  written: string[] = [];
  private listeners = new Set<() => void>();
  write(text: string): boolean {
    this.written.push(text);
    return true;
  }
  on(_event: 'resize', listener: () => void): this {
    this.listeners.add(listener);
    return this;
  }
  off(_event: 'resize', listener: () => void): this {
    this.listeners.delete(listener);
    return this;
  }
  resize(rows: number, columns: number): void {
    this.rows = rows;
    this.columns = columns;
    for (const l of this.listeners) l();
  }
  get listenerCount(): number {
    return this.listeners.size;
  }
}

test('the status line sets the scroll region, repaints, follows a resize and gives the screen back', { timeout: 10_000 }, async () => {
  const term = new FakeTerminal();
  let reads = 0;
  const line = new StatusLine(term, async () => ({ ...status, messagesPerMinute: ++reads }), 20);
  line.start();
  assert.equal(term.written[0], '\x1b7\x1b[2;24r\x1b8', 'scrolling confined to lines 2–24');
  const deadline = Date.now() + 5_000;
  while (reads < 3) {
    assert.ok(Date.now() < deadline, 'refreshed on its interval');
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(term.written.some((w) => w.includes('Conclave · 3 users online · 4 devices · 2 rooms · 2 msgs/min · up 1h 02m')));
  term.resize(40, 100);
  const afterResize = term.written.slice(-2);
  assert.equal(afterResize[0], '\x1b7\x1b[2;40r\x1b8', 'the region follows the new height');
  assert.ok(afterResize[1]?.includes('Conclave'), 'and the status is repainted at once');
  line.stop();
  line.stop();
  assert.equal(term.written.at(-1), '\x1b7\x1b[r\x1b[1;1H\x1b[2K\x1b8', 'whole screen scrolls again, line 1 blanked');
  assert.equal(term.listenerCount, 0);
  const count = term.written.length;
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(term.written.length, count, 'nothing painted after stop');
});
