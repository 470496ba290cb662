import { asUserId, encodeFrame, LIMITS, type UnsignedNotice, type UserRef } from '@conclave/protocol';
import type { Bus, BusEvent } from '../bus/bus.js';
import { SeqOrder } from '../bus/seq-order.js';
import type { ConversationService } from '../conversations/service.js';
import type { NoticeSigner } from '../notices/signer.js';
import type { Connection } from '../ws/connection.js';
import { PresenceAnnouncer } from './announcer.js';
import { LOCAL_PRESENCE, type PresenceDirectory, type PresenceElsewhere, type RemotePresence } from './directory.js';
import { LogoutGrace } from './grace.js';

/** Tuning of presence. */
export interface HubOptions {
  /** Grace period before a `logout` notice, ms; default `LIMITS.presenceGraceMs` (tests shorten it). */
  presenceGraceMs?: number | undefined;
  /** Presence notices one by one per window; default `LIMITS.presenceBurst`. */
  presenceBurst?: number | undefined;
  /** That window, ms; default `LIMITS.presenceBurstWindowMs`. */
  presenceBurstWindowMs?: number | undefined;
  /** Who is on the other nodes of a cluster; default: none (one process). */
  directory?: PresenceDirectory | undefined;
}

/**
 * The connections of this node by user, presence (who is online, with how many
 * devices), and the bus subscriber that fans events out to member connections.
 * Fan-out reads only memory: the routing table and this registry.
 *
 * Presence notices are calmer than connections: `login` when a user's first
 * device connects, `logout` only when none of their devices came back within
 * the grace period (`LogoutGrace`), and in a burst one `presence` notice a
 * second that sums them up (`PresenceAnnouncer`). `online()` and `isOnline()` stay exact —
 * devices connected right now — so `who` does not list a user in their grace
 * period.
 */
export class Hub {
  private readonly byUser = new Map<string, Set<Connection>>();
  private readonly byDevice = new Map<string, Set<Connection>>();
  private readonly usernames = new Map<string, string>();
  private readonly unsubscribe: () => void;
  /** Messages fanned out per second over the last minute (ring of 60 one-second buckets). */
  private readonly perSecond = new Array<number>(60).fill(0);
  private lastSecond = 0;
  private readonly grace: LogoutGrace;
  private readonly announcer: PresenceAnnouncer;
  private readonly directory: PresenceDirectory;
  private readonly unsubscribeResync: () => void;
  /** Live entries back in seq order before fan-out (other nodes' arrive after this node's own). */
  private readonly order = new SeqOrder<Extract<BusEvent, { kind: 'message' }>>((_conversationId, _seq, event) => this.fanOut(event));

  constructor(
    private readonly bus: Bus,
    private readonly conversations: ConversationService,
    private readonly signer: NoticeSigner,
    private readonly now: () => number = Date.now,
    options: HubOptions = {},
  ) {
    this.grace = new LogoutGrace(options.presenceGraceMs ?? LIMITS.presenceGraceMs);
    this.announcer = new PresenceAnnouncer(
      (n) => this.notice(n),
      now,
      options.presenceBurst ?? LIMITS.presenceBurst,
      options.presenceBurstWindowMs ?? LIMITS.presenceBurstWindowMs,
    );
    this.directory = options.directory ?? LOCAL_PRESENCE;
    this.unsubscribe = bus.subscribe((event) => this.onEvent(event));
    // Events this node missed (its link to the cluster dropped): every connection reads them from the log.
    this.unsubscribeResync = bus.onResync(() => {
      for (const conn of this.all()) conn.catchUpAll();
    });
  }

  /**
   * Registers an authenticated connection; announces a login when it is the
   * user's first, unless it ends their grace period (then nothing is announced).
   */
  add(conn: Connection): void {
    const user = conn.principal!.user;
    let set = this.byUser.get(user.userId);
    const first = !set || set.size === 0;
    if (!set) this.byUser.set(user.userId, (set = new Set()));
    set.add(conn);
    const deviceId = conn.principal!.deviceId;
    let devices = this.byDevice.get(deviceId);
    if (!devices) this.byDevice.set(deviceId, (devices = new Set()));
    devices.add(conn);
    this.usernames.set(user.userId, user.username);
    this.directory.set(user, set.size);
    if (first && !this.grace.cancel(user.userId)) void this.announceLogin(user);
  }

  /** What the other nodes say of a user; 'none' when Redis does not answer (a notice too many beats none). */
  private seenElsewhere(userId: string): Promise<PresenceElsewhere> {
    return this.directory.seenElsewhere(userId).catch(() => 'none' as const);
  }

