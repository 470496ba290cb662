import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStores, type Stores } from '../src/storage/index.js';
import type { OpenedStores } from './store-fixtures.js';

/** The PostgreSQL server tests create their databases on (its `test` database is only connected to). */
export const TEST_POSTGRES_URL = process.env.CONCLAVE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A throw-away PostgreSQL database: its URL, and `drop()` to remove it (call in `after`/`finally`). */
export interface FreshPostgres {
  url: string;
  /** Ends every connection to the database and drops it. */
  drop(): Promise<void>;
}

/** Runs `statement` on the server's admin database `serverUrl` (no transaction: CREATE/DROP DATABASE need none). */
async function admin(serverUrl: string, statement: string, values: unknown[] = []): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement, values);
  } finally {
    await client.end();
  }
}

/**
 * Creates an empty database `<namePrefix><16 hex>` on the server of
 * `serverUrl` (default `TEST_POSTGRES_URL`: env `CONCLAVE_TEST_POSTGRES_URL`
 * or the local server; only connected to). The benchmarks use it too.
 * @throws the driver's error when the server is unreachable
 */
export async function freshPostgres(serverUrl = TEST_POSTGRES_URL, namePrefix = 'conclave_t_'): Promise<FreshPostgres> {
  const name = `${namePrefix}${randomBytes(8).toString('hex')}`;
  await admin(serverUrl, `create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin(serverUrl, 'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
      await admin(serverUrl, `drop database if exists ${name}`);
    },
  };
}

/** `nodes` Stores (each its own pool, as separate server processes have) over one fresh PostgreSQL database. */
export async function postgresNodes(nodes: number): Promise<{ nodes: Stores[]; dispose(): Promise<void> }> {
  const database = await freshPostgres();
  const opened: Stores[] = [];
  try {
    for (let i = 0; i < nodes; i++) opened.push(await openStores({ dataDir: '/nonexistent', databaseUrl: database.url }));
  } catch (err) {
    await Promise.all(opened.map((s) => s.close()));
    await database.drop();
    throw err;
  }
  return {
    nodes: opened,
    async dispose() {
      await Promise.all(opened.map((s) => s.close()));
      await database.drop();
    },
  };
}

/** Stores over a fresh PostgreSQL database. */
export async function postgresStores(): Promise<OpenedStores> {
  const { nodes, dispose } = await postgresNodes(1);
  return { stores: nodes[0]!, dispose };
}
