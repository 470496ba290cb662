import type { Kysely, Migration } from 'kysely';

/** Deleted accounts (kept so their name stays reserved and history keeps its sender) and the audit log. */
export const admin: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('users').addColumn('deleted_at', 'bigint').execute();
    await db.schema
      .createTable('audit_log')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('actor_id', 'text')
      .addColumn('actor_name', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('target', 'text')
      .addColumn('detail', 'text')
      .addColumn('address', 'text')
      .execute();
    await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
    await db.schema.createIndex('messages_sent_at').on('messages').column('sent_at').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('messages_sent_at').execute();
    await db.schema.dropTable('audit_log').execute();
    await db.schema.alterTable('users').dropColumn('deleted_at').execute();
  },
};
