import type { Insertable, Kysely, Transaction } from 'kysely';
import type { DeliveryStore, LoggedMessage, NewMessage } from '../../delivery/store.js';
import { ServiceError } from '../../errors.js';
import type { Database, MessagesTable } from '../schema.js';
import { appendEntry, groupDeviceSince, groupEpoch } from './log.js';
import { GroupCommit } from '../group-commit.js';
import { dialectOf } from '../dialect.js';
import { transaction } from './transaction.js';

type Appended = { seq: number; sentAt: number; duplicate: boolean };
type Pending = { m: NewMessage; epoch: number };

/** Rows of one multi-row insert (8 values each: well under SQLite's and PostgreSQL's parameter limits). */
const INSERT_CHUNK = 500;

/** The identity of an append: a repeat of it stores nothing (`DeliveryStore.appendApplication`). */
const idempotencyKey = (conversationId: string, deviceId: string, clientMsgId: string): string => JSON.stringify([conversationId, deviceId, clientMsgId]);

/**
 * A group commit's checks and appends on PostgreSQL inside `trx`, each
 * message checked in the order `DeliveryStore.appendApplication` documents,
 * in a number of statements that does not grow with the batch: the batch's
 * group epochs (locked `for update` in conversation id order: the checks then see
 * the latest committed state and keep seeing it until the commit, and two
 * nodes' batches over the same conversations queue instead of deadlocking —
 * PostgreSQL docs §13.3.2 row-level locks, §13.3.4 "acquire locks on multiple
 * objects in a consistent order"), the senders'
 * group places, earlier copies of the batch's client message ids, one
 * `last_seq` bump per conversation and one multi-row insert. Issue 15's
 * profile: on PostgreSQL the server sat idle waiting for five round trips a
 * message, capping one node at ~180 msg/s.
 * @returns per message, in order: its seq (a repeat: the first copy's), or the ServiceError NOT_GROUP_MEMBER / STALE_EPOCH that refused it alone
 */
async function appendBatch(trx: Transaction<Database>, batch: readonly Pending[]): Promise<Array<Appended | Error>> {
  const conversationIds = [...new Set(batch.map(({ m }) => m.conversationId))].sort();
  const deviceIds = [...new Set(batch.map(({ m }) => m.senderDeviceId))];
  const epochs = new Map(
    (
      await trx
        .selectFrom('groups')
        .select(['conversation_id', 'epoch'])
        .where('conversation_id', 'in', conversationIds)
        .orderBy('conversation_id')
        .forUpdate()
        .execute()
    ).map((r) => [r.conversation_id, Number(r.epoch)]),
  );
  const places = new Set(
    (
      await trx
        .selectFrom('group_devices')
        .select(['conversation_id', 'device_id'])
        .where('conversation_id', 'in', conversationIds)
        .where('device_id', 'in', deviceIds)
        .execute()
    ).map((r) => `${r.conversation_id} ${r.device_id}`),
  );
  const copies = new Map<string, Appended | number>(
    (
      await trx
        .selectFrom('messages')
        .select(['conversation_id', 'sender_device_id', 'client_msg_id', 'seq', 'sent_at'])
        .where('conversation_id', 'in', conversationIds)
        .where('sender_device_id', 'in', deviceIds)
        .where('client_msg_id', 'in', [...new Set(batch.map(({ m }) => m.clientMsgId))])
        .execute()
    ).map((r) => [idempotencyKey(r.conversation_id, r.sender_device_id, r.client_msg_id), { seq: Number(r.seq), sentAt: Number(r.sent_at), duplicate: true }]),
  );
  // Decide every message; a repeat within the batch points at its first copy's index (a number in `copies`).
  const outcomes: Array<Appended | Error | number> = [];
  const accepted = new Map<string, number[]>();
  batch.forEach(({ m, epoch }, i) => {
    const key = idempotencyKey(m.conversationId, m.senderDeviceId, m.clientMsgId);
    const copy = copies.get(key);
    if (copy !== undefined) return void outcomes.push(copy);
    if (!places.has(`${m.conversationId} ${m.senderDeviceId}`)) return void outcomes.push(new ServiceError('CONCLAVE_ERR_NOT_GROUP_MEMBER'));
    const current = epochs.get(m.conversationId);
    if (current !== epoch) return void outcomes.push(new ServiceError('CONCLAVE_ERR_STALE_EPOCH', `message epoch ${epoch}, group epoch ${current}`));
    copies.set(key, i);
    outcomes.push({ seq: 0, sentAt: m.sentAt, duplicate: false });
    accepted.set(m.conversationId, [...(accepted.get(m.conversationId) ?? []), i]);
  });
  // Seqs: one bump per conversation (row-locked until the commit, so no other writer takes them).
  const rows: Array<Insertable<MessagesTable>> = [];
  for (const [conversationId, indexes] of accepted) {
    const { last_seq } = await trx
      .updateTable('conversations')
      .set((eb) => ({ last_seq: eb('last_seq', '+', indexes.length) }))
      .where('id', '=', conversationId)
      .returning('last_seq')
      .executeTakeFirstOrThrow();
    const first = Number(last_seq) - indexes.length + 1;
    indexes.forEach((i, k) => {
      const m = batch[i]!.m;
      (outcomes[i] as Appended).seq = first + k;
      rows.push({ conversation_id: m.conversationId, seq: first + k, kind: m.kind, sender_user_id: m.senderUserId, sender_device_id: m.senderDeviceId, client_msg_id: m.clientMsgId, body: m.body, sent_at: m.sentAt });
    });
  }
  for (let at = 0; at < rows.length; at += INSERT_CHUNK) await trx.insertInto('messages').values(rows.slice(at, at + INSERT_CHUNK)).execute();
  return outcomes.map((o) => (typeof o === 'number' ? { ...(outcomes[o] as Appended), duplicate: true } : o));
}

