import type { ConversationId } from '@conclave/protocol';
import MiniSearch, { type AsPlainObject, type Options, type SearchResult } from 'minisearch';
import { systemClock } from '../connection/clock.js';
import type { ClientStore, HistoryEntry } from '../store/store.js';

/** One search hit: a message of this device's history that matches the query. */
export interface SearchHit {
  conversationId: ConversationId;
  seq: number;
  /** Server time of the original message, ms since the Unix epoch (an edit keeps it). */
  sentAt: number;
  /** The author's username when the message arrived. */
  sender: string;
  /** The message's current text (its latest edit's, if edited). */
  text: string;
  /** Relevance (BM25 with prefix and typo matches weighted down); higher is better, only comparable within one search. */
  score: number;
}

/**
 * Store record of the index: JSON `{ v: 1, index: <MiniSearch toJSON()> }` as
 * UTF-8. It holds the text of every indexed message, so it is a secret record
 * like the history itself (sealed at rest by the platform's `ClientStore`).
 */
export const SEARCH_RECORD = 'search-index';

/** Version of the record layout and of the tokenizer: a record of another version is dropped and the index starts empty. */
const RECORD_VERSION = 1;
/** Default quiet time before a save, ms. */
const DEFAULT_SAVE_DELAY_MS = 2_000;
/** Default longest wait from a change to its save while changes keep coming, ms. */
const DEFAULT_MAX_SAVE_DELAY_MS = 30_000;
/** Query terms looked at (a pasted paragraph must not cost a fuzzy search per word). */
const MAX_QUERY_TERMS = 16;

/** Options of a `MessageSearch`; timers default to the system clock's. */
export interface MessageSearchOptions {
  /** Quiet time after the last change before a save, ms (default 2000): a burst of messages costs one save. */
  saveDelayMs?: number;
  /**
   * Longest wait from the first unsaved change to its save while changes keep
   * coming, ms (default 30 000). A save rewrites the whole record (about
   * 200 ms and 3 MB for 10 000 messages), so a busy room must not cause one
   * every `saveDelayMs`.
   */
  maxSaveDelayMs?: number;
  /** Schedules `fn` once after `ms` ms; returns a handle for `clearTimer`. */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  /** A save started by the timer failed (the index stays dirty: the next change or `flush` retries). Default: ignored. */
  onError?: (err: unknown) => void;
}

/** A message as indexed. Its stored fields are exactly its indexed ones, so it can be removed from the index without the history. */
interface MessageDoc {
  /** `${conversationId}:${seq}`. */
  id: string;
  conversationId: ConversationId;
  seq: number;
  sentAt: number;
  sender: string;
  text: string;
  /** The seq of the edit whose text `text` is; absent for the original text. */
  edit?: number;
}

/** Something done before `load` finished, to do again on the loaded index. */
type Change = { add: readonly HistoryEntry[] } | { forget: ConversationId };

/**
 * Full-text search over this device's decrypted history, built on MiniSearch
 * and kept in the store record `SEARCH_RECORD`.
 *
 * Matching is per word, case- and accent-insensitive (`fold`), with prefix and
 * typo-tolerant matches (`typos`); every query word must match (in the text or
 * the sender's name). Han and kana, written without spaces, are indexed as
 * overlapping character pairs (`tokens`).
 *
 * Removed text really leaves: an edit or delete takes the old words out of the
 * inverted index at once (`MiniSearch.remove`, not `discard`, which would keep
 * them in the saved record until a vacuum).
 *
 * Saving is debounced: a save comes `saveDelayMs` after the last change, or
 * `maxSaveDelayMs` after the first unsaved one if changes keep coming. Saves
 * run one after another and each writes the state of its moment, so the last
 * state wins.
 * Nothing is saved before `load` has finished (that would overwrite the stored
 * index with a partial one); changes made meanwhile are applied again to the
 * loaded index.
 */
export class MessageSearch {
  private index = newIndex();
  /** Changes made before `load` finished; null once loaded. */
  private early: Change[] | null = [];
  private loading: Promise<void> | undefined;
  private dirty = false;
  /** The pending timed save: its quiet-time timer (restarted by each change) and its deadline timer. */
  private timers: { quiet: unknown; deadline: unknown } | null = null;
  /** A save is queued and has not yet taken its snapshot. */
  private queued = false;
  /** The latest save (may reject); `tail` is it with errors dropped, to chain the next one. */
  private last: Promise<void> = Promise.resolve();
  private tail: Promise<void> = Promise.resolve();
  private readonly saveDelayMs: number;
  private readonly maxSaveDelayMs: number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;
  private readonly onError: (err: unknown) => void;

