import type { ContentInput, ConversationId } from '@conclave/protocol';
import { ConclaveError } from './errors.js';

/** The server's acknowledgement of one sent message. */
export interface SentReceipt {
  conversationId: ConversationId;
  clientMsgId: string;
  /** The message's place in the conversation log. */
  seq: number;
  /** Server time of the append, ms since the Unix epoch. */
  sentAt: number;
}

/** One message not yet acknowledged by the server. */
export interface OutboxEntry {
  clientMsgId: string;
  conversationId: ConversationId;
  /** What is sent: encrypted anew for the current epoch on each attempt (the clientMsgId makes the server keep one copy). */
  content: ContentInput;
  /** True while a `send` frame for it awaits its reply on the current socket. */
  inFlight: boolean;
}

interface Waiting extends OutboxEntry {
  resolve: (receipt: SentReceipt) => void;
  reject: (err: ConclaveError) => void;
}

/**
 * Messages sent but not acknowledged, in send order. An entry leaves only on
 * its ack (a `sent` frame, or our own `message` echo carrying its
 * clientMsgId) or a definitive server refusal; a lost socket just makes it
 * due for resend with the same clientMsgId, which the server dedupes.
 */
export class Outbox {
  private readonly entries = new Map<string, Waiting>();

  /** Queues a message; the promise settles on ack or refusal. */
  add(entry: Omit<OutboxEntry, 'inFlight'>): Promise<SentReceipt> {
    return new Promise<SentReceipt>((resolve, reject) => {
      this.entries.set(entry.clientMsgId, { ...entry, inFlight: false, resolve, reject });
    });
  }

  get(clientMsgId: string): OutboxEntry | undefined {
    return this.entries.get(clientMsgId);
  }

  /** Entries due for (re)sending, oldest first. */
  due(): OutboxEntry[] {
    return [...this.entries.values()].filter((e) => !e.inFlight);
  }

  /** Number of unacknowledged messages. */
  get size(): number {
    return this.entries.size;
  }

  /** Settles an entry as delivered; false when it was not (or no longer) waiting. */
  ack(receipt: SentReceipt): boolean {
    const entry = this.entries.get(receipt.clientMsgId);
    if (entry === undefined) return false;
    this.entries.delete(receipt.clientMsgId);
    entry.resolve(receipt);
    return true;
  }

  /** Drops an entry the server refused for good. */
  refuse(clientMsgId: string, err: ConclaveError): void {
    const entry = this.entries.get(clientMsgId);
    if (entry === undefined) return;
    this.entries.delete(clientMsgId);
    entry.reject(err);
  }

  /** Fails every entry (the client is closing). */
  rejectAll(err: ConclaveError): void {
    for (const id of [...this.entries.keys()]) this.refuse(id, err);
  }
}
