import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from './schema.js';
import { migrateToLatest } from './migrate.js';

/** How many distinct SQL texts keep their prepared statement (the oldest is dropped beyond). */
const STATEMENT_CACHE_SIZE = 256;

/**
 * `file` with its prepared statements reused per SQL text. Kysely's SQLite
 * driver prepares every query anew (issue 12's profile: 10 % of the server
 * thread under fan-out load); Kysely runs one query at a time on its single
 * connection, and nothing here streams (`iterate`), so a statement is never
 * in use twice at once.
 */
function withStatementCache(file: SQLite.Database): { close(): void; prepare(sql: string): SQLite.Statement } {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => file.close(),
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (stmt === undefined) {
        stmt = file.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}

/** File name of the SQLite database inside the data directory. */
export const SQLITE_FILE = 'conclave.db';

/**
 * Opens (creating if needed) `<dataDir>/conclave.db` in WAL mode with
 * `synchronous=FULL`, so a committed append is on disk before it is
 * acknowledged, and applies pending migrations.
 *
 * @throws Error when the file cannot be opened or a migration fails.
 */
export async function openSqlite(dataDir: string): Promise<Kysely<Database>> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = new SQLite(path.join(dataDir, SQLITE_FILE));
  file.pragma('journal_mode = WAL');
  file.pragma('synchronous = FULL');
  file.pragma('foreign_keys = ON');
  // The shell admin commands write while the server runs: wait, don't fail.
  file.pragma('busy_timeout = 5000');
  file.defaultSafeIntegers(false);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(file) }) });
  await migrateToLatest(db);
  return db;
}
