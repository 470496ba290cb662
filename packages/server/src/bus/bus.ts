/**
 * Fan-out events between the node that accepted a write and every node holding
 * member connections. Each event carries the frame already serialised, so a
 * node pushes it to N devices without re-encoding or reading the database.
 */
export type BusEvent =
  /** "conversation X has seq N": `frame` is the encoded `message` frame; `sentAt` when it was accepted (ms since the epoch). */
  | { kind: 'message'; conversationId: string; seq: number; frame: string; sentAt: number }
  /** An unlogged message (`SendFrame.ephemeral`): pushed to the online member devices that follow the conversation, never stored. */
  | { kind: 'ephemeral'; conversationId: string; senderDeviceId: string; frame: string }
  /** A notice for every online user, a conversation's members (`conversationId`), or one user (`userId`). */
  | { kind: 'notice'; conversationId?: string; userId?: string; frame: string }
  /**
   * End a user's connections on every node: each is sent `code` as an error
   * frame and closed with its close code (an admin's `/logoutuser`, `/deluser`).
   */
  | { kind: 'disconnect'; userId: string; code: 'CONCLAVE_ERR_SESSION_REVOKED' | 'CONCLAVE_ERR_ACCOUNT_DELETED' }
  /** Membership changed: nodes update their routing table and tell the user's connections. */
  | { kind: 'membership'; conversationId: string; userId: string; change: 'add' | 'remove' }
  /**
   * A conversation's group changed devices: each `joined` device's connections
   * are sent `welcomeFrame` (the encoded `welcome` frame, when `welcomed`) and
   * start following the log after `since`; the `left` devices' connections stop.
   */
  | {
      kind: 'group';
      conversationId: string;
      joined: Array<{ deviceId: string; since: number; welcomed: boolean }>;
      left: string[];
      welcomeFrame?: string;
    }
  /** A setting was changed: every node forgets its cached value at once (instead of within the cache time). */
  | { kind: 'settings'; key: string }
  /** An admin's `/shutdown`: every node of the cluster stops after `delayMs` (ms). */
  | { kind: 'shutdown'; delayMs: number };

/**
 * A publish/subscribe channel for `BusEvent`s: in process (`LocalBus`), or
 * across the nodes of a cluster (`RedisBus`). A node's own subscribers get
 * its events synchronously, in `publish`.
 */
export interface Bus {
  publish(event: BusEvent): void;
  /** @returns a function that unsubscribes. */
  subscribe(handler: (event: BusEvent) => void): () => void;
  /**
   * Runs `handler` when this node may have missed events (its link to the
   * other nodes came back): connections should catch up from the log.
   * @returns a function that removes the handler.
   */
  onResync(handler: () => void): () => void;
}
