import { sql, type Kysely, type Migration } from 'kysely';
import { parseGroupInfo } from '../../mls/framing.js';

/**
 * `groups.group_info_wanted`: 1 when the stored GroupInfo should be replaced
 * by a member device (`group_info_wanted` at sync, `publish_group_info`).
 * Existing GroupInfos are classified here once: those written by ts-mls 1.6.4
 * carry `external_pub` as a bare key instead of RFC 9420 §12.4.3.2's
 * `opaque HPKEPublicKey<V>`, and so do unreadable ones or ones without it.
 */
export const groupInfoWanted: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('groups')
      .addColumn('group_info_wanted', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    const rows = await sql<{ conversation_id: string; group_info: Uint8Array }>`select conversation_id, group_info from groups`.execute(db);
    for (const row of rows.rows) {
      if (wanted(row.group_info, row.conversation_id)) {
        await sql`update groups set group_info_wanted = 1 where conversation_id = ${row.conversation_id}`.execute(db);
      }
    }
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('groups').dropColumn('group_info_wanted').execute();
  },
};

function wanted(groupInfo: Uint8Array, conversationId: string): boolean {
  try {
    return parseGroupInfo(groupInfo, conversationId).externalPub !== 'rfc';
  } catch {
    return true;
  }
}
