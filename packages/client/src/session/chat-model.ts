import type { ConversationId, ConversationInfo, UserId } from '@conclave/protocol';
import { isMessageEntry } from '../content/entries.js';
import { MessageFold } from './message-fold.js';
import { parseMessageText, plainText } from './markdown.js';
import { runMessageCommand, mentionsIn, type MessageCommand } from './message-commands.js';
import type { ConclaveClient } from '../client.js';
import { parseCommand, type Command } from '../commands/parse.js';
import type { StateChange } from '../connection/connection.js';
import { isConclaveError } from '../errors.js';
import type { HistoryEntry } from '../store/store.js';
import type { ChatMessage, ChatNotice, SecurityEvent } from '../types.js';
import { runCommand, type PlainCommand } from './command-runner.js';
import { conversationLabel, sanitize } from './format.js';
import { placeNotice } from './notice-lines.js';
import type { Addressee, Opening, Target } from './openings.js';
import { mergeHistory, messageKey, NO_CONVERSATION, Panes, UNPLACED_SEQ, type MessageItem, type PaneItem } from './pane-items.js';
import { Submissions, type Handed } from './submissions.js';
import { FileSends } from './file-sends.js';
import type { FileSource } from '../files/file-crypto.js';
import type { FileMeta } from '../files/file-transfers.js';
import { ConclaveError } from '../errors.js';
import { measureText, tooLongMessage, type TextMeasure } from './text-limit.js';
import { securityLevel, securityText } from './trust-text.js';
import { VerifyCommands } from './verify-commands.js';

export { mergeHistory, type PaneItem } from './pane-items.js';
export type { TextMeasure } from './text-limit.js';

/**
 * Something worth a sound (or a system notification): someone logging in or
 * out, a message in a room or a DM, a loud security warning. Only raised for
 * live events (not for history replayed at connect) and never for your own.
 */
export interface Cue {
  /** `mention`: a message that mentions you (notify even where messages are otherwise quiet). */
  sound: 'login' | 'logout' | 'room' | 'private' | 'alert' | 'mention';
  /** One short line, e.g. `alice in #general` or `bob logged in`. */
  title: string;
  /** The message text (sanitised), when the cue is a message. */
  body?: string;
  conversationId?: ConversationId;
}

/** Options of a `ChatModel`. */
export interface ChatModelOptions {
  /** Called for each `Cue` (the terminal rings its bell, the web plays a sound). */
  cue?: (cue: Cue) => void;
  /** Extra help line after the command list (e.g. the terminal's keys). */
  keysHelp?: string;
  /**
   * `/upload` and `/download`, which need the platform's file system (the
   * terminal). Without it they answer how this UI sends and saves files.
   */
  files?: FileCommandHost;
}

/** What the platform does for `/upload PATH [CAPTION]` and `/download N [DIR]`. Errors become error lines. */
export interface FileCommandHost {
  /** Opens the file at `path` (as typed) and sends it with `ChatModel.sendFile`. */
  upload(path: string, caption: string | null, conversationId: ConversationId): Promise<void>;
  /** Saves the file of `item` (a file message) into `dir` (null: the default folder), reporting with `say`. */
  download(item: MessageItem, dir: string | null, conversationId: ConversationId): Promise<void>;
  /** How to send files in this UI, said when `/upload` cannot be used (default: the web's). */
  uploadHint?: string;
}

/** How a submitted line is sent: `replyTo` makes a text a reply to that message; `edit` makes it the new text of your message with that seq. */
export interface SubmitOptions {
  replyTo?: number;
  edit?: number;
}

/** A `/search` result: where, who, and the start of the text. */
export interface SearchResult {
  conversationId: ConversationId;
  /** The pane item to open and jump to. */
  key: string;
  seq: number;
  at: number;
  /** `#room` or `@peer`. */
  where: string;
  sender: string;
  /** The text without markup, on one line, at most 100 characters. */
  snippet: string;
}

/** A conversation member as a member list shows it. */
export interface MemberView {
  userId: UserId;
  username: string;
  online: boolean;
}

/** How the chat session ended. */
export type ExitReason = 'quit' | 'logout';

/** Messages of the local history put in each pane at start. */
const HISTORY_ON_START = 200;
/** History entries read to find an older message (a search result or a quote) in its conversation. */
const REVEAL_HISTORY = 2_000;

