import {
  asConversationId,
  asUserId,
  GENERAL_ROOM,
  ROOM_NAME_PATTERN,
  type ConversationInfo,
  type UserInfo,
} from '@conclave/protocol';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { memoryLimiters, type LimiterFactory } from '../cluster/limiters.js';
import type { Bus } from '../bus/bus.js';
import { ServiceError } from '../errors.js';
import { newId } from '../ids.js';
import type { AccountStore } from '../accounts/store.js';
import type { SettingsService } from '../settings/service.js';
import type { ConversationRecord, ConversationStore } from './store.js';

/** A conversation as the requester sees it, plus where their devices start reading. */
export interface Joined {
  info: ConversationInfo;
  joinedSeq: number;
}

function infoOf(c: ConversationRecord, peer?: { userId: string; username: string }): ConversationInfo {
  return {
    conversationId: asConversationId(c.id),
    kind: c.kind,
    name: c.kind === 'room' ? (c.name ?? '') : (peer?.username ?? '(unknown)'),
    ...(peer ? { peer: { userId: asUserId(peer.userId), username: peer.username } } : {}),
    seq: c.lastSeq,
  };
}

/**
 * Rooms and DMs, and the in-memory routing table (conversation → member user
 * ids) that fan-out reads instead of the database. The table is loaded at
 * start, refreshed per user at login, and kept current through bus
 * `membership` events.
 */
export class ConversationService {
  private readonly routing = new Map<string, Set<string>>();
  private generalId: string | undefined;
  /** Rooms created per member within the hour, by the setting `rooms_per_user_per_hour` in force (in this process, or the cluster's Redis). */
  private readonly roomCreations = new Map<number, RateLimiterAbstract>();

  constructor(
    private readonly store: ConversationStore,
    private readonly accounts: AccountStore,
    private readonly bus: Bus,
    private readonly settings: SettingsService,
    private readonly now: () => number = Date.now,
    /** Where room creations are counted (default: this process's memory; Redis in a cluster). */
    private readonly limiters: LimiterFactory = memoryLimiters,
  ) {}

  /** Creates `#general` when missing, adds every user to it, and loads the routing table. */
  async start(): Promise<void> {
    const general = await this.ensureRoom(GENERAL_ROOM);
    this.generalId = general.id;
    for (const userId of await this.store.allUserIds()) await this.store.addMember(general.id, userId, this.now());
    for (const { conversationId, userId } of await this.store.allMemberships()) this.route(conversationId, userId, 'add');
  }

  /** Adds a (new) user to `#general`; every node of a cluster routes them. */
  async addToGeneral(userId: string): Promise<void> {
    const general = this.generalId ?? (await this.ensureRoom(GENERAL_ROOM)).id;
    await this.store.addMember(general, userId, this.now());
    this.bus.publish({ kind: 'membership', conversationId: general, userId, change: 'add' });
  }

  /** Applies a membership change from the bus to the routing table. */
  applyMembership(conversationId: string, userId: string, change: 'add' | 'remove'): void {
    this.route(conversationId, userId, change);
  }

  /** Member user ids of a conversation, from memory (no database read). */
  membersOf(conversationId: string): ReadonlySet<string> {
    return this.routing.get(conversationId) ?? new Set();
  }

  /** True when the user is a member (from memory). */
  isMember(conversationId: string, userId: string): boolean {
    return this.routing.get(conversationId)?.has(userId) ?? false;
  }

  /**
   * True when the user is a member: from memory, else from the database (and
   * then routed). For users who may never have connected to this node — a
   * user created from the shell, or on another node of a cluster.
   */
  async hasMember(conversationId: string, userId: string): Promise<boolean> {
    if (this.isMember(conversationId, userId)) return true;
    if ((await this.store.membership(conversationId, userId)) === undefined) return false;
    this.route(conversationId, userId, 'add');
    return true;
  }

  /**
   * The user's conversations, with where their devices start reading; also
   * refreshes the routing table for this user (users added from the shell).
   */
  async listFor(userId: string): Promise<Joined[]> {
    if (this.generalId && !(await this.store.membership(this.generalId, userId))) {
      await this.store.addMember(this.generalId, userId, this.now());
    }
    const views = await this.store.listForUser(userId);
    for (const v of views) this.route(v.id, userId, 'add');
    return views.map((v) => ({ info: infoOf(v, v.peer), joinedSeq: v.joinedSeq }));
  }

