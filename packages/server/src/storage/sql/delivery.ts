import type { Kysely, Transaction } from 'kysely';
import type { DeliveryStore, LoggedMessage, NewMessage } from '../../delivery/store.js';
import { ServiceError } from '../../errors.js';
import type { Database } from '../schema.js';
import { GroupCommit } from '../group-commit.js';
import { dialectOf } from '../dialect.js';
import { appendEntry, groupDeviceSince, groupEpoch, lockGroups } from './log.js';
import { transaction } from './transaction.js';

type Appended = { seq: number; sentAt: number; duplicate: boolean };

/**
 * One application message's checks and append inside `trx`, in the order
 * `DeliveryStore.appendApplication` documents. The caller holds the group
 * row's lock (PostgreSQL), so the repeat check, the membership and the epoch
 * are the latest committed and stay so until the append commits.
 * @throws ServiceError NOT_GROUP_MEMBER, STALE_EPOCH before writing anything
 */
async function appendOne(trx: Transaction<Database>, m: NewMessage, epoch: number): Promise<Appended> {
  const existing = await trx
    .selectFrom('messages')
    .select(['seq', 'sent_at'])
    .where('conversation_id', '=', m.conversationId)
    .where('sender_device_id', '=', m.senderDeviceId)
    .where('client_msg_id', '=', m.clientMsgId)
    .executeTakeFirst();
  if (existing) return { seq: Number(existing.seq), sentAt: Number(existing.sent_at), duplicate: true };
  if ((await groupDeviceSince(trx, m.conversationId, m.senderDeviceId)) === undefined) {
    throw new ServiceError('CONCLAVE_ERR_NOT_GROUP_MEMBER');
  }
  const current = await groupEpoch(trx, m.conversationId);
  if (current !== epoch) throw new ServiceError('CONCLAVE_ERR_STALE_EPOCH', `message epoch ${epoch}, group epoch ${current}`);
  const seq = await appendEntry(trx, m);
  return { seq, sentAt: m.sentAt, duplicate: false };
}

/** `DeliveryStore` over Kysely; application appends are group-committed. */
export class SqlDeliveryStore implements DeliveryStore {
  /** Lock group rows: PostgreSQL has concurrent writers, SQLite one. */
  private readonly lock: boolean;

  constructor(private readonly db: Kysely<Database>) {
    this.lock = dialectOf(db) === 'postgres';
  }

  /**
   * Appends submitted together share one transaction (see `GroupCommit`). On
   * PostgreSQL it first locks all the batch's group rows in one statement, in
   * conversation id order (`lockGroups`): two nodes' batches over the same
   * conversations then queue instead of deadlocking, and a Commit on another
   * node waits for the batch (or the batch for it). A deadlock or
   * serialization failure that happens anyway reruns the batch (`transaction`).
   */
  private readonly appends = new GroupCommit<{ m: NewMessage; epoch: number }, Appended>((batch) =>
    transaction(this.db, async (trx) => {
      if (this.lock) await lockGroups(trx, batch.map(({ m }) => m.conversationId));
      const outcomes: Array<Appended | Error> = [];
      for (const { m, epoch } of batch) {
        try {
          outcomes.push(await appendOne(trx, m, epoch));
        } catch (err) {
          // A refusal is decided before the entry writes anything: it fails that entry alone.
          if (!(err instanceof ServiceError)) throw err;
          outcomes.push(err);
        }
      }
      return outcomes;
    }),
  );

  appendApplication(m: NewMessage, epoch: number): Promise<Appended> {
    return this.appends.submit({ m, epoch });
  }

  async deleteApplicationBefore(before: number): Promise<number> {
    const result = await this.db
      .deleteFrom('messages')
      .where('kind', '=', 'application')
      .where('sent_at', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async readAfter(conversationId: string, afterSeq: number, limit: number): Promise<LoggedMessage[]> {
    const rows = await this.db
      .selectFrom('messages as m')
      .leftJoin('users as u', 'u.id', 'm.sender_user_id')
      .select([
        'm.conversation_id',
        'm.seq',
        'm.kind',
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
      kind: r.kind,
      senderUserId: r.sender_user_id,
      senderUsername: r.username ?? '(deleted user)',
      senderDeviceId: r.sender_device_id,
      clientMsgId: r.client_msg_id,
      body: r.body,
      sentAt: Number(r.sent_at),
    }));
  }
}
