import type { Kysely } from 'kysely';
import type { SecretStore } from '../../cluster/store.js';
import type { Database } from '../schema.js';

/** `SecretStore` over Kysely; dialect-neutral SQL. */
export class SqlSecretStore implements SecretStore {
  constructor(private readonly db: Kysely<Database>) {}

  async get(name: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('server_secrets').select('sealed').where('name', '=', name).executeTakeFirst();
    return row?.sealed;
  }

  /**
   * `insert … on conflict do nothing`, then a read. On PostgreSQL the insert
   * waits for a concurrent insert of the same name to commit and then does
   * nothing (docs, INSERT "ON CONFLICT Clause"); the read, a new statement in
   * READ COMMITTED, sees that row. Read again if a `delete` slipped between.
   */
  async putIfAbsent(name: string, sealed: string, now: number): Promise<string> {
    for (;;) {
      await this.db
        .insertInto('server_secrets')
        .values({ name, sealed, created_at: now })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      const stored = await this.get(name);
      if (stored !== undefined) return stored;
    }
  }

  async delete(name: string): Promise<void> {
    await this.db.deleteFrom('server_secrets').where('name', '=', name).execute();
  }
}