  /**
   * Joins a room, creating it when it does not exist. A member (not an admin:
   * admins run the server and may change the setting) creates at most
   * `rooms_per_user_per_hour` rooms per hour (counted in this process); the
   * attempt is counted before the room is made, so parallel joins cannot exceed it.
   * @returns the room, and whether the user was newly added.
   * @throws ServiceError ROOM_NAME_INVALID, ROOM_CREATION_CLOSED (setting `room_creation` is
   *   `admins` and the user is not one), ROOM_CREATION_LIMIT (over `rooms_per_user_per_hour`)
   */
  async joinRoom(user: UserInfo, roomName: string): Promise<Joined & { added: boolean }> {
    const name = roomName.startsWith('#') ? roomName : `#${roomName}`;
    if (!ROOM_NAME_PATTERN.test(name)) throw new ServiceError('CONCLAVE_ERR_ROOM_NAME_INVALID');
    if (!(await this.store.findRoomByKey(name.toLowerCase()))) {
      // The stored role, not the session's copy: a demotion takes effect at once.
      const admin = (await this.accounts.findUserById(user.userId))?.role === 'admin';
      if (!admin && (await this.settings.roomCreation()) === 'admins') throw new ServiceError('CONCLAVE_ERR_ROOM_CREATION_CLOSED');
      if (!admin) await this.countRoomCreation(user.userId);
    }
    const room = await this.ensureRoom(name);
    const before = await this.store.membership(room.id, user.userId);
    if (before === undefined) await this.store.addMember(room.id, user.userId, this.now());
    const joinedSeq = before ?? (await this.store.membership(room.id, user.userId)) ?? room.lastSeq;
    const fresh = (await this.store.findById(room.id)) ?? room;
    if (before === undefined) this.bus.publish({ kind: 'membership', conversationId: room.id, userId: user.userId, change: 'add' });
    return { info: infoOf(fresh), joinedSeq, added: before === undefined };
  }

  /**
   * Leaves a room. `#general` cannot be left, nor can a DM.
   * @throws ServiceError NO_SUCH_CONVERSATION, NOT_MEMBER, CANNOT_LEAVE
   */
  async leave(user: UserInfo, conversationId: string): Promise<ConversationInfo> {
    const c = await this.store.findById(conversationId);
    if (!c) throw new ServiceError('CONCLAVE_ERR_NO_SUCH_CONVERSATION');
    if (!this.isMember(c.id, user.userId)) throw new ServiceError('CONCLAVE_ERR_NOT_MEMBER');
    if (c.kind !== 'room' || c.id === this.generalId) throw new ServiceError('CONCLAVE_ERR_CANNOT_LEAVE');
    await this.store.removeMember(c.id, user.userId);
    this.bus.publish({ kind: 'membership', conversationId: c.id, userId: user.userId, change: 'remove' });
    return infoOf(c);
  }

  /**
   * Removes a user from a room by an admin (`/kick`); `#general` is for everyone.
   * @returns the room.
   * @throws ServiceError ROOM_NAME_INVALID, NO_SUCH_CONVERSATION, NOT_MEMBER, CANNOT_LEAVE
   */
  async kick(userId: string, roomName: string): Promise<ConversationInfo> {
    const name = roomName.startsWith('#') ? roomName : `#${roomName}`;
    if (!ROOM_NAME_PATTERN.test(name)) throw new ServiceError('CONCLAVE_ERR_ROOM_NAME_INVALID');
    const room = await this.store.findRoomByKey(name.toLowerCase());
    if (!room) throw new ServiceError('CONCLAVE_ERR_NO_SUCH_CONVERSATION');
    if (room.id === this.generalId) throw new ServiceError('CONCLAVE_ERR_CANNOT_LEAVE');
    if ((await this.store.membership(room.id, userId)) === undefined) throw new ServiceError('CONCLAVE_ERR_NOT_MEMBER');
    await this.store.removeMember(room.id, userId);
    this.bus.publish({ kind: 'membership', conversationId: room.id, userId, change: 'remove' });
    return infoOf(room);
  }

  /**
   * Removes a deleted user from every conversation (rooms, `#general`, DMs).
   * @returns the conversations they were in.
   */
  async removeEverywhere(userId: string): Promise<string[]> {
    const views = await this.store.listForUser(userId);
    for (const v of views) {
      await this.store.removeMember(v.id, userId);
      this.bus.publish({ kind: 'membership', conversationId: v.id, userId, change: 'remove' });
    }
    return views.map((v) => v.id);
  }

