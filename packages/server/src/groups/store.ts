import type { NewMessage } from '../delivery/store.js';

/** A conversation's MLS group as the server keeps it. */
export interface GroupRecord {
  /** The current epoch (RFC 9420 §8): the only one a Commit or an application message is accepted for. */
  epoch: number;
  /** The GroupInfo (MLSMessage) of `epoch`, for external joins. */
  groupInfo: Uint8Array;
}

/** A Welcome kept for a device until its cursor passes `seq`. */
export interface PendingWelcome {
  conversationId: string;
  /** Seq of the Commit that added the device. */
  seq: number;
  welcome: Uint8Array;
}

/** Everything one accepted Commit changes, applied in one transaction. */
export interface CommitChange {
  /** The Commit as a log entry (kind `commit`). */
  entry: NewMessage;
  /** The epoch the Commit was made in: compare-and-set against the stored one. */
  epoch: number;
  /** GroupInfo of epoch + 1. */
  groupInfo: Uint8Array;
  /** The GroupInfo should be replaced by a member (see `GroupDeviceMembership.groupInfoWanted`). */
  groupInfoWanted: boolean;
  /** An external commit: the committing device joins (it need not be in the group yet). */
  external: boolean;
  /** Devices added by the Commit: they join at its seq and are given `welcome`. */
  added: string[];
  /** Devices whose leaves the Commit removes (absent ones are ignored). */
  removed: string[];
  welcome: Uint8Array | undefined;
}

/** A group a device is in, as its `sync` needs it. */
export interface GroupDeviceMembership {
  conversationId: string;
  /** The seq the device joined the group at. */
  sinceSeq: number;
  /** The group's current epoch. */
  epoch: number;
  /** The stored GroupInfo should be replaced by a member device (ts-mls 1.6.4's bare `external_pub`, or none). */
  groupInfoWanted: boolean;
}

/** Persistence of MLS groups, their member devices and pending Welcomes. Implemented per SQL dialect. */
export interface GroupStore {
  find(conversationId: string): Promise<GroupRecord | undefined>;
  /**
   * Creates the group at epoch 0 with its GroupInfo, and puts the creating
   * device in it from the conversation's current `last_seq` (one transaction).
   * @returns that seq.
   * @throws ServiceError GROUP_EXISTS
   */
  create(conversationId: string, groupInfo: { bytes: Uint8Array; wanted: boolean }, deviceId: string, now: number): Promise<number>;
  /**
   * Replaces the GroupInfo of the group's current epoch (compare-and-set on
   * `epoch`) with one a device in the group made, and clears `group_info_wanted`.
   * @throws ServiceError NO_GROUP, NOT_GROUP_MEMBER, STALE_EPOCH
   */
  replaceGroupInfo(conversationId: string, deviceId: string, epoch: number, groupInfo: Uint8Array, now: number): Promise<void>;
  /**
   * Applies an accepted Commit in one transaction: the group must exist
   * (NO_GROUP), a non-external committer must be in it (NOT_GROUP_MEMBER), and
   * its epoch must be `change.epoch` (STALE_EPOCH); then the Commit is appended,
   * the epoch advances with the new GroupInfo, `removed` leave and the joiners
   * (`added`, and the committer of an external commit) join at the Commit's seq,
   * and `welcome` is kept for each added device. Nothing changes on refusal.
   * @returns the Commit's seq and the new epoch.
   * @throws ServiceError NO_GROUP, NOT_GROUP_MEMBER, STALE_EPOCH
   */
  commit(change: CommitChange, now: number): Promise<{ seq: number; epoch: number }>;
  /** How many devices are in the conversation's group (0 without a group). */
  deviceCount(conversationId: string): Promise<number>;
  /** The groups a device is in, with the seq it joined each at. */
  groupsOfDevice(deviceId: string): Promise<GroupDeviceMembership[]>;
  /**
   * In the groups `deviceId` is in: the users who left the conversation (or
   * were removed, or deleted) and whose leaves no Commit has removed yet.
   */
  departedInGroupsOf(deviceId: string): Promise<Array<{ conversationId: string; userId: string; username: string }>>;
  /** The device's pending Welcomes, oldest first. */
  welcomesFor(deviceId: string): Promise<PendingWelcome[]>;
  /** Forgets one pending Welcome (processed or superseded). */
  deleteWelcome(deviceId: string, conversationId: string, seq: number): Promise<void>;
}
