import { asBlobId, type BlobId } from '@conclave/protocol';
import type { ExpressionBuilder, Kysely } from 'kysely';
import type { BlobRecord, BlobStore } from '../../blobs/store.js';
import type { Database } from '../schema.js';

/** `BlobStore` over Kysely; dialect-neutral SQL (`returning` is in SQLite ≥ 3.35 and PostgreSQL). */
export class SqlBlobStore implements BlobStore {
  constructor(private readonly db: Kysely<Database>) {}

  async find(id: BlobId): Promise<BlobRecord | undefined> {
    const row = await this.db.selectFrom('blobs').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    return {
      id: asBlobId(row.id),
      uploaderId: row.uploader_id,
      size: Number(row.size),
      createdAt: Number(row.created_at),
      announcedAt: row.announced_at === null ? null : Number(row.announced_at),
    };
  }

  async insert(blob: Omit<BlobRecord, 'announcedAt'>): Promise<boolean> {
    const result = await this.db
      .insertInto('blobs')
      .values({ id: blob.id, uploader_id: blob.uploaderId, size: blob.size, created_at: blob.createdAt, announced_at: null })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async bytesUploadedBy(userId: string): Promise<number> {
    const row = await this.db
      .selectFrom('blobs')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number | string>('size'), eb.lit(0)).as('total'))
      .where('uploader_id', '=', userId)
      .executeTakeFirstOrThrow();
    // PostgreSQL's sum(bigint) is numeric (a string in pg); SQLite's an integer.
    return Number(row.total);
  }

  async uploadedBy(userId: string, ids: readonly BlobId[]): Promise<BlobId[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('blobs').select('id').where('uploader_id', '=', userId).where('id', 'in', ids).execute();
    return rows.map((r) => asBlobId(r.id));
  }

  async link(ids: readonly BlobId[], conversationId: string, seq: number, linkedAt: number): Promise<void> {
    if (ids.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      // Only blobs that still exist (one purged meanwhile is not brought back).
      await trx
        .insertInto('blob_links')
        .columns(['blob_id', 'conversation_id', 'seq', 'linked_at'])
        .expression((eb) =>
          eb
            .selectFrom('blobs')
            .select((s) => ['id', s.val(conversationId).as('conversation_id'), s.val(seq).as('seq'), s.val(linkedAt).as('linked_at')])
            .where('id', 'in', ids),
        )
        .onConflict((oc) => oc.columns(['blob_id', 'conversation_id', 'seq']).doNothing())
        .execute();
      await trx.updateTable('blobs').set({ announced_at: linkedAt }).where('id', 'in', ids).where('announced_at', 'is', null).execute();
    });
  }

  async conversationsOf(id: BlobId): Promise<string[]> {
    const rows = await this.db.selectFrom('blob_links').select('conversation_id').distinct().where('blob_id', '=', id).execute();
    return rows.map((r) => r.conversation_id);
  }

  async deleteLinksBefore(before: number): Promise<number> {
    const result = await this.db.deleteFrom('blob_links').where('linked_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async deleteUnreferenced(orphanBefore: number, limit: number): Promise<BlobId[]> {
    const candidates = await this.db
      .selectFrom('blobs')
      .select('id')
      .where((eb) => eb.and([eb.not(eb.exists(linksOf(eb))), eb.or([eb('announced_at', 'is not', null), eb('created_at', '<', orphanBefore)])]))
      .limit(limit)
      .execute();
    if (candidates.length === 0) return [];
    // Checked again by the delete: a blob linked since the select stays.
    const rows = await this.db
      .deleteFrom('blobs')
      .where((eb) =>
        eb.and([
          eb('id', 'in', candidates.map((c) => c.id)),
          eb.not(eb.exists(linksOf(eb))),
          eb.or([eb('announced_at', 'is not', null), eb('created_at', '<', orphanBefore)]),
        ]),
      )
      .returning('id')
      .execute();
    return rows.map((r) => asBlobId(r.id));
  }
}

/** The links of the `blobs` row in scope (a correlated subquery). */
function linksOf(eb: ExpressionBuilder<Database, 'blobs'>) {
  return eb.selectFrom('blob_links').select('blob_links.blob_id').whereRef('blob_links.blob_id', '=', 'blobs.id');
}
