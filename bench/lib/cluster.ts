/**
 * The shared services of a benchmark on PostgreSQL (and Redis, for several
 * nodes): a database of its own on the PostgreSQL server of
 * `CONCLAVE_BENCH_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`,
 * only connected to), a Redis key prefix of its own on `CONCLAVE_BENCH_REDIS_URL`
 * (default `redis://127.0.0.1:6379`); both removed by `dispose()`. Made by
 * the same helpers as the test suites' (`freshPostgres`, `deleteKeys`).
 */
import { randomBytes } from 'node:crypto';
import { deleteKeys } from '../../packages/server/test/cluster-env.js';
import { freshPostgres } from '../../packages/server/test/pg-database.js';

const POSTGRES_URL = process.env.CONCLAVE_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.CONCLAVE_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Where a benchmark's state lives: `databaseUrl` (PostgreSQL) and, for a cluster, `redisUrl` + `redisPrefix`. */
export interface BenchStorage {
  /** Server options for every node (`{}` for SQLite). */
  serverOptions: { databaseUrl?: string; redisUrl?: string; redisPrefix?: string };
  /** Drops the database and the Redis keys. */
  dispose(): Promise<void>;
}

/**
 * @param database `sqlite` (nothing to provision) or `postgres`
 * @param nodes more than 1 also takes a Redis prefix
 * @throws Error when `nodes` > 1 with SQLite, or PostgreSQL / Redis is unreachable
 */
export async function benchStorage(database: string, nodes: number): Promise<BenchStorage> {
  if (database === 'sqlite') {
    if (nodes > 1) throw new Error('several nodes need --database postgres');
    return { serverOptions: {}, dispose: async () => undefined };
  }
  if (database !== 'postgres') throw new Error('--database is sqlite or postgres');
  const db = await freshPostgres(POSTGRES_URL, 'conclave_bench_');
  const redisPrefix = `conclave-bench-${randomBytes(6).toString('hex')}:`;
  return {
    serverOptions: { databaseUrl: db.url, ...(nodes > 1 ? { redisUrl: REDIS_URL, redisPrefix } : {}) },
    async dispose() {
      await db.drop();
      if (nodes > 1) await deleteKeys(redisPrefix, REDIS_URL);
    },
  };
}
