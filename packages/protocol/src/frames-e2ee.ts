import { z } from 'zod';
import { ConversationIdSchema, DeviceIdSchema, UserIdSchema } from './ids.js';
import { LIMITS } from './limits.js';

/**
 * The end-to-end-encryption frames: device directory, KeyPackage store, and
 * the Delivery Service side of MLS (RFC 9420; roles from RFC 9750). Every MLS
 * object travels as base64 (RFC 4648 §4) of its `MLSMessage` encoding
 * (RFC 9420 §6): KeyPackage, Welcome, GroupInfo, PublicMessage, PrivateMessage.
 * The server parses only their plaintext framing (wire format, group id,
 * epoch, content type, sender type, leaf credential); it cannot decrypt them.
 */

const RequestId = z.string().min(1).max(64);
const Millis = z.number().int().nonnegative();
const Seq = z.number().int().nonnegative();
/** An MLS epoch (RFC 9420 §8); fits a JS number for any group's lifetime. */
export const Epoch = z.number().int().nonnegative();

/** Base64 of at most `maxBytes` bytes. */
export function base64Of(maxBytes: number) {
  return z
    .string()
    .min(1)
    .max(Math.ceil(maxBytes / 3) * 4)
    .regex(/^[A-Za-z0-9+/]*={0,2}$/);
}
/** An Ed25519 public signature key (32 bytes), base64. */
export const SignatureKey = z.string().regex(/^[A-Za-z0-9+/]{43}=$/);
/** A KeyPackage / Welcome / GroupInfo / Commit as an MLSMessage, base64. */
export const MlsObject = base64Of(LIMITS.maxHandshakeBytes);

// ---------------------------------------------------------------- client → server

/**
 * Adds KeyPackages of this device to the server's store. Each is handed out
 * once; `lastResort` replaces the device's last-resort KeyPackage, which is
 * handed out (and kept) only when no one-time one is left. An empty list just
 * asks for the stock. Each KeyPackage must carry this device's credential and
 * signature key. Reply: `key_package_stock`.
 */
export const PublishKeyPackagesFrame = z.object({
  type: z.literal('publish_key_packages'),
  id: RequestId,
  keyPackages: z.array(MlsObject).max(LIMITS.maxKeyPackagesPerPublish),
  lastResort: MlsObject.optional(),
});
/**
 * Claims one KeyPackage of every device of each user (except the requesting
 * device), deleting the one-time ones handed out. Reply: `key_packages`.
 */
export const ClaimKeyPackagesFrame = z.object({
  type: z.literal('claim_key_packages'),
  id: RequestId,
  userIds: z.array(UserIdSchema).min(1).max(LIMITS.maxClaimUsers),
});
/** The device directory entry of a user (the Authentication Service's view). Reply: `devices`. */
export const ListDevicesFrame = z.object({ type: z.literal('devices'), id: RequestId, userId: UserIdSchema });
/** The latest GroupInfo of a conversation, for an external join. Reply: `group_info`. */
export const GetGroupInfoFrame = z.object({ type: z.literal('group_info'), id: RequestId, conversationId: ConversationIdSchema });
/**
 * Creates the MLS group of a conversation that has none (first joiner),
 * with its epoch-0 GroupInfo. Refused with `CONCLAVE_ERR_GROUP_EXISTS` when
 * another device was first. Reply: `committed`.
 */
export const CreateGroupFrame = z.object({
  type: z.literal('create_group'),
  id: RequestId,
  conversationId: ConversationIdSchema,
  groupInfo: MlsObject,
});
/**
 * A Commit for the conversation's current epoch, with the GroupInfo of the
 * epoch it creates. Accepted only if the Commit's epoch is the current one
 * (compare-and-set with the log append); otherwise `CONCLAVE_ERR_STALE_EPOCH`
 * and the client processes the log, then retries. An external commit
 * (RFC 9420 §12.4.3.2, a PublicMessage from a new member) is allowed for
 * members of the conversation. `welcome` goes to the `added` devices.
 * `removed` lists devices whose leaves the Commit removes. Reply: `committed`.
 */
