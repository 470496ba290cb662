/**
 * The server of a benchmark, in a process of its own so its RSS and CPU are
 * measured apart from the load generator (`startServerChild` in
 * `lib/common.ts` spawns it). Listens on 127.0.0.1, a free port, silent logs;
 * prints one line `{"wsUrl":…}` once listening; closes on SIGTERM or when its
 * stdin closes (the parent died).
 *
 *   node bench/dist/server-child.js <dataDir>   (built by scripts/build.mjs)
 *
 * `CONCLAVE_BENCH_PRESENCE_BURST=N` sets the server's `presenceBurst` (e.g. a
 * huge one: every presence notice one by one, as before issue 12's coalescing).
 * `CONCLAVE_BENCH_SERVER_OPTIONS` (JSON) adds server options, e.g.
 * `{"databaseUrl":…,"redisUrl":…,"redisPrefix":…,"nodeId":"node-1"}` for one node of a cluster.
 */
import { startServer, type ServerOptions } from '@conclave/server';

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: server-child.ts <dataDir>');
const burst = process.env.CONCLAVE_BENCH_PRESENCE_BURST;
const server = await startServer({
  host: '127.0.0.1',
  port: 0,
  dataDir,
  logLevel: 'silent',
  ...(burst === undefined ? {} : { presenceBurst: Number(burst) }),
  ...(JSON.parse(process.env.CONCLAVE_BENCH_SERVER_OPTIONS ?? '{}') as Partial<ServerOptions>),
});
process.stdout.write(`${JSON.stringify({ wsUrl: server.wsUrl })}\n`);
let closing = false;
const stop = (): void => {
  if (closing) return;
  closing = true;
  const force = setTimeout(() => process.exit(0), 3_000);
  force.unref();
  void server.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
