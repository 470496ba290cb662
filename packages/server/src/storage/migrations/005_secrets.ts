import type { Kysely, Migration } from 'kysely';

/**
 * `server_secrets`: values every node of a cluster must share (sealed by the
 * caller; opaque text here), written once by whichever node starts first.
 */
export const secrets: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('server_secrets')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('sealed', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('server_secrets').execute();
  },
};
