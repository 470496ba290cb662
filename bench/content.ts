/**
 * Client-side cost of the message features (issue 16), in process: what
 * every member device pays per message.
 * - `markdown`: `parseMessageText` of a typical 100-byte message, of an
 *   ordinary 4 KiB one (links, code, lists, shortcodes on every line) and of
 *   hostile 16 KiB ones (deep lists, emphasis runs, brackets), median ms;
 * - `content`: encoding + decoding one inner content (`encodeContent` /
 *   `decodeContent`), µs;
 * - `search`: `MessageSearch` over `--messages` synthetic messages: add per
 *   message (µs), a query (ms, median of the query set), the sealed record's
 *   size (bytes; before the platform's encryption) and its save and load times (ms).
 *
 * Prints one JSON line `{bench, markdown, content, search, node, loadAvg, cores}`.
 * Exits 1 with one JSON line `{error}` when a step fails.
 *
 *   npm run bench:content -- [--messages 10000] [--runs 20]
 */
import { decodeContent, encodeContent, type ConversationId, type DeviceId, type UserId } from '@conclave/protocol';
import { MemoryStore, MessageSearch, parseMessageText, type HistoryEntry } from '@conclave/client';
import { fail, machineLoad, parseFlags, percentile, round } from './lib/common.js';

const BENCH = 'content';

/** Median ms of `runs` calls of `fn` (after one warm-up call). */
function medianMs(runs: number, fn: () => unknown): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return percentile(times, 50);
}

/** A deterministic word list and a Zipf-like word picker (a few words common, most rare, as in chat). */
function words(seed: number): () => string {
  let s = seed;
  const rnd = (): number => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'ze', 'pa', 're', 'bi', 'do', 'fu', 'ga', 'an', 'el', 'or', 'us', 'ing'];
  const vocab = Array.from({ length: 5_000 }, () => {
    let w = '';
    for (let n = 1 + Math.floor(rnd() * 3); n >= 0; n--) w += syllables[Math.floor(rnd() * syllables.length)];
    return w;
  });
  return () => vocab[Math.floor(vocab.length * rnd() ** 3)]!;
}

function markdownFigures(runs: number): Record<string, number> {
  const word = words(7);
  const ordinary = Array.from({ length: 60 }, (_, i) =>
    i % 10 === 0 ? `- **${word()}** ${word()} \`${word()}\` ${word()}` : `${word()} *${word()}* ${word()} https://example.org/${word()} ${word()} :tada:`,
  )
    .join('\n')
    .slice(0, 4096);
  const typical = `${word()} **${word()}** ${word()} ${word()} ${word()} :+1: ${word()} ${word()} ${word()}`.slice(0, 100);
  return {
    typical100BMs: round(medianMs(runs, () => parseMessageText(typical))),
    ordinary4KiBMs: round(medianMs(runs, () => parseMessageText(ordinary))),
    nestedLists16KiBMs: round(medianMs(runs, () => parseMessageText('- '.repeat(8192)))),
    emphasisRuns16KiBMs: round(medianMs(runs, () => parseMessageText(`${'*_'.repeat(4096)}x${'_*'.repeat(4096)}`))),
    brackets16KiBMs: round(medianMs(runs, () => parseMessageText('['.repeat(16_384)))),
  };
}

function contentFigures(runs: number): Record<string, number> {
  const text = 'x'.repeat(100);
  const n = 1_000;
  const ms = medianMs(runs, () => {
    for (let i = 0; i < n; i++) decodeContent(encodeContent({ kind: 'text', text, replyTo: 12 }));
  });
  return { encodeDecodeUs: round((ms / n) * 1000) };
}

async function searchFigures(messages: number, runs: number): Promise<Record<string, number>> {
  const word = words(42);
  const entries: HistoryEntry[] = Array.from({ length: messages }, (_, i) => ({
    conversationId: `conv-${i % 20}` as ConversationId,
    seq: Math.floor(i / 20) + 1,
    sender: { userId: `u${i % 6}` as UserId, username: `user${i % 6}`, deviceId: 'd' as DeviceId },
    sentAt: 1.7e12 + i * 60_000,
    text: Array.from({ length: 3 + (i % 18) }, word).join(' '),
    clientMsgId: `m${i}`,
    mine: false,
  }));
  const store = new MemoryStore();
  const search = new MessageSearch(store, { setTimer: () => 0, clearTimer: () => undefined });
  await search.load();
  let t0 = performance.now();
  for (const e of entries) search.add([e]);
  const addMs = performance.now() - t0;
  const queries = [word(), word(), `${word()} ${word()}`, word().slice(0, 3), `${word()}x`];
  const queryMs = queries.map((q) => medianMs(runs, () => search.search(q, 20)));
  t0 = performance.now();
  await search.flush();
  const saveMs = performance.now() - t0;
  const bytes = (await store.loadRecord('search-index'))?.length ?? 0;
  t0 = performance.now();
  const again = new MessageSearch(store);
  await again.load();
  const loadMs = performance.now() - t0;
  if (again.size !== search.size) throw new Error(`the loaded index has ${again.size} messages, not ${search.size}`);
  return {
    messages,
    addPerMessageUs: round((addMs / messages) * 1000),
    queryMedianMs: percentile(queryMs, 50),
    queryMaxMs: round(Math.max(...queryMs)),
    recordBytes: bytes,
    saveMs: round(saveMs),
    loadMs: round(loadMs),
  };
}

async function main(): Promise<void> {
  const opts = parseFlags(process.argv.slice(2), { messages: 10_000, runs: 20 });
  if (!Number.isInteger(opts.messages) || opts.messages < 1) throw new Error('--messages must be ≥ 1');
  if (!Number.isInteger(opts.runs) || opts.runs < 1) throw new Error('--runs must be ≥ 1');
  const figures = {
    markdown: markdownFigures(opts.runs),
    content: contentFigures(opts.runs),
    search: await searchFigures(opts.messages, opts.runs),
  };
  process.stdout.write(`${JSON.stringify({ bench: BENCH, ...figures, node: process.version, ...machineLoad() })}\n`);
}

main().catch((err: unknown) => fail(BENCH, err));
