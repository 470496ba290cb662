import type { ConversationId, ConversationInfo } from '@conclave/protocol';
import { assertNever } from '@conclave/protocol';
import type { ConclaveClient } from '../client.js';
import { helpLines } from '../commands/catalog.js';
import { parseCommand } from '../commands/parse.js';
import type { StateChange } from '../connection/connection.js';
import { isConclaveError } from '../errors.js';
import type { HistoryEntry } from '../store/store.js';
import type { ChatMessage, ChatNotice, SecurityEvent } from '../types.js';
import { adminResultLines } from './admin-text.js';
import { conversationLabel, sanitize } from './format.js';
import { securityLevel, securityText, type SecurityLevel } from './trust-text.js';
import { VerifyCommands } from './verify-commands.js';

/**
 * Something worth a sound (or a system notification): someone logging in or
 * out, a message in a room or a DM, a loud security warning. Only raised for
 * live events (not for history replayed at connect) and never for your own.
 */
export interface Cue {
  sound: 'login' | 'logout' | 'room' | 'private' | 'alert';
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
}

/** One entry of the message pane. Times are ms since the Unix epoch. */
export type PaneItem =
  /** `trust`: the sending device is unverified and new, or changed its key (shown as a tag). */
  | { kind: 'message'; key: string; seq: number; at: number; sender: string; text: string; mine: boolean; trust?: 'new-device' | 'changed-key' }
  /**
   * A server notice. `notice`: its kind (`login`, `broadcast`, …). `emphasis`: an admin's or the
   * server's own (shown apart), then split as `title` ("Announcement from alice", "Server") and
   * `body`; `text` is both as one line. `from`: the admin who sent a broadcast or direct notice.
   */
  | {
      kind: 'notice';
      key: string;
      at: number;
      text: string;
      notice: ChatNotice['kind'];
      emphasis?: boolean;
      title?: string;
      body?: string;
      from?: string;
    }
  /** `strong`: text to be read exactly (a safety number). */
  | { kind: 'system'; key: string; at: number; text: string; tone: 'info' | 'error' | 'ok'; strong?: boolean }
  /** A key or device warning from the client core (see `SecurityEvent`). */
  | { kind: 'security'; key: string; at: number; text: string; level: SecurityLevel };

/** Entries kept per conversation (older ones scroll out of memory). */
const MAX_ITEMS = 2_000;
/** Messages of the local history put in each pane at start. */
const HISTORY_ON_START = 200;
/** Key for lines shown before any conversation exists. */
const NO_CONVERSATION = '\0none' as ConversationId;

/** How the chat session ended. */
export type ExitReason = 'quit' | 'logout';

/**
 * The chat session's view model, shared by the terminal and web UIs: collects
 * what the client core emits into per-conversation pane lists, turns typed
 * lines (text and `/commands`) into client calls, and raises `Cue`s.
 * The UIs only render it; the core never waits on the UI.
 */
