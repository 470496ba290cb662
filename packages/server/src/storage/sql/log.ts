import type { Transaction } from 'kysely';
import type { NewMessage } from '../../delivery/store.js';
import type { Database } from '../schema.js';

/**
 * Appends one entry with the conversation's next seq, inside the caller's
 * transaction (so the caller's checks and the append commit together).
 * @returns the seq assigned.
 */
export async function appendEntry(trx: Transaction<Database>, m: NewMessage): Promise<number> {
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
      kind: m.kind,
      sender_user_id: m.senderUserId,
      sender_device_id: m.senderDeviceId,
      client_msg_id: m.clientMsgId,
      body: m.body,
      sent_at: m.sentAt,
    })
    .execute();
  return seq;
}

/** The seq a device joined the group at, or undefined when the device is not in it. */
export async function groupDeviceSince(trx: Transaction<Database>, conversationId: string, deviceId: string): Promise<number | undefined> {
  const row = await trx
    .selectFrom('group_devices')
    .select('since_seq')
    .where('conversation_id', '=', conversationId)
    .where('device_id', '=', deviceId)
    .executeTakeFirst();
  return row === undefined ? undefined : Number(row.since_seq);
}

/** The group's current epoch, or undefined when the conversation has no group. */
export async function groupEpoch(trx: Transaction<Database>, conversationId: string): Promise<number | undefined> {
  const row = await trx.selectFrom('groups').select('epoch').where('conversation_id', '=', conversationId).executeTakeFirst();
  return row === undefined ? undefined : Number(row.epoch);
}
