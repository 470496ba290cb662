import type { Kysely, Migration } from 'kysely';
import { bytesType } from './types.js';

/**
 * End-to-end encryption (MLS, RFC 9420) on the Delivery Service side: device
 * signature keys, log entry kinds, the KeyPackage store, each conversation's
 * group (epoch + latest GroupInfo), per-device group membership and pending
 * Welcomes. Rows written before it keep working: old devices have no key
 * (they get one on their next login), old entries are `application`.
 */
export const mls: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('devices').addColumn('signature_key', 'text').execute();
    await db.schema
      .alterTable('messages')
      .addColumn('kind', 'text', (c) => c.notNull().defaultTo('application'))
      .execute();
    await db.schema
      .createTable('key_packages')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
      .addColumn('last_resort', 'integer', (c) => c.notNull())
      .addColumn('key_package', bytesType(db), (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('key_packages_device').on('key_packages').columns(['device_id', 'last_resort', 'created_at']).execute();
    await db.schema
      .createTable('groups')
      .addColumn('conversation_id', 'text', (c) => c.primaryKey().references('conversations.id').onDelete('cascade'))
      .addColumn('epoch', 'bigint', (c) => c.notNull())
      .addColumn('group_info', bytesType(db), (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('group_devices')
      .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
      .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
      .addColumn('since_seq', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('group_devices_pk', ['conversation_id', 'device_id'])
      .execute();
    await db.schema.createIndex('group_devices_device').on('group_devices').column('device_id').execute();
    await db.schema
      .createTable('welcomes')
      .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
      .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('welcome', bytesType(db), (c) => c.notNull())
      .addPrimaryKeyConstraint('welcomes_pk', ['device_id', 'conversation_id', 'seq'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of ['welcomes', 'group_devices', 'groups', 'key_packages']) await db.schema.dropTable(table).execute();
    await db.schema.alterTable('messages').dropColumn('kind').execute();
    await db.schema.alterTable('devices').dropColumn('signature_key').execute();
  },
};
