import {
  encodeContent,
  LIMITS,
  type AdminCommand,
  type AdminResultOf,
  type ContentInput,
  type ConversationId,
  type ConversationInfo,
  type DeviceId,
  type UserId,
} from '@conclave/protocol';
import type { ReadMarker } from './content/conversation-meta.js';
import { TARGET_WINDOW } from './content/effects.js';
import { isMessageEntry } from './content/entries.js';
import { TYPING_REPEAT_MS } from './content/typing.js';
import type { SearchHit } from './search/message-search.js';
import { randomId } from './body.js';
import type { ConnectionState } from './connection/state.js';
import { assembleClient, type ClientCore } from './core/assemble.js';
import { ConclaveError } from './errors.js';
import type { Unsubscribe } from './events.js';
import type { SentReceipt } from './outbox.js';
import type { ChatSnapshot } from './state/chat-state.js';
import type { FileAttachment, HistoryEntry } from './store/store.js';
import type { FileSource } from './files/file-crypto.js';
import type { FileMeta, FileProgress, TransferOptions } from './files/file-transfers.js';
import type { ClientEvents, ClientOptions, Credentials, RoomListing, WhoResult } from './types.js';
import type { Verification } from './verification.js';

/** History entries per conversation indexed for search at the first search of a run. */
const HISTORY_INDEX_LIMIT = 20_000;

/**
 * The platform-free Conclave client: one per logged-in device. A thin
 * façade over its parts (wired in `core/assemble.ts`): the connection, the
 * session handshake (`handshake/`), the sync controller (`sync/`), the
 * outbox sender (`sending/`), positions and read state (`state/`), frame
 * routing (`routing/`) and the MLS side (`core/engine-holder.ts`). UIs call
 * its methods and render from its events and `snapshot()`.
 */
export class ConclaveClient {
  private readonly core: ClientCore;

  constructor(options: ClientOptions) {
    this.core = assembleClient(options);
  }

  /** Verification of contacts: safety numbers and device lists (null before the first session). */
  get verification(): Verification | null {
    return this.core.mls.verification;
  }

  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends keyof ClientEvents>(event: K, listener: (payload: ClientEvents[K]) => void): Unsubscribe {
    return this.core.events.on(event, listener);
  }

  /** The current view state (same object until something changes). */
  snapshot(): ChatSnapshot {
    return this.core.state.snapshot();
  }

  /** The connection state. */
  get connectionState(): ConnectionState {
    return this.core.connection.state;
  }

  /**
   * Connects, authenticates and catches up. Without `credentials` it resumes
   * the stored session. Resolves once `ready` (history after the stored
   * cursors has been emitted as `message` events; unread counts and the
   * conversation that was open are restored).
   * @throws ConclaveError `CONCLAVE_ERR_NO_SESSION` (nothing stored),
   *   `CONCLAVE_ERR_SESSION_INVALID` (token refused: ask for the password),
   *   `CONCLAVE_ERR_BAD_CREDENTIALS`, registration errors, connect failures.
   */
  async connect(credentials?: Credentials): Promise<void> {
    await this.core.positions.load();
    await this.core.meta.load();
    await this.core.preferences.load();
    await this.core.session.prepare(credentials);
    await this.core.connection.start();
  }

  /**
   * Sends a text message. It is kept and resent (same clientMsgId, so never
   * doubled) across reconnects until the server acknowledges it.
   * @param options.replyTo the seq of the message it answers; `mentions`: the
   *   users it names; `emote`: an action (`/me waves`).
   * @returns the receipt with the message's seq.
   * @throws ConclaveError `CONCLAVE_ERR_BODY_TOO_LARGE` (over `maxBodyBytes` UTF-8 bytes),
   *   the server's refusal (e.g. `CONCLAVE_ERR_NOT_MEMBER`), `CONCLAVE_ERR_CLOSED`.
   */
  sendText(conversationId: ConversationId, text: string, options: { replyTo?: number; mentions?: UserId[]; emote?: boolean } = {}): Promise<SentReceipt> {
    return this.sendContent(conversationId, {
      kind: 'text',
      text,
      ...(options.replyTo !== undefined && { replyTo: options.replyTo }),
      ...(options.mentions !== undefined && options.mentions.length > 0 && { mentions: [...new Set(options.mentions)] }),
      ...(options.emote === true && { emote: true as const }),
    });
  }

  /**
   * Adds (or, with `op` `remove`, takes back) this user's reaction `emoji` on message `target`.
   * @throws as `sendText`
   */
  react(conversationId: ConversationId, target: number, emoji: string, op: 'add' | 'remove' = 'add'): Promise<SentReceipt> {
    return this.sendContent(conversationId, { kind: 'reaction', target, emoji, op });
  }

