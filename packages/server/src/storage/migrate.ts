import { Migrator, type Kysely } from 'kysely';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

/**
 * Applies the pending migrations of `migrations/` to `db` (either dialect);
 * destroys `db` when one fails.
 * @throws Error naming the failed migration (the driver's error as `cause`)
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<void> {
  const { error, results } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    const reason = error instanceof Error ? error.message : 'unknown error';
    throw new Error(`database migration ${failed} failed: ${reason}`, { cause: error });
  }
}