/** One submitted line's work, run in submission order; a text's step resolves once it is handed to the outbox. */
type Step = () => Promise<Handed | void>;

/** What a UI shows while the conversation on screen is still being set up. */
export interface OpeningView {
  /** `@bob` / `#films`. */
  label: string;
  kind: 'dm' | 'room';
  /** e.g. "Setting up encryption with bob…". */
  status: string;
}

/**
 * The chat session's view model, shared by the terminal and web UIs: collects
 * what the client core emits into per-conversation pane lists, turns typed
 * lines (text and `/commands`) into client calls, and raises `Cue`s.
 * The UIs only render it; the core never waits on the UI.
 *
 * Invariant: the conversation a line is for is decided when it is submitted,
 * from what is on screen or what the line names, and lines are carried out
 * strictly in submission order (see `submit`).
 */
export class ChatModel {
  /** @internal shared with `Submissions`. */
  readonly panes = new Panes();
  /** @internal `conversationId:seq` of every message put in a pane: history and live events may both bring one. */
  readonly shown = new Set<string>();
  /** @internal the conversation on screen while it is still being set up. */
  view: Opening | null = null;
  /** @internal reactions, edits, deletions and reply quotes folded into the message items. */
  readonly fold = new MessageFold(this.panes);
  /** @internal users seen (senders, members, online), by lower-case name: for mentions. */
  readonly people = new Map<string, { userId: UserId; username: string }>();
  /** Conversation members as last read (`who`), by conversation. */
  private readonly memberLists = new Map<ConversationId, Array<{ userId: UserId; username: string; online: boolean }>>();
  private readonly listeners = new Set<() => void>();
  private seq = 0;
  private readonly verify: VerifyCommands;
  private readonly submissions: Submissions;
  private readonly fileSends: FileSends;
  /** Lines not yet carried out run one after the other on this chain. */
  private queue: Promise<void> = Promise.resolve();
  /** Per conversation: the key of the first item that was unread when the user opened it. */
  private readonly markers = new Map<ConversationId, string>();
  /** Bumped on every change (for React's useSyncExternalStore). */
  version = 0;
  private live = false;
  /** When reconnecting: the time of the next attempt (ms since epoch). */
  retryAt: number | null = null;
  /** Set when the session ends (quit/logout). */
  onExit: ((reason: ExitReason) => void) | null = null;

  constructor(
    readonly client: ConclaveClient,
    private readonly options: ChatModelOptions = {},
  ) {
    this.verify = new VerifyCommands(client, (text, tone, strong) => this.system(text, tone, undefined, strong));
    this.submissions = new Submissions(this);
    this.fileSends = new FileSends(this);
    client.on('message', (m) => this.onMessage(m));
    client.on('notice', (n) => this.onNotice(n));
    client.on('security', (e) => this.onSecurity(e));
    client.on('conversation', (c) => {
      this.system(`You are now in ${conversationLabel(c)}.`, 'ok', c.conversationId);
      // A room rejoined may have history on this device from before.
      void this.loadHistory([c.conversationId]);
    });
    client.on('connection', (c) => this.onConnection(c));
    client.on('synced', () => {
      this.live = true;
    });
    client.on('error', (e) => {
      // Connection trouble shows in the status bar; say only what needs the user.
      if (!['CONCLAVE_ERR_DISCONNECTED', 'CONCLAVE_ERR_CONNECT_FAILED', 'CONCLAVE_ERR_TIMEOUT'].includes(e.code)) {
        this.system(e.message, 'error');
      }
    });
    client.on('change', (snap) => {
      for (const u of snap.online) this.learn(u.userId, u.username);
      this.notify();
    });
    client.on('typing', () => this.notify());
    client.on('readMarkers', () => this.notify());
  }

  /** Re-render hook; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The conversation on screen; null when none is, or while the one on screen is still being set up (`opening`). */
  get current(): ConversationId | null {
    return this.view === null ? this.client.snapshot().current : null;
  }

  /** The conversation on screen while it is still being set up (`/msg bob` before the DM exists), else null. */
  get opening(): OpeningView | null {
    const v = this.view;
    return v === null ? null : { label: v.label, kind: v.addressee.kind, status: v.status };
  }

  /** The pane of a conversation (default: what is on screen, including a conversation being set up). */
  pane(conversationId: ConversationId | null = this.screenKey()): readonly PaneItem[] {
    return this.panes.get(conversationId ?? NO_CONVERSATION);
  }

