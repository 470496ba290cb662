/** What a log entry holds: an MLS PrivateMessage (`application`) or a Commit (`commit`). */
export type EntryKind = 'application' | 'commit';

/** One entry of a conversation's log. `body` is an MLSMessage (never decrypted); times in ms. */
export interface LoggedMessage {
  conversationId: string;
  seq: number;
  kind: EntryKind;
  senderUserId: string;
  senderUsername: string;
  senderDeviceId: string;
  clientMsgId: string;
  body: Uint8Array;
  sentAt: number;
}

/** What an append needs; the store assigns `seq`. */
export interface NewMessage {
  conversationId: string;
  kind: EntryKind;
  senderUserId: string;
  senderDeviceId: string;
  clientMsgId: string;
  body: Uint8Array;
  sentAt: number;
}

/** Persistence of the per-conversation append-only logs. */
export interface DeliveryStore {
  /**
   * Appends an application message durably with the next seq, in a
   * transaction (which it may share with other appends: group commit; each
   * is settled after the commit) that checks, in this order: a repeat of the same
   * (conversation, sender device, clientMsgId) stores nothing and returns the
   * first copy's seq; the sender device must be in the conversation's group;
   * the group must be at `epoch`.
   * @throws ServiceError NOT_GROUP_MEMBER, STALE_EPOCH (nothing is stored)
   */
  appendApplication(message: NewMessage, epoch: number): Promise<{ seq: number; sentAt: number; duplicate: boolean }>;
  /**
   * Deletes application messages sent before `before` (ms); Commits stay, so
   * a device can still follow the group's epochs.
   * @returns how many were deleted.
   */
  deleteApplicationBefore(before: number): Promise<number>;
  /** Up to `limit` entries with seq > `afterSeq`, in seq order. */
  readAfter(conversationId: string, afterSeq: number, limit: number): Promise<LoggedMessage[]>;
}