export const CommitFrame = z.object({
  type: z.literal('commit'),
  id: RequestId,
  conversationId: ConversationIdSchema,
  commit: MlsObject,
  groupInfo: MlsObject,
  welcome: MlsObject.optional(),
  added: z.array(DeviceIdSchema).max(LIMITS.maxGroupDevices).default([]),
  removed: z.array(DeviceIdSchema).max(LIMITS.maxGroupDevices).default([]),
});

/**
 * Replaces the stored GroupInfo of the group's current `epoch` with one this
 * member device made, in response to `group_info_wanted`. The GroupInfo must
 * be for `epoch` (else `CONCLAVE_ERR_STALE_EPOCH`: the group moved on, and
 * the next Commit brings a new one) and carry `external_pub` in the RFC 9420
 * §12.4.3.2 form (else `CONCLAVE_ERR_MLS_INVALID`). Reply: `ok`.
 */
export const PublishGroupInfoFrame = z.object({
  type: z.literal('publish_group_info'),
  id: RequestId,
  conversationId: ConversationIdSchema,
  epoch: Epoch,
  groupInfo: MlsObject,
});

// ---------------------------------------------------------------- server → client

export const KeyPackageStockFrame = z.object({
  type: z.literal('key_package_stock'),
  id: RequestId,
  /** One-time KeyPackages of this device left on the server. */
  count: z.number().int().nonnegative(),
  hasLastResort: z.boolean(),
});

/** One device in the directory. */
export const DeviceEntry = z.object({
  deviceId: DeviceIdSchema,
  name: z.string(),
  signatureKey: SignatureKey,
  createdAt: Millis,
});
export type DeviceEntry = z.infer<typeof DeviceEntry>;

export const KeyPackagesFrame = z.object({
  type: z.literal('key_packages'),
  id: RequestId,
  /** Every device of the claimed users; `keyPackage` is absent when a device has none left. */
  devices: z.array(DeviceEntry.extend({ userId: UserIdSchema, keyPackage: MlsObject.optional() })),
});
export const DevicesFrame = z.object({
  type: z.literal('devices'),
  id: RequestId,
  userId: UserIdSchema,
  username: z.string(),
  devices: z.array(DeviceEntry),
});
export const GroupInfoFrame = z.object({
  type: z.literal('group_info'),
  id: RequestId,
  conversationId: ConversationIdSchema,
  /** Absent when the conversation has no group yet (create it). */
  group: z.object({ epoch: Epoch, groupInfo: MlsObject }).optional(),
});
/** A Commit (or group creation) was accepted: it is at `seq`, and the group is now at `epoch`. */
export const CommittedFrame = z.object({
  type: z.literal('committed'),
  id: RequestId,
  conversationId: ConversationIdSchema,
  seq: Seq,
  epoch: Epoch,
});
/**
 * Pushed to a device when claims took its one-time KeyPackages on the server
 * below `LIMITS.keyPackageLowWater`: `count` are left. The device uploads more
 * (`publish_key_packages`); until it does, claimers get its last-resort one.
 */
export const KeyPackagesLowFrame = z.object({
  type: z.literal('key_packages_low'),
  count: z.number().int().nonnegative(),
});
/**
 * Pushed at `sync` to a device in the conversation's group when the stored
 * GroupInfo of `epoch` is one the server should not hand to joiners as it is
 * — today: its `external_pub` is in the bare-key form ts-mls 1.6.4 wrote,
 * which other RFC 9420 implementations cannot read. A device whose group is
 * at `epoch` answers with `publish_group_info`; others ignore it.
 */
export const GroupInfoWantedFrame = z.object({
  type: z.literal('group_info_wanted'),
  conversationId: ConversationIdSchema,
  epoch: Epoch,
});
/**
 * A Welcome for this device (RFC 9420 §12.4.3.1): it was added to the
 * conversation's group by the Commit at `seq`, and is sent the log after it.
 * Pushed live, and again on `sync` while the device's cursor is below `seq`.
 */
export const WelcomeFrame = z.object({
  type: z.literal('welcome'),
  conversationId: ConversationIdSchema,
  seq: Seq,
  welcome: MlsObject,
});