export class ChatModel {
  private readonly items = new Map<ConversationId, PaneItem[]>();
  private readonly listeners = new Set<() => void>();
  private seq = 0;
  /** `conversationId:seq` of every message put in a pane: history and live events may both bring one. */
  private readonly shown = new Set<string>();
  private readonly verify: VerifyCommands;
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
    client.on('change', () => this.notify());
  }

  /** Re-render hook; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The pane of a conversation (or of the current one). */
  pane(conversationId: ConversationId | null = this.client.snapshot().current): readonly PaneItem[] {
    return this.items.get(conversationId ?? NO_CONVERSATION) ?? [];
  }

  /** Adds a system line (command output, errors) to a pane, by default the current one. */
  system(text: string, tone: 'info' | 'error' | 'ok' = 'info', conversationId?: ConversationId, strong = false): void {
    for (const line of text.split('\n')) {
      this.push(conversationId ?? this.client.snapshot().current, {
        kind: 'system',
        key: this.key(),
        at: Date.now(),
        text: line,
        tone,
        ...(strong && { strong }),
      });
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
        const merged = mergeHistory(this.items.get(id) ?? [], fresh.map(messageItem));
        this.items.set(id, merged.slice(-MAX_ITEMS));
      }),
    );
    this.notify();
  }

  /** Moves `delta` conversations along the status-bar order (wrapping). */
  cycle(delta: number): void {
    const { conversations, current } = this.client.snapshot();
    if (conversations.length === 0) return;
    const index = conversations.findIndex((c) => c.conversationId === current);
    const next = conversations[(index + delta + conversations.length) % conversations.length];
    if (next !== undefined) this.client.setCurrent(next.conversationId);
  }

  /** Handles one typed line. Never throws: failures become error lines. */
  async submit(line: string): Promise<void> {
    try {
      await this.dispatch(line);
    } catch (err) {
      this.system(isConclaveError(err) || err instanceof Error ? err.message : String(err), 'error');
    }
  }

  private async dispatch(line: string): Promise<void> {
    const command = parseCommand(line);
    const client = this.client;
    switch (command.kind) {
      case 'empty':
        return;
      case 'text': {
        const current = client.snapshot().current;
        if (current === null) {
          this.system('You are in no conversation: /join #room or /msg USER first.', 'error');
          return;
        }
        if (client.connectionState !== 'ready') this.system('Not connected: the message will be sent when the connection is back.');
        await client.sendText(current, command.text);
        return;
      }
      case 'help':
        for (const l of helpLines(command.topic ?? undefined, client.snapshot().me?.role === 'admin')) this.system(l);
        if (command.topic === null && this.options.keysHelp !== undefined) this.system(this.options.keysHelp);
        return;
      case 'who':
        await this.who();
        return;
      case 'msg': {
        const dm = await client.openDm(command.user);
        if (command.text === null) {
          client.setCurrent(dm.conversationId);
          return;
        }
        await client.sendText(dm.conversationId, command.text);
        if (dm.conversationId !== client.snapshot().current) this.system(`→ ${dm.name}: ${command.text}`);
        return;
      }
      case 'join': {
        const room = await client.join(command.room);
        client.setCurrent(room.conversationId);
        return;
      }
      case 'leave': {
        const target = command.room === null ? this.currentConversation() : client.findConversation(command.room);
        if (target === undefined) {
          this.system(command.room === null ? 'You are in no conversation.' : `You are not in ${command.room}.`, 'error');
          return;
        }
        await client.leave(target.conversationId);
        this.system(`You left ${conversationLabel(target)}.`, 'ok');
        return;
      }
      case 'verify':
        await this.verify.verify(command.user, command.confirm);
        return;
      case 'devices':
        await this.verify.devices(command.user);
        return;
      case 'rooms': {
        const rooms = await client.rooms();
        this.system(`Rooms on this server (${rooms.length}):`);
        for (const r of rooms) this.system(`  ${r.name.padEnd(20)} ${String(r.members).padStart(3)} member${r.members === 1 ? ' ' : 's'}${r.joined ? '  · joined' : ''}`);
        return;
      }
      case 'invite': {
        const invite = await client.createInvite(command.hours ?? undefined);
        this.system(`Invite code: ${invite.code}  (single use, valid until ${new Date(invite.expiresAt).toLocaleString()})`, 'ok');
        return;
      }
      case 'admin': {
        const result = await client.admin(command.command);
        for (const line of adminResultLines(result, Date.now())) this.system(line.text, line.tone, undefined, line.strong === true);
        return;
      }
      case 'kick': {
        const room = command.room ?? this.currentConversation();
        if (room === undefined || (typeof room !== 'string' && room.kind !== 'room')) {
          this.system('From which room? e.g. /kick bob #random', 'error');
          return;
        }
        const result = await client.admin({ action: 'kick', username: command.user, room: typeof room === 'string' ? room : room.name });
        for (const line of adminResultLines(result, Date.now())) this.system(line.text, line.tone);
        return;
      }
      case 'logout':
        await client.logout();
        this.onExit?.('logout');
        return;
      case 'quit':
        this.onExit?.('quit');
        return;
      case 'invalid':
        this.system(command.usage === null ? command.message : `${command.message} ${command.usage}`, 'error');
        return;
      default:
        assertNever(command);
    }
  }

  private async who(): Promise<void> {
    const current = this.currentConversation();
    const result = await this.client.who(current?.conversationId);
    const names = result.online.map((u) => (u.devices > 1 ? `${u.username} (${u.devices} devices)` : u.username));
    this.system(`Online (${names.length}): ${names.join(', ') || 'nobody'}`);
    if (result.members !== undefined && current !== undefined) {
      const members = result.members.map((m) => `${m.online ? '●' : '○'} ${m.username}`);
      this.system(`In ${conversationLabel(current)} (${members.length}): ${members.join('  ')}`);
    }
  }

  private currentConversation(): ConversationInfo | undefined {
    const current = this.client.snapshot().current;
    return current === null ? undefined : this.client.findConversation(current);
  }

  private onMessage(m: ChatMessage): void {
    const key = messageKey(m);
    if (this.shown.has(key)) return;
    this.shown.add(key);
    this.push(m.conversationId, messageItem(m));
    if (!this.live || m.mine) return;
    const dm = m.conversation?.kind === 'dm';
    this.cue({
      sound: dm ? 'private' : 'room',
      title: dm ? `${m.sender.username} (private)` : `${m.sender.username} in ${conversationLabel(m.conversation)}`,
      body: sanitize(m.text),
      conversationId: m.conversationId,
    });
  }

  /** A key or device warning: in its conversation; a loud one also in the current pane, with an `alert` cue. */
  private onSecurity(e: SecurityEvent): void {
    const level = securityLevel(e.kind);
    const text = securityText(e);
    const current = this.client.snapshot().current;
    const target = e.conversationId ?? current;
    this.push(target, { kind: 'security', key: this.key(), at: Date.now(), text, level });
    if (level !== 'danger') return;
    if (target !== current) {
      const where = conversationLabel(e.conversationId === undefined ? undefined : this.client.findConversation(e.conversationId), 'another conversation');
      this.push(current, { kind: 'security', key: this.key(), at: Date.now(), text: `In ${where}: ${text}`, level });
    }
    if (this.live) this.cue({ sound: 'alert', title: 'Security warning', body: text, ...(e.conversationId !== undefined && { conversationId: e.conversationId }) });
  }

  private onNotice(n: ChatNotice): void {
    // Our own comings and goings (this or another device) are noise here.
    const me = this.client.snapshot().me;
    if ((n.kind === 'login' || n.kind === 'logout') && me !== null && n.user?.userId === me.userId) return;
    const who = n.user?.username ?? 'someone';
    const where = n.conversationId === undefined ? undefined : this.client.findConversation(n.conversationId);
    let text = '';
    /** Set for an admin's or the server's own notice: shown apart, as a title and a body. */
    let title: string | undefined;
    let body = n.text ?? '';
    let target = n.conversationId ?? this.client.snapshot().current;
    switch (n.kind) {
      case 'login':
        text = `${who} logged in`;
        break;
      case 'logout':
        text = `${who} logged out`;
        break;
      case 'join':
        text = `${who} joined ${conversationLabel(where, 'the room')}`;
        break;
      case 'leave':
        if (me !== null && n.user?.userId === me.userId) {
          // Removed by an admin: the conversation goes away, so say it where the user is (or in #general).
          title = 'Server';
          body = `You were removed from ${conversationLabel(where, 'a room')}${n.text === undefined ? '' : ` (${n.text})`}.`;
          const current = this.client.snapshot().current;
          target = current !== n.conversationId ? current : (this.client.findConversation('#general')?.conversationId ?? current);
        } else {
          text = `${who} left ${conversationLabel(where, 'the room')}`;
        }
        break;
      case 'server':
        title = 'Server';
        break;
      case 'broadcast':
        title = `Announcement from ${n.from?.username ?? 'an admin'}`;
        break;
      case 'direct':
        title = `Notice to you from ${n.from?.username ?? 'an admin'}`;
        break;
      case 'departed':
        return; // housekeeping for the encryption groups, not news
      case 'role':
        title = 'Server';
        body = n.text ?? `Your role is now ${n.role ?? 'member'}.`;
        break;
      default:
        assertNever(n.kind);
    }
    if (title === undefined && n.text !== undefined) text += ` — ${n.text}`;
    this.push(target, {
      kind: 'notice',
      key: this.key(),
      at: n.at,
      notice: n.kind,
      text: sanitize(title === undefined ? text : `${title}: ${body}`),
      ...(title !== undefined && { emphasis: true, title: sanitize(title), body: sanitize(body) }),
      ...(n.from !== undefined && { from: n.from.username }),
    });
    if (!this.live) return;
    if (n.kind === 'login' || n.kind === 'logout') this.cue({ sound: n.kind, title: sanitize(text) });
    if (n.kind === 'broadcast' || n.kind === 'direct' || n.kind === 'server') {
      this.cue({ sound: 'private', title: n.kind === 'server' ? 'Server notice' : `Notice from ${n.from?.username ?? 'an admin'}`, body: sanitize(n.text ?? '') });
    }
  }

  private onConnection(change: StateChange): void {
    this.retryAt = change.retryInMs === undefined ? null : Date.now() + change.retryInMs;
    if (change.state === 'reconnecting' && change.previous === 'ready') this.system('Connection lost; reconnecting…', 'error');
    if (change.state === 'ready' && this.live) this.system('Reconnected.', 'ok');
    this.notify();
  }

  private push(conversationId: ConversationId | null, item: PaneItem): void {
    const id = conversationId ?? NO_CONVERSATION;
    let list = this.items.get(id);
    if (list === undefined) {
      list = [];
      this.items.set(id, list);
    }
    list.push(item);
    if (list.length > MAX_ITEMS) list.splice(0, list.length - MAX_ITEMS);
    this.notify();
  }

  private cue(cue: Cue): void {
    this.options.cue?.(cue);
  }

  private key(): string {
    return `l${++this.seq}`;
  }

  private notify(): void {
    this.version++;
    for (const l of this.listeners) l();
  }
}

