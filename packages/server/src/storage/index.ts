import type { Kysely } from 'kysely';
import type { LiveSessionStore } from '../accounts/revocation.js';
import type { AccountStore } from '../accounts/store.js';
import type { AuditStore } from '../admin/store.js';
import type { ConversationStore } from '../conversations/store.js';
import type { DeliveryStore } from '../delivery/store.js';
import type { DeviceStore } from '../devices/store.js';
import type { GroupStore } from '../groups/store.js';
import type { SettingsStore } from '../settings/store.js';
import type { Database } from './schema.js';
import { openSqlite } from './sqlite.js';
import { SqlAccountStore } from './sql/accounts.js';
import { SqlAuditStore } from './sql/audit.js';
import { SqlConversationStore } from './sql/conversations.js';
import { SqlDeliveryStore } from './sql/delivery.js';
import { SqlDeviceStore } from './sql/devices.js';
import { SqlGroupStore } from './sql/groups.js';
import { SqlSettingsStore } from './sql/settings.js';

/** Every area's store over one database, plus a way to close it. */
export interface Stores {
  /** Accounts, and the live-session lookup of the revocation check. */
  accounts: AccountStore & LiveSessionStore;
  audit: AuditStore;
  conversations: ConversationStore;
  delivery: DeliveryStore;
  devices: DeviceStore;
  groups: GroupStore;
  settings: SettingsStore;
  close(): Promise<void>;
}

function storesOver(db: Kysely<Database>): Stores {
  return {
    accounts: new SqlAccountStore(db),
    audit: new SqlAuditStore(db),
    conversations: new SqlConversationStore(db),
    delivery: new SqlDeliveryStore(db),
    devices: new SqlDeviceStore(db),
    groups: new SqlGroupStore(db),
    settings: new SqlSettingsStore(db),
    close: () => db.destroy(),
  };
}

/**
 * Opens the stores of a data directory (SQLite, migrated to the latest version).
 * @throws Error when the database cannot be opened or migrated.
 */
export async function openStores(dataDir: string): Promise<Stores> {
  return storesOver(await openSqlite(dataDir));
}
