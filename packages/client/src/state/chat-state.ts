import {
  GENERAL_ROOM,
  type ConversationId,
  type ConversationInfo,
  type DeviceId,
  type UserId,
  type UserInfo,
} from '@conclave/protocol';
import type { ConnectionState } from '../connection/state.js';
import { ReadPositions } from './read-positions.js';

/** A user with at least one connected device. */
export interface OnlineUser {
  userId: UserId;
  username: string;
  /** Connected devices (≥ 1). */
  devices: number;
}

/** A conversation as a UI lists it. */
export interface ConversationSummary extends ConversationInfo {
  /** Messages from others after this device's read position (survives a restart: see `ReadPositions`). */
  unread: number;
  /** Of those, the ones that mention this user. */
  mentions: number;
  /** The room's topic (set by a member, end-to-end encrypted), when it has one. */
  topic?: string;
  /** Muted on this device: its messages make no sound (mentions of you still do). */
  muted?: true;
}

/**
 * Everything a UI renders outside the message log, as one immutable value:
 * a new object after each change, the same object otherwise (fit for
 * React's `useSyncExternalStore`).
 */
export interface ChatSnapshot {
  connection: ConnectionState;
  /** Who is logged in on this client (null before the first session). */
  me: UserInfo | null;
  deviceId: DeviceId | null;
  /** Rooms first (#general leading), then DMs, each by name. */
  conversations: readonly ConversationSummary[];
  /** The conversation the user is looking at. */
  current: ConversationId | null;
  /** Online users by name; refreshed on presence notices; empty while not connected. */
  online: readonly OnlineUser[];
  /** Users all of whose known (pinned) devices this device has verified by safety number. */
  verified: readonly UserId[];
}

function order(a: ConversationInfo, b: ConversationInfo): number {
  if (a.kind !== b.kind) return a.kind === 'room' ? -1 : 1;
  if (a.name.toLowerCase() === GENERAL_ROOM) return -1;
  if (b.name.toLowerCase() === GENERAL_ROOM) return 1;
  return a.name.localeCompare(b.name);
}

/** The client's shared view state; mutated only by the client, read through `snapshot()`. */
export class ChatState {
  connection: ConnectionState = 'idle';
  me: UserInfo | null = null;
  deviceId: DeviceId | null = null;
  current: ConversationId | null = null;
  private readonly conversations = new Map<ConversationId, ConversationInfo>();
  /** Read positions and unread counts (replaced at connect by the stored ones). */
  reads = new ReadPositions();
  private online = new Map<UserId, OnlineUser>();
  private verified: readonly UserId[] = [];
  private cached: ChatSnapshot | null = null;
  /** The topic of a conversation, when known (set by the client core to read `ConversationMeta`). */
  topicOf: (id: ConversationId) => string | undefined = () => undefined;
  /** Whether a conversation is muted on this device (set by the client core to read its preferences). */
  mutedOf: (id: ConversationId) => boolean = () => false;

  constructor(private readonly onChange: (snapshot: ChatSnapshot) => void) {}

  /** Call after every mutation: drops the cached snapshot and notifies. */
  changed(): void {
    this.cached = null;
    this.onChange(this.snapshot());
  }

  snapshot(): ChatSnapshot {
    this.cached ??= {
      connection: this.connection,
      me: this.me,
      deviceId: this.deviceId,
      conversations: [...this.conversations.values()]
        .sort(order)
        .map((c) => {
          const topic = this.topicOf(c.conversationId);
          return {
            ...c,
            unread: this.reads.unread(c.conversationId),
            mentions: this.reads.mentions(c.conversationId, this.me?.userId),
            ...(this.mutedOf(c.conversationId) && { muted: true as const }),
            ...(topic !== undefined && { topic }),
          };
        }),
      current: this.current,
      online: [...this.online.values()].sort((a, b) => a.username.localeCompare(b.username)),
      verified: this.verified,
    };
    return this.cached;
  }

  conversation(id: ConversationId): ConversationInfo | undefined {
    return this.conversations.get(id);
  }

  /** By `#room` name (case-insensitive), DM peer name, or id. */
  find(nameOrId: string): ConversationInfo | undefined {
    const wanted = nameOrId.toLowerCase();
    for (const c of this.conversations.values()) {
      if (c.conversationId === nameOrId) return c;
      if (c.name.toLowerCase() === wanted) return c;
      if (c.kind === 'dm' && c.peer?.username.toLowerCase() === wanted) return c;
    }
    return undefined;
  }

  /** Replaces the list (from a `session` frame); keeps `current` when still a member. */
  setConversations(list: readonly ConversationInfo[]): void {
    this.conversations.clear();
    for (const c of list) this.conversations.set(c.conversationId, c);
    if (this.current === null || !this.conversations.has(this.current)) this.current = this.defaultCurrent();
  }

  /** Adds or updates one; returns true when it is new. */
  upsertConversation(info: ConversationInfo): boolean {
    const isNew = !this.conversations.has(info.conversationId);
    this.conversations.set(info.conversationId, info);
    if (this.current === null) this.current = info.conversationId;
    return isNew;
  }

  removeConversation(id: ConversationId): ConversationInfo | undefined {
    const info = this.conversations.get(id);
    this.conversations.delete(id);
    this.reads.forget(id);
    if (this.current === id) this.current = this.defaultCurrent();
    return info;
  }

  /** Puts a conversation on screen (null: none), read up to the latest message seen. */
  setCurrent(id: ConversationId | null): void {
    this.current = id;
    if (id !== null) this.reads.markRead(id, this.reads.latest(id));
  }

  /** Replaces the verified users (same order-insensitive content: no change). @returns true when it changed. */
  setVerified(users: readonly UserId[]): boolean {
    const next = [...users].sort();
    if (next.length === this.verified.length && next.every((u, i) => u === this.verified[i])) return false;
    this.verified = next;
    return true;
  }

  setOnline(list: readonly OnlineUser[]): void {
    this.online = new Map(list.map((u) => [u.userId, { userId: u.userId, username: u.username, devices: u.devices }]));
  }

  /** Optimistic presence update from a notice, until the next `who` refresh. */
  markOnline(userId: UserId, username: string, online: boolean): void {
    if (online) {
      const known = this.online.get(userId);
      this.online.set(userId, { userId, username, devices: Math.max(1, known?.devices ?? 1) });
    } else {
      this.online.delete(userId);
    }
  }

  private defaultCurrent(): ConversationId | null {
    const sorted = [...this.conversations.values()].sort(order);
    return sorted[0]?.conversationId ?? null;
  }
}
