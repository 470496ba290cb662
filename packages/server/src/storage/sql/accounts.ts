import type { Kysely, Selectable, Transaction } from 'kysely';
import type { AccountStore, DeviceCap, DeviceRecord, InviteRecord, SessionRecord, UserRecord, UserSummary } from '../../accounts/store.js';
import type { LiveSessionStore } from '../../accounts/revocation.js';
import { isUniqueViolation, ServiceError } from '../../errors.js';
import type { Database, UsersTable } from '../schema.js';
import { dialectOf } from '../dialect.js';
import { GroupCommit } from '../group-commit.js';
import { transaction } from './transaction.js';

function toUser(row: Selectable<UsersTable>): UserRecord {
  return {
    id: row.id,
    username: row.username,
    usernameKey: row.username_key,
    passwordHash: row.password_hash,
    role: row.role,
    createdAt: Number(row.created_at),
    deletedAt: row.deleted_at === null ? null : Number(row.deleted_at),
  };
}

/** A last-used / last-seen time to record: a session's (by token hash) or a device's. */
type Touch = { table: 'sessions' | 'devices'; id: string; now: number };

/** Touches in lock order (table, then id; stable, so a later touch of a row still wins). */
const byRow = (a: Touch, b: Touch): number => a.table.localeCompare(b.table) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * `AccountStore` (and the revocation check's `LiveSessionStore`) over Kysely.
 * On PostgreSQL the checks a single SQLite writer made safe take row locks:
 * the admin rows before a demotion or deletion (last-admin check), the user
 * row before the device cap. Invites are consumed by a guarded
 * `update … where used_at is null`, which a concurrent consumer waits on and
 * then re-evaluates (PostgreSQL docs §13.2.1), so a code is used once.
 */
export class SqlAccountStore implements AccountStore, LiveSessionStore {
  /** Lock rows: PostgreSQL has concurrent writers, SQLite one. */
  private readonly lock: boolean;

  constructor(private readonly db: Kysely<Database>) {
    this.lock = dialectOf(db) === 'postgres';
  }

  /**
   * Session and device touches are group-committed: a reconnect storm of
   * 1 000 clients wrote and fsynced two rows per `authenticate`, one
   * transaction each (issue 12: 41–85 connections/s). Rows are updated in
   * (table, id) order so two nodes' batches cannot deadlock on them.
   */
  private readonly touches = new GroupCommit<Touch, void>((batch) =>
    transaction(this.db, async (trx) => {
      for (const t of [...batch].sort(byRow)) {
        if (t.table === 'sessions') await trx.updateTable('sessions').set({ last_used_at: t.now }).where('token_hash', '=', t.id).execute();
        else await trx.updateTable('devices').set({ last_seen_at: t.now }).where('id', '=', t.id).execute();
      }
      return batch.map(() => undefined);
    }),
  );

  async findUserByKey(usernameKey: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('username_key', '=', usernameKey).executeTakeFirst();
    return row && toUser(row);
  }

  async findUserById(id: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }

  async insertUser(user: UserRecord, inviteHash: string | null, now: number): Promise<'admin' | 'member'> {
    try {
      return await transaction(this.db, async (trx) => {
        let role = user.role;
        if (inviteHash !== null) {
          const invite = await trx
            .updateTable('invites')
            .set({ used_at: now, used_by: user.id })
            .where('code_hash', '=', inviteHash)
            .where('used_at', 'is', null)
            .where('expires_at', '>', now)
            .returning('role')
            .executeTakeFirst();
          if (!invite) throw new ServiceError('CONCLAVE_ERR_INVITE_INVALID');
          role = invite.role;
        }
        await trx
          .insertInto('users')
          .values({
            id: user.id,
            username: user.username,
            username_key: user.usernameKey,
            password_hash: user.passwordHash,
            role,
            created_at: user.createdAt,
            deleted_at: null,
          })
          .execute();
        return role;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ServiceError('CONCLAVE_ERR_USERNAME_TAKEN');
      throw err;
    }
  }

  async countAdmins(): Promise<number> {
    const row = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('role', '=', 'admin')
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async setRole(userId: string, role: 'admin' | 'member'): Promise<boolean> {
    return transaction(this.db, async (trx) => {
      if (role === 'member' && !(await this.anotherAdminExists(trx, userId))) return false;
      await trx.updateTable('users').set({ role }).where('id', '=', userId).execute();
      return true;
    });
  }

  async markDeleted(userId: string, now: number): Promise<boolean> {
    return transaction(this.db, async (trx) => {
      if (!(await this.anotherAdminExists(trx, userId))) {
        const user = await trx.selectFrom('users').select('role').where('id', '=', userId).executeTakeFirst();
        if (user?.role === 'admin') return false;
      }
      // The row stays (name reserved, history keeps its sender); nothing of it can log in or be added again.
      await trx.updateTable('users').set({ deleted_at: now, password_hash: '!' }).where('id', '=', userId).execute();
      await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
      const devices = trx.selectFrom('devices').select('id').where('user_id', '=', userId);
      await trx.deleteFrom('key_packages').where('device_id', 'in', devices).execute();
      await trx.deleteFrom('welcomes').where('device_id', 'in', devices).execute();
      return true;
    });
  }

  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    await this.db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute();
  }

  async deleteSessionsOf(userId: string): Promise<number> {
    const result = await this.db.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async listUsers(now: number): Promise<UserSummary[]> {
    const rows = await this.db
      .selectFrom('users as u')
      .select((eb) => [
        'u.id',
        'u.username',
        'u.role',
        'u.created_at',
        eb.selectFrom('devices as d').select((e) => e.fn.countAll<number>().as('n')).whereRef('d.user_id', '=', 'u.id').as('devices'),
        eb.selectFrom('devices as d').select((e) => e.fn.max('d.last_seen_at').as('m')).whereRef('d.user_id', '=', 'u.id').as('last_seen'),
        eb
          .selectFrom('sessions as s')
          .select((e) => e.fn.countAll<number>().as('n'))
          .whereRef('s.user_id', '=', 'u.id')
          .where('s.expires_at', '>', now)
          .as('sessions'),
      ])
      .where('u.deleted_at', 'is', null)
      .orderBy('u.username_key')
      .execute();
    return rows.map((r) => ({
      userId: r.id,
      username: r.username,
      role: r.role,
      createdAt: Number(r.created_at),
      devices: Number(r.devices ?? 0),
      sessions: Number(r.sessions ?? 0),
      lastSeenAt: r.last_seen === null || r.last_seen === undefined ? null : Number(r.last_seen),
    }));
  }

  async countUsers(): Promise<number> {
    const row = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * True when an admin other than `userId` exists (run inside the transaction
   * that changes a role). On PostgreSQL every admin row, `userId`'s included,
   * is locked first, in id order: of two admins demoting each other on two
   * nodes, the second waits, then no longer sees the first as an admin
   * (PostgreSQL docs §13.3.2 and SELECT "The Locking Clause": a locking read
   * rechecks the updated row). `for no key update` is the lock a role update
   * takes itself, and unlike `for update` it lets sessions and devices that
   * reference the user be inserted meanwhile.
   */
  private async anotherAdminExists(trx: Transaction<Database>, userId: string): Promise<boolean> {
    const admins = await trx
      .selectFrom('users')
      .select('id')
      .where('role', '=', 'admin')
      .where('deleted_at', 'is', null)
      .$if(this.lock, (q) => q.orderBy('id').forNoKeyUpdate())
      .execute();
    return admins.some((a) => a.id !== userId);
  }

  async findDevice(id: string): Promise<DeviceRecord | undefined> {
    const row = await this.db
      .selectFrom('devices')
      .select(['id', 'user_id', 'name', 'signature_key'])
      .where('id', '=', id)
      .executeTakeFirst();
    return row && { id: row.id, userId: row.user_id, name: row.name, signatureKey: row.signature_key };
  }

  async insertDevice(device: DeviceRecord, now: number, cap?: DeviceCap): Promise<string[]> {
    return transaction(this.db, async (trx) => {
      let pruned: string[] = [];
      if (cap) {
        // Two nodes adding devices for one user count them one after the other.
        if (this.lock) await trx.selectFrom('users').select('id').where('id', '=', device.userId).forNoKeyUpdate().execute();
        const existing = await trx
          .selectFrom('devices')
          .select('id')
          .where('user_id', '=', device.userId)
          .orderBy('last_seen_at')
          .orderBy('created_at')
          .orderBy('id')
          .execute();
        const excess = existing.length - cap.max + 1;
        if (excess > 0) {
          pruned = existing.map((d) => d.id).filter((id) => !cap.isConnected(id)).slice(0, excess);
          if (pruned.length < excess) throw new ServiceError('CONCLAVE_ERR_TOO_MANY_DEVICES', `user has ${existing.length} devices`);
          // Sessions, KeyPackages, group places and Welcomes go with the device (ON DELETE CASCADE).
          await trx.deleteFrom('devices').where('id', 'in', pruned).execute();
        }
      }
      await trx
        .insertInto('devices')
        .values({
          id: device.id,
          user_id: device.userId,
          name: device.name,
          signature_key: device.signatureKey,
          created_at: now,
          last_seen_at: now,
        })
        .execute();
      return pruned;
    });
  }

  async setSignatureKey(id: string, signatureKey: string): Promise<boolean> {
    const result = await this.db
      .updateTable('devices')
      .set({ signature_key: signatureKey })
      .where('id', '=', id)
      .where('signature_key', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  touchDevice(id: string, now: number): Promise<void> {
    return this.touches.submit({ table: 'devices', id, now });
  }

  async insertSession(s: SessionRecord, now: number): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        token_hash: s.tokenHash,
        user_id: s.userId,
        device_id: s.deviceId,
        created_at: now,
        last_used_at: s.lastUsedAt,
        expires_at: s.expiresAt,
      })
      .execute();
  }

  async findSession(tokenHash: string): Promise<SessionRecord | undefined> {
    const row = await this.db.selectFrom('sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return (
      row && {
        tokenHash: row.token_hash,
        userId: row.user_id,
        deviceId: row.device_id,
        lastUsedAt: Number(row.last_used_at),
        expiresAt: Number(row.expires_at),
      }
    );
  }

  touchSession(tokenHash: string, now: number): Promise<void> {
    return this.touches.submit({ table: 'sessions', id: tokenHash, now });
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
  }

  async existingSessions(tokenHashes: readonly string[], now: number): Promise<Set<string>> {
    if (tokenHashes.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('sessions')
      .select('token_hash')
      .where('token_hash', 'in', [...tokenHashes])
      .where('expires_at', '>', now)
      .execute();
    return new Set(rows.map((r) => r.token_hash));
  }

  async insertInvite(i: InviteRecord): Promise<void> {
    await this.db
      .insertInto('invites')
      .values({
        code_hash: i.codeHash,
        role: i.role,
        kind: i.kind,
        created_by: i.createdBy,
        created_at: i.createdAt,
        expires_at: i.expiresAt,
        used_at: null,
        used_by: null,
      })
      .execute();
  }

  async isInviteUsable(codeHash: string, now: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('invites')
      .select('code_hash')
      .where('code_hash', '=', codeHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return row !== undefined;
  }

  async deleteUnusedInvites(kind: 'setup' | 'invite'): Promise<void> {
    await this.db.deleteFrom('invites').where('kind', '=', kind).where('used_at', 'is', null).execute();
  }
}