  constructor(
    private readonly store: ClientStore,
    options: MessageSearchOptions = {},
  ) {
    this.saveDelayMs = options.saveDelayMs ?? DEFAULT_SAVE_DELAY_MS;
    this.maxSaveDelayMs = options.maxSaveDelayMs ?? DEFAULT_MAX_SAVE_DELAY_MS;
    this.setTimer = options.setTimer ?? ((fn, ms) => systemClock.setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((handle) => systemClock.clearTimeout(handle));
    this.onError = options.onError ?? (() => undefined);
  }

  /**
   * Loads the stored index. A missing record, one that does not parse, or one
   * of another version starts an empty index (rebuilt as history is added).
   * Calling it again returns the same load.
   * @throws whatever `store.loadRecord` throws (then nothing is loaded; call again to retry)
   */
  load(): Promise<void> {
    this.loading ??= this.loadOnce().catch((err: unknown) => {
      this.loading = undefined;
      throw err;
    });
    return this.loading;
  }

  private async loadOnce(): Promise<void> {
    const bytes = await this.store.loadRecord(SEARCH_RECORD);
    const early = this.early;
    if (early === null) return; // loaded already (`loading` makes this unreachable)
    this.index = decodeIndex(bytes) ?? newIndex();
    this.early = null;
    for (const change of early) {
      if ('add' in change) this.add(change.add);
      else this.forget(change.forget);
    }
  }

  /**
   * Indexes history entries, in log order (as `ContentEffects` keeps them; it
   * has already authorised edits and deletes):
   * - a message (`kind` absent or `text`): its sender's name and text, replacing
   *   an earlier copy of the same conversation:seq (its edited text stays);
   * - an `edit`: the target's text becomes the edit's, keeping the target's
   *   sender and time (an edit older than the one indexed, or of a message not
   *   indexed, changes nothing);
   * - a `delete`, or any entry marked `deleted`: its message leaves the index;
   * - other kinds: ignored.
   * Cheap (a few map operations per word); schedules a save when something changed.
   */
  add(entries: readonly HistoryEntry[]): void {
    this.early?.push({ add: entries });
    let changed = false;
    for (const entry of entries) changed = this.apply(entry) || changed;
    if (changed) this.changed();
  }

  /** Removes every message of a conversation (the user left it). Costs a pass over the stored documents. */
  forget(conversationId: ConversationId): void {
    this.early?.push({ forget: conversationId });
    const hits = this.index.search(MiniSearch.wildcard, { filter: (r) => r.conversationId === conversationId });
    for (const hit of hits) this.index.remove(docOf(hit));
    if (hits.length > 0) this.changed();
  }

  /**
   * The best matches for `query`, at most `limit`: by score, then newest
   * first, then by conversation and seq (deterministic). Every word of the
   * query must match a word of the message or of its sender's name, exactly,
   * as a prefix, or within `typos` edits. Only the first 16 words count.
   * @param conversationId only messages of this conversation
   * @returns [] for a query without words
   */
  search(query: string, limit: number, conversationId?: ConversationId): SearchHit[] {
    if (!(limit >= 1)) return [];
    const results = this.index.search(query, {
      tokenize: (q) => tokens(q).slice(0, MAX_QUERY_TERMS),
      ...(conversationId !== undefined && { filter: (r: SearchResult) => r.conversationId === conversationId }),
    });
    return results
      .map(hitOf)
      .sort(byRank)
      .slice(0, Math.floor(limit));
  }

  /** Number of indexed messages. */
  get size(): number {
    return this.index.documentCount;
  }

  /**
   * Saves now if anything changed (a pending timed save is done now instead);
   * resolves when stored. Before `load` has finished it saves nothing.
   * @throws whatever `store.saveRecord` throws (the changes stay pending)
   */
  flush(): Promise<void> {
    this.cancelTimers();
    if (this.early !== null) return Promise.resolve();
    // Queued: that save has yet to take its snapshot, so it will include these changes. Clean: the latest save holds everything.
    if (this.queued || !this.dirty) return this.last;
    this.queued = true;
    const save = this.tail.then(() => this.save());
    this.last = save;
    this.tail = save.catch(() => undefined);
    return save;
  }

  /** One queued save: takes the state of this moment (later changes go to a later save). */
  private async save(): Promise<void> {
    this.queued = false;
    if (!this.dirty) return;
    this.dirty = false;
    const bytes = encoder.encode(JSON.stringify({ v: RECORD_VERSION, index: this.index }));
    try {
      await this.store.saveRecord(SEARCH_RECORD, bytes);
    } catch (err) {
      this.dirty = true;
      throw err;
    }
  }

  private changed(): void {
    this.dirty = true;
    if (this.early !== null) return;
    const due = () => void this.flush().catch(this.onError);
    if (this.timers === null) {
      this.timers = { quiet: this.setTimer(due, this.saveDelayMs), deadline: this.setTimer(due, this.maxSaveDelayMs) };
    } else {
      this.clearTimer(this.timers.quiet);
      this.timers.quiet = this.setTimer(due, this.saveDelayMs);
    }
  }

  private cancelTimers(): void {
    if (this.timers === null) return;
    this.clearTimer(this.timers.quiet);
    this.clearTimer(this.timers.deadline);
    this.timers = null;
  }

  /** @returns whether the index changed */
  private apply(entry: HistoryEntry): boolean {
    const { conversationId } = entry;
    switch (entry.kind) {
      case undefined:
      case 'text':
        return entry.deleted === true ? this.drop(conversationId, entry.seq) : this.put(entry);
      case 'file':
        // Found by its name as well as its caption.
        if (entry.deleted === true || entry.file === undefined) return this.drop(conversationId, entry.seq);
        return this.put({ ...entry, text: entry.text === '' ? entry.file.name : `${entry.file.name} ${entry.text}` });
      case 'edit':
        if (entry.target === undefined) return false;
        // A stored edit is marked deleted only together with its target (`redactHistory`).
        return entry.deleted === true ? this.drop(conversationId, entry.target) : this.edit(entry, entry.target);
      case 'delete':
        return entry.target !== undefined && this.drop(conversationId, entry.target);
      case 'reaction':
      case 'topic':
      case 'unsupported':
        return false;
      default: {
        // A kind this version does not know (a newer client's history): nothing to index.
        const _unknown: never = entry.kind;
        return false;
      }
    }
  }

  private put(entry: HistoryEntry): boolean {
    const id = docId(entry.conversationId, entry.seq);
    const old = this.stored(id);
    if (old !== undefined) this.index.remove(old);
    // A copy arriving again after an edit keeps the edited text.
    const text = old?.edit !== undefined ? { text: old.text, edit: old.edit } : { text: entry.text };
    this.index.add({ id, conversationId: entry.conversationId, seq: entry.seq, sentAt: entry.sentAt, sender: entry.sender.username, ...text });
    return true;
  }

  private edit(entry: HistoryEntry, target: number): boolean {
    const old = this.stored(docId(entry.conversationId, target));
    if (old === undefined || (old.edit !== undefined && old.edit >= entry.seq)) return false;
    this.index.remove(old);
    this.index.add({ ...old, text: entry.text, edit: entry.seq });
    return true;
  }

  private drop(conversationId: ConversationId, seq: number): boolean {
    const old = this.stored(docId(conversationId, seq));
    if (old === undefined) return false;
    this.index.remove(old);
    return true;
  }

  private stored(id: string): MessageDoc | undefined {
    const fields = this.index.getStoredFields(id);
    return fields === undefined ? undefined : docOf({ ...fields, id });
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** MiniSearch's configuration; a record must be loaded with the same one (hence `RECORD_VERSION`). */
const INDEX_OPTIONS: Options<MessageDoc> = {
  fields: ['sender', 'text'],
  storeFields: ['conversationId', 'seq', 'sentAt', 'sender', 'text', 'edit'],
  tokenize: tokens,
  // `tokens` has already folded case and accents.
  processTerm: (term) => term,
  // Only `remove` is used, never `discard`: there is nothing to vacuum (and vacuuming would run timers).
  autoVacuum: false,
  // Its only message is "document changed before removal", impossible here (stored fields = indexed fields); the core has no console.
  logger: () => undefined,
  searchOptions: { combineWith: 'AND', prefix: true, fuzzy: typos },
};

function newIndex(): MiniSearch<MessageDoc> {
  return new MiniSearch<MessageDoc>(INDEX_OPTIONS);
}

/** The index in a record, or null when there is none or it is unreadable or of another version. */
function decodeIndex(bytes: Uint8Array | null): MiniSearch<MessageDoc> | null {
  if (bytes === null) return null;
  try {
    const record = JSON.parse(decoder.decode(bytes)) as { v?: unknown; index?: unknown };
    if (record.v !== RECORD_VERSION || typeof record.index !== 'object' || record.index === null) return null;
    return MiniSearch.loadJS<MessageDoc>(record.index as AsPlainObject, INDEX_OPTIONS);
  } catch {
    return null;
  }
}

function docId(conversationId: ConversationId, seq: number): string {
  return `${conversationId}:${seq}`;
}

/** A document from its stored fields (a search result, or `getStoredFields` plus the id). */
function docOf(fields: Record<string, unknown>): MessageDoc {
  const doc = {
    id: fields.id as string,
    conversationId: fields.conversationId as ConversationId,
    seq: fields.seq as number,
    sentAt: fields.sentAt as number,
    sender: fields.sender as string,
    text: fields.text as string,
  };
  return typeof fields.edit === 'number' ? { ...doc, edit: fields.edit } : doc;
}

function hitOf(r: SearchResult): SearchHit {
  const doc = docOf(r);
  return { conversationId: doc.conversationId, seq: doc.seq, sentAt: doc.sentAt, sender: doc.sender, text: doc.text, score: r.score };
}

function byRank(a: SearchHit, b: SearchHit): number {
  if (a.score !== b.score) return b.score - a.score;
  if (a.sentAt !== b.sentAt) return b.sentAt - a.sentAt;
  if (a.conversationId !== b.conversationId) return a.conversationId < b.conversationId ? -1 : 1;
  return b.seq - a.seq;
}

/** Scripts written without spaces between words: indexed as overlapping character pairs. */
const UNSPACED = String.raw`\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\u30fc`;
/** One emoji; or a run of unspaced script; or a word (letters, digits and their marks). Everything else separates. */
const TOKEN = new RegExp(String.raw`(\p{Extended_Pictographic})|([${UNSPACED}]+)|((?:(?![${UNSPACED}])[\p{L}\p{N}\p{M}])+)`, 'gu');
const DIACRITICS = /[\u0300-\u036f]/g;
/** Lower-case Latin letters that are not a base letter plus a diacritic, spelled as people type them without one. */
const LATIN_LETTERS: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', ð: 'd', þ: 'th', ı: 'i' };
const LATIN_LETTER = /[ßæœøłđðþı]/g;

/**
 * Case- and accent-insensitive form of a text: lower case, compatibility
 * forms unified (full-width Latin, half-width kana, ligatures: NFKD), Latin,
 * Greek and Cyrillic diacritics dropped (é → e, İ → i), ß → ss, ø → o and
 * the like, recomposed (NFC) so Hangul syllables and voiced kana stay whole.
 */
function fold(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(DIACRITICS, '')
    .replace(LATIN_LETTER, (c) => LATIN_LETTERS[c] ?? c)
    .normalize('NFC');
}

/**
 * The index terms of a text (and of a query: the same function), folded.
 * Words split at spaces, punctuation and symbols; each emoji is a term of its
 * own (skin tones, joiners and variation selectors dropped); a run of Han or
 * kana gives its overlapping pairs and its last character (天気です → 天気,
 * 気で, です, す), so any character starts a term and a prefix search finds
 * any substring of two or more characters, or one at the start of a term.
 */
function tokens(text: string): string[] {
  const out: string[] = [];
  for (const m of fold(text).matchAll(TOKEN)) {
    if (m[2] === undefined) {
      out.push(m[0]);
      continue;
    }
    const chars = Array.from(m[2]);
    for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i]! + chars[i + 1]!);
    out.push(chars[chars.length - 1]!);
  }
  return out;
}

/**
 * Typos tolerated in a query term, as an edit distance: none for short terms
 * (3 characters or fewer, pairs of Han or kana, emoji) or numbers, where one
 * edit reaches too many other words; 1 up to 7 characters; 2 from 8.
 */
function typos(term: string): number | false {
  if (term.length <= 3 || /^\p{N}+$/u.test(term)) return false;
  return term.length >= 8 ? 2 : 1;
}