  /** Announces a login unless another node already has the user (online or in grace): a cluster announces once. */
  private async announceLogin(user: UserRef): Promise<void> {
    if (this.directory !== LOCAL_PRESENCE && (await this.seenElsewhere(user.userId)) !== 'none') return;
    this.announcer.announce('login', user);
  }

  /** Unregisters a connection; when it was the user's last, announces a logout after the grace period. */
  remove(conn: Connection): void {
    const user = conn.principal?.user;
    if (!user) return;
    const deviceId = conn.principal!.deviceId;
    const devices = this.byDevice.get(deviceId);
    if (devices?.delete(conn) && devices.size === 0) this.byDevice.delete(deviceId);
    const set = this.byUser.get(user.userId);
    if (!set?.delete(conn)) return;
    this.directory.set(user, set.size);
    if (set.size === 0) {
      this.byUser.delete(user.userId);
      this.grace.start(user.userId, () => void this.announceLogout(user));
    }
  }

  /** After the grace period: announces a logout unless the user came back here or is online on another node. */
  private async announceLogout(user: UserRef): Promise<void> {
    if (this.isOnlineHere(user.userId)) return;
    this.directory.set(user, 'gone');
    if (this.directory !== LOCAL_PRESENCE && (await this.seenElsewhere(user.userId)) === 'online') return;
    if (!this.isOnlineHere(user.userId)) this.announcer.announce('logout', user);
  }

  /**
   * Every user with a device connected now on any node of the cluster (not
   * those in their grace period), with the count of connections, by name.
   * While the cluster's Redis does not answer: this node's users only.
   */
  async online(): Promise<Array<UserRef & { devices: number }>> {
    const users = new Map<string, { username: string; devices: number }>();
    // Without Redis this node still answers for its own users.
    const elsewhere = await this.directory.elsewhere().catch(() => new Map<string, RemotePresence>());
    for (const [userId, remote] of elsewhere) if (remote.devices > 0) users.set(userId, remote);
    for (const [userId, conns] of this.byUser) {
      const remote = users.get(userId)?.devices ?? 0;
      users.set(userId, { username: this.usernames.get(userId) ?? '?', devices: conns.size + remote });
    }
    return [...users.entries()]
      .map(([userId, u]) => ({ userId: asUserId(userId), username: u.username, devices: u.devices }))
      .sort((a, b) => a.username.localeCompare(b.username));
  }

  /** Devices with at least one open connection on this node. */
  deviceCount(): number {
    return this.byDevice.size;
  }

  /** Authenticated connections on this node. */
  connectionCount(): number {
    let n = 0;
    for (const set of this.byUser.values()) n += set.size;
    return n;
  }

  /** Messages (application and Commit entries) published over the last 60 s. */
  messagesPerMinute(): number {
    this.countMessage(0);
    return this.perSecond.reduce((a, b) => a + b, 0);
  }

  /**
   * Whether the user has a device connected now on any node (false during
   * their grace period; while Redis does not answer, on this node only).
   */
  async isOnline(userId: string): Promise<boolean> {
    return this.isOnlineHere(userId) || (await this.seenElsewhere(userId)) === 'online';
  }

  /** Whether the user has a device connected to this node. */
  isOnlineHere(userId: string): boolean {
    return (this.byUser.get(userId)?.size ?? 0) > 0;
  }

  /** The connections of one user on this node. */
  connectionsOf(userId: string): ReadonlySet<Connection> {
    return this.byUser.get(userId) ?? new Set();
  }

  /** The connections of one device on this node (usually one). */
  connectionsOfDevice(deviceId: string): ReadonlySet<Connection> {
    return this.byDevice.get(deviceId) ?? new Set();
  }

  /** Every authenticated connection on this node. */
  *all(): Iterable<Connection> {
    for (const set of this.byUser.values()) yield* set;
  }

  /** A signed notice frame for one connection (not published). */
  signedNotice(n: Omit<UnsignedNotice, 'at'>): string {
    return encodeFrame(this.signer.sign({ ...n, at: this.now() }));
  }

  /**
   * Signs and publishes a server notice: to everyone, to a conversation's
   * members (`conversationId`), or to one user's connections (`toUserId`).
   */
  notice(n: Omit<UnsignedNotice, 'at'>, toUserId?: string): void {
    const frame = encodeFrame(this.signer.sign({ ...n, at: this.now() }));
    this.bus.publish({
      kind: 'notice',
      ...(n.conversationId ? { conversationId: n.conversationId } : {}),
      ...(toUserId === undefined ? {} : { userId: toUserId }),
      frame,
    });
  }

