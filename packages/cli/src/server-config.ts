/**
 * Configuration of `conclave server`: every setting comes from a flag, an
 * environment variable, an optional JSON config file, or a default, in that
 * order of precedence (flag > env > config file > default).
 *
 * | flag             | environment          | config file key | default                |
 * |------------------|----------------------|-----------------|------------------------|
 * | `--host`         | `CONCLAVE_HOST`      | `host`          | `0.0.0.0`              |
 * | `--port`         | `CONCLAVE_PORT`      | `port`          | `8443`                 |
 * | `--data-dir`     | `CONCLAVE_DATA_DIR`  | `dataDir`       | `./data`               |
 * | `--blob-dir`     | `CONCLAVE_BLOB_DIR`  | `blobDir`       | `<data dir>/blobs`     |
 * | `--tls-cert`     | `CONCLAVE_TLS_CERT`  | `tlsCert`       | (self-signed)          |
 * | `--tls-key`      | `CONCLAVE_TLS_KEY`   | `tlsKey`        | (self-signed)          |
 * | `--web-root`     | `CONCLAVE_WEB_ROOT`  | `webRoot`       | this repo's web build  |
 * | `--log-level`    | `CONCLAVE_LOG_LEVEL` | `logLevel`      | `info`                 |
 * | `--metrics`      | `CONCLAVE_METRICS`   | `metrics`       | off                    |
 * | `--trust-proxy`  | `CONCLAVE_TRUST_PROXY` | `trustProxy`  | none                   |
 * | `--database-url` | `CONCLAVE_DATABASE_URL` | `databaseUrl` | SQLite in the data dir |
 * | `--redis-url`    | `CONCLAVE_REDIS_URL` | `redisUrl`      | none (a single node)   |
 * | `--node-id`      | `CONCLAVE_NODE_ID`   | `nodeId`        | `<hostname>-<pid>`     |
 * | `--secret-key-file` | `CONCLAVE_SECRET_KEY_FILE` | `secretKeyFile` | `<data dir>/secret.key` |
 * | `--config`       | `CONCLAVE_CONFIG`    | —               | none                   |
 *
 * The cluster secret key itself may also come from `CONCLAVE_SECRET_KEY`
 * (never a flag: a command line is visible to every local user).
 *
 * Flags and environment values are parsed by commander (`Option.env`), which
 * already ranks a flag above its variable; this module slots the config file
 * in below both. Relative paths in the config file are taken from the file's
 * own directory; relative paths from flags and variables from the working
 * directory. Every bad value is a `CliError`: one line, no stack trace.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, Option, type Command, type OptionValueSource } from 'commander';
import { z } from 'zod';
import type { LogLevel } from '@conclave/server';
import { TrustedProxies } from '@conclave/server/client-address';
import { CliError, EXIT } from './errors.js';

/** Default data directory, relative to where the server is started. */
export const DEFAULT_DATA_DIR = './data';

/** The web client's build in this repository (`npm install` builds it; `npm run build -w @conclave/web` rebuilds it). */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** Log levels `conclave server` accepts. */
export const LOG_LEVELS = ['silent', 'error', 'warn', 'info', 'debug'] as const satisfies readonly LogLevel[];

const PathValue = z.string().min(1, 'must be a non-empty path');

/** What a node id may be made of (it is part of Redis keys and the metrics' `node` label). */
const NODE_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The JSON config file (`--config <file>` / `CONCLAVE_CONFIG`): an object with
 * any of these keys and no others, e.g.
 * `{"port": 8443, "dataDir": "/var/lib/conclave", "logLevel": "warn"}`.
 */
