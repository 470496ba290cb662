import { asConversationId, asDeviceId, asUserId, encodeFrame, LIMITS, type BlobId, type FrameOf, type ServerFrame } from '@conclave/protocol';
import type { Principal } from '../accounts/service.js';
import type { BlobService } from '../blobs/service.js';
import type { Bus } from '../bus/bus.js';
import type { ConversationService } from '../conversations/service.js';
import type { Metrics } from '../metrics/metrics.js';
import type { SettingsService } from '../settings/service.js';
import { ServiceError } from '../errors.js';
import { parseApplicationMessage } from '../mls/framing.js';
import type { DeliveryStore, LoggedMessage } from './store.js';

/** The `message` frame of a logged entry. The body goes out as base64, untouched. */
export function messageFrame(m: LoggedMessage): FrameOf<ServerFrame, 'message'> {
  return {
    type: 'message',
    conversationId: asConversationId(m.conversationId),
    seq: m.seq,
    sender: {
      userId: asUserId(m.senderUserId),
      username: m.senderUsername,
      deviceId: asDeviceId(m.senderDeviceId),
    },
    kind: m.kind,
    clientMsgId: m.clientMsgId,
    body: Buffer.from(m.body).toString('base64'),
    sentAt: m.sentAt,
  };
}

/**
 * Bytes an MLS PrivateMessage may add to the text it carries (framing,
 * sender data, padding, AEAD tag; RFC 9420 §6.3): the ciphertext limit is the
 * `max_message_bytes` setting plus this.
 */
export const CIPHERTEXT_OVERHEAD_BYTES = LIMITS.maxCiphertextBytes - LIMITS.maxBodyBytes;

/**
 * The Delivery Service (RFC 9750 §5) for application messages: checks an
 * MLS PrivateMessage's framing (never its content), appends it to the
 * conversation's log durably before the ack, and publishes "conversation X has
 * seq N" with the frame serialised once. Application messages are accepted
 * only for the group's current epoch, so the log is in epoch order and members
 * can delete old-epoch keys after each Commit. Bodies are never logged.
 */
export class DeliveryService {
  constructor(
    private readonly store: DeliveryStore,
    private readonly conversations: ConversationService,
    private readonly bus: Bus,
    private readonly settings: SettingsService,
    /** Counts accepted application messages. */
    private readonly metrics?: Metrics,
    private readonly now: () => number = Date.now,
    /** Attachments (`send` with `attachments`); without it, a message with attachments is refused (BLOB_NOT_FOUND). */
    private readonly blobs?: Pick<BlobService, 'checkAttachments' | 'link'>,
  ) {}

  /**
   * Appends an application message from `sender`. A retry with the same
   * `clientMsgId` returns the first copy's seq and stores nothing, even after
   * the epoch moved on.
   * @param input.body base64 of an MLSMessage: a PrivateMessage with application
   *   content for the conversation's group, at most the `max_message_bytes`
   *   setting plus `CIPHERTEXT_OVERHEAD_BYTES` (and never over `LIMITS.maxCiphertextBytes`).
   * @param input.attachments blobs (`BLOB_PATH`) the message announces: each must have been
   *   uploaded by the sender's user. Once the message is logged (or found logged, on a retry)
   *   they are linked to it: members of the conversation may download them until it expires.
   * @returns the seq and the server time of the message (ms).
   * @throws ServiceError NOT_MEMBER, BODY_TOO_LARGE, MLS_INVALID, BLOB_NOT_FOUND (an attachment
   *   is not the sender's), NOT_GROUP_MEMBER (the device's leaf is not in the group), STALE_EPOCH
   *   (the message is not for the current epoch)
   */
  async send(
    sender: Principal,
    input: { conversationId: string; clientMsgId: string; body: string; attachments?: readonly BlobId[] | undefined },
  ): Promise<{ seq: number; sentAt: number }> {
    if (!this.conversations.isMember(input.conversationId, sender.user.userId)) {
      throw new ServiceError('CONCLAVE_ERR_NOT_MEMBER');
    }
    const body = Buffer.from(input.body, 'base64');
    const limit = Math.min(LIMITS.maxCiphertextBytes, (await this.settings.maxMessageBytes()) + CIPHERTEXT_OVERHEAD_BYTES);
    if (body.byteLength > limit) throw new ServiceError('CONCLAVE_ERR_BODY_TOO_LARGE');
    const { epoch } = parseApplicationMessage(body, input.conversationId);
    const attachments = input.attachments === undefined ? undefined : [...new Set(input.attachments)];
    if (attachments !== undefined) {
      if (!this.blobs) throw new ServiceError('CONCLAVE_ERR_BLOB_NOT_FOUND', 'no blob service');
      await this.blobs.checkAttachments(sender.user.userId, attachments);
    }
    const entry = {
      conversationId: input.conversationId,
      kind: 'application' as const,
      senderUserId: sender.user.userId,
      senderDeviceId: sender.deviceId,
      clientMsgId: input.clientMsgId,
      body,
      sentAt: this.now(),
    };
    const { seq, sentAt, duplicate } = await this.store.appendApplication(entry, epoch);
    // Also on a retry (duplicate): the first attempt may have been logged but not linked before a crash.
    if (attachments !== undefined) await this.blobs?.link(attachments, input.conversationId, seq, sentAt);
    if (!duplicate) {
      this.metrics?.messageAccepted();
      this.publish({ ...entry, seq, sentAt, senderUsername: sender.user.username });
    }
    return { seq, sentAt };
  }

