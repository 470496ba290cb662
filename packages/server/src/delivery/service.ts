import { encodeFrame, LIMITS, type ConversationId, type ServerFrame } from '@conclave/protocol';
import type { Principal } from '../accounts/service.js';
import type { Bus } from '../bus/bus.js';
import type { ConversationService } from '../conversations/service.js';
import { ServiceError } from '../errors.js';
import type { DeliveryStore, LoggedMessage } from './store.js';

/** The `message` frame of a logged entry. The body goes out as base64, untouched. */
export function messageFrame(m: LoggedMessage): ServerFrame {
  return {
    type: 'message',
    conversationId: m.conversationId as ConversationId,
    seq: m.seq,
    sender: {
      userId: m.senderUserId as never,
      username: m.senderUsername,
      deviceId: m.senderDeviceId as never,
    },
    clientMsgId: m.clientMsgId,
    body: Buffer.from(m.body).toString('base64'),
    sentAt: m.sentAt,
  };
}

/**
 * The Delivery Service: appends to a conversation's log (durably, before the
 * ack) and publishes "conversation X has seq N" with the frame serialised once.
 * Bodies are opaque bytes: never parsed, logged or indexed.
 */
export class DeliveryService {
  constructor(
    private readonly store: DeliveryStore,
    private readonly conversations: ConversationService,
    private readonly bus: Bus,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Appends a message from `sender`. A retry with the same `clientMsgId` returns
   * the first copy's seq and stores nothing.
   * @returns the seq and the server time of the message (ms).
   * @throws ServiceError NOT_MEMBER, BODY_TOO_LARGE
   */
  async send(
    sender: Principal,
    input: { conversationId: string; clientMsgId: string; body: string },
  ): Promise<{ seq: number; sentAt: number }> {
    if (!this.conversations.isMember(input.conversationId, sender.user.userId)) {
      throw new ServiceError('CONCLAVE_ERR_NOT_MEMBER');
    }
    const body = Buffer.from(input.body, 'base64');
    if (body.byteLength > LIMITS.maxBodyBytes) throw new ServiceError('CONCLAVE_ERR_BODY_TOO_LARGE');
    const entry = {
      conversationId: input.conversationId,
      senderUserId: sender.user.userId,
      senderDeviceId: sender.deviceId,
      clientMsgId: input.clientMsgId,
      body,
      sentAt: this.now(),
    };
    const { seq, sentAt, duplicate } = await this.store.append(entry);
    if (!duplicate) {
      const frame = encodeFrame(messageFrame({ ...entry, seq, sentAt, senderUsername: sender.user.username }));
      this.bus.publish({ kind: 'message', conversationId: input.conversationId, seq, frame });
    }
    return { seq, sentAt };
  }

  /** Up to `limit` logged messages after `afterSeq`, in order. */
  readAfter(conversationId: string, afterSeq: number, limit: number): Promise<LoggedMessage[]> {
    return this.store.readAfter(conversationId, afterSeq, limit);
  }
}
