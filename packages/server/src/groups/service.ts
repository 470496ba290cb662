import { asConversationId, asUserId, encodeFrame, LIMITS, type ConversationId, type DeviceId, type FrameOf, type ServerFrame, type UserId } from '@conclave/protocol';
import type { Principal } from '../accounts/service.js';
import type { Bus } from '../bus/bus.js';
import type { ConversationService } from '../conversations/service.js';
import type { DeliveryService } from '../delivery/service.js';
import { leafIsDevice } from '../devices/credential.js';
import type { DeviceService } from '../devices/service.js';
import { ServiceError } from '../errors.js';
import { newId } from '../ids.js';
import { parseCommit, parseGroupInfo, parseWelcome } from '../mls/framing.js';
import type { GroupStore } from './store.js';

/** A `commit` request, MLS objects as base64 MLSMessages. */
export interface CommitInput {
  conversationId: string;
  commit: string;
  groupInfo: string;
  welcome?: string | undefined;
  added: DeviceId[];
  removed: DeviceId[];
}

/**
 * What `sync` does for one device: Welcomes to send first, then where to
 * follow each conversation from; and the users whose leaves linger in its
 * groups though they are no longer members (the device is told, as after a
 * live `leave` notice, so that a member removes them).
 */
export interface SyncPlan {
  welcomes: Array<FrameOf<ServerFrame, 'welcome'>>;
  follow: Array<{ conversationId: string; from: number }>;
  departed: Array<{ conversationId: ConversationId; user: { userId: UserId; username: string } }>;
  /** Groups whose stored GroupInfo a member should replace (`group_info_wanted`), at their current epoch. */
  groupInfoWanted: Array<FrameOf<ServerFrame, 'group_info_wanted'>>;
}

const bytes = (b64: string): Uint8Array => Buffer.from(b64, 'base64');

/**
 * Largest GroupInfo (MLSMessage with its ratchet tree), in bytes, for a group of
 * `devices` devices: `LIMITS.groupInfoBaseBytes + devices × LIMITS.groupInfoBytesPerDevice`,
 * at most `LIMITS.maxHandshakeBytes`. The server keeps the latest one per group.
 */
export function groupInfoAllowance(devices: number): number {
  return Math.min(LIMITS.maxHandshakeBytes, LIMITS.groupInfoBaseBytes + devices * LIMITS.groupInfoBytesPerDevice);
}

/**
 * Largest Welcome, in bytes, adding `added` devices to a group that then has
 * `devices`: the GroupInfo allowance plus `LIMITS.welcomeBytesPerAddedDevice`
 * per added device, at most `LIMITS.maxHandshakeBytes`. The server keeps a copy
 * per added device until it has caught up.
 */
export function welcomeAllowance(devices: number, added: number): number {
  return Math.min(LIMITS.maxHandshakeBytes, groupInfoAllowance(devices) + added * LIMITS.welcomeBytesPerAddedDevice);
}

/** @throws ServiceError MLS_TOO_LARGE when `object` is over `max` bytes. */
function assertSize(what: string, object: Uint8Array, max: number): void {
  if (object.length > max) throw new ServiceError('CONCLAVE_ERR_MLS_TOO_LARGE', `${what} of ${object.length} bytes > ${max}`);
}

/**
 * The Delivery Service side of MLS groups (RFC 9420; RFC 9750 §5): one group
 * per conversation, its epoch and latest GroupInfo, which devices are in it,
 * and Welcome routing. Commits are serialised by compare-and-set on the epoch
 * in the same transaction as the log append (RFC 9750 §5.2), so of two
 * Commits for one epoch exactly one is accepted and the other committer
 * retries on top of it. The server reads only framing; members verify
 * signatures and apply the Commits.
 */
export class GroupService {
  constructor(
    private readonly store: GroupStore,
    private readonly conversations: ConversationService,
    private readonly devices: DeviceService,
    private readonly delivery: DeliveryService,
    private readonly bus: Bus,
    private readonly now: () => number = Date.now,
    /** Devices one group may hold (`LIMITS.maxGroupSize`). */
    private readonly maxGroupSize: number = LIMITS.maxGroupSize,
  ) {}

  /**
   * The conversation's current epoch and GroupInfo (base64), or undefined when it has no group.
   * @throws ServiceError NOT_MEMBER
   */
  async groupInfo(by: Principal, conversationId: string): Promise<{ epoch: number; groupInfo: string } | undefined> {
    this.requireMember(by, conversationId);
    const group = await this.store.find(conversationId);
    return group && { epoch: group.epoch, groupInfo: Buffer.from(group.groupInfo).toString('base64') };
  }

