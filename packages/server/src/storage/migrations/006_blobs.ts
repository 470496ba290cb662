import type { Kysely, Migration } from 'kysely';

/**
 * Encrypted files (issue 17). `blobs`: one row per stored ciphertext (its
 * bytes are in the `BlobStorage`, never in the database): who uploaded it, its
 * size, when, and when a message first announced it (null: never, so it is
 * deleted after `ORPHAN_BLOB_MS`). `blob_links`: which logged message
 * (conversation, seq) announced which blob, from the message's time; a blob
 * goes when its last link has gone with the retention purge. No foreign key
 * to `users`: a deleted user's blobs stay until their messages go.
 */
export const blobs: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('blobs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('uploader_id', 'text', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('announced_at', 'bigint')
      .execute();
    await db.schema.createIndex('blobs_uploader').on('blobs').column('uploader_id').execute();
    await db.schema
      .createTable('blob_links')
      .addColumn('blob_id', 'text', (c) => c.notNull().references('blobs.id').onDelete('cascade'))
      .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('linked_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('blob_links_pk', ['blob_id', 'conversation_id', 'seq'])
      .execute();
    await db.schema.createIndex('blob_links_linked_at').on('blob_links').column('linked_at').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('blob_links').execute();
    await db.schema.dropTable('blobs').execute();
  },
};
