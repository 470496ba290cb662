import { sql, type Kysely, type RawBuilder } from 'kysely';
import { dialectOf } from '../dialect.js';

/**
 * The column type for bytes: `blob` on SQLite (as every shipped migration
 * wrote it, so existing files keep their schema), `bytea` on PostgreSQL
 * (which has no `blob`; PostgreSQL docs §8.4).
 */
export function bytesType(db: Kysely<unknown>): RawBuilder<unknown> {
  return dialectOf(db) === 'postgres' ? sql`bytea` : sql`blob`;
}