export const ServerConfigFileSchema = z.strictObject({
  host: z.string().min(1, 'must be a non-empty address').optional(),
  port: z.number('must be a number').int('must be a whole number').min(0, 'must be 0–65535').max(65535, 'must be 0–65535').optional(),
  dataDir: PathValue.optional(),
  blobDir: PathValue.optional(),
  tlsCert: PathValue.optional(),
  tlsKey: PathValue.optional(),
  webRoot: PathValue.optional(),
  logLevel: z.enum(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(', ')}`).optional(),
  metrics: z.boolean('must be true or false').optional(),
  trustProxy: z.union([z.string(), z.array(z.string())], 'must be a string or a list of strings').optional(),
  databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  redisUrl: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
  nodeId: z.string().regex(NODE_ID_PATTERN, 'must be 1–64 letters, digits, dots, dashes or underscores').optional(),
  secretKeyFile: PathValue.optional(),
});
/** The parsed config file. */
export type ServerConfigFile = z.infer<typeof ServerConfigFileSchema>;

/** The settings `conclave server` starts with. Paths are absolute. */
export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  /** Where encrypted files are kept (absolute); default `<dataDir>/blobs`. One shared volume for every node of a cluster. */
  blobDir?: string;
  tlsCert?: string;
  tlsKey?: string;
  webRoot: string;
  logLevel: LogLevel;
  /** Serve Prometheus metrics at `GET /metrics`. */
  metrics: boolean;
  /** Reverse proxies (addresses, CIDR subnets) whose `X-Forwarded-For` names the client; absent: none. */
  trustProxy?: string[];
  /** PostgreSQL instead of SQLite (`postgres://…`). */
  databaseUrl?: string;
  /** Redis of the cluster this node joins (`redis://…`). */
  redisUrl?: string;
  /** This node's name in the cluster. */
  nodeId?: string;
  /** File holding the cluster secret key (absolute path). */
  secretKeyFile?: string;
}

/** `--port` / `CONCLAVE_PORT`: an integer 0–65535 (commander names the flag or variable in its error). */
export function parsePort(value: string): number {
  const port = Number(value);
  if (value.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('expected a port 0–65535.');
  return port;
}

/**
 * `--trust-proxy` / `CONCLAVE_TRUST_PROXY` / `trustProxy`: IP addresses and CIDR
 * subnets, separated by commas or spaces (or a JSON list in the config file).
 * @returns the entries, checked
 * @throws InvalidArgumentError naming the first entry that is not an address or subnet
 */
export function parseTrustProxy(value: string | readonly string[]): string[] {
  try {
    return [...TrustedProxies.parse(value).entries];
  } catch (err) {
    throw new InvalidArgumentError(`${(err as Error).message}.`);
  }
}

/** `--database-url` / `CONCLAVE_DATABASE_URL`: a `postgres://` or `postgresql://` URL (not echoed: it may hold a password). */
export function parseDatabaseUrl(value: string): string {
  if (!/^postgres(ql)?:\/\//.test(value)) throw new InvalidArgumentError('expected a postgres:// URL (e.g. postgres://conclave:secret@db:5432/conclave).');
  return value;
}

/** `--redis-url` / `CONCLAVE_REDIS_URL`: a `redis://` or `rediss://` URL (not echoed). */
export function parseRedisUrl(value: string): string {
  if (!/^rediss?:\/\//.test(value)) throw new InvalidArgumentError('expected a redis:// URL (e.g. redis://redis:6379).');
  return value;
}

/** `--node-id` / `CONCLAVE_NODE_ID`: 1–64 letters, digits, `.`, `-`, `_`. */
export function parseNodeId(value: string): string {
  if (!NODE_ID_PATTERN.test(value)) throw new InvalidArgumentError('expected 1–64 letters, digits, dots, dashes or underscores.');
  return value;
}

/** `--database-url` of the `admin` subcommands, also from `CONCLAVE_DATABASE_URL`: they then work on that PostgreSQL database. */
export function databaseUrlOption(): Option {
  return new Option('--database-url <url>', 'the PostgreSQL database of the server (instead of --data-dir)').env('CONCLAVE_DATABASE_URL').argParser(parseDatabaseUrl);
}

/**
 * The options of `conclave server`, each with its environment variable. No
 * option has a commander default except where the help should show one: a
 * value whose source is `default` or unset is still open to the config file.
 */
export function serverOptions(): Option[] {
  return [
    new Option('--host <address>', 'address to listen on').env('CONCLAVE_HOST').default('0.0.0.0'),
    new Option('--port <port>', 'port for HTTPS and WebSocket').env('CONCLAVE_PORT').argParser(parsePort).default(8443),
    new Option('--data-dir <dir>', 'where the database and certificate live').env('CONCLAVE_DATA_DIR').default(DEFAULT_DATA_DIR),
    new Option('--blob-dir <dir>', 'where encrypted files are kept (default <data-dir>/blobs); the nodes of a cluster share one (a shared volume)').env('CONCLAVE_BLOB_DIR'),
    new Option('--tls-cert <file>', 'your own PEM certificate (with --tls-key) instead of a self-signed one').env('CONCLAVE_TLS_CERT'),
    new Option('--tls-key <file>', 'the private key of --tls-cert (PEM)').env('CONCLAVE_TLS_KEY'),
    new Option('--web-root <dir>', 'the built web client to serve at /').env('CONCLAVE_WEB_ROOT').default(DEFAULT_WEB_ROOT, 'the web build in this repository'),
    new Option('--log-level <level>', 'log detail').env('CONCLAVE_LOG_LEVEL').choices(LOG_LEVELS).default('info'),
    new Option('--metrics', 'serve Prometheus metrics at /metrics (CONCLAVE_METRICS=1 also turns them on)'),
    new Option('--trust-proxy <addresses>', 'reverse proxies (comma-separated addresses or CIDR subnets) whose X-Forwarded-For names the client; default none').env('CONCLAVE_TRUST_PROXY').argParser(parseTrustProxy),
    new Option('--database-url <url>', 'PostgreSQL instead of SQLite (postgres://…); shared by the nodes of a cluster').env('CONCLAVE_DATABASE_URL').argParser(parseDatabaseUrl),
    new Option('--redis-url <url>', 'Redis (redis://…) of the cluster this node joins (with --database-url)').env('CONCLAVE_REDIS_URL').argParser(parseRedisUrl),
    new Option('--node-id <name>', "this node's name in the cluster (default: hostname-pid)").env('CONCLAVE_NODE_ID').argParser(parseNodeId),
    new Option('--secret-key-file <file>', 'the cluster secret key (same on every node; or CONCLAVE_SECRET_KEY); default <data-dir>/secret.key').env('CONCLAVE_SECRET_KEY_FILE'),
    new Option('--config <file>', 'a JSON config file (keys: host, port, dataDir, blobDir, tlsCert, tlsKey, webRoot, logLevel, metrics, trustProxy, databaseUrl, redisUrl, nodeId, secretKeyFile)').env('CONCLAVE_CONFIG'),
  ];
}

/** `--data-dir` of the `admin` subcommands, also from `CONCLAVE_DATA_DIR`. */
export function dataDirOption(): Option {
  return new Option('--data-dir <dir>', 'the server data directory').env('CONCLAVE_DATA_DIR').default(DEFAULT_DATA_DIR);
}

/**
 * Reads and validates a config file.
 * @throws CliError (exit status 2) naming the file and the first problem:
 *   unreadable, not JSON, an unknown key, or a bad value.
 */
export function readConfigFile(file: string): ServerConfigFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    const why = READ_ERRORS[code] ?? `cannot be read (${code || 'unknown error'})`;
    throw new CliError(`config file ${file}: ${why}`, EXIT.usage);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new CliError(`config file ${file}: not valid JSON (${(err as Error).message.split('\n')[0]})`, EXIT.usage);
  }
  const parsed = ServerConfigFileSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      if (issue.code === 'unrecognized_keys') return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
      if (issue.path.length === 0) return 'must be a JSON object';
      return `"${issue.path.join('.')}" ${issue.message}`;
    });
    throw new CliError(`config file ${file}: ${problems.join('; ')}`, EXIT.usage);
  }
  return parsed.data;
}