  /**
   * Key of the first item that was unread when the user opened `conversationId`
   * (it stays put while they are in it): the UI draws a "New messages" divider
   * above it. null when nothing was unread.
   */
  unreadMarker(conversationId: ConversationId): string | null {
    return this.markers.get(conversationId) ?? null;
  }

  /** Switches the view to a conversation (null: none, e.g. a phone's list). Clears its unread count. */
  select(conversationId: ConversationId | null): void {
    const previous = this.current;
    if (previous !== conversationId) this.focus = null;
    if (previous !== null && previous !== conversationId) this.client.setTyping(previous, false);
    if (conversationId !== null && conversationId !== previous) void this.refreshMembers(conversationId);
    this.view = null;
    if (previous !== null && previous !== conversationId) this.markers.delete(previous);
    if (conversationId !== null && conversationId !== previous) this.captureMarker(conversationId);
    this.client.setCurrent(conversationId);
    this.notify();
  }

  /** Moves `delta` conversations along the list order (wrapping). */
  cycle(delta: number): void {
    const { conversations } = this.client.snapshot();
    if (conversations.length === 0) return;
    const here = this.current ?? this.view?.from ?? null;
    const index = conversations.findIndex((c) => c.conversationId === here);
    const next = conversations[(index + delta + conversations.length) % conversations.length];
    if (next !== undefined) this.select(next.conversationId);
  }

  /** Adds a system line (command output, errors) to a pane, by default the one on screen. */
  system(text: string, tone: 'info' | 'error' | 'ok' = 'info', conversationId?: ConversationId, strong = false): void {
    for (const line of text.split('\n')) {
      this.push(conversationId ?? this.screenKey(), { kind: 'system', key: this.key(), at: Date.now(), text: line, tone, ...(strong && { strong }) });
    }
  }

  /**
   * Puts the local history (messages this device decrypted in earlier runs)
   * into the panes of `conversationIds` (default: every listed conversation),
   * before what arrived in this session; a message already shown is kept once.
   * Never throws: a history that cannot be read becomes an error line.
   */
  async loadHistory(conversationIds?: ConversationId[], limit = HISTORY_ON_START): Promise<void> {
    const ids = conversationIds ?? this.client.snapshot().conversations.map((c) => c.conversationId);
    await Promise.all(
      ids.map(async (id) => {
        let entries: HistoryEntry[];
        try {
          entries = await this.client.history(id, limit);
        } catch (err) {
          this.system(`Could not read the saved history here: ${err instanceof Error ? err.message : String(err)}`, 'error', id);
          return;
        }
        const fresh = entries.filter((e) => !this.shown.has(messageKey(e)));
        if (fresh.length === 0) return;
        for (const e of fresh) this.shown.add(messageKey(e));
        const me = this.client.snapshot().me?.userId;
        for (const e of fresh) this.learn(e.sender.userId, e.sender.username);
        const messages = fresh.filter((e) => isMessageEntry(e)).map((e) => this.fold.item(e, me));
        this.panes.set(id, mergeHistory(this.panes.get(id), messages));
        // Quotes and reactions once every message of the page is in the pane.
        this.fold.requote(id);
        for (const e of fresh) if (!isMessageEntry(e)) this.fold.apply(e, me);
      }),
    );
    const current = this.current;
    if (current !== null && !this.markers.has(current)) this.captureMarker(current);
    this.notify();
  }

  /** How a message text measures against the size limit (for a composer's counter). */
  measure(text: string): TextMeasure {
    return measureText(text, this.client.maxBodyBytes);
  }

  /**
   * Whether a line can be submitted as typed: null when it can, else what is
   * wrong ("Too long by 37 characters…"). A UI calls it on Enter and keeps the
   * text in its editor when it is refused.
   */
  check(line: string): string | null {
    const command = parseCommand(line);
    const text = command.kind === 'text' || command.kind === 'reply' || command.kind === 'me' || command.kind === 'edit' ? command.text : command.kind === 'msg' ? command.text : null;
    if (text === null) return null;
    const measure = this.measure(text);
    return measure.charsLeft < 0 ? tooLongMessage(measure) : null;
  }

