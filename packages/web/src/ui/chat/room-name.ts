import { ROOM_NAME_PATTERN } from '@conclave/protocol';

/** Longest room name after the `#` (the protocol's `ROOM_NAME_PATTERN`). */
const MAX_ROOM_CHARS = 32;

/**
 * The room a typed name stands for, as `#name` fit for `ROOM_NAME_PATTERN`:
 * lower-case, runs of spaces (and dots) as one `-`, other characters the rule
 * forbids dropped, at most 32 characters ("Music Night" → `#music-night`).
 * null when nothing usable is left (e.g. only punctuation).
 */
export function suggestRoomName(typed: string): string | null {
  const name = typed
    .trim()
    .replace(/^#+/, '')
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\s.]+/g, '-')
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_ROOM_CHARS)
    .replace(/-+$/, '');
  const room = `#${name}`;
  return name !== '' && ROOM_NAME_PATTERN.test(room) ? room : null;
}
