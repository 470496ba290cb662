import type { Kysely, Migration } from 'kysely';

/**
 * Deleted accounts (kept so their name stays reserved and history keeps its
 * sender), the audit log, and departures (users who left a conversation and
 * whose leaves no member has removed from its group yet).
 */
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
    await db.schema
      .createTable('departures')
      .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('departures_pk', ['conversation_id', 'user_id'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('departures').execute();
    await db.schema.dropIndex('messages_sent_at').execute();
    await db.schema.dropTable('audit_log').execute();
    await db.schema.alterTable('users').dropColumn('deleted_at').execute();
  },
};
