import type { Kysely, Transaction } from 'kysely';
import type { ClaimedKeyPackage, DeviceRecord, DeviceStore, KeyPackageStock } from '../../devices/store.js';
import { ServiceError } from '../../errors.js';
import { newId } from '../../ids.js';
import { dialectOf } from '../dialect.js';
import type { Database } from '../schema.js';
import { transaction } from './transaction.js';

type Db = Kysely<Database> | Transaction<Database>;

function toDevice(row: { id: string; user_id: string; name: string; signature_key: string | null; created_at: number }): DeviceRecord {
  return { id: row.id, userId: row.user_id, name: row.name, signatureKey: row.signature_key, createdAt: Number(row.created_at) };
}

const withKey = (d: DeviceRecord): d is DeviceRecord & { signatureKey: string } => d.signatureKey !== null;

async function stockOf(db: Db, deviceId: string): Promise<KeyPackageStock> {
  const rows = await db
    .selectFrom('key_packages')
    .select(['last_resort', (eb) => eb.fn.countAll<number>().as('n')])
    .where('device_id', '=', deviceId)
    .groupBy('last_resort')
    .execute();
  const count = Number(rows.find((r) => Number(r.last_resort) === 0)?.n ?? 0);
  return { count, hasLastResort: rows.some((r) => Number(r.last_resort) === 1) };
}

/**
 * Takes `device`'s oldest one-time KeyPackage (deletes it), else hands out
 * its last-resort one (kept), else none. A one-time KeyPackage another
 * transaction deleted first is skipped: ours deletes 0 rows and looks again.
 */
async function claimOne(trx: Transaction<Database>, device: DeviceRecord & { signatureKey: string }, lastResortOnly: boolean): Promise<ClaimedKeyPackage> {
  for (;;) {
    // Oldest one-time first; the last-resort one (last_resort = 1) sorts after them and is kept.
    const kp = await trx
      .selectFrom('key_packages')
      .select(['id', 'last_resort', 'key_package'])
      .where('device_id', '=', device.id)
      .$if(lastResortOnly, (q) => q.where('last_resort', '=', 1))
      .orderBy('last_resort')
      .orderBy('created_at')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    if (kp === undefined || Number(kp.last_resort) === 1) return { device, keyPackage: kp?.key_package };
    const { numDeletedRows } = await trx.deleteFrom('key_packages').where('id', '=', kp.id).executeTakeFirst();
    if (numDeletedRows > 0n) return { device, keyPackage: kp.key_package, oneTimeLeft: (await stockOf(trx, device.id)).count };
  }
}

/**
 * `DeviceStore` over Kysely. A one-time KeyPackage is handed out only by the
 * claim whose `delete` removed it: a concurrent claimer on another node waits
 * on the row, deletes nothing, and takes the next one (PostgreSQL docs
 * §13.2.1); SQLite's one writer never gets there.
 */
export class SqlDeviceStore implements DeviceStore {
  /** Lock rows: PostgreSQL has concurrent writers, SQLite one. */
  private readonly lock: boolean;

  constructor(private readonly db: Kysely<Database>) {
    this.lock = dialectOf(db) === 'postgres';
  }

  async findDevice(id: string): Promise<DeviceRecord | undefined> {
    const row = await this.db
      .selectFrom('devices')
      .select(['id', 'user_id', 'name', 'signature_key', 'created_at'])
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toDevice(row);
  }

  async listDevices(userId: string): Promise<Array<DeviceRecord & { signatureKey: string }>> {
    const rows = await this.db
      .selectFrom('devices')
      .select(['id', 'user_id', 'name', 'signature_key', 'created_at'])
      .where('user_id', '=', userId)
      .where('signature_key', 'is not', null)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toDevice).filter(withKey);
  }

  stock(deviceId: string): Promise<KeyPackageStock> {
    return stockOf(this.db, deviceId);
  }

  async addKeyPackages(
    deviceId: string,
    oneTime: Uint8Array[],
    lastResort: Uint8Array | undefined,
    maxOneTime: number,
    now: number,
  ): Promise<KeyPackageStock> {
    return transaction(this.db, async (trx) => {
      // Two nodes adding to one device's stock check the cap and replace the last-resort one in turn.
      if (this.lock) await trx.selectFrom('devices').select('id').where('id', '=', deviceId).forNoKeyUpdate().execute();
      const before = await stockOf(trx, deviceId);
      if (before.count + oneTime.length > maxOneTime) throw new ServiceError('CONCLAVE_ERR_KEY_PACKAGES_FULL');
      if (oneTime.length > 0) {
        await trx
          .insertInto('key_packages')
          .values(oneTime.map((kp) => ({ id: newId(), device_id: deviceId, last_resort: 0, key_package: kp, created_at: now })))
          .execute();
      }
      if (lastResort) {
        await trx.deleteFrom('key_packages').where('device_id', '=', deviceId).where('last_resort', '=', 1).execute();
        await trx
          .insertInto('key_packages')
          .values({ id: newId(), device_id: deviceId, last_resort: 1, key_package: lastResort, created_at: now })
          .execute();
      }
      return stockOf(trx, deviceId);
    });
  }

  async claimKeyPackages(userIds: string[], exceptDeviceId: string, lastResortOnly: ReadonlySet<string> = new Set()): Promise<ClaimedKeyPackage[]> {
    if (userIds.length === 0) return [];
    return transaction(this.db, async (trx) => {
      const devices = await trx
        .selectFrom('devices')
        .select(['id', 'user_id', 'name', 'signature_key', 'created_at'])
        .where('user_id', 'in', userIds)
        .where('id', '!=', exceptDeviceId)
        .where('signature_key', 'is not', null)
        .orderBy('user_id')
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      const claimed: ClaimedKeyPackage[] = [];
      for (const device of devices.map(toDevice).filter(withKey)) {
        claimed.push(await claimOne(trx, device, lastResortOnly.has(device.id)));
      }
      return claimed;
    });
  }
}
