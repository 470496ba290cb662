import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConversationId } from '@conclave/protocol';
import { redacted, type HistoryEntry } from '@conclave/client';
import { fsyncDir, isNotFound, truncateOpenFile, writeFileAtomic } from './files.js';
import { alteredFileError, type ProfileKey } from './keystore.js';

const CHUNK = 64 * 1024;
const NEWLINE = 0x0a;

/**
 * The decrypted message history of one profile, encrypted at rest: one
 * append-only file per conversation (`<hmac(conversation id)>.log`), one line
 * per entry, each line base64(`ProfileKey.seal` of the entry's JSON) with the
 * conversation id as the role, so a line cannot be moved to another
 * conversation. A line is written whole and fsync'd; a line torn by a crash
 * (no final newline) is ignored on read and cut off before the next append.
 *
 * Not protected against: an attacker with write access deleting, truncating
 * or duplicating whole lines, or rolling a file back (no forgery, though).
 */
export class HistoryLog {
  /** Per conversation file: the write in progress (appends and rewrites of one file run one at a time). */
  private readonly writing = new Map<ConversationId, Promise<unknown>>();

  constructor(
    /** The `history/` directory (created by the caller, 0700). */
    private readonly dir: string,
    private readonly key: ProfileKey,
  ) {}

  private pathOf(conversationId: ConversationId): string {
    return join(this.dir, `${this.key.fileName(`history/${conversationId}`)}.log`);
  }

  /**
   * Appends `entries` (any conversations) and fsyncs each file before
   * returning. Repeated (conversation, seq) pairs are written as given and
   * dropped on read (the first one wins).
   */
  async append(entries: readonly HistoryEntry[]): Promise<void> {
    const byConversation = new Map<ConversationId, HistoryEntry[]>();
    for (const e of entries) {
      const list = byConversation.get(e.conversationId);
      if (list === undefined) byConversation.set(e.conversationId, [e]);
      else list.push(e);
    }
    for (const [conversationId, list] of byConversation) await this.serial(conversationId, () => this.appendTo(conversationId, list));
  }

  /** Runs `write` after the file's earlier writes (a rewrite must not lose an append made meanwhile). */
  private async serial<T>(conversationId: ConversationId, write: () => Promise<T>): Promise<T> {
    const before = this.writing.get(conversationId) ?? Promise.resolve();
    const run = before.then(write, write);
    const settled = run.catch(() => undefined);
    this.writing.set(conversationId, settled);
    void settled.then(() => {
      if (this.writing.get(conversationId) === settled) this.writing.delete(conversationId);
    });
    return run;
  }

