import type { PaneItem } from '@conclave/client';

/** Consecutive messages of one sender closer than this share one header, ms. */
const GROUP_GAP_MS = 5 * 60_000;

/** A row of the message list: a pane item, or a day separator before the first item of a day. */
export type TimelineRow =
  | { kind: 'day'; key: string; label: string }
  /** `continued`: same sender as the message just above, shortly after (its header is hidden). */
  | { kind: 'item'; key: string; item: PaneItem; continued: boolean };

/** Midnight (local time) of the day containing `ms`, as ms since the Unix epoch. */
function dayStart(ms: number): number {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/**
 * "Today", "Yesterday", or the date (e.g. "Monday, 3 March", with the year
 * when it is not this year) of the day containing `ms`; `now` in ms.
 */
export function dayLabel(ms: number, now: number = Date.now()): string {
  const day = dayStart(ms);
  const today = dayStart(now);
  if (day === today) return 'Today';
  const yesterday = dayStart(today - 12 * 3600_000);
  if (day === yesterday) return 'Yesterday';
  const sameYear = new Date(ms).getFullYear() === new Date(now).getFullYear();
  return new Date(ms).toLocaleDateString(undefined, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    ...(!sameYear && { year: 'numeric' }),
  });
}

/** The pane's items with day separators inserted and message groups marked. */
export function timeline(items: readonly PaneItem[], now: number = Date.now()): TimelineRow[] {
  const rows: TimelineRow[] = [];
  let lastDay: number | null = null;
  let previous: PaneItem | null = null;
  for (const item of items) {
    const day = dayStart(item.at);
    if (day !== lastDay) {
      rows.push({ kind: 'day', key: `day-${day}-${item.key}`, label: dayLabel(item.at, now) });
      lastDay = day;
      previous = null;
    }
    const continued =
      item.kind === 'message' &&
      previous?.kind === 'message' &&
      previous.sender === item.sender &&
      previous.trust === item.trust &&
      item.at - previous.at < GROUP_GAP_MS;
    rows.push({ kind: 'item', key: item.key, item, continued });
    previous = item;
  }
  return rows;
}
