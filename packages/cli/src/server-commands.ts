import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Option, type Command } from 'commander';
import {
  addUser,
  fingerprintHex,
  lanAddresses,
  ServiceError,
  setRegistrationPolicy,
  startServer,
  type LogLevel,
  type RunningServer,
} from '@conclave/server';

/** Default data directory, relative to where the server is started. */
const DEFAULT_DATA_DIR = './data';

/** The web client's build in this repository (`npm install` builds it; `npm run build -w @conclave/web` rebuilds it). */
const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** The lines printed when the server is up: where to connect, what to trust, how to become admin. */
export function startupBanner(server: RunningServer, host: string): string {
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

async function readPassword(confirm: boolean): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  const { password } = await import('@inquirer/prompts');
  const first = await password({ message: 'Password for the new user:', mask: '*' });
  if (confirm) {
    const again = await password({ message: 'Same password again:', mask: '*' });
    if (again !== first) throw new Error('the two passwords differ');
  }
  return first;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0–65535 (got "${value}")`);
  return port;
}

/**
 * Registers `conclave server` and `conclave admin …` on the program.
 * Failures print one line on stderr and exit with status 1.
 */
export function registerServerCommands(program: Command): void {
  program
    .command('server')
    .description('start a Conclave server (HTTPS + WebSocket on one port)')
    .option('--host <address>', 'address to listen on', '0.0.0.0')
    .option('--port <port>', 'port for HTTPS and WebSocket', '8443')
    .option('--data-dir <dir>', 'where the database and certificate live', DEFAULT_DATA_DIR)
    .option('--tls-cert <file>', 'your own PEM certificate (with --tls-key) instead of a self-signed one')
    .option('--tls-key <file>', 'the private key of --tls-cert (PEM)')
    .option('--web-root <dir>', 'the built web client to serve at /', DEFAULT_WEB_ROOT)
    .addOption(
      new Option('--log-level <level>', 'log detail').choices(['silent', 'error', 'warn', 'info', 'debug']).default('info'),
    )
    .action(async (opts: { host: string; port: string; dataDir: string; tlsCert?: string; tlsKey?: string; webRoot: string; logLevel: LogLevel }) => {
      const server = await startServer({
        webRoot: path.resolve(opts.webRoot),
        host: opts.host,
        port: parsePort(opts.port),
        dataDir: path.resolve(opts.dataDir),
        ...(opts.tlsCert ? { tlsCert: opts.tlsCert } : {}),
        ...(opts.tlsKey ? { tlsKey: opts.tlsKey } : {}),
        logLevel: opts.logLevel,
        prettyLogs: process.stdout.isTTY === true,
      });
      process.stdout.write(startupBanner(server, opts.host) + '\n');
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
    });

  const admin = program.command('admin').description('offline administration of a data directory (works while the server runs)');
  admin
    .command('add-user <name>')
    .description('create an account; the password comes from stdin or a hidden prompt')
    .option('--admin', 'make the user an admin')
    .option('--data-dir <dir>', 'the server data directory', DEFAULT_DATA_DIR)
    .action(async (name: string, opts: { admin?: boolean; dataDir: string }) => {
      const password = await readPassword(true);
      const user = await addUser({ dataDir: path.resolve(opts.dataDir), username: name, password, admin: opts.admin === true });
      process.stdout.write(`Created ${user.role} "${user.username}".\n`);
    });
  admin
    .command('set <key> <value>')
    .description('change a stored setting: registration invite|open|closed')
    .option('--data-dir <dir>', 'the server data directory', DEFAULT_DATA_DIR)
    .action(async (key: string, value: string, opts: { dataDir: string }) => {
      if (key !== 'registration') throw new Error(`unknown setting "${key}" (known: registration)`);
      await setRegistrationPolicy(path.resolve(opts.dataDir), value);
      process.stdout.write(`registration = ${value}\n`);
    });
}

/** One line for an error from a server command: the catalogue's message, never a stack trace. */
export function describeServerError(err: unknown): string {
  if (err instanceof ServiceError) return err.message;
  const e = err as { code?: string; message?: string };
  if (e.code === 'EADDRINUSE') return 'that port is already in use (is another server running? try --port)';
  if (e.code === 'EACCES') return 'permission denied (ports below 1024 need privileges; try --port 8443)';
  return e.message ?? String(err);
}
