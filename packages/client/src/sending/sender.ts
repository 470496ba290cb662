import { assertNever, type ContentInput, type ConversationId } from '@conclave/protocol';
import type { Arrival } from '../content/effects.js';
import type { Clock } from '../connection/clock.js';
import type { ConnectionState } from '../connection/state.js';
import { ConclaveError, isConclaveError, type ConclaveErrorCode } from '../errors.js';
import type { GroupEngine } from '../mls/engine.js';
import { Outbox, type SentReceipt } from '../outbox.js';
import type { ChatState } from '../state/chat-state.js';
import type { ClientStore } from '../store/store.js';

/** What to do with an unacknowledged message whose send failed. */
export type RetryRule =
  /** Lost with the socket: resent on the next `ready` (now, if that already came). */
  | { action: 'resend-on-ready' }
  /** Resent on this connection after `delayMs` (if it is still ready then). */
  | { action: 'retry'; delayMs: number }
  /** The client is closing: `close()` fails it. */
  | { action: 'stop' }
  /** The server refused it for good: the `sendText` promise rejects with the error. */
  | { action: 'refuse' };

/** Delay before a rate-limited message is sent again, ms. */
export const RATE_LIMIT_RETRY_MS = 1_000;

/** The retry rules by error code; any code not listed is a refusal. */
export const RETRY_RULES: Readonly<Partial<Record<ConclaveErrorCode, RetryRule>>> = {
  CONCLAVE_ERR_DISCONNECTED: { action: 'resend-on-ready' },
  CONCLAVE_ERR_TIMEOUT: { action: 'retry', delayMs: 0 },
  CONCLAVE_ERR_RATE_LIMITED: { action: 'retry', delayMs: RATE_LIMIT_RETRY_MS },
  CONCLAVE_ERR_CLOSED: { action: 'stop' },
};

/** The rule for a send failure. */
export function retryRule(err: unknown): RetryRule {
  return (isConclaveError(err) ? RETRY_RULES[err.code] : undefined) ?? { action: 'refuse' };
}

/** What the sender needs. */
export interface SenderDeps {
  clock: Clock;
  store: ClientStore;
  state: ChatState;
  connectionState(): ConnectionState;
  engine(): GroupEngine | null;
  /** A message was acknowledged (the `sent` event). */
  onSent(receipt: SentReceipt): void;
  /** Keeps one of our contents in the history at its acknowledgement (`ContentEffects.keepOwn`). */
  keepOwn(arrival: Arrival, content: ContentInput): Promise<void>;
}

/**
 * Sends the outbox: each message is encrypted and sent (same clientMsgId on
 * every attempt, so the server never stores it twice) until acknowledged,
 * refused, or the client closes; failures follow `RETRY_RULES`.
 *
 * Order rule: each `ready` bumps `readyCount`; a send started under an older
 * one must not leave, or it would overtake the resends of the new `ready`.
 */
export class OutboxSender {
  private readonly outbox = new Outbox();
  private readyCount_ = 0;

  constructor(private readonly deps: SenderDeps) {}

  /** Number of messages awaiting the server's acknowledgement. */
  get size(): number {
    return this.outbox.size;
  }

  /** How many times the connection became `ready`. */
  get readyCount(): number {
    return this.readyCount_;
  }

  /** Queues a message (its inner content, encrypted per attempt for the current epoch) and sends it now if ready. The promise settles on ack or refusal. */
  send(conversationId: ConversationId, clientMsgId: string, content: ContentInput): Promise<SentReceipt> {
    const promise = this.outbox.add({ clientMsgId, conversationId, content });
    if (this.deps.connectionState() === 'ready') this.transmit(clientMsgId);
    return promise;
  }

  /** The connection became `ready`: everything due is (re)sent, oldest first. */
  onReady(): void {
    this.readyCount_++;
    for (const entry of this.outbox.due()) this.transmit(entry.clientMsgId);
  }

  /** Fails every waiting message (the client is closing). */
  rejectAll(err: ConclaveError): void {
    this.outbox.rejectAll(err);
  }

  private transmit(clientMsgId: string): void {
    const entry = this.outbox.get(clientMsgId);
    const engine = this.deps.engine();
    if (entry === undefined || entry.inFlight || engine === null) return;
    entry.inFlight = true;
    const { conversationId, content } = entry;
    const readyCount = this.readyCount_;
    const sameConnection = () => this.deps.connectionState() === 'ready' && this.readyCount_ === readyCount;
    engine.send(conversationId, clientMsgId, content, sameConnection).then(
      async (sent) => {
        await this.keep(conversationId, clientMsgId, content, sent);
        const receipt = { conversationId, clientMsgId, seq: sent.seq, sentAt: sent.sentAt };
        if (this.outbox.ack(receipt)) this.deps.onSent(receipt);
      },
      (err: unknown) => {
        entry.inFlight = false;
        this.failed(clientMsgId, err, readyCount);
      },
    );
  }

  /** Keeps one's own words in the history at once, so a run that exits on the ack (`conclave send`) still has them. */
  private async keep(conversationId: ConversationId, clientMsgId: string, content: ContentInput, sent: { seq: number; sentAt: number }): Promise<void> {
    const { me, deviceId } = this.deps.state;
    if (me === null || deviceId === null) return;
    const sender = { userId: me.userId, username: me.username, deviceId };
    await this.deps.keepOwn({ conversationId, seq: sent.seq, sender, sentAt: sent.sentAt, clientMsgId, mine: true }, content).catch(() => undefined);
  }

  private failed(clientMsgId: string, err: unknown, readyCount: number): void {
    const rule = retryRule(err);
    switch (rule.action) {
      case 'resend-on-ready':
        // If that `ready` already came, send now (behind the ones it resent).
        if (this.deps.connectionState() === 'ready' && this.readyCount_ !== readyCount) this.transmit(clientMsgId);
        return;
      case 'retry':
        this.deps.clock.setTimeout(() => {
          if (this.deps.connectionState() === 'ready') this.transmit(clientMsgId);
        }, rule.delayMs);
        return;
      case 'stop':
        return;
      case 'refuse': {
        const error = isConclaveError(err) ? err : new ConclaveError('CONCLAVE_ERR_INTERNAL', undefined, { cause: err });
        this.outbox.refuse(clientMsgId, error);
        return;
      }
      default:
        assertNever(rule);
    }
  }
}
