/**
 * The life of catching up with the conversation logs (one per client):
 *
 *   idle ──(catch-up starts, or a gap while ready)──→ syncing
 *   syncing ──(round done, no gap)──→ idle
 *   syncing ──(the log skipped a seq during the round)──→ retrying-gap
 *   retrying-gap ──(round done: another round)──→ syncing
 *   retrying-gap ──(MAX_GAP_ROUNDS rounds could not fill it)──→ idle
 *   syncing | retrying-gap ──(the round failed: lost socket)──→ idle
 *
 * A round is one `sync` request from the group cursors plus applying what it
 * brought. `retrying-gap` still has its round in flight; it only records
 * that another round must follow.
 */
export type SyncState = 'idle' | 'syncing' | 'retrying-gap';

const TRANSITIONS: Readonly<Record<SyncState, readonly SyncState[]>> = {
  idle: ['syncing'],
  syncing: ['idle', 'retrying-gap'],
  'retrying-gap': ['syncing', 'idle'],
};

/** True when the sync state machine allows `from → to`. */
export function canTransition(from: SyncState, to: SyncState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Rounds in a row that may end with a gap before the gap is left for the next trigger (the server lost those seqs). */
export const MAX_GAP_ROUNDS = 3;