  /**
   * Handles one typed line. Its target is fixed now: a text goes to the
   * conversation on screen (or being set up on screen); `/msg bob` and
   * `/join #room` switch the view at once, before their conversation exists.
   * Lines are carried out strictly in submission order. Resolves when the
   * line is done (a text: acknowledged by the server or failed). Never
   * throws: failures become error lines in the pane where the line was typed.
   */
  submit(line: string, options: SubmitOptions = {}): Promise<void> {
    const origin = this.screenKey();
    let step: Step;
    try {
      const command = parseCommand(line);
      step = this.plan(this.withOptions(command, options), origin);
    } catch (err) {
      this.fail(err, origin);
      return Promise.resolve();
    }
    // `after` (a text's acknowledgement) is awaited by the caller only: the queue moves on once the step is done.
    let after: Promise<void> | undefined;
    const turn = this.queue.then(async () => {
      after = (await step())?.ack;
    });
    this.queue = turn.catch(() => undefined);
    return turn.then(() => after).then(
      () => undefined,
      (err: unknown) => this.fail(err, origin),
    );
  }

  /** A plain text typed while replying to or editing a message becomes that reply or edit. */
  private withOptions(command: Command, options: SubmitOptions): Command {
    if (command.kind !== 'text') return command;
    if (options.edit !== undefined) return { kind: 'edit', seq: options.edit, text: command.text };
    if (options.replyTo !== undefined) return { kind: 'reply', seq: options.replyTo, text: command.text };
    return command;
  }

  // ---------------------------------------------------------------- message actions

  /**
   * Toggles this user's reaction `emoji` on the message with pane key `key`
   * (adds it, or takes it back when already there). Failures become error lines.
   */
  async react(key: string, emoji: string): Promise<void> {
    const found = this.panes.locate(key);
    if (found === undefined || found.item.kind !== 'message' || found.item.seq === UNPLACED_SEQ) return this.system('No such message here.', 'error');
    const item = found.item;
    const mine = item.reactions?.find((r) => r.emoji === emoji)?.mine === true;
    await this.client.react(found.pane, item.seq, emoji, mine ? 'remove' : 'add').catch((err: unknown) => this.fail(err, found.pane));
  }

  /** Replaces the text of your message `seq`. Failures (not yours, too long…) become error lines. */
  async editMessage(conversationId: ConversationId, seq: number, text: string): Promise<void> {
    const measure = this.measure(text);
    if (measure.charsLeft < 0) return this.system(tooLongMessage(measure), 'error', conversationId);
    if (text.trim() === '') return this.system('An edit needs some text; /delete N deletes a message.', 'error', conversationId);
    await this.client.edit(conversationId, seq, text, mentionsIn(text, this.people)).catch((err: unknown) => this.fail(err, conversationId));
  }

  /** Deletes your message `seq` for everyone (ask the user first). Failures become error lines. */
  async deleteMessage(conversationId: ConversationId, seq: number): Promise<void> {
    await this.client.deleteMessage(conversationId, seq).catch((err: unknown) => this.fail(err, conversationId));
  }

  /** Your last message in a conversation that can still be edited (↑ in an empty composer), or null. */
  lastEditable(conversationId: ConversationId | null = this.current): { seq: number; text: string } | null {
    if (conversationId === null) return null;
    const items = this.panes.get(conversationId);
    for (let i = items.length - 1; i >= 0; i--) {
      const item = items[i];
      if (item?.kind !== 'message' || !item.mine || item.deleted === true || item.status !== undefined || item.unsupported === true) continue;
      return { seq: item.seq, text: item.text };
    }
    return null;
  }

  /** The message with pane key `key`, when it is in a pane. */
  message(key: string): MessageItem | null {
    const found = this.panes.locate(key);
    return found?.item.kind === 'message' ? found.item : null;
  }

  /** Call as the composer's text changes: tells the conversation on screen that you are typing (or stopped). Commands never count. */
  composing(text: string): void {
    const current = this.current;
    if (current === null) return;
    this.client.setTyping(current, text.trim() !== '' && !text.startsWith('/'));
  }

  /** Who is typing in a conversation (default: on screen) now. */
  typing(conversationId: ConversationId | null = this.current): string[] {
    return conversationId === null ? [] : this.client.typingIn(conversationId);
  }

  /** "bob is typing…", "bob and carol are typing…", "4 people are typing…"; null when nobody is. */
  typingLine(conversationId: ConversationId | null = this.current): string | null {
    const names = this.typing(conversationId);
    if (names.length === 0) return null;
    if (names.length === 1) return `${names[0]} is typing…`;
    if (names.length <= 3) return `${names.slice(0, -1).join(', ')} and ${names.at(-1)} are typing…`;
    return `${names.length} people are typing…`;
  }