  /**
   * Replaces the text of one of this user's messages on every member device.
   * @throws ConclaveError `CONCLAVE_ERR_NOT_YOURS` when message `target` is not this
   *   user's (or not on this device), else as `sendText`
   */
  async edit(conversationId: ConversationId, target: number, text: string, mentions?: UserId[]): Promise<SentReceipt> {
    await this.requireOwn(conversationId, target, 'edit');
    return this.sendContent(conversationId, { kind: 'edit', target, text, ...(mentions !== undefined && mentions.length > 0 && { mentions }) });
  }

  /**
   * Deletes one of this user's messages on every member device (their copies of
   * its text are erased; the server's ciphertext goes with its retention).
   * @throws ConclaveError `CONCLAVE_ERR_NOT_YOURS`, else as `sendText`
   */
  async deleteMessage(conversationId: ConversationId, target: number): Promise<SentReceipt> {
    await this.requireOwn(conversationId, target, 'delete');
    return this.sendContent(conversationId, { kind: 'delete', target });
  }

  /**
   * Sends a file or image: encrypts it on this device under a fresh key
   * (`files/file-crypto.ts`), uploads the ciphertext as a blob, then sends a
   * `file` content carrying the key, name, type and size (and an image's
   * size and thumbnail) to the conversation, which lets its members download
   * the blob. Reads `source` twice (the blob id is the ciphertext's digest) and
   * holds one 64 KiB chunk at a time.
   * @param options.onProgress `{stage, doneBytes, totalBytes}` (bytes of ciphertext)
   * @param options.signal aborts the upload (`CONCLAVE_ERR_CANCELLED`); once the
   *   `sending` stage is reported the message is in the outbox and goes out.
   * @param options.announceAfter the message waits for it (settled either way) after
   *   the upload: files uploaded side by side are announced in the order they were chosen.
   * @returns the receipt with the message's seq, and the file as announced.
   * @throws ConclaveError `CONCLAVE_ERR_FILES_UNAVAILABLE`, `CONCLAVE_ERR_CANCELLED`, the server's
   *   `CONCLAVE_ERR_FILE_TOO_LARGE` / `CONCLAVE_ERR_QUOTA_EXCEEDED`, `CONCLAVE_ERR_FILE_TRANSFER`, else as `sendText`
   */
  async sendFile(
    conversationId: ConversationId,
    source: FileSource,
    meta: FileMeta,
    options: TransferOptions<FileProgress> & { announceAfter?: Promise<unknown> } = {},
  ): Promise<SentReceipt & { file: FileAttachment }> {
    if (this.core.connection.state === 'closed') throw new ConclaveError('CONCLAVE_ERR_CLOSED');
    const content = await this.core.files.upload(source, meta, options);
    if (options.announceAfter !== undefined) {
      await options.announceAfter.catch(() => undefined);
      if (options.signal?.aborted === true) throw new ConclaveError('CONCLAVE_ERR_CANCELLED');
    }
    const { v: _v, ...input } = content;
    const receipt = await this.sendContent(conversationId, input);
    const { blob, key, name, mime, size, image } = content;
    return { ...receipt, file: { blob, key, name, mime, size, ...(image !== undefined && { image }) } };
  }

  /**
   * Downloads a file a message carries and opens it, streaming the plaintext
   * to `write` in order (resuming after network failures). When it throws,
   * throw away what `write` received: nothing of a corrupt file may be kept.
   * @param options.onProgress `{doneBytes, totalBytes}` of ciphertext
   * @returns the plaintext's SHA-256 (hex) and size in bytes
   * @throws ConclaveError `CONCLAVE_ERR_FILE_CORRUPT` (altered or cut short), `CONCLAVE_ERR_NOT_MEMBER`,
   *   `CONCLAVE_ERR_BLOB_NOT_FOUND` (deleted with its message), `CONCLAVE_ERR_FILE_TRANSFER`,
   *   `CONCLAVE_ERR_CANCELLED`, `CONCLAVE_ERR_FILES_UNAVAILABLE`
   */
  downloadFile(
    file: FileAttachment,
    write: (bytes: Uint8Array) => Promise<void> | void,
    options: TransferOptions<{ doneBytes: number; totalBytes: number }> = {},
  ): Promise<{ sha256: string; size: number }> {
    return this.core.files.download(file, write, options);
  }

  /** Sets (empty: clears) the room's topic for every member. @throws as `sendText` */
  setTopic(conversationId: ConversationId, topic: string): Promise<SentReceipt> {
    return this.sendContent(conversationId, { kind: 'topic', topic: topic.trim() });
  }

