import { sql, type Kysely } from 'kysely';
import type { LiveSessionStore } from '../accounts/revocation.js';
import type { AccountStore } from '../accounts/store.js';
import type { AuditStore } from '../admin/store.js';
import type { BlobStore } from '../blobs/store.js';
import type { SecretStore } from '../cluster/store.js';
import type { ConversationStore } from '../conversations/store.js';
import type { DeliveryStore } from '../delivery/store.js';
import type { DeviceStore } from '../devices/store.js';
import type { GroupStore } from '../groups/store.js';
import type { SettingsStore } from '../settings/store.js';
import { dialectOf, type SqlDialect } from './dialect.js';
import type { Database } from './schema.js';
import { openSqlite } from './sqlite.js';
import { SqlAccountStore } from './sql/accounts.js';
import { SqlAuditStore } from './sql/audit.js';
import { SqlBlobStore } from './sql/blobs.js';
import { SqlConversationStore } from './sql/conversations.js';
import { SqlDeliveryStore } from './sql/delivery.js';
import { SqlDeviceStore } from './sql/devices.js';
import { SqlGroupStore } from './sql/groups.js';
import { SqlSecretStore } from './sql/secrets.js';
import { SqlSettingsStore } from './sql/settings.js';

export type { SqlDialect } from './dialect.js';

/** Every area's store over one database, plus a health check and a way to close it. */
export interface Stores {
  /** Which database the stores run on. */
  dialect: SqlDialect;
  /** Accounts, and the live-session lookup of the revocation check. */
  accounts: AccountStore & LiveSessionStore;
  audit: AuditStore;
  /** Metadata of encrypted files (their bytes are in a `BlobStorage`). */
  blobs: BlobStore;
  conversations: ConversationStore;
  delivery: DeliveryStore;
  devices: DeviceStore;
  groups: GroupStore;
  settings: SettingsStore;
  /** Values the nodes of a cluster share. */
  secrets: SecretStore;
  /**
   * Runs `select 1` (a health check).
   * @throws Error when the database is unreachable
   */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Where the stores live: PostgreSQL when `databaseUrl` is given (a
 * `postgres://` or `postgresql://` URL, shared by every node of a cluster),
 * else SQLite in `dataDir` (created if needed).
 */
export interface StorageTarget {
  dataDir: string;
  databaseUrl?: string;
}

function storesOver(db: Kysely<Database>): Stores {
  return {
    dialect: dialectOf(db),
    accounts: new SqlAccountStore(db),
    audit: new SqlAuditStore(db),
    blobs: new SqlBlobStore(db),
    conversations: new SqlConversationStore(db),
    delivery: new SqlDeliveryStore(db),
    devices: new SqlDeviceStore(db),
    groups: new SqlGroupStore(db),
    settings: new SqlSettingsStore(db),
    secrets: new SqlSecretStore(db),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}

/**
 * Opens the stores of `target`, migrated to the latest version.
 * @throws Error when `databaseUrl` is not a PostgreSQL URL, or the database cannot be opened or migrated
 */
export async function openStores(target: StorageTarget): Promise<Stores> {
  const { dataDir, databaseUrl } = target;
  if (databaseUrl === undefined) return storesOver(await openSqlite(dataDir));
  // Never echo the URL: it may carry a password.
  if (!/^postgres(ql)?:\/\//.test(databaseUrl)) throw new Error('database URL must start with postgres:// or postgresql://');
  // pg loads only for a PostgreSQL database: a SQLite server does not pay for it at start-up.
  const { openPostgres } = await import('./postgres.js');
  return storesOver(await openPostgres(databaseUrl));
}