  /**
   * Fans an ephemeral message (a typing indicator) out to the member devices
   * online now, without logging it: its `message` frame has seq 0 and
   * `ephemeral`. Checked like a logged one (membership, MLS framing) but not
   * against the epoch: a receiver that cannot decrypt it drops it.
   * @param input.body base64 of an MLS PrivateMessage, at most `LIMITS.maxEphemeralBytes`
   * @returns the server time (ms)
   * @throws ServiceError NOT_MEMBER, BODY_TOO_LARGE, MLS_INVALID, BAD_FRAME (with attachments: an unlogged message cannot announce a file)
   */
  sendEphemeral(sender: Principal, input: { conversationId: string; clientMsgId: string; body: string; attachments?: readonly BlobId[] | undefined }): { sentAt: number } {
    if (input.attachments !== undefined) {
      throw new ServiceError('CONCLAVE_ERR_BAD_FRAME', 'ephemeral with attachments', { message: 'An ephemeral message cannot carry files.' });
    }
    if (!this.conversations.isMember(input.conversationId, sender.user.userId)) {
      throw new ServiceError('CONCLAVE_ERR_NOT_MEMBER');
    }
    const body = Buffer.from(input.body, 'base64');
    if (body.byteLength > LIMITS.maxEphemeralBytes) throw new ServiceError('CONCLAVE_ERR_BODY_TOO_LARGE');
    parseApplicationMessage(body, input.conversationId);
    const sentAt = this.now();
    const frame: ServerFrame = {
      ...messageFrame({
        conversationId: input.conversationId,
        seq: 0,
        kind: 'application',
        senderUserId: sender.user.userId,
        senderUsername: sender.user.username,
        senderDeviceId: sender.deviceId,
        clientMsgId: input.clientMsgId,
        body,
        sentAt,
      }),
      ephemeral: true,
    };
    this.bus.publish({ kind: 'ephemeral', conversationId: input.conversationId, senderDeviceId: sender.deviceId, frame: encodeFrame(frame) });
    return { sentAt };
  }

  /** Publishes a logged entry to every node holding member connections. */
  publish(m: LoggedMessage): void {
    this.bus.publish({ kind: 'message', conversationId: m.conversationId, seq: m.seq, sentAt: m.sentAt, frame: encodeFrame(messageFrame(m)) });
  }

  /**
   * Deletes application messages older than the `retention_days` setting
   * (nothing when it is 0) at `now` (ms; default: this service's clock). Commits are kept.
   * @returns how many were deleted.
   */
  async purgeExpired(now = this.now()): Promise<number> {
    const retentionMs = await this.settings.retentionMs();
    if (retentionMs === 0) return 0;
    return this.store.deleteApplicationBefore(now - retentionMs);
  }

  /** Up to `limit` logged entries after `afterSeq`, in order. */
  readAfter(conversationId: string, afterSeq: number, limit: number): Promise<LoggedMessage[]> {
    return this.store.readAfter(conversationId, afterSeq, limit);
  }
}