  /**
   * Creates the conversation's group at epoch 0 with the requesting device as
   * its only member; the device is sent the log after the returned seq.
   * @throws ServiceError NOT_MEMBER, MLS_TOO_LARGE (GroupInfo over `groupInfoAllowance(1)`),
   *   MLS_INVALID (not an epoch-0 GroupInfo of this group), GROUP_EXISTS
   */
  async create(by: Principal, input: { conversationId: string; groupInfo: string }): Promise<{ seq: number; epoch: number }> {
    this.requireMember(by, input.conversationId);
    const groupInfo = bytes(input.groupInfo);
    assertSize('group info', groupInfo, groupInfoAllowance(1));
    const parsed = parseGroupInfo(groupInfo, input.conversationId);
    if (parsed.epoch !== 0) {
      throw new ServiceError('CONCLAVE_ERR_MLS_INVALID', 'group info of a new group must be epoch 0');
    }
    const seq = await this.store.create(input.conversationId, { bytes: groupInfo, wanted: parsed.externalPub !== 'rfc' }, by.deviceId, this.now());
    this.bus.publish({ kind: 'group', conversationId: input.conversationId, joined: [{ deviceId: by.deviceId, since: seq, welcomed: false }], left: [] });
    return { seq, epoch: 0 };
  }

  /**
   * Accepts a Commit for the group's current epoch: appends it to the log,
   * advances the epoch with the new GroupInfo, routes the Welcome to the added
   * devices and the log to joiners from the Commit's seq on, and stops routing
   * to removed devices. An external commit (RFC 9420 §12.4.3.2) must carry this
   * device's credential and registered key and comes from a member user.
   * @returns the Commit's seq and the new epoch.
   * The GroupInfo and Welcome must fit `groupInfoAllowance` / `welcomeAllowance`
   * of the group's device count after the Commit (devices in it + added + an external joiner).
   * A Commit that adds (or joins) past `maxGroupSize` devices (`LIMITS.maxGroupSize`) is refused.
   * @throws ServiceError NOT_MEMBER (requester, or an added device's user), GROUP_FULL, MLS_TOO_LARGE, MLS_INVALID,
   *   DEVICE_KEY_MISMATCH, NO_GROUP, NOT_GROUP_MEMBER, STALE_EPOCH
   */
  async commit(by: Principal, input: CommitInput): Promise<{ seq: number; epoch: number }> {
    const { conversationId } = input;
    this.requireMember(by, conversationId);
    const commit = bytes(input.commit);
    const framing = parseCommit(commit, conversationId);
    const groupInfo = bytes(input.groupInfo);
    const addedCount = new Set<string>(input.added).size;
    const devicesAfter = (await this.store.deviceCount(conversationId)) + addedCount + (framing.external ? 1 : 0);
    const removedCount = new Set<string>(input.removed).size;
    if (devicesAfter - removedCount > this.maxGroupSize && addedCount + (framing.external ? 1 : 0) > 0) {
      throw new ServiceError('CONCLAVE_ERR_GROUP_FULL', `${devicesAfter - removedCount} devices > ${this.maxGroupSize}`);
    }
    assertSize('group info', groupInfo, groupInfoAllowance(devicesAfter));
    const groupInfoFraming = parseGroupInfo(groupInfo, conversationId);
    if (groupInfoFraming.epoch !== framing.epoch + 1) {
      throw new ServiceError('CONCLAVE_ERR_MLS_INVALID', 'group info is not for the epoch the commit creates');
    }
    const welcome = input.welcome === undefined ? undefined : bytes(input.welcome);
    if (welcome) {
      assertSize('welcome', welcome, welcomeAllowance(devicesAfter, addedCount));
      parseWelcome(welcome);
    }
    const added = [...new Set<string>(input.added)];
    const removed = [...new Set<string>(input.removed)];
    if (added.length > 0 && !welcome) throw new ServiceError('CONCLAVE_ERR_MLS_INVALID', 'added devices without a welcome');
    if (framing.external) {
      const device = await this.devices.findDevice(by.deviceId);
      if (!device || !leafIsDevice(framing.external, { userId: by.user.userId, deviceId: by.deviceId, signatureKey: device.signatureKey })) {
        throw new ServiceError('CONCLAVE_ERR_DEVICE_KEY_MISMATCH', 'external commit leaf is not this device');
      }
    }
    for (const deviceId of added) {
      const device = await this.devices.findDevice(deviceId);
      if (!device || device.signatureKey === null || !(await this.conversations.hasMember(conversationId, device.userId))) {
        throw new ServiceError('CONCLAVE_ERR_NOT_MEMBER', 'added device is not a member user\'s');
      }
    }
    const entry = {
      conversationId,
      kind: 'commit' as const,
      senderUserId: by.user.userId,
      senderDeviceId: by.deviceId,
      clientMsgId: `commit-${newId()}`,
      body: commit,
      sentAt: this.now(),
    };
    const external = framing.external !== undefined;
    const { seq, epoch } = await this.store.commit(
      // A pre-RFC GroupInfo (a client older than the server) is kept, so nothing is lost, and marked for a member to replace.
      { entry, epoch: framing.epoch, groupInfo, groupInfoWanted: groupInfoFraming.externalPub !== 'rfc', external, added, removed, welcome },
      entry.sentAt,
    );
    // The Commit first: a removed device's connection may still be sent the Commit that removes it.
    this.delivery.publish({ ...entry, seq, senderUsername: by.user.username });
    const joined = [
      ...added.map((deviceId) => ({ deviceId, since: seq, welcomed: true })),
      ...(external && !added.includes(by.deviceId) ? [{ deviceId: by.deviceId as string, since: seq, welcomed: false }] : []),
    ];
    const left = removed.filter((d) => !joined.some((j) => j.deviceId === d));
    if (joined.length > 0 || left.length > 0) {
      const welcomeFrame = welcome
        ? encodeFrame({ type: 'welcome', conversationId: asConversationId(conversationId), seq, welcome: input.welcome! })
        : undefined;
      this.bus.publish({ kind: 'group', conversationId, joined, left, ...(welcomeFrame ? { welcomeFrame } : {}) });
    }
    return { seq, epoch };
  }

