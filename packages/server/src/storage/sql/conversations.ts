import { sql, type Kysely, type Selectable } from 'kysely';
import type { ConversationRecord, ConversationStore, MembershipView } from '../../conversations/store.js';
import { isUniqueViolation } from '../../errors.js';
import { dialectOf } from '../dialect.js';
import type { ConversationsTable, Database } from '../schema.js';
import { groupEpoch } from './log.js';
import { transaction } from './transaction.js';

function toConversation(row: Selectable<ConversationsTable>): ConversationRecord {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    nameKey: row.name_key,
    dmKey: row.dm_key,
    lastSeq: Number(row.last_seq),
  };
}

/** `ConversationStore` over Kysely. */
export class SqlConversationStore implements ConversationStore {
  /** Lock group rows: PostgreSQL has concurrent writers, SQLite one. */
  private readonly lock: boolean;

  constructor(private readonly db: Kysely<Database>) {
    this.lock = dialectOf(db) === 'postgres';
  }

  async findById(id: string): Promise<ConversationRecord | undefined> {
    const row = await this.db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toConversation(row);
  }

  async findRoomByKey(nameKey: string): Promise<ConversationRecord | undefined> {
    const row = await this.db.selectFrom('conversations').selectAll().where('name_key', '=', nameKey).executeTakeFirst();
    return row && toConversation(row);
  }

  async findDmByKey(dmKey: string): Promise<ConversationRecord | undefined> {
    const row = await this.db.selectFrom('conversations').selectAll().where('dm_key', '=', dmKey).executeTakeFirst();
    return row && toConversation(row);
  }

  async create(c: Omit<ConversationRecord, 'lastSeq'>, memberIds: string[], now: number): Promise<boolean> {
    try {
      await transaction(this.db, async (trx) => {
        await trx
          .insertInto('conversations')
          .values({ id: c.id, kind: c.kind, name: c.name, name_key: c.nameKey, dm_key: c.dmKey, created_at: now })
          .execute();
        if (memberIds.length > 0) {
          await trx
            .insertInto('members')
            .values(memberIds.map((userId) => ({ conversation_id: c.id, user_id: userId, joined_at: now, joined_seq: 0 })))
            .execute();
        }
      });
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async addMember(conversationId: string, userId: string, now: number): Promise<void> {
    await this.db
      .insertInto('members')
      .columns(['conversation_id', 'user_id', 'joined_at', 'joined_seq'])
      .expression((eb) =>
        eb
          .selectFrom('conversations')
          .select([
            'id',
            sql.val(userId).as('user_id'),
            sql.val(now).as('joined_at'),
            'last_seq',
          ])
          .where('id', '=', conversationId),
      )
      .onConflict((oc) => oc.columns(['conversation_id', 'user_id']).doNothing())
      .execute();
    // A member again: their devices are in the group by right (a rejoin replaces any old leaf).
    await this.db.deleteFrom('departures').where('conversation_id', '=', conversationId).where('user_id', '=', userId).execute();
  }

  async removeMember(conversationId: string, userId: string): Promise<void> {
    await transaction(this.db, async (trx) => {
      // Group membership changes under the group row's lock, like Commits and appends (see `appendBatch` in delivery.ts).
      if (this.lock) await groupEpoch(trx, conversationId, true);
      await trx.deleteFrom('members').where('conversation_id', '=', conversationId).where('user_id', '=', userId).execute();
      // Their leaves stay in the group until a member commits the Remove (see departures).
      await trx
        .insertInto('departures')
        .values({ conversation_id: conversationId, user_id: userId, at: Date.now() })
        .onConflict((oc) => oc.columns(['conversation_id', 'user_id']).doUpdateSet({ at: Date.now() }))
        .execute();
      await trx
        .deleteFrom('group_devices')
        .where('conversation_id', '=', conversationId)
        .where('device_id', 'in', (eb) => eb.selectFrom('devices').select('id').where('user_id', '=', userId))
        .execute();
    });
  }

  async membership(conversationId: string, userId: string): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('members')
      .select('joined_seq')
      .where('conversation_id', '=', conversationId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row === undefined ? undefined : Number(row.joined_seq);
  }

  async listForUser(userId: string): Promise<MembershipView[]> {
    const rows = await this.db
      .selectFrom('members as m')
      .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
      .leftJoin('members as pm', (j) =>
        j.onRef('pm.conversation_id', '=', 'c.id').on('c.kind', '=', 'dm').on('pm.user_id', '!=', userId),
      )
      .leftJoin('users as pu', 'pu.id', 'pm.user_id')
      .selectAll('c')
      .select(['m.joined_seq', 'pu.id as peer_id', 'pu.username as peer_username'])
      .where('m.user_id', '=', userId)
      .orderBy('c.kind', 'desc')
      .orderBy('c.created_at')
      .execute();
    return rows.map((row) => ({
      ...toConversation(row),
      joinedSeq: Number(row.joined_seq),
      peer: row.peer_id && row.peer_username ? { userId: row.peer_id, username: row.peer_username } : undefined,
    }));
  }

  async listRooms(): Promise<Array<{ id: string; name: string; members: number }>> {
    const rows = await this.db
      .selectFrom('conversations as c')
      .leftJoin('members as m', 'm.conversation_id', 'c.id')
      .select(['c.id', 'c.name', (eb) => eb.fn.count<number>('m.user_id').as('members')])
      .where('c.kind', '=', 'room')
      .groupBy(['c.id', 'c.name'])
      .orderBy('c.name')
      .execute();
    return rows.map((r) => ({ id: r.id, name: r.name ?? '', members: Number(r.members) }));
  }

  async allMemberships(): Promise<Array<{ conversationId: string; userId: string }>> {
    const rows = await this.db.selectFrom('members').select(['conversation_id', 'user_id']).execute();
    return rows.map((r) => ({ conversationId: r.conversation_id, userId: r.user_id }));
  }

  async membersOf(conversationId: string): Promise<Array<{ userId: string; username: string }>> {
    const rows = await this.db
      .selectFrom('members as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['u.id', 'u.username'])
      .where('m.conversation_id', '=', conversationId)
      .orderBy('u.username_key')
      .execute();
    return rows.map((r) => ({ userId: r.id, username: r.username }));
  }

  async allUserIds(): Promise<string[]> {
    const rows = await this.db.selectFrom('users').select('id').where('deleted_at', 'is', null).execute();
    return rows.map((r) => r.id);
  }
}
