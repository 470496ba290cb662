import { readFileSync } from 'node:fs';
import {
  fingerprintHex,
  lanAddresses,
  ServiceError,
  startServer,
  type RunningServer,
} from '@conclave/server';
import { CliError, EXIT } from '../errors.js';
import type { ServerConfig } from '../server-config.js';
import { StatusLine } from '../status-line.js';

/** The lines printed when the server is up: where to connect, what to trust, how to become admin. */
export function startupBanner(server: RunningServer, host: string, cluster?: { redis: boolean }): string {
  const hosts =
    host === '0.0.0.0' || host === '::' ? ['localhost', ...lanAddresses()] : [host];
  const urls = hosts.map((h) => `    https://${h.includes(':') ? `[${h}]` : h}:${server.port}`);
  const lines = [
    '',
    '  Conclave is running. Open it in a browser (phone or PC), or with `conclave chat`, at:',
    ...urls,
    '',
    `  Certificate fingerprint (${server.selfSigned ? 'self-signed' : 'your certificate'}):`,
    `    ${server.fingerprint}`,
    `    ${fingerprintHex(server.fingerprint)}`,
    '  Clients ask you to compare it on their first connection.',
  ];
  if (cluster?.redis) lines.push('', `  Node "${server.nodeId}" of a cluster: PostgreSQL for state, Redis for fan-out and presence.`);
  else if (cluster) lines.push('', '  State in PostgreSQL (a single node: add --redis-url to run several).');
  if (server.setupCode) {
    lines.push(
      '',
      '  No admin yet. Register the first account with this one-time setup code to become admin:',
      `    ${server.setupCode}`,
      `  e.g. open https://localhost:${server.port} and choose "Create an account",`,
      `  or    conclave chat https://localhost:${server.port}   (choose "register", paste the code)`,
    );
  }
  lines.push('', '  Stop with Ctrl-C.', '');
  return lines.join('\n');
}

/**
 * Starts the server with `config`, prints the banner, and shuts down cleanly
 * on SIGINT / SIGTERM (exit 0; 1 when closing fails).
 * @throws CliError when the server cannot start (port taken, bad TLS files, …)
 */
export async function runServer(config: ServerConfig): Promise<void> {
  let server: RunningServer;
  const secretKey = secretKeyOf(config, process.env);
  try {
    server = await startServer({ ...config, ...(secretKey === undefined ? {} : { secretKey }), prettyLogs: process.stdout.isTTY === true });
  } catch (err) {
    throw new CliError(describeServerError(err));
  }
  const cluster = config.databaseUrl === undefined ? undefined : { redis: config.redisUrl !== undefined };
  process.stdout.write(startupBanner(server, config.host, cluster) + '\n');
  // On a terminal, line 1 shows live counts above the scrolling log; reset on exit (status-line.ts).
  if (process.stdout.isTTY) new StatusLine(process.stdout, () => server.status()).start();
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n  ${signal}: shutting down…\n`);
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // An admin's /shutdown: the server told every client and stopped cleanly.
  void server.stopped.then(({ by }) => {
    if (by !== 'admin') return;
    process.stdout.write('\n  Stopped by an admin (/shutdown).\n');
    process.exit(0);
  });
}

/**
 * The cluster secret key: `CONCLAVE_SECRET_KEY`, else the contents of
 * `--secret-key-file`, else undefined (the server uses `<data dir>/secret.key`).
 * @throws CliError when the file cannot be read
 */
export function secretKeyOf(config: ServerConfig, env: NodeJS.ProcessEnv): string | undefined {
  const fromEnv = env.CONCLAVE_SECRET_KEY;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (config.secretKeyFile === undefined) return undefined;
  try {
    return readFileSync(config.secretKeyFile, 'utf8').trim();
  } catch (err) {
    throw new CliError(`secret key file ${config.secretKeyFile}: cannot be read (${(err as { code?: string }).code ?? 'unknown error'})`, EXIT.usage);
  }
}

/** One line for an error from a server command: the catalogue's message, never a stack trace. */
export function describeServerError(err: unknown): string {
  if (err instanceof ServiceError) return err.message;
  const e = err as { code?: string; message?: string };
  if (e.code === 'EADDRINUSE') return 'that port is already in use (is another server running? try --port)';
  if (e.code === 'EACCES') return 'permission denied (ports below 1024 need privileges; try --port 8443)';
  return e.message ?? String(err);
}