  /**
   * Replaces the GroupInfo of the group's current epoch with one a device in
   * the group made (the answer to `group_info_wanted`). It must be for `epoch`
   * and carry `external_pub` in the RFC 9420 §12.4.3.2 form.
   * @throws ServiceError NOT_MEMBER, MLS_TOO_LARGE, MLS_INVALID (not a GroupInfo of this
   *   group for `epoch`, or `external_pub` not in the RFC form), NO_GROUP, NOT_GROUP_MEMBER, STALE_EPOCH
   */
  async publishGroupInfo(by: Principal, input: { conversationId: string; epoch: number; groupInfo: string }): Promise<void> {
    this.requireMember(by, input.conversationId);
    const groupInfo = bytes(input.groupInfo);
    assertSize('group info', groupInfo, groupInfoAllowance(await this.store.deviceCount(input.conversationId)));
    const parsed = parseGroupInfo(groupInfo, input.conversationId);
    if (parsed.epoch !== input.epoch) throw new ServiceError('CONCLAVE_ERR_MLS_INVALID', 'group info is not for the epoch named');
    if (parsed.externalPub !== 'rfc') throw new ServiceError('CONCLAVE_ERR_MLS_INVALID', 'external_pub must be in the RFC 9420 form');
    await this.store.replaceGroupInfo(input.conversationId, by.deviceId, input.epoch, groupInfo, this.now());
  }

  /**
   * Plans a device's `sync`: its pending Welcomes whose seq is above the
   * client's cursor (others are processed or superseded, and deleted), and the
   * conversations whose group it is in, each followed from
   * max(cursor, the seq the device joined the group at, the seq its user joined at).
   * Missing cursors count as 0.
   */
  async syncPlan(by: Principal, cursors: Record<string, number>): Promise<SyncPlan> {
    const conversations = await this.conversations.listFor(by.user.userId);
    const memberships = await this.store.groupsOfDevice(by.deviceId);
    const since = new Map(memberships.map((g) => [g.conversationId, g.sinceSeq]));
    const welcomes: SyncPlan['welcomes'] = [];
    for (const w of await this.store.welcomesFor(by.deviceId)) {
      const current = since.get(w.conversationId) === w.seq && this.conversations.isMember(w.conversationId, by.user.userId);
      if (current && (cursors[w.conversationId] ?? 0) < w.seq) {
        const conversationId: ConversationId = asConversationId(w.conversationId);
        welcomes.push({ type: 'welcome', conversationId, seq: w.seq, welcome: Buffer.from(w.welcome).toString('base64') });
      } else {
        await this.store.deleteWelcome(by.deviceId, w.conversationId, w.seq);
      }
    }
    const follow: SyncPlan['follow'] = [];
    for (const { info, joinedSeq } of conversations) {
      const sinceSeq = since.get(info.conversationId);
      if (sinceSeq === undefined) continue;
      follow.push({ conversationId: info.conversationId, from: Math.max(cursors[info.conversationId] ?? 0, sinceSeq, joinedSeq) });
    }
    const departed = (await this.store.departedInGroupsOf(by.deviceId))
      .filter((d) => this.conversations.isMember(d.conversationId, by.user.userId))
      .map((d) => ({ conversationId: asConversationId(d.conversationId), user: { userId: asUserId(d.userId), username: d.username } }));
    const groupInfoWanted = memberships
      .filter((g) => g.groupInfoWanted && this.conversations.isMember(g.conversationId, by.user.userId))
      .map((g) => ({ type: 'group_info_wanted' as const, conversationId: asConversationId(g.conversationId), epoch: g.epoch }));
    return { welcomes, follow, departed, groupInfoWanted };
  }

  private requireMember(by: Principal, conversationId: string): void {
    if (!this.conversations.isMember(conversationId, by.user.userId)) throw new ServiceError('CONCLAVE_ERR_NOT_MEMBER');
  }
}
