import { PostgresAdapter, type DialectAdapter } from 'kysely';

/** The SQL dialect a database speaks: the default SQLite file, or a shared PostgreSQL. */
export type SqlDialect = 'sqlite' | 'postgres';

/**
 * The dialect of `db`, read from its Kysely adapter (any `Kysely<…>`: the
 * stores' `Kysely<Database>`, a transaction, a migration's `Kysely<unknown>`).
 */
export function dialectOf(db: { getExecutor(): { readonly adapter: DialectAdapter } }): SqlDialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}
