import type { Migration, MigrationProvider } from 'kysely';
import { initial } from './001_initial.js';
import { mls } from './002_mls.js';
import { admin } from './003_admin.js';
import { groupInfoWanted } from './004_group_info_wanted.js';
import { secrets } from './005_secrets.js';
import { blobs } from './006_blobs.js';

/**
 * Versioned migrations, applied in name order. Add a file `NNN_what.ts` and
 * list it here; never edit one that has shipped.
 */
const MIGRATIONS: Record<string, Migration> = {
  '001_initial': initial,
  '002_mls': mls,
  '003_admin': admin,
  '004_group_info_wanted': groupInfoWanted,
  '005_secrets': secrets,
  '006_blobs': blobs,
};

/**
 * A Kysely migration provider over the static list above (no filesystem scan).
 * The same list serves both dialects: a migration that needs a
 * dialect-specific type asks its `db` (see `bytesType`).
 */
export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return MIGRATIONS;
  },
};