const READ_ERRORS: Record<string, string> = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'is a directory' };

/** `CONCLAVE_METRICS`: `1`/`true`/`yes`/`on` or `0`/`false`/`no`/`off` (any case). */
export function parseSwitch(name: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
  throw new CliError(`${name} must be 1 or 0 (got "${value}")`, EXIT.usage);
}

/** What `resolveServerConfig` merges: commander's parsed values with their sources, the config file, the environment. */
export interface ConfigSources {
  /** Commander's option values (`cmd.opts()`). */
  values: Record<string, unknown>;
  /** Where each value came from (`cmd.getOptionValueSource`). */
  sourceOf: (key: string) => OptionValueSource;
  /** The parsed config file and the directory its relative paths are taken from. */
  file?: { values: ServerConfigFile; dir: string };
  env: NodeJS.ProcessEnv;
  /** Base of relative paths from flags and variables; default `process.cwd()`. */
  cwd?: string;
}

const PATH_KEYS = new Set(['dataDir', 'blobDir', 'tlsCert', 'tlsKey', 'webRoot', 'secretKeyFile']);

/**
 * Merges flags, environment, config file and defaults (in that precedence) into
 * the server's settings. No I/O.
 * @throws CliError on a bad `CONCLAVE_METRICS` or a bad `trustProxy` in the config file
 */
