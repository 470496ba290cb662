import type { Kysely } from 'kysely';
import type { DeliveryStore, LoggedMessage, NewMessage } from '../../delivery/store.js';
import type { Database } from '../schema.js';

/** `DeliveryStore` over Kysely. */
export class SqlDeliveryStore implements DeliveryStore {
  constructor(private readonly db: Kysely<Database>) {}

  async append(m: NewMessage): Promise<{ seq: number; sentAt: number; duplicate: boolean }> {
    return this.db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom('messages')
        .select(['seq', 'sent_at'])
        .where('conversation_id', '=', m.conversationId)
        .where('sender_device_id', '=', m.senderDeviceId)
        .where('client_msg_id', '=', m.clientMsgId)
        .executeTakeFirst();
      if (existing) return { seq: Number(existing.seq), sentAt: Number(existing.sent_at), duplicate: true };
      const { last_seq } = await trx
        .updateTable('conversations')
        .set((eb) => ({ last_seq: eb('last_seq', '+', 1) }))
        .where('id', '=', m.conversationId)
        .returning('last_seq')
        .executeTakeFirstOrThrow();
      const seq = Number(last_seq);
      await trx
        .insertInto('messages')
        .values({
          conversation_id: m.conversationId,
          seq,
          sender_user_id: m.senderUserId,
          sender_device_id: m.senderDeviceId,
          client_msg_id: m.clientMsgId,
          body: m.body,
          sent_at: m.sentAt,
        })
        .execute();
      return { seq, sentAt: m.sentAt, duplicate: false };
    });
  }

  async readAfter(conversationId: string, afterSeq: number, limit: number): Promise<LoggedMessage[]> {
    const rows = await this.db
      .selectFrom('messages as m')
      .leftJoin('users as u', 'u.id', 'm.sender_user_id')
      .select([
        'm.conversation_id',
        'm.seq',
        'm.sender_user_id',
        'm.sender_device_id',
        'm.client_msg_id',
        'm.body',
        'm.sent_at',
        'u.username',
      ])
      .where('m.conversation_id', '=', conversationId)
      .where('m.seq', '>', afterSeq)
      .orderBy('m.seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      conversationId: r.conversation_id,
      seq: Number(r.seq),
      senderUserId: r.sender_user_id,
      senderUsername: r.username ?? '(deleted user)',
      senderDeviceId: r.sender_device_id,
      clientMsgId: r.client_msg_id,
      body: r.body,
      sentAt: Number(r.sent_at),
    }));
  }
}