  private async appendTo(conversationId: ConversationId, list: readonly HistoryEntry[]): Promise<void> {
    const role = `history/${conversationId}`;
    const lines = list.map((e) => `${this.key.seal(role, Buffer.from(JSON.stringify(e), 'utf8')).toString('base64')}\n`).join('');
    const handle = await open(this.pathOf(conversationId), 'a+', 0o600);
    let size: number;
    try {
      size = (await handle.stat()).size;
      if (size > 0) await cutTornTail(handle, this.pathOf(conversationId), size);
      await handle.write(lines); // O_APPEND: lands at the end whatever the position
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (size === 0) await fsyncDir(this.dir);
  }

  /**
   * The last `limit` entries of a conversation by seq, oldest first, one per
   * seq (the first written wins). Streams the file: memory holds at most
   * 2 × `limit` entries plus the set of seqs seen, but time is linear in the
   * file (every line is decrypted; an index would be the next step if
   * histories grow to millions of lines).
   * @throws CliError when a complete line does not authenticate (altered file)
   */
  async load(conversationId: ConversationId, limit: number): Promise<HistoryEntry[]> {
    const max = Math.floor(limit);
    if (!(max > 0)) return [];
    const path = this.pathOf(conversationId);
    const role = `history/${conversationId}`;
    const seen = new Set<number>();
    let kept: HistoryEntry[] = [];
    const bySeq = (a: HistoryEntry, b: HistoryEntry): number => a.seq - b.seq;
    for await (const line of completeLines(path)) {
      if (line === '') continue;
      const plain = this.key.open(role, Buffer.from(line, 'base64'));
      const entry = plain === null ? null : parseEntry(plain);
      if (entry === null || entry.conversationId !== conversationId) throw alteredFileError('the message history of a conversation', path);
      if (seen.has(entry.seq)) continue;
      seen.add(entry.seq);
      kept.push(entry);
      if (kept.length >= 2 * max) kept = kept.sort(bySeq).slice(-max);
    }
    return kept.sort(bySeq).slice(-max);
  }

  /**
   * Rewrites a conversation's file with every entry at `seqs` replaced by
   * `redacted(entry)` (a deleted message: its text gone), atomically
   * (`writeFileAtomic`), so the old sealed line is no longer on disk. Linear
   * in the file; deletions are rare.
   * @throws CliError when a complete line does not authenticate (altered file)
   */
  redact(conversationId: ConversationId, seqs: readonly number[]): Promise<void> {
    return this.serial(conversationId, () => this.rewrite(conversationId, seqs));
  }

  private async rewrite(conversationId: ConversationId, seqs: readonly number[]): Promise<void> {
    const wanted = new Set(seqs);
    const path = this.pathOf(conversationId);
    const role = `history/${conversationId}`;
    const lines: string[] = [];
    let changed = false;
    for await (const line of completeLines(path)) {
      if (line === '') continue;
      const plain = this.key.open(role, Buffer.from(line, 'base64'));
      const entry = plain === null ? null : parseEntry(plain);
      if (entry === null || entry.conversationId !== conversationId) throw alteredFileError('the message history of a conversation', path);
      if (!wanted.has(entry.seq) || entry.deleted === true) {
        lines.push(`${line}\n`);
        continue;
      }
      changed = true;
      lines.push(`${this.key.seal(role, Buffer.from(JSON.stringify(redacted(entry)), 'utf8')).toString('base64')}\n`);
    }
    if (changed) await writeFileAtomic(path, Buffer.from(lines.join(''), 'latin1'));
  }
}

function parseEntry(plain: Buffer): HistoryEntry | null {
  try {
    const e = JSON.parse(plain.toString('utf8')) as HistoryEntry;
    return typeof e === 'object' && e !== null && Number.isSafeInteger(e.seq) && typeof e.conversationId === 'string' ? e : null;
  } catch {
    return null;
  }
}

/** The newline-terminated lines of `path` (without the newline), read in 64 KiB chunks; nothing if it does not exist. An unterminated last line is not yielded. */
async function* completeLines(path: string): AsyncGenerator<string> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
  try {
    const buf = Buffer.alloc(CHUNK);
    let carry = Buffer.alloc(0);
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      const chunk = Buffer.concat([carry, buf.subarray(0, bytesRead)]); // a copy: `buf` is reused
      let start = 0;
      for (let nl = chunk.indexOf(NEWLINE, start); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
        yield chunk.toString('latin1', start, nl); // base64 is ASCII
        start = nl + 1;
      }
      carry = chunk.subarray(start);
    }
  } finally {
    await handle.close();
  }
}

/** If the file does not end with a newline (a crash tore the last append), truncates it after its last newline. */
async function cutTornTail(handle: FileHandle, path: string, size: number): Promise<void> {
  const last = Buffer.alloc(1);
  await handle.read(last, 0, 1, size - 1);
  if (last[0] === NEWLINE) return;
  const buf = Buffer.alloc(CHUNK);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - CHUNK);
    const { bytesRead } = await handle.read(buf, 0, end - start, start);
    const nl = buf.subarray(0, bytesRead).lastIndexOf(NEWLINE);
    if (nl !== -1) {
      if (start + nl + 1 < size) await truncateOpenFile(handle, path, start + nl + 1);
      return;
    }
    end = start;
  }
  await truncateOpenFile(handle, path, 0);
}
