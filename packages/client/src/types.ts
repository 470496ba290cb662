import type { ConversationId, ConversationInfo, DeviceId, FrameOf, ServerFrame, UserId } from '@conclave/protocol';
import type { Clock } from './connection/clock.js';
import type { StateChange } from './connection/connection.js';
import type { SocketFactory } from './connection/socket.js';
import type { ConclaveError } from './errors.js';
import type { SentReceipt } from './outbox.js';
import type { ChatSnapshot, OnlineUser } from './state/chat-state.js';
import type { ClientStore, HistoryEntry } from './store/store.js';
import type { MlsRunner } from './mls/runner.js';
import type { TypingChange } from './content/typing.js';
import type { BlobTransport } from './files/transport.js';
import type { Sha256Factory } from './files/file-crypto.js';

/** How to authenticate on the first connect (later reconnects always use the session token). */
export type Credentials =
  | { kind: 'login'; username: string; password: string }
  /** `code`: an invite code, or the one-time setup code the server printed (first admin). */
  | { kind: 'register'; username: string; password: string; code?: string };

/** Options of a `ConclaveClient`. Times are in ms. */
export interface ClientOptions {
  /** `wss://host:port/ws`. */
  url: string;
  socketFactory: SocketFactory;
  store: ClientStore;
  /** Sent in `hello` (default `conclave-cli/0.1`). */
  clientName?: string;
  /** Device label shown to the user's other devices, e.g. "terminal on laptop". */
  deviceName: string;
  clock?: Clock;
  /** Uniform source in [0, 1) for backoff jitter. */
  random?: () => number;
  requestTimeoutMs?: number;
  /** Interval of the heartbeat `ping`, ms (default `LIMITS.clientPingIntervalMs`). */
  pingIntervalMs?: number;
  /** Time to wait for a `pong` before the connection counts as lost, ms (default `LIMITS.clientPongTimeoutMs`). */
  pongTimeoutMs?: number;
  /**
   * Whether the user can see the app now (web: `document.visibilityState === 'visible'`;
   * default: always). Reconnect backoff is capped near 5 s while visible, 30 s while hidden.
   */
  isVisible?: () => boolean;
  /** Delay before dirty cursors are saved, ms (default 250). Saves also happen on every `synced` and on close. */
  cursorSaveDelayMs?: number;
  /**
   * `deliver` (default): emit everything after the stored cursors, and save
   * cursors. `skip`: start each conversation at its current seq and save
   * nothing — for a send-only session that must not consume what a reader
   * of the same profile has not seen yet.
   */
  history?: 'deliver' | 'skip';
  /**
   * Where the MLS work that grows with the group runs (Commits, joins,
   * GroupInfos: about a second each at 1 000 members): default this thread
   * (`inProcessMls`); the terminal and web clients pass `workerMls(…)` so it
   * never blocks their UI. Closed by `close()`.
   */
  mls?: MlsRunner;
  /**
   * Moves encrypted files over HTTPS (`PUT`/`GET` `BLOB_PATH`): the terminal
   * client's `node:https`, the web client's XHR/fetch. Without it `sendFile`
   * and `downloadFile` throw `CONCLAVE_ERR_FILES_UNAVAILABLE`.
   */
  blobs?: BlobTransport;
  /** A native incremental SHA-256 for files (see `Sha256Factory`); default `@noble/hashes`. */
  sha256?: Sha256Factory;
}

/** A decoded message as a UI shows it. */
/** A decrypted message as a UI shows it: the history entry, plus the conversation as known on arrival. */
export interface ChatMessage extends HistoryEntry {
  /** The conversation as known when the message arrived (undefined if not listed yet). */
  conversation: ConversationInfo | undefined;
}

/**
 * Something about keys and devices the user must see (Promise 4: no silent
 * key substitution): a device seen for the first time, a new device of a
 * known contact (or of yourself), a changed key, a key that disagrees with
 * the server's directory, or a message that failed to decrypt.
 */
export interface SecurityEvent {
  conversationId?: ConversationId;
  kind:
    | 'first-contact'
    | 'new-device'
    | 'changed-key'
    | 'directory-mismatch'
    | 'undecryptable'
    | 'rejected-commit'
    /** The server's notice-signing key differs from the one pinned at first contact. */
    | 'notice-key-changed'
    /** A notice whose server signature did not verify (dropped). */
    | 'forged-notice'
    /** An edit or deletion of a message by someone other than its author (ignored). */
    | 'forged-edit';
  userId?: UserId;
  username?: string;
  deviceId?: DeviceId;
  /** Short fingerprint of the device key (see `keyFingerprint`). */
  fingerprint?: string;
  /** One line to show in the conversation. */
  text: string;
}

/** A server notice (presence, room changes, admin broadcasts): plaintext, never a member message. */
export type ChatNotice = Omit<FrameOf<ServerFrame, 'notice'>, 'type' | 'signature'>;

/** The answer to `who`. */
export interface WhoResult {
  online: OnlineUser[];
  /** When asked about a conversation: its members, online or not. */
  members?: { userId: UserId; username: string; online: boolean }[];
}

/** One room in the server's room list. */
export type RoomListing = FrameOf<ServerFrame, 'rooms'>['rooms'][number];

/** Events a UI subscribes to with `client.on(…)`. */
export interface ClientEvents {
  /** A new message, exactly once, in seq order per conversation. */
  message: ChatMessage;
  notice: ChatNotice;
  /** A conversation joined or opened (by you or someone who added you). */
  conversation: ConversationInfo;
  /** A conversation left. */
  conversationRemoved: ConversationInfo;
  /** Every connection state change. */
  connection: StateChange;
  /** Caught up after a (re)connect: everything after the cursors has been delivered. */
  synced: { reconnect: boolean };
  /** A message of ours was acknowledged. */
  sent: SentReceipt;
  /** Something the user should hear about that no promise reports (pushed errors, lost connection, refused messages). */
  error: ConclaveError;
  /** A key or device warning, or a message that could not be decrypted. */
  security: SecurityEvent;
  /** The snapshot changed (connection, conversations, unread, online, current). */
  change: ChatSnapshot;
  /** Who is typing in a conversation changed (ephemeral `typing` contents). */
  typing: TypingChange;
  /** A member's read marker moved in a conversation (see `ConclaveClient.readMarkers`). */
  readMarkers: { conversationId: ConversationId };
}
