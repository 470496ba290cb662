import type { ConversationId } from '@conclave/protocol';
import type { Clock, TimerHandle } from '../connection/clock.js';
import type { ClientStore } from '../store/store.js';
import { CursorTracker } from './cursors.js';
import { READ_POSITIONS_RECORD, ReadPositions } from './read-positions.js';

/** Store record of the conversation on screen: JSON `{ v: 1, current: conversationId | null }`. */
export const VIEW_RECORD = 'view';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What this device had saved about where the user was: cursors, read positions, the open conversation. */
export interface SavedPositions {
  cursors: CursorTracker;
  reads: ReadPositions;
  /** The conversation that was on screen (null: none or unknown). */
  view: ConversationId | null;
}

/** What the saver saves from. */
export interface PositionSources {
  store: ClientStore;
  clock: Clock;
  /** Delay before dirty positions are saved, ms. */
  delayMs: number;
  /** A send-only session (`history: 'skip'`) saves nothing: it must not consume what a reader has not seen. */
  readOnly: boolean;
  cursors(): CursorTracker;
  reads(): ReadPositions;
  /** The conversation on screen now. */
  view(): ConversationId | null;
  /** A save failed (reported once per failure; the next save retries). */
  onError(err: unknown): void;
}

/** Loads the cursors, read positions and view a previous run saved. */
export async function loadPositions(store: ClientStore): Promise<SavedPositions> {
  const [cursors, reads, view] = await Promise.all([store.loadCursors(), store.loadRecord(READ_POSITIONS_RECORD), store.loadRecord(VIEW_RECORD)]);
  return { cursors: new CursorTracker(cursors), reads: ReadPositions.decode(reads), view: decodeView(view) };
}

function decodeView(bytes: Uint8Array | null): ConversationId | null {
  if (bytes === null) return null;
  try {
    const parsed = JSON.parse(decoder.decode(bytes)) as { v?: unknown; current?: unknown };
    return parsed.v === 1 && typeof parsed.current === 'string' ? (parsed.current as ConversationId) : null;
  } catch {
    return null;
  }
}

/**
 * Saves cursors, read positions and the open conversation, coalesced: a
 * change schedules one save after `delayMs`; `flush()` saves now. Saves run
 * one after another, so a later one never lands before an earlier one.
 */
export class PositionSaver {
  private timer: TimerHandle = null;
  private chain: Promise<void> = Promise.resolve();
  private savedView: ConversationId | null | undefined = undefined;

  constructor(private readonly src: PositionSources) {}

  /** Remembers the view as already stored (loaded at connect), so it is not written back unchanged. */
  viewLoaded(view: ConversationId | null): void {
    this.savedView = view;
  }

  /** Schedules a save (no-op when one is already scheduled). */
  schedule(): void {
    if (this.timer !== null || this.src.readOnly) return;
    this.timer = this.src.clock.setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.src.delayMs);
  }

  /** Saves whatever changed now; resolves when stored (errors go to `onError`, never reject). */
  flush(): Promise<void> {
    if (this.timer !== null) this.src.clock.clearTimeout(this.timer);
    this.timer = null;
    if (this.src.readOnly) return this.chain;
    const { store } = this.src;
    const cursors = this.src.cursors();
    const reads = this.src.reads();
    const view = this.src.view();
    const writes: Array<() => Promise<void>> = [];
    if (cursors.dirty) {
      const snapshot = cursors.snapshot({ clean: true });
      writes.push(() => store.saveCursors(snapshot));
    }
    if (reads.dirty) {
      const bytes = reads.encode();
      writes.push(() => store.saveRecord(READ_POSITIONS_RECORD, bytes));
    }
    if (view !== this.savedView) {
      this.savedView = view;
      writes.push(() => store.saveRecord(VIEW_RECORD, encoder.encode(JSON.stringify({ v: 1, current: view }))));
    }
    for (const write of writes) this.chain = this.chain.then(write).catch((err: unknown) => this.src.onError(err));
    return this.chain;
  }
}