/**
 * A group commit's checks and appends on SQLite: message by message, in
 * statements whose SQL never changes, so each stays prepared
 * (`withStatementCache` in `sqlite.ts`); in process, a statement costs
 * microseconds. `appendBatch`'s statements vary with the batch (the lengths
 * of its `in` lists and of its insert): on SQLite they missed the statement
 * cache and evicted the hot statements (1 000 members: 306 → 215 msg/s).
 * Same outcomes as `appendBatch`.
 */
async function appendEach(trx: Transaction<Database>, batch: readonly Pending[]): Promise<Array<Appended | Error>> {
  const outcomes: Array<Appended | Error> = [];
  for (const { m, epoch } of batch) {
    const existing = await trx
      .selectFrom('messages')
      .select(['seq', 'sent_at'])
      .where('conversation_id', '=', m.conversationId)
      .where('sender_device_id', '=', m.senderDeviceId)
      .where('client_msg_id', '=', m.clientMsgId)
      .executeTakeFirst();
    if (existing) outcomes.push({ seq: Number(existing.seq), sentAt: Number(existing.sent_at), duplicate: true });
    else if ((await groupDeviceSince(trx, m.conversationId, m.senderDeviceId)) === undefined) outcomes.push(new ServiceError('CONCLAVE_ERR_NOT_GROUP_MEMBER'));
    else {
      const current = await groupEpoch(trx, m.conversationId);
      if (current !== epoch) outcomes.push(new ServiceError('CONCLAVE_ERR_STALE_EPOCH', `message epoch ${epoch}, group epoch ${current}`));
      else outcomes.push({ seq: await appendEntry(trx, m), sentAt: m.sentAt, duplicate: false });
    }
  }
  return outcomes;
}

/** `DeliveryStore` over Kysely; application appends are group-committed. */
export class SqlDeliveryStore implements DeliveryStore {
  /** Lock group rows: PostgreSQL has concurrent writers, SQLite one. */
  private readonly lock: boolean;

  constructor(private readonly db: Kysely<Database>) {
    this.lock = dialectOf(db) === 'postgres';
  }

  /**
   * Appends submitted together share one transaction (see `GroupCommit`):
   * `appendBatch` on PostgreSQL, `appendEach` on SQLite. A deadlock or serialization failure that happens anyway
   * reruns the batch (`transaction`).
   */
  private readonly appends = new GroupCommit<Pending, Appended>((batch) =>
    transaction(this.db, (trx) => (this.lock ? appendBatch(trx, batch) : appendEach(trx, batch))),
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
