/** One entry of a conversation's log. `body` is opaque bytes; times in ms. */
export interface LoggedMessage {
  conversationId: string;
  seq: number;
  senderUserId: string;
  senderUsername: string;
  senderDeviceId: string;
  clientMsgId: string;
  body: Uint8Array;
  sentAt: number;
}

/** What `append` needs; the store assigns `seq`. */
export interface NewMessage {
  conversationId: string;
  senderUserId: string;
  senderDeviceId: string;
  clientMsgId: string;
  body: Uint8Array;
  sentAt: number;
}

/** Persistence of the per-conversation append-only logs. */
export interface DeliveryStore {
  /**
   * Appends durably with the next seq (one transaction). A repeat of the same
   * (conversation, sender device, clientMsgId) stores nothing and returns the first copy's seq.
   */
  append(message: NewMessage): Promise<{ seq: number; sentAt: number; duplicate: boolean }>;
  /** Up to `limit` messages with seq > `afterSeq`, in seq order. */
  readAfter(conversationId: string, afterSeq: number, limit: number): Promise<LoggedMessage[]>;
}
