import type { Kysely } from 'kysely';
import { isUniqueViolation, ServiceError } from '../../errors.js';
import type { CommitChange, GroupDeviceMembership, GroupRecord, GroupStore, PendingWelcome } from '../../groups/store.js';
import type { Database } from '../schema.js';
import { dialectOf } from '../dialect.js';
import { appendEntry, groupDeviceSince, groupEpoch } from './log.js';
import { transaction } from './transaction.js';

/**
 * `GroupStore` over Kysely. On PostgreSQL, `commit` and `replaceGroupInfo`
 * lock the group row (`select … for update`) before any check, so the epoch
 * compare-and-set holds across nodes; SQLite runs the same statements unlocked.
 */
export class SqlGroupStore implements GroupStore {
  /** Lock group rows: PostgreSQL has concurrent writers, SQLite one. */
  private readonly lock: boolean;

  constructor(private readonly db: Kysely<Database>) {
    this.lock = dialectOf(db) === 'postgres';
  }

  async find(conversationId: string): Promise<GroupRecord | undefined> {
    const row = await this.db
      .selectFrom('groups')
      .select(['epoch', 'group_info'])
      .where('conversation_id', '=', conversationId)
      .executeTakeFirst();
    return row && { epoch: Number(row.epoch), groupInfo: row.group_info };
  }

