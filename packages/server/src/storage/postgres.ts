import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from './migrate.js';
import type { Database } from './schema.js';

/** Connections one node keeps to PostgreSQL at most (its queries queue beyond). */
const POOL_MAX = 10;
/** How long a new connection may take before the query fails (ms). */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * `int8` (bigint columns: times in ms, seqs, epochs; and `count(*)`) as a JS
 * number, as SQLite gives them, instead of pg's default string. Every such
 * value here is far below 2^53; one that is not would be rounded, so it throws.
 */
function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${text} is beyond Number.MAX_SAFE_INTEGER`);
  return n;
}

/** pg's parsers with `int8` overridden; `bytea` stays pg's own (a Buffer, as better-sqlite3 gives blobs). */
function typeParsers(): pg.CustomTypesConfig {
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, parseInt8);
  return types;
}

/**
 * Opens a PostgreSQL database (`postgres://` or `postgresql://` URL) through a
 * pool of at most 10 connections and applies pending migrations.
 *
 * Several nodes may start at once on one database: Kysely 0.28's `Migrator`
 * (read in `kysely/dist/esm/migration/migrator.js` and
 * `dialect/postgres/postgres-adapter.js`) first creates its own
 * `kysely_migration*` tables (`create table if not exists`, tolerating the
 * error of a concurrent creator), then on one dedicated connection takes the
 * session-level advisory lock `pg_advisory_lock(3853314791062309107)` (not
 * `pg_advisory_xact_lock`: it is released by `pg_advisory_unlock` after the
 * commit, or by the connection's end), and only then, in one transaction
 * (PostgreSQL has transactional DDL), reads which migrations have run and runs
 * the pending ones. The second node waits on the lock, then finds nothing
 * pending. PostgreSQL docs §13.3.5 "Advisory locks".
 *
 * @throws Error when the database is unreachable or a migration fails (the pool is closed)
 */
export async function openPostgres(url: string): Promise<Kysely<Database>> {
  const pool = new pg.Pool({ connectionString: url, max: POOL_MAX, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, types: typeParsers() });
  // An idle connection the server dropped: pg removes it from the pool, the next query opens another.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  await migrateToLatest(db);
  return db;
}