  /** Number of rooms on the server. */
  async roomCount(): Promise<number> {
    return (await this.store.listRooms()).length;
  }

  /**
   * The DM between `user` and the user called `username`, created on first use.
   * Works whether or not the other user is online.
   * @returns the DM as the requester sees it, the peer, and whether it was created now.
   * @throws ServiceError NO_SUCH_USER, SELF_DM
   */
  async openDm(user: UserInfo, username: string): Promise<{ info: ConversationInfo; peerId: string; created: boolean }> {
    const peer = await this.accounts.findUserByKey(username.toLowerCase());
    if (!peer || peer.deletedAt !== null) throw new ServiceError('CONCLAVE_ERR_NO_SUCH_USER');
    if (peer.id === user.userId) throw new ServiceError('CONCLAVE_ERR_SELF_DM');
    const dmKey = [user.userId, peer.id].sort().join(':');
    let dm = await this.store.findDmByKey(dmKey);
    let created = false;
    if (!dm) {
      const record = { id: newId(), kind: 'dm' as const, name: null, nameKey: null, dmKey };
      created = await this.store.create(record, [user.userId, peer.id], this.now());
      dm = await this.store.findDmByKey(dmKey);
      if (!dm) throw new ServiceError('CONCLAVE_ERR_INTERNAL', 'dm vanished after create');
      if (created) {
        for (const id of [user.userId, peer.id]) this.bus.publish({ kind: 'membership', conversationId: dm.id, userId: id, change: 'add' });
      }
    }
    return { info: infoOf(dm, { userId: peer.id, username: peer.username }), peerId: peer.id, created };
  }

  /** The conversation as `userId` sees it (DM name = the other member), or undefined. */
  async viewFor(conversationId: string, userId: string): Promise<Joined | undefined> {
    const views = await this.store.listForUser(userId);
    const v = views.find((x) => x.id === conversationId);
    return v && { info: infoOf(v, v.peer), joinedSeq: v.joinedSeq };
  }

  /** Every room with its member count and whether `userId` is in it. */
  async listRooms(userId: string): Promise<Array<{ conversationId: ConversationInfo['conversationId']; name: string; members: number; joined: boolean }>> {
    const rooms = await this.store.listRooms();
    return rooms.map((r) => ({ conversationId: asConversationId(r.id), name: r.name, members: r.members, joined: this.isMember(r.id, userId) }));
  }

  /** Members of a conversation with their usernames (database read; for `/who`). */
  async membersWithNames(user: UserInfo, conversationId: string): Promise<Array<{ userId: string; username: string }>> {
    if (!this.isMember(conversationId, user.userId)) throw new ServiceError('CONCLAVE_ERR_NOT_MEMBER');
    return this.store.membersOf(conversationId);
  }

  /** @throws ServiceError ROOM_CREATION_LIMIT when the user used up this hour's room creations. */
  private async countRoomCreation(userId: string): Promise<void> {
    const perHour = await this.settings.roomsPerUserPerHour();
    let limiter = this.roomCreations.get(perHour);
    if (!limiter) this.roomCreations.set(perHour, (limiter = this.limiters(`room-creations-${perHour}`, { points: perHour, duration: 3600 })));
    try {
      await limiter.consume(userId);
    } catch (err) {
      if (err instanceof RateLimiterRes) {
        const minutes = Math.max(1, Math.ceil(err.msBeforeNext / 60_000));
        throw new ServiceError('CONCLAVE_ERR_ROOM_CREATION_LIMIT', `${perHour} rooms per hour`, {
          message: `You can create ${perHour} rooms per hour; try again in ${minutes} min.`,
        });
      }
      throw err;
    }
  }

  private async ensureRoom(name: string): Promise<ConversationRecord> {
    const nameKey = name.toLowerCase();
    const existing = await this.store.findRoomByKey(nameKey);
    if (existing) return existing;
    await this.store.create({ id: newId(), kind: 'room', name, nameKey, dmKey: null }, [], this.now());
    const room = await this.store.findRoomByKey(nameKey);
    if (!room) throw new ServiceError('CONCLAVE_ERR_INTERNAL', 'room vanished after create');
    return room;
  }

  private route(conversationId: string, userId: string, change: 'add' | 'remove'): void {
    let set = this.routing.get(conversationId);
    if (change === 'add') {
      if (!set) this.routing.set(conversationId, (set = new Set()));
      set.add(userId);
    } else {
      set?.delete(userId);
    }
  }
}