  async create(conversationId: string, groupInfo: { bytes: Uint8Array; wanted: boolean }, deviceId: string, now: number): Promise<number> {
    try {
      return await transaction(this.db, async (trx) => {
        await trx
          .insertInto('groups')
          .values({ conversation_id: conversationId, epoch: 0, group_info: groupInfo.bytes, group_info_wanted: groupInfo.wanted ? 1 : 0, updated_at: now })
          .execute();
        const { last_seq } = await trx
          .selectFrom('conversations')
          .select('last_seq')
          .where('id', '=', conversationId)
          .executeTakeFirstOrThrow();
        const seq = Number(last_seq);
        await trx
          .insertInto('group_devices')
          .values({ conversation_id: conversationId, device_id: deviceId, since_seq: seq })
          .onConflict((oc) => oc.columns(['conversation_id', 'device_id']).doUpdateSet({ since_seq: seq }))
          .execute();
        return seq;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ServiceError('CONCLAVE_ERR_GROUP_EXISTS');
      throw err;
    }
  }

  async commit(c: CommitChange, now: number): Promise<{ seq: number; epoch: number }> {
    const conversationId = c.entry.conversationId;
    return transaction(this.db, async (trx) => {
      const current = await groupEpoch(trx, conversationId, this.lock);
      if (current === undefined) throw new ServiceError('CONCLAVE_ERR_NO_GROUP');
      if (!c.external && (await groupDeviceSince(trx, conversationId, c.entry.senderDeviceId)) === undefined) {
        throw new ServiceError('CONCLAVE_ERR_NOT_GROUP_MEMBER');
      }
      if (current !== c.epoch) throw new ServiceError('CONCLAVE_ERR_STALE_EPOCH', `commit epoch ${c.epoch}, group epoch ${current}`);
      const seq = await appendEntry(trx, c.entry);
      const epoch = current + 1;
      await trx
        .updateTable('groups')
        .set({ epoch, group_info: c.groupInfo, group_info_wanted: c.groupInfoWanted ? 1 : 0, updated_at: now })
        .where('conversation_id', '=', conversationId)
        .where('epoch', '=', current)
        .execute();
      // Removals first: an external rejoin (RFC 9420 §12.4.3.2 resync) removes and re-adds the same device.
      if (c.removed.length > 0) {
        await trx.deleteFrom('group_devices').where('conversation_id', '=', conversationId).where('device_id', 'in', c.removed).execute();
        // A departed user's leaves are gone: members need not be told any more.
        await trx
          .deleteFrom('departures')
          .where('conversation_id', '=', conversationId)
          .where('user_id', 'in', (eb) => eb.selectFrom('devices').select('user_id').where('id', 'in', c.removed))
          .execute();
      }
      const joiners = [...new Set([...c.added, ...(c.external ? [c.entry.senderDeviceId] : [])])];
      if (joiners.length > 0) {
        await trx
          .insertInto('group_devices')
          .values(joiners.map((deviceId) => ({ conversation_id: conversationId, device_id: deviceId, since_seq: seq })))
          .onConflict((oc) => oc.columns(['conversation_id', 'device_id']).doUpdateSet({ since_seq: seq }))
          .execute();
      }
      if (c.welcome && c.added.length > 0) {
        const welcome = c.welcome;
        await trx
          .insertInto('welcomes')
          .values(c.added.map((deviceId) => ({ device_id: deviceId, conversation_id: conversationId, seq, welcome })))
          .execute();
      }
      return { seq, epoch };
    });
  }

  async replaceGroupInfo(conversationId: string, deviceId: string, epoch: number, groupInfo: Uint8Array, now: number): Promise<void> {
    await transaction(this.db, async (trx) => {
      const current = await groupEpoch(trx, conversationId, this.lock);
      if (current === undefined) throw new ServiceError('CONCLAVE_ERR_NO_GROUP');
      if ((await groupDeviceSince(trx, conversationId, deviceId)) === undefined) throw new ServiceError('CONCLAVE_ERR_NOT_GROUP_MEMBER');
      if (current !== epoch) throw new ServiceError('CONCLAVE_ERR_STALE_EPOCH', `group info epoch ${epoch}, group epoch ${current}`);
      await trx
        .updateTable('groups')
        .set({ group_info: groupInfo, group_info_wanted: 0, updated_at: now })
        .where('conversation_id', '=', conversationId)
        .where('epoch', '=', epoch)
        .execute();
    });
  }

  async deviceCount(conversationId: string): Promise<number> {
    const row = await this.db
      .selectFrom('group_devices')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('conversation_id', '=', conversationId)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async groupsOfDevice(deviceId: string): Promise<GroupDeviceMembership[]> {
    const rows = await this.db
      .selectFrom('group_devices as gd')
      .innerJoin('groups as g', 'g.conversation_id', 'gd.conversation_id')
      .select(['gd.conversation_id', 'gd.since_seq', 'g.epoch', 'g.group_info_wanted'])
      .where('gd.device_id', '=', deviceId)
      .execute();
    return rows.map((r) => ({
      conversationId: r.conversation_id,
      sinceSeq: Number(r.since_seq),
      epoch: Number(r.epoch),
      groupInfoWanted: Number(r.group_info_wanted) === 1,
    }));
  }

  async departedInGroupsOf(deviceId: string): Promise<Array<{ conversationId: string; userId: string; username: string }>> {
    const rows = await this.db
      .selectFrom('departures as dep')
      .innerJoin('users as u', 'u.id', 'dep.user_id')
      .select(['dep.conversation_id', 'u.id', 'u.username'])
      .where('dep.conversation_id', 'in', (eb) => eb.selectFrom('group_devices').select('conversation_id').where('device_id', '=', deviceId))
      .execute();
    return rows.map((r) => ({ conversationId: r.conversation_id, userId: r.id, username: r.username }));
  }

  async welcomesFor(deviceId: string): Promise<PendingWelcome[]> {
    const rows = await this.db
      .selectFrom('welcomes')
      .select(['conversation_id', 'seq', 'welcome'])
      .where('device_id', '=', deviceId)
      .orderBy('conversation_id')
      .orderBy('seq')
      .execute();
    return rows.map((r) => ({ conversationId: r.conversation_id, seq: Number(r.seq), welcome: r.welcome }));
  }

  async deleteWelcome(deviceId: string, conversationId: string, seq: number): Promise<void> {
    await this.db
      .deleteFrom('welcomes')
      .where('device_id', '=', deviceId)
      .where('conversation_id', '=', conversationId)
      .where('seq', '=', seq)
      .execute();
  }
}