  /**
   * Read markers of the other members: for each message item key, the names of
   * those whose marker stops at it (the last message they have read).
   */
  seenBy(conversationId: ConversationId | null = this.current): Map<string, string[]> {
    const out = new Map<string, string[]>();
    if (conversationId === null) return out;
    const me = this.client.snapshot().me?.userId;
    const messages = this.panes.get(conversationId).filter((i): i is MessageItem => i.kind === 'message' && i.seq !== UNPLACED_SEQ);
    // suffixMin[i]: the lowest seq from item i on. The last item at or below a marker is the last i
    // with suffixMin[i] <= upTo (suffixMin never decreases): a binary search, as this runs on every render.
    const suffixMin = messages.map((m) => m.seq);
    for (let i = suffixMin.length - 2; i >= 0; i--) suffixMin[i] = Math.min(suffixMin[i] as number, suffixMin[i + 1] as number);
    for (const marker of this.client.readMarkers(conversationId)) {
      if (marker.userId === me) continue;
      let lo = 0;
      let hi = suffixMin.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((suffixMin[mid] as number) <= marker.upTo) lo = mid + 1;
        else hi = mid;
      }
      const at = messages[lo - 1];
      if (at === undefined) continue;
      const names = out.get(at.key) ?? [];
      names.push(marker.username);
      out.set(at.key, names);
    }
    return out;
  }

  /** The members of a conversation as last read (see `refreshMembers`), online first, then by name. */
  members(conversationId: ConversationId | null = this.current): readonly MemberView[] {
    if (conversationId === null) return [];
    const online = new Set(this.client.snapshot().online.map((u) => u.userId));
    return (this.memberLists.get(conversationId) ?? [])
      .map((m) => ({ ...m, online: online.has(m.userId) }))
      .sort((a, b) => Number(b.online) - Number(a.online) || a.username.localeCompare(b.username));
  }

  /** Reads a conversation's members from the server (for the member list and @-completion). Never throws. */
  async refreshMembers(conversationId: ConversationId | null = this.current): Promise<void> {
    if (conversationId === null) return;
    try {
      const result = await this.client.who(conversationId);
      if (result.members === undefined) return;
      for (const m of result.members) this.learn(m.userId, m.username);
      this.memberLists.set(conversationId, result.members);
      this.notify();
    } catch {
      // offline: the list stays as it was
    }
  }

  /** Names to complete `@prefix` with (members of the conversation on screen first), case-insensitive, at most `limit`. */
  mentionCandidates(prefix: string, limit = 8): string[] {
    const wanted = prefix.replace(/^@/, '').toLowerCase();
    const me = this.client.snapshot().me?.username;
    const names = new Set<string>();
    for (const m of this.members()) names.add(m.username);
    for (const p of this.people.values()) names.add(p.username);
    return [...names].filter((n) => n !== me && n.toLowerCase().startsWith(wanted)).slice(0, limit);
  }

  /**
   * Searches the messages kept on this device (full text, typo-tolerant),
   * best first. Results name the conversation and the pane key to jump to.
   */
  async search(query: string, limit = 20, conversationId?: ConversationId): Promise<SearchResult[]> {
    const hits = await this.client.search(query, limit, conversationId);
    return hits.map((h) => {
      const firstLine = plainText(parseMessageText(sanitize(h.text))).replace(/\s+/g, ' ').trim();
      return {
        conversationId: h.conversationId,
        key: messageKey(h),
        seq: h.seq,
        at: h.sentAt,
        where: conversationLabel(this.client.findConversation(h.conversationId)),
        sender: h.sender,
        snippet: firstLine.length > 100 ? `${firstLine.slice(0, 99)}…` : firstLine,
      };
    });
  }

  /**
   * Opens a conversation at one of its messages (a search result, a reply's
   * quote): selects it and loads more of its history when the message is
   * older than what the pane holds. @returns whether the message is in the pane now.
   */
  async reveal(conversationId: ConversationId, key: string): Promise<boolean> {
    if (this.current !== conversationId) this.select(conversationId);
    if (this.panes.locate(key) === undefined) await this.loadHistory([conversationId], REVEAL_HISTORY);
    if (this.panes.locate(key) === undefined) return false;
    this.focus = key;
    this.notify();
    return true;
  }

  /** The message last brought into view (`reveal`, `/goto`): a UI scrolls to it and marks it. Cleared when the conversation on screen changes. */
  focus: string | null = null;

  /** Sends a failed message (or file) again, to the conversation it was meant for. */
  retry(key: string): Promise<void> {
    return this.fileSends.has(key) ? this.fileSends.retry(key) : this.submissions.retry(key);
  }

  /** Drops a failed message (or file). */
  discard(key: string): void {
    if (this.fileSends.has(key)) this.fileSends.cancel(key);
    else this.submissions.discard(key);
  }

  // ---------------------------------------------------------------- files

  /**
   * Sends a file or image to a conversation (default: the one on screen): it
   * shows at once as your pending message with its progress (`transfer`),
   * then becomes the message at its seq; failures leave it `failed` with an
   * error (Retry / Discard). Resolves when placed, failed or cancelled; never throws.
   */
  async sendFile(source: FileSource, meta: FileMeta, conversationId: ConversationId | null = this.current): Promise<void> {
    if (conversationId === null) return this.system('You are in no conversation: /join #room or /msg USER first.', 'error');
    await this.fileSends.send(conversationId, source, meta);
  }

  /** Cancels a file still being sent (its message disappears). */
  cancelTransfer(key: string): void {
    this.fileSends.cancel(key);
  }

  /**
   * Downloads and opens the file of message `key`, streaming its plaintext to
   * `write` (see `ConclaveClient.downloadFile`: when it throws, throw away what was written).
   * @throws ConclaveError `CONCLAVE_ERR_NO_SUCH_MESSAGE` (not a file message here), else as `downloadFile`
   */
  downloadFile(
    key: string,
    write: (bytes: Uint8Array) => Promise<void> | void,
    options: Parameters<ConclaveClient['downloadFile']>[2] = {},
  ): Promise<{ sha256: string; size: number }> {
    const attachment = this.message(key)?.file?.attachment;
    if (attachment === undefined) return Promise.reject(new ConclaveError('CONCLAVE_ERR_NO_SUCH_MESSAGE', 'That message has no file to download.'));
    return this.client.downloadFile(attachment, write, options);
  }

  /** The file message number `seq` of a conversation (from its pane, else from the history kept here), or null. */
  async fileItem(conversationId: ConversationId, seq: number): Promise<MessageItem | null> {
    const inPane = this.message(messageKey({ conversationId, seq }));
    if (inPane !== null) return inPane.file?.attachment !== undefined ? inPane : null;
    const entry = (await this.client.history(conversationId, REVEAL_HISTORY)).find((e) => e.seq === seq);
    if (entry === undefined || entry.file === undefined || entry.deleted === true) return null;
    return this.fold.item(entry, this.client.snapshot().me?.userId);
  }

  /** Decides now what a line does and where; returns the step to run in order. */
  private plan(command: Command, origin: ConversationId): Step {
    const subs = this.submissions;
    switch (command.kind) {
      case 'empty':
        return async () => undefined;
      case 'text':
      case 'reply':
      case 'me': {
        const target = this.screenTarget();
        if (target === null) return async () => this.system('You are in no conversation: /join #room or /msg USER first.', 'error', origin);
        const options = command.kind === 'reply' ? { replyTo: command.seq } : command.kind === 'me' ? { emote: true } : {};
        return this.textStep(target, command.text, origin, options);
      }
      case 'react':
      case 'edit':
      case 'delete':
      case 'topic':
      case 'search':
      case 'receipts':
      case 'mute':
      case 'goto': {
        const here = this.hereAtSubmit();
        const plain: MessageCommand = command;
        return () => runMessageCommand(plain, { model: this, here: here()?.conversationId ?? null, say: (text, tone = 'info') => this.system(text, tone, origin) });
      }
      case 'msg': {
        const addressee: Addressee = { kind: 'dm', name: command.user.replace(/^@/, '') };
        if (command.text === null) return this.show(addressee);
        const target = subs.targetFor(addressee, this.current);
        const label = target.kind === 'opening' ? target.opening.label : conversationLabel(this.client.findConversation(target.conversationId));
        if (subs.paneOf(target) !== origin) this.system(`→ ${label}: ${sanitize(command.text)}`, 'info', origin);
        return this.textStep(target, command.text, origin);
      }
      case 'join':
        return this.show({ kind: 'room', name: command.room });
      case 'upload':
      case 'download': {
        const here = this.hereAtSubmit();
        return () => this.fileCommand(command, here()?.conversationId ?? null, origin);
      }
      default: {
        const here = this.hereAtSubmit();
        const plain: PlainCommand = command;
        return () =>
          runCommand(plain, {
            client: this.client,
            verify: this.verify,
            here: here(),
            say: (text, tone = 'info', strong = false) => this.system(text, tone, origin, strong),
            keysHelp: this.options.keysHelp,
            exit: (reason) => this.onExit?.(reason),
          });
      }
    }
  }

  /** Runs `/upload` or `/download` through the platform's `FileCommandHost`. */
  private async fileCommand(
    command: Extract<Command, { kind: 'upload' | 'download' }>,
    here: ConversationId | null,
    origin: ConversationId,
  ): Promise<void> {
    const host = this.options.files;
    if (host === undefined) {
      const hint = command.kind === 'upload' ? 'Send files with the 📎 button, by dropping them here, or by pasting an image.' : 'Download a file with its Download button.';
      return this.system(hint, 'info', origin);
    }
    if (here === null) return this.system('You are in no conversation: /join #room or /msg USER first.', 'error', origin);
    if (command.kind === 'upload') return host.upload(command.path, command.caption, here);
    const item = await this.fileItem(here, command.seq);
    if (item === null) return this.system(`Message ${command.seq} here is not a file (or not on this device).`, 'error', origin);
    return host.download(item, command.dir, here);
  }

  /**
   * The conversation on screen when a command was typed, as known when it
   * runs: a conversation still being set up then (`/j #random` then `/names`)
   * is the one it became (the command runs after the setup, in order).
   */
  private hereAtSubmit(): () => ConversationInfo | undefined {
    const current = this.current;
    const opening = this.view;
    return () => {
      if (current !== null) return this.client.findConversation(current);
      return opening?.state.kind === 'ready' ? this.client.findConversation(opening.state.conversationId) : undefined;
    };
  }

  /** A text for `target`: refused now when too long, else shown pending now and sent in order. */
  private textStep(target: Target, text: string, origin: ConversationId, options: { replyTo?: number; emote?: boolean } = {}): Step {
    const measure = this.measure(text);
    if (measure.charsLeft < 0) {
      this.system(tooLongMessage(measure), 'error', origin);
      return async () => undefined;
    }
    const conversationId = target.kind === 'conversation' ? target.conversationId : null;
    const replyTo = conversationId !== null && options.replyTo !== undefined ? this.fold.quote(conversationId, options.replyTo) : undefined;
    const send = this.submissions.addText(target, text, {
      ...(options.replyTo !== undefined && { replyTo: options.replyTo }),
      ...(options.emote === true && { emote: true }),
      mentions: mentionsIn(text, this.people),
      ...(replyTo !== undefined && { quote: replyTo }),
    });
    return async () => {
      if (target.kind === 'opening') await this.submissions.open(target.opening).catch(() => undefined);
      // The acknowledgement is awaited by `submit`'s caller, not by the queue (it may wait for a reconnect).
      return send();
    };
  }

  /** Switches the view to an addressed conversation now; the step sets it up when it does not exist yet. */
  private show(addressee: Addressee): Step {
    const from = this.current ?? this.view?.from ?? null;
    const target = this.submissions.targetFor(addressee, from);
    if (target.kind === 'conversation') {
      this.select(target.conversationId);
      return async () => undefined;
    }
    if (from !== null) this.markers.delete(from);
    this.view = target.opening;
    this.notify();
    return async () => {
      await this.submissions.open(target.opening);
    };
  }

  /** Where a text typed now goes: the opening on screen, the conversation on screen, or nowhere. */
  private screenTarget(): Target | null {
    if (this.view !== null) return this.view.state.kind === 'ready' ? { kind: 'conversation', conversationId: this.view.state.conversationId } : { kind: 'opening', opening: this.view };
    const current = this.client.snapshot().current;
    return current === null ? null : { kind: 'conversation', conversationId: current };
  }

  /** The pane key of what is on screen. */
  private screenKey(): ConversationId {
    return this.view?.paneKey ?? this.client.snapshot().current ?? NO_CONVERSATION;
  }

  /** Remembers where the unread part of a conversation starts (before opening it clears the count). */
  private captureMarker(conversationId: ConversationId): void {
    const unread = this.client.snapshot().conversations.find((c) => c.conversationId === conversationId)?.unread ?? 0;
    this.markers.delete(conversationId);
    if (unread <= 0) return;
    const theirs = this.panes.get(conversationId).filter((i) => i.kind === 'message' && !i.mine && i.status === undefined);
    const first = theirs[Math.max(0, theirs.length - unread)];
    if (first !== undefined) this.markers.set(conversationId, first.key);
  }

  private fail(err: unknown, paneKey: ConversationId): void {
    this.system(isConclaveError(err) || err instanceof Error ? err.message : String(err), 'error', paneKey);
  }

  private onMessage(m: ChatMessage): void {
    const key = messageKey(m);
    if (this.shown.has(key)) return;
    this.shown.add(key);
    this.learn(m.sender.userId, m.sender.username);
    const me = this.client.snapshot().me?.userId;
    if (m.kind === 'topic') {
      const topic = sanitize(m.topic ?? '');
      this.system(topic === '' ? `${m.sender.username} cleared the topic.` : `${m.sender.username} set the topic: ${topic}`, 'info', m.conversationId);
      return;
    }
    if (!isMessageEntry(m)) {
      if (this.fold.apply(m, me)) this.notify();
      return;
    }
    const item = this.fold.item(m, me);
    this.push(m.conversationId, item);
    if (!this.live || m.mine) return;
    // A muted conversation makes no sound, but a mention of you still does.
    if (item.mentionsMe !== true && this.client.isMuted(m.conversationId)) return;
    const dm = m.conversation?.kind === 'dm';
    const where = dm ? `${m.sender.username} (private)` : `${m.sender.username} in ${conversationLabel(m.conversation)}`;
    this.cue({
      sound: item.mentionsMe === true ? 'mention' : dm ? 'private' : 'room',
      title: item.mentionsMe === true && !dm ? `${m.sender.username} mentioned you in ${conversationLabel(m.conversation)}` : where,
      body:
        item.emote === true
          ? `* ${m.sender.username} ${plainText(parseMessageText(item.text))}`
          : item.file !== undefined
            ? `📎 ${item.file.name}${item.text === '' ? '' : ` ${plainText(parseMessageText(item.text))}`}`
            : plainText(parseMessageText(item.text)),
      conversationId: m.conversationId,
    });
  }

  /** Remembers a user's name and id (for mentions). */
  private learn(userId: UserId, username: string): void {
    this.people.set(username.toLowerCase(), { userId, username });
  }

  /** A key or device warning: in its conversation; a loud one also on screen, with an `alert` cue. */
  private onSecurity(e: SecurityEvent): void {
    const level = securityLevel(e.kind);
    const text = securityText(e);
    const here = this.screenKey();
    const target = e.conversationId ?? here;
    this.push(target, { kind: 'security', key: this.key(), at: Date.now(), text, level });
    if (level !== 'danger') return;
    if (target !== here) {
      const where = conversationLabel(e.conversationId === undefined ? undefined : this.client.findConversation(e.conversationId), 'another conversation');
      this.push(here, { kind: 'security', key: this.key(), at: Date.now(), text: `In ${where}: ${text}`, level });
    }
    if (this.live) this.cue({ sound: 'alert', title: 'Security warning', body: text, ...(e.conversationId !== undefined && { conversationId: e.conversationId }) });
  }

  private onNotice(n: ChatNotice): void {
    const snap = this.client.snapshot();
    const placement = placeNotice(n, { me: snap.me, current: this.current, conversations: snap.conversations });
    if (placement === null) return;
    for (const target of placement.targets) this.push(target, { ...placement.item, key: this.key() });
    if (this.live && placement.cue !== null) this.cue(placement.cue);
  }

  private onConnection(change: StateChange): void {
    this.retryAt = change.retryInMs === undefined ? null : Date.now() + change.retryInMs;
    if (change.state === 'reconnecting' && change.previous === 'ready') this.system('Connection lost; reconnecting…', 'error');
    if (change.state === 'ready' && this.live) this.system('Reconnected.', 'ok');
    this.notify();
  }

  private push(paneKey: ConversationId, item: PaneItem): void {
    this.panes.push(paneKey, item);
    this.notify();
  }

  private cue(cue: Cue): void {
    this.options.cue?.(cue);
  }

  private key(): string {
    return `l${++this.seq}`;
  }

  /** @internal re-renders the UIs. */
  notify(): void {
    this.version++;
    for (const l of this.listeners) l();
  }
}
