import type { Kysely } from 'kysely';
import type { AuditRecord, AuditStore } from '../../admin/store.js';
import { newId } from '../../ids.js';
import type { Database } from '../schema.js';

/** `AuditStore` over Kysely. */
export class SqlAuditStore implements AuditStore {
  constructor(private readonly db: Kysely<Database>) {}

  async append(r: AuditRecord): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({
        id: newId(),
        at: r.at,
        actor_id: r.actorId,
        actor_name: r.actorName,
        action: r.action,
        target: r.target,
        detail: r.detail,
        address: r.address,
      })
      .execute();
  }

  async recent(limit: number): Promise<AuditRecord[]> {
    // rowid breaks ties between entries of the same millisecond (SQLite keeps insertion order).
    const rows = await this.db.selectFrom('audit_log').selectAll().orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({
      at: Number(r.at),
      actorId: r.actor_id,
      actorName: r.actor_name,
      action: r.action,
      target: r.target,
      detail: r.detail,
      address: r.address,
    }));
  }
}
