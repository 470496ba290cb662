/**
 * Small promise wrappers over raw IndexedDB (no library): one request, one
 * transaction, opening and deleting a database.
 */

/** Resolves with a request's result; rejects with its error. */
export function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

/**
 * Resolves when a transaction commits (`complete`: with `durability: 'strict'`
 * the data is on disk); rejects when it errors or aborts.
 */
export function committed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

/**
 * Opens (creating or upgrading) a database. `upgrade` runs inside the
 * version-change transaction with the version the database had before
 * (0 when new). The connection closes itself when another tab deletes or
 * upgrades the database, so that never stays blocked.
 */
export function openDatabase(name: string, version: number, upgrade: (db: IDBDatabase, oldVersion: number) => void): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, version);
    req.onupgradeneeded = (event) => upgrade(req.result, event.oldVersion);
    req.onsuccess = () => {
      const db = req.result;
      db.onversionchange = () => db.close();
      resolve(db);
    };
    req.onerror = () => reject(req.error ?? new Error(`Could not open ${name}`));
    req.onblocked = () => reject(new Error('This browser storage is in use by an older Conclave tab; close it and reload.'));
  });
}

/**
 * Deletes a database. Other tabs' connections close themselves on
 * `versionchange`; if one does not, the deletion completes once it does and
 * this resolves right away rather than hang the page.
 */
export function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.deleteDatabase(name);
    req.onsuccess = () => resolve();
    req.onblocked = () => resolve();
    req.onerror = () => reject(req.error ?? new Error(`Could not delete ${name}`));
  });
}

/** Whether a database exists (without creating it). */
export async function databaseExists(name: string): Promise<boolean> {
  if (typeof indexedDB.databases !== 'function') return true;
  const list = await indexedDB.databases();
  return list.some((d) => d.name === name);
}