  /** Stops fan-out and drops pending logouts unannounced (shutdown does not wait for the grace period). */
  stop(): void {
    this.grace.stop();
    this.announcer.stop();
    this.unsubscribe();
    this.unsubscribeResync();
    this.order.stop();
  }

  private onEvent(event: BusEvent): void {
    switch (event.kind) {
      case 'message':
        this.countMessage(1);
        this.order.offer(event.conversationId, event.seq, event);
        return;
      case 'ephemeral': {
        const frame = Buffer.from(event.frame);
        for (const userId of this.conversations.membersOf(event.conversationId)) {
          for (const conn of this.connectionsOf(userId)) {
            if (conn.principal?.deviceId !== event.senderDeviceId) conn.deliverEphemeral(event.conversationId, frame);
          }
        }
        return;
      }
      case 'notice': {
        const frame = Buffer.from(event.frame);
        if (event.userId !== undefined) {
          for (const conn of this.connectionsOf(event.userId)) conn.sendText(frame, 'notice');
        } else if (event.conversationId === undefined) {
          for (const conn of this.all()) conn.sendText(frame, 'notice');
        } else {
          for (const userId of this.conversations.membersOf(event.conversationId)) {
            for (const conn of this.connectionsOf(userId)) conn.sendText(frame, 'notice');
          }
        }
        return;
      }
      case 'settings':
      case 'shutdown':
        // The server's own subscribers handle these (settings cache, stop timer).
        return;
      case 'disconnect':
        for (const conn of [...this.connectionsOf(event.userId)]) conn.fail(event.code, 'ended by an admin');
        return;
      case 'membership':
        this.conversations.applyMembership(event.conversationId, event.userId, event.change);
        if (event.change === 'remove') {
          for (const conn of this.connectionsOf(event.userId)) {
            conn.unfollow(event.conversationId);
            conn.forget(event.conversationId);
          }
        } else {
          void this.announceConversation(event.conversationId, event.userId);
        }
        return;
      case 'group':
        for (const deviceId of event.left) {
          for (const conn of this.connectionsOfDevice(deviceId)) conn.unfollow(event.conversationId);
        }
        for (const { deviceId, since, welcomed } of event.joined) {
          for (const conn of this.connectionsOfDevice(deviceId)) {
            // The Welcome goes out before any entry after `since`: the device needs it to read them.
            if (welcomed && event.welcomeFrame) conn.sendText(event.welcomeFrame, 'welcome');
            conn.follow(event.conversationId, since);
          }
        }
        return;
    }
  }

  /** Fans a conversation's entry out to the member connections on this node (in seq order: `SeqOrder`). */
  private fanOut(event: Extract<BusEvent, { kind: 'message' }>): void {
    // UTF-8 encoded once; every member socket is handed the same bytes.
    const frame = Buffer.from(event.frame);
    for (const userId of this.conversations.membersOf(event.conversationId)) {
      const conns = this.byUser.get(userId);
      if (conns === undefined) continue;
      for (const conn of conns) conn.deliver(event.conversationId, event.seq, frame, event.sentAt);
    }
  }

  /** Adds `n` to the current second's bucket, clearing the buckets of the seconds that passed. */
  private countMessage(n: number): void {
    const second = Math.floor(this.now() / 1000);
    const elapsed = Math.min(60, second - this.lastSecond);
    for (let i = 1; i <= elapsed; i++) this.perSecond[(this.lastSecond + i) % 60] = 0;
    this.lastSecond = Math.max(this.lastSecond, second);
    this.perSecond[second % 60] = (this.perSecond[second % 60] ?? 0) + n;
  }

  /**
   * Tells a user's connections about a conversation they were added to. It is
   * not delivered yet: a device is sent a conversation's log once its leaf is
   * in the MLS group (a `group` event).
   */
  private async announceConversation(conversationId: string, userId: string): Promise<void> {
    const conns = [...this.connectionsOf(userId)].filter((c) => !c.knows(conversationId));
    if (conns.length === 0) return;
    const view = await this.conversations.viewFor(conversationId, userId);
    if (!view) return;
    const frame = encodeFrame({ type: 'conversation', conversation: view.info });
    for (const conn of conns) {
      if (conn.knows(conversationId)) continue;
      conn.know(conversationId);
      conn.sendText(frame, 'conversation');
    }
  }
}