  /**
   * Tells the members online now that this user is typing (`true`, repeated at
   * most every `TYPING_REPEAT_MS` however often it is called) or stopped.
   * Ephemeral and best effort: never logged, never retried, errors ignored.
   */
  setTyping(conversationId: ConversationId, typing: boolean): void {
    const sentAt = this.typingSent.get(conversationId);
    const now = this.core.clock.now();
    if (typing ? sentAt !== undefined && now - sentAt < TYPING_REPEAT_MS : sentAt === undefined) return;
    if (typing) this.typingSent.set(conversationId, now);
    else this.typingSent.delete(conversationId);
    const engine = this.core.mls.engine;
    if (engine === null || this.core.connection.state !== 'ready' || !engine.has(conversationId)) return;
    engine.send(conversationId, randomId(), { kind: 'typing', state: typing ? 'start' : 'stop' }, () => true, true).catch(() => undefined);
  }

  /**
   * Full-text search over the messages kept on this device (typo-tolerant,
   * prefix-matching), best first, optionally in one conversation.
   */
  async search(query: string, limit = 20, conversationId?: ConversationId): Promise<SearchHit[]> {
    await this.core.searchReady();
    // Once a run: what the history kept before the index existed (or the index missed) is indexed too; adding is idempotent.
    this.historyIndexed ??= (async () => {
      for (const c of this.core.state.snapshot().conversations) {
        this.core.search.add(await this.core.options.store.loadHistory(c.conversationId, HISTORY_INDEX_LIMIT));
      }
    })().catch(() => undefined);
    await this.historyIndexed;
    return this.core.search.search(query, limit, conversationId);
  }

  private historyIndexed: Promise<void> | undefined;

  /** Who is typing in a conversation now (names). */
  typingIn(conversationId: ConversationId): string[] {
    return this.core.typing.usernames(conversationId);
  }

  /** The members' read markers in a conversation (highest first; this user's own included). */
  readMarkers(conversationId: ConversationId): ReadMarker[] {
    return this.core.meta.markers(conversationId);
  }

  /** Whether this device sends read markers (a preference kept on the device; on by default). */
  get readReceipts(): boolean {
    return this.core.receipts.readReceipts;
  }

  /** Turns this device's read markers on or off (stored). */
  setReadReceipts(on: boolean): Promise<void> {
    return this.core.receipts.setReadReceipts(on);
  }

  /** Whether a conversation is muted on this device (its messages make no sound; mentions of you still do). */
  isMuted(conversationId: ConversationId): boolean {
    return this.core.preferences.isMuted(conversationId);
  }

  /** Mutes or unmutes a conversation on this device (stored); the snapshot's `muted` follows. */
  async setMuted(conversationId: ConversationId, muted: boolean): Promise<void> {
    await this.core.preferences.update(muted ? { mute: conversationId } : { unmute: conversationId });
    this.core.state.changed();
  }

  private readonly typingSent = new Map<ConversationId, number>();

  private sendContent(conversationId: ConversationId, content: ContentInput): Promise<SentReceipt> {
    const size = encodeContent(content).length;
    const limit = this.maxBodyBytes;
    if (size > limit) {
      return Promise.reject(new ConclaveError('CONCLAVE_ERR_BODY_TOO_LARGE', `Message too long (${size} bytes; the limit here is ${limit}).`));
    }
    if (this.core.connection.state === 'closed') return Promise.reject(new ConclaveError('CONCLAVE_ERR_CLOSED'));
    if (content.kind === 'text') this.typingSent.delete(conversationId);
    return this.core.sender.send(conversationId, randomId(), content);
  }

  /** @throws ConclaveError `CONCLAVE_ERR_NOT_YOURS` unless message `target` is kept here as this user's. */
  private async requireOwn(conversationId: ConversationId, target: number, act: 'edit' | 'delete'): Promise<void> {
    const entry = (await this.core.options.store.loadHistory(conversationId, TARGET_WINDOW)).find((e) => e.seq === target);
    const me = this.core.state.me;
    if (entry === undefined || !isMessageEntry(entry) || me === null || entry.sender.userId !== me.userId || entry.deleted === true) {
      throw new ConclaveError('CONCLAVE_ERR_NOT_YOURS', `You can only ${act} your own messages (message ${target} here is ${entry === undefined ? 'not on this device' : entry.deleted === true ? 'deleted' : 'not yours'}).`);
    }
  }

  /** Largest message text in UTF-8 bytes: the server's setting (its `hello`), never above `LIMITS.maxBodyBytes`. */
  get maxBodyBytes(): number {
    return Math.min(LIMITS.maxBodyBytes, this.core.connection.serverHello?.limits.maxBodyBytes ?? LIMITS.maxBodyBytes);
  }

