/** How long a node holds a conversation's entry that came before the one it follows, ms. */
export const SEQ_HOLD_MS = 200;
/** Entries held per conversation at most; beyond, all are released (the connections read the gap from the log). */
const MAX_HELD = 1024;

interface Conversation<T> {
  /** The seq this node expects next. */
  next: number;
  held: Map<number, T>;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Puts each conversation's live entries back in seq order on one node before
 * they are fanned out. In a cluster a node gets its own entries at once (in
 * process) and the other nodes' a moment later (through Redis), so two nodes
 * sending to one room interleave out of order; each connection would see a
 * gap and read it from the log — every member connection, for every
 * interleaving (issue 15: two nodes, 1 000 members, 64 of 100 msg/s offered,
 * p50 4.3 s). Held here, an entry waits at most `SEQ_HOLD_MS` (plus one turn
 * of the event loop, so entries already received are read first) for the ones
 * before it — entries are lost only when Redis drops the subscription, and then
 * `Bus.onResync` catches every connection up anyway; when they do not come (lost by pub/sub, or a seq that is never
 * published), the held entries are released in order and each connection
 * reads the gap from the log as before (`Connection.deliver`).
 *
 * The first entry seen of a conversation sets where it starts. An entry
 * older than expected is released at once (connections drop what they
 * already sent).
 */
export class SeqOrder<T> {
  private readonly conversations = new Map<string, Conversation<T>>();

  /**
   * @param release fans one entry out (called in seq order per conversation)
   * @param holdMs how long an early entry waits for the ones before it, ms
   */
  constructor(
    private readonly release: (conversationId: string, seq: number, entry: T) => void,
    private readonly holdMs = SEQ_HOLD_MS,
  ) {}

  /** Takes a live entry: released now if it is the next (with any held after it), else held. */
  offer(conversationId: string, seq: number, entry: T): void {
    let c = this.conversations.get(conversationId);
    if (c === undefined) this.conversations.set(conversationId, (c = { next: seq, held: new Map(), timer: undefined }));
    if (seq < c.next) return this.release(conversationId, seq, entry);
    if (seq > c.next) {
      c.held.set(seq, entry);
      if (c.held.size >= MAX_HELD) return this.flush(conversationId, c);
      // After the hold, what is already in the sockets is read first (setImmediate runs after the poll phase):
      // a node whose event loop was busy for longer than the hold must not take a late entry for a lost one.
      c.timer ??= setTimeout(() => setImmediate(() => c.timer !== undefined && this.flush(conversationId, c)), this.holdMs);
      return;
    }
    this.release(conversationId, seq, entry);
    c.next = seq + 1;
    this.drain(conversationId, c);
  }

  /** Drops every held entry and timer (shutdown). */
  stop(): void {
    for (const c of this.conversations.values()) clearTimeout(c.timer);
    this.conversations.clear();
  }

  /** Releases the held entries that now follow in order. */
  private drain(conversationId: string, c: Conversation<T>): void {
    for (let entry = c.held.get(c.next); entry !== undefined; entry = c.held.get(c.next)) {
      c.held.delete(c.next);
      this.release(conversationId, c.next, entry);
      c.next += 1;
    }
    if (c.held.size === 0) {
      clearTimeout(c.timer);
      c.timer = undefined;
    }
  }

  /** The wait is over: releases everything held, in order, past the gap. */
  private flush(conversationId: string, c: Conversation<T>): void {
    clearTimeout(c.timer);
    c.timer = undefined;
    for (const seq of [...c.held.keys()].sort((a, b) => a - b)) {
      const entry = c.held.get(seq)!;
      c.held.delete(seq);
      this.release(conversationId, seq, entry);
      c.next = seq + 1;
    }
  }
}