/** Identifies a message across history and live events. */
function messageKey(m: { conversationId: ConversationId; seq: number }): string {
  return `${m.conversationId}:${m.seq}`;
}

/** A message (live or from the local history) as a pane item. */
function messageItem(m: HistoryEntry): PaneItem {
  return {
    kind: 'message',
    key: messageKey(m),
    seq: m.seq,
    at: m.sentAt,
    sender: m.sender.username,
    text: sanitize(m.text),
    mine: m.mine,
    ...(m.trust !== undefined && { trust: m.trust }),
  };
}

/**
 * Inserts history messages (`incoming`, ascending seq) into a pane: each
 * before the first message with a higher seq; those older than every message
 * there go first, above this session's notices (they are from earlier runs).
 */
export function mergeHistory(items: readonly PaneItem[], incoming: readonly PaneItem[]): PaneItem[] {
  const out: PaneItem[] = [];
  let i = 0;
  const takeBelow = (seq: number): void => {
    for (let next = incoming[i]; next !== undefined && next.kind === 'message' && next.seq < seq; next = incoming[++i]) out.push(next);
  };
  const first = items.find((item) => item.kind === 'message');
  takeBelow(first?.kind === 'message' ? first.seq : Number.POSITIVE_INFINITY);
  for (const item of items) {
    if (item.kind === 'message') takeBelow(item.seq);
    out.push(item);
  }
  out.push(...incoming.slice(i));
  return out;
}
