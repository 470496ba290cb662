/**
 * Shared pieces of the benchmarks: flag parsing, percentiles, the server
 * child process (so its RSS and CPU are measured apart from the load
 * generator) and one-line failure. Linux only for the /proc figures.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The repository root (bench/ is one level down). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Reads `--name value` flags into numbers (or, for `--sizes 2,10,50` /
 * `--sizes 2 10 50`, every number after the flag). Unknown flags throw.
 * @param defaults every accepted flag with its default value
 */
export function parseFlags<T extends Record<string, number | number[] | string>>(argv: string[], defaults: T): T {
  const out: Record<string, number | number[] | string> = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (!flag.startsWith('--')) throw new Error(`unexpected argument ${flag}`);
    const name = flag.slice(2);
    if (!(name in defaults)) throw new Error(`unknown flag ${flag} (known: ${Object.keys(defaults).map((k) => `--${k}`).join(' ')})`);
    const initial = defaults[name];
    if (Array.isArray(initial)) {
      const values: number[] = [];
      while (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) values.push(...argv[++i]!.split(',').filter(Boolean).map(Number));
      if (values.length === 0 || values.some((v) => !Number.isFinite(v))) throw new Error(`${flag} needs numbers`);
      out[name] = values;
    } else if (typeof initial === 'string') {
      out[name] = argv[++i] ?? '';
    } else {
      const value = Number(argv[++i]);
      if (!Number.isFinite(value)) throw new Error(`${flag} needs a number`);
      out[name] = value;
    }
  }
  return out as T;
}

/** The `p`-th percentile (0–100, nearest rank) of `samples`, rounded to 0.01. */
export function percentile(samples: ArrayLike<number>, p: number): number {
  const sorted = Float64Array.from(samples).sort();
  if (sorted.length === 0) return 0;
  return round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!);
}

/** `n` rounded to two decimals. */
export function round(n: number): number {
  return Number(n.toFixed(2));
}

/** Prints one line `{"bench":…,"error":…}` and exits 1. */
export function fail(bench: string, err: unknown): never {
  const message = err instanceof Error ? err.message : String(err);
  process.stdout.write(`${JSON.stringify({ bench, error: message.split('\n')[0] })}\n`);
  process.exit(1);
}

/** Rejects with `what` after `ms` unless `promise` settles first. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `task` over `items` with at most `limit` in flight. */
export async function pool<T>(items: T[], limit: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await task(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** A process's resident set (MiB) and CPU time so far (ms, user + system), from /proc. */
export function procSample(pid: number): { rssMiB: number; cpuMs: number; at: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  // Fields after the `(comm)`: state is field 3, utime 14, stime 15 (clock ticks, 100 per second on Linux).
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { rssMiB: round(rssKiB / 1024), cpuMs: ticks * 10, at: performance.now() };
}

/** CPU use between two samples, % of one core. */
export function cpuPct(from: { cpuMs: number; at: number }, to: { cpuMs: number; at: number }): number {
  return round(((to.cpuMs - from.cpuMs) / Math.max(1, to.at - from.at)) * 100);
}

/** The machine's load averages (1, 5, 15 min) and core count, for the record. */
export function machineLoad(): { loadAvg: number[]; cores: number } {
  const [one, five, fifteen] = readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number);
  return { loadAvg: [one!, five!, fifteen!], cores: Number(readFileSync('/proc/cpuinfo', 'utf8').match(/^processor\s/gm)?.length ?? 0) };
}

/** A server running in a child process (`bench/server-child.ts`). */
export interface ServerChild {
  pid: number;
  wsUrl: string;
  /** From spawn to the child's "listening" line, ms (node start, module loading, database open, listen). */
  timeToListenMs: number;
  /** Stops the child (SIGTERM, then SIGKILL after 5 s). */
  stop(): Promise<void>;
}

/**
 * Starts `conclave`'s server on 127.0.0.1 (a free port) over `dataDir` in a
 * child process, compiled as `npm start` runs it (`bench/dist/server-child.js`,
 * built by `scripts/build.mjs` when stale), and waits for it to listen.
 * `options` are added to the server's (`ServerOptions`, e.g. a database URL).
 * @throws Error when it exits or does not listen within `timeoutMs`
 */
export async function startServerChild(dataDir: string, timeoutMs = 60_000, options: Record<string, unknown> = {}): Promise<ServerChild> {
  // CONCLAVE_BENCH_SERVER_JS: another build of server-child.ts (e.g. of an earlier commit) to compare side by side.
  const serverJs = process.env.CONCLAVE_BENCH_SERVER_JS ?? path.join(ROOT, 'bench', 'dist', 'server-child.js');
  if (process.env.CONCLAVE_BENCH_SERVER_JS === undefined) {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs'), '--only', 'bench'], { cwd: ROOT, stdio: 'inherit' });
  }
  const t0 = performance.now();
  // CONCLAVE_BENCH_SERVER_NODE_ARGS: node flags for the server child, e.g. `--cpu-prof --cpu-prof-dir=prof`.
  const nodeArgs = (process.env.CONCLAVE_BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, path.resolve(serverJs), dataDir], {
    cwd: ROOT,
    env: { ...process.env, CONCLAVE_BENCH_SERVER_OPTIONS: JSON.stringify(options) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.includes('"wsUrl"'));
      if (line !== undefined) resolve((JSON.parse(line) as { wsUrl: string }).wsUrl);
    });
    void exited.then(() => reject(new Error(`server child exited (code ${child.exitCode}) before listening`)));
  });
  let wsUrl: string;
  try {
    wsUrl = await within(ready, timeoutMs, 'server child to listen');
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const timeToListenMs = round(performance.now() - t0);
  return {
    pid: child.pid!,
    wsUrl,
    timeToListenMs,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(killer);
    },
  };
}