  /**
   * Runs an admin command (the server checks the role: members get `CONCLAVE_ERR_FORBIDDEN`).
   * @returns the command's result, e.g. `{ action: 'list_users', users }`.
   * @throws ConclaveError the server's refusal (FORBIDDEN, NO_SUCH_USER, LAST_ADMIN, SETTING_INVALID…)
   */
  admin<C extends AdminCommand>(command: C): Promise<AdminResultOf<C['action']>> {
    return this.core.requests.admin(command);
  }

  /** Number of messages awaiting the server's acknowledgement. */
  get pendingCount(): number {
    return this.core.sender.size;
  }

  /** Joins (creating if needed) a room by `#name`; resolves once this device is in its MLS group. */
  join(room: string): Promise<ConversationInfo> {
    return this.core.requests.join(room);
  }

  /** Opens (creating if needed) the DM with `username`, adding all devices of you both to its MLS group; works while they are offline. */
  openDm(username: string): Promise<ConversationInfo> {
    return this.core.requests.openDm(username);
  }

  /** Leaves a room. @throws ConclaveError `CONCLAVE_ERR_CANNOT_LEAVE` for #general. */
  leave(conversationId: ConversationId): Promise<void> {
    return this.core.requests.leave(conversationId);
  }

  /** Who is online (and, given a conversation, its members). Also refreshes `snapshot().online`. */
  who(conversationId?: ConversationId): Promise<WhoResult> {
    return this.core.requests.who(conversationId);
  }

  /** The server's rooms, joined or not. */
  rooms(): Promise<RoomListing[]> {
    return this.core.requests.rooms();
  }

  /** The server's WebSocket address this client connects to (`wss://host:port/ws`). */
  get serverUrl(): string {
    return this.core.options.url;
  }

  /** Admin only: a single-use invite code valid for `hours` (server default 24). */
  createInvite(hours?: number): Promise<{ code: string; expiresAt: number }> {
    return this.core.requests.createInvite(hours);
  }

  /**
   * Sets the conversation on screen (null: none): it is read up to its latest
   * message, and restored as `current` at the next connect (saved in the store).
   */
  setCurrent(conversationId: ConversationId | null): void {
    this.core.positions.setCurrent(conversationId);
  }

  /** The highest seq this device has read in a conversation (0: nothing); kept across restarts. */
  readPosition(conversationId: ConversationId): number {
    return this.core.state.reads.get(conversationId);
  }

  /** Marks a conversation read up to `seq` (never moves back); unread counts follow, and it is saved soon. */
  markRead(conversationId: ConversationId, seq: number): void {
    this.core.positions.markRead(conversationId, seq);
  }

  /** A listed conversation by `#room`, DM peer name or id. */
  findConversation(nameOrId: string): ConversationInfo | undefined {
    return this.core.state.find(nameOrId);
  }

  /**
   * The last `limit` messages of a conversation kept on this device
   * (decrypted history, oldest first). Messages from before this device
   * joined the conversation's group are not there: MLS gives a new device no past keys.
   */
  history(conversationId: ConversationId, limit = 200): Promise<HistoryEntry[]> {
    return this.core.options.store.loadHistory(conversationId, limit);
  }

  /** The devices (MLS leaves) in a conversation's group as this device sees it; empty when not joined. */
  groupMembers(conversationId: ConversationId): Array<{ userId: UserId; deviceId: DeviceId; leafIndex: number }> {
    return (this.core.mls.engine?.members(conversationId) ?? []).map(({ userId, deviceId, leafIndex }) => ({ userId, deviceId, leafIndex }));
  }

  /** Resolves when every received entry has been decrypted and applied. */
  async settled(): Promise<void> {
    await this.core.mls.engine?.idle();
  }

  /** Ends the session on the server, forgets the token, and closes. */
  async logout(): Promise<void> {
    try {
      await this.core.requests.request({ type: 'logout' });
    } finally {
      await this.core.session.forget();
      await this.close();
    }
  }

  /**
   * Closes the connection (the session stays valid for next time), fails
   * unacknowledged messages with `CONCLAVE_ERR_CLOSED`, ends the MLS runner
   * (`ClientOptions.mls`), and saves cursors, read positions and the open conversation.
   */
  async close(): Promise<void> {
    this.core.connection.close();
    this.core.stopTimers();
    this.core.sender.rejectAll(new ConclaveError('CONCLAVE_ERR_CLOSED', 'Closed before the server acknowledged the message.'));
    // A Commit or join still in the runner is abandoned unapplied (CONCLAVE_ERR_CLOSED): it is done again at the next start.
    this.core.options.mls?.close();
    await this.flushCursors();
    await Promise.all([this.core.meta.flush(), this.core.search.flush().catch(() => undefined)]);
  }

  /** Saves dirty cursors, read positions and the open conversation now; resolves when stored. */
  flushCursors(): Promise<void> {
    return this.core.positions.flush();
  }
}
