/**
 * The shared services of a benchmark on PostgreSQL (and Redis, for several
 * nodes): a database of its own on the PostgreSQL server of
 * `CONCLAVE_BENCH_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`,
 * only connected to), a Redis key prefix of its own on `CONCLAVE_BENCH_REDIS_URL`
 * (default `redis://127.0.0.1:6379`); both removed by `dispose()`.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';

const POSTGRES_URL = process.env.CONCLAVE_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.CONCLAVE_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Where a benchmark's state lives: `databaseUrl` (PostgreSQL) and, for a cluster, `redisUrl` + `redisPrefix`. */
export interface BenchStorage {
  /** Server options for every node (`{}` for SQLite). */
  serverOptions: { databaseUrl?: string; redisUrl?: string; redisPrefix?: string };
  /** Drops the database and the Redis keys. */
  dispose(): Promise<void>;
}

async function onServer(statement: string, values: unknown[] = []): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(statement, values);
  } finally {
    await client.end();
  }
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
  const name = `conclave_bench_${randomBytes(6).toString('hex')}`;
  await onServer(`create database ${name}`);
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  const redisPrefix = `conclave-bench-${randomBytes(6).toString('hex')}:`;
  return {
    serverOptions: { databaseUrl: url.toString(), ...(nodes > 1 ? { redisUrl: REDIS_URL, redisPrefix } : {}) },
    async dispose() {
      await onServer('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
      await onServer(`drop database if exists ${name}`);
      if (nodes <= 1) return;
      const redis = new Redis(REDIS_URL);
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 500);
          if (keys.length > 0) await redis.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    },
  };
}
