import type { ConversationId, UserId } from '@conclave/protocol';
import type { Clock, TimerHandle } from '../connection/clock.js';

/** How long a `typing: start` counts without another one, ms (senders repeat it every `TYPING_REPEAT_MS` while typing). */
export const TYPING_TIMEOUT_MS = 6_000;
/** How often a client repeats `typing: start` while its user keeps typing, ms. */
export const TYPING_REPEAT_MS = 3_000;

/** Who is typing in a conversation now (names in the order they started). */
export interface TypingChange {
  conversationId: ConversationId;
  usernames: string[];
}

/**
 * Who is typing where, from ephemeral `typing` contents: a `start` counts for
 * `TYPING_TIMEOUT_MS` (renewed by the next one), a `stop` or a message from
 * the same user ends it at once.
 */
export class TypingBook {
  private readonly typing = new Map<ConversationId, Map<UserId, { username: string; timer: TimerHandle }>>();

  constructor(
    private readonly clock: Clock,
    private readonly onChange: (change: TypingChange) => void,
  ) {}

  /** The names typing in a conversation now. */
  usernames(conversationId: ConversationId): string[] {
    return [...(this.typing.get(conversationId)?.values() ?? [])].map((t) => t.username);
  }

  /** `userId` started (or goes on) typing. */
  start(conversationId: ConversationId, userId: UserId, username: string): void {
    let byUser = this.typing.get(conversationId);
    if (byUser === undefined) this.typing.set(conversationId, (byUser = new Map<UserId, { username: string; timer: TimerHandle }>()));
    const known = byUser.get(userId);
    if (known !== undefined) this.clock.clearTimeout(known.timer);
    const timer = this.clock.setTimeout(() => this.stop(conversationId, userId), TYPING_TIMEOUT_MS);
    byUser.set(userId, { username, timer });
    if (known === undefined) this.changed(conversationId);
  }

  /** `userId` stopped typing (a `stop`, a message, or the timeout). */
  stop(conversationId: ConversationId, userId: UserId): void {
    const byUser = this.typing.get(conversationId);
    const known = byUser?.get(userId);
    if (byUser === undefined || known === undefined) return;
    this.clock.clearTimeout(known.timer);
    byUser.delete(userId);
    if (byUser.size === 0) this.typing.delete(conversationId);
    this.changed(conversationId);
  }

  /** Forgets everyone (the connection was lost: nobody's `stop` would reach us). */
  clear(): void {
    for (const [conversationId, byUser] of [...this.typing]) {
      for (const t of byUser.values()) this.clock.clearTimeout(t.timer);
      this.typing.delete(conversationId);
      this.changed(conversationId);
    }
  }

  private changed(conversationId: ConversationId): void {
    this.onChange({ conversationId, usernames: this.usernames(conversationId) });
  }
}