export function resolveServerConfig(sources: ConfigSources): ServerConfig {
  const cwd = sources.cwd ?? process.cwd();
  const pick = (key: Exclude<keyof ServerConfigFile, 'metrics' | 'trustProxy'>): unknown => {
    const source = sources.sourceOf(key);
    const fromFile = sources.file?.values[key];
    if ((source === 'cli' || source === 'env') || fromFile === undefined) {
      const value = sources.values[key];
      return typeof value === 'string' && PATH_KEYS.has(key) ? path.resolve(cwd, value) : value;
    }
    return typeof fromFile === 'string' && PATH_KEYS.has(key) ? path.resolve(sources.file!.dir, fromFile) : fromFile;
  };
  const metricsEnv = sources.env.CONCLAVE_METRICS;
  const metrics =
    sources.values.metrics === true ||
    (metricsEnv !== undefined ? parseSwitch('CONCLAVE_METRICS', metricsEnv) : (sources.file?.values.metrics ?? false));
  const tlsCert = pick('tlsCert') as string | undefined;
  const tlsKey = pick('tlsKey') as string | undefined;
  const blobDir = pick('blobDir') as string | undefined;
  const cluster = {
    databaseUrl: pick('databaseUrl') as string | undefined,
    redisUrl: pick('redisUrl') as string | undefined,
    nodeId: pick('nodeId') as string | undefined,
    secretKeyFile: pick('secretKeyFile') as string | undefined,
  };
  const trustProxy = trustProxyOf(sources);
  return {
    host: pick('host') as string,
    port: pick('port') as number,
    dataDir: pick('dataDir') as string,
    ...(blobDir === undefined ? {} : { blobDir }),
    ...(tlsCert === undefined ? {} : { tlsCert }),
    ...(tlsKey === undefined ? {} : { tlsKey }),
    webRoot: pick('webRoot') as string,
    logLevel: pick('logLevel') as LogLevel,
    metrics,
    ...(trustProxy === undefined ? {} : { trustProxy }),
    ...Object.fromEntries(Object.entries(cluster).filter(([, v]) => v !== undefined)),
  };
}

/** `--trust-proxy` (already parsed by commander) or the config file's `trustProxy`, checked. @throws CliError on a bad file entry */
function trustProxyOf(sources: ConfigSources): string[] | undefined {
  const source = sources.sourceOf('trustProxy');
  if (source === 'cli' || source === 'env') return sources.values.trustProxy as string[];
  const fromFile = sources.file?.values.trustProxy;
  if (fromFile === undefined) return undefined;
  try {
    return parseTrustProxy(fromFile);
  } catch (err) {
    throw new CliError(`config file: "trustProxy" ${(err as Error).message}`, EXIT.usage);
  }
}

/**
 * The settings of a parsed `conclave server` command (see `serverOptions`):
 * reads the config file named by `--config` / `CONCLAVE_CONFIG` when there is one.
 * @throws CliError on an unreadable or invalid config file or a bad `CONCLAVE_METRICS`
 */
export function serverConfigOf(cmd: Command, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const values = cmd.opts();
  const configPath = typeof values.config === 'string' ? path.resolve(values.config) : undefined;
  const file = configPath === undefined ? undefined : { values: readConfigFile(configPath), dir: path.dirname(configPath) };
  return resolveServerConfig({ values, sourceOf: (key) => cmd.getOptionValueSource(key), env, ...(file ? { file } : {}) });
}
