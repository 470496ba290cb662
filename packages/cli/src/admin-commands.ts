import path from 'node:path';
import type { Command } from 'commander';
import { passwordCharacterProblem, type AdminCommand, type AdminResultOf } from '@conclave/protocol';
import { ServiceError } from '@conclave/server/errors';
import { SETTING_KEYS } from '@conclave/server/settings';
import { CliError } from './errors.js';
import { databaseUrlOption, dataDirOption } from './server-config.js';

// The server's storage and services (and the client's row formatting) load
// only when an admin command runs, not for `conclave --help` (see main.ts);
// the static imports above name single modules, never a package's index,
// which would pull the whole package into the start-up chunk.
const server = () => import('@conclave/server');
const rows = () => import('@conclave/client');

/** Turns a service refusal into one line for the shell (its user message, e.g. what a setting allows). */
async function shell<T>(task: () => Promise<T>): Promise<T> {
  try {
    return await task();
  } catch (err) {
    if (err instanceof ServiceError) throw new CliError(err.message);
    throw err;
  }
}

/** The storage options of an admin subcommand (`--data-dir`, `--database-url`). */
interface StorageOpts {
  dataDir: string;
  databaseUrl?: string;
}

/** Where an admin subcommand works: the data directory's SQLite database, or the PostgreSQL one of `--database-url`. */
function targetOf(opts: StorageOpts): { dataDir: string; databaseUrl?: string } {
  return { dataDir: path.resolve(opts.dataDir), ...(opts.databaseUrl === undefined ? {} : { databaseUrl: opts.databaseUrl }) };
}

/** Runs one admin command on the storage of `opts`, audited as `shell`. */
function run<C extends AdminCommand>(opts: StorageOpts, command: C): Promise<AdminResultOf<C['action']>> {
  return shell(async () => (await server()).runShellAdmin(targetOf(opts), command) as Promise<AdminResultOf<C['action']>>);
}

/**
 * The first line of a stream, without its line break (`\n` or `\r\n`): the
 * rest is not read. The whole stream when it has no line break.
 */
export async function readFirstLine(stream: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    chunks.push(buf);
    if (buf.includes(0x0a)) break;
  }
  // Without a leading byte-order mark: Windows PowerShell 5.1 and older Notepad files send one.
  const text = Buffer.concat(chunks).toString('utf8').replace(/^\uFEFF/, '');
  const end = text.indexOf('\n');
  return end === -1 ? text : text.slice(0, end).replace(/\r$/, '');
}

/**
 * A password from stdin when it is not a terminal (its first line, without
 * the line break), else from a hidden prompt asked twice. Never echoed, never
 * logged. The prompt refuses control characters as it is typed; the server
 * refuses them too (`passwordCharacterProblem` of `@conclave/protocol`).
 * @throws CliError when the two typed passwords differ, or the password holds a control character (e.g. a tab)
 */
export async function readPassword(confirm: boolean, what = 'Password for the new user:'): Promise<string> {
  if (!process.stdin.isTTY) {
    const piped = await readFirstLine(process.stdin);
    const problem = passwordCharacterProblem(piped);
    if (problem !== null) throw new CliError(problem);
    return piped;
  }
  const { password } = await import('@inquirer/prompts');
  const first = await password({ message: what, mask: '*', validate: (p) => passwordCharacterProblem(p) ?? true });
  if (confirm) {
    const again = await password({ message: 'Same password again:', mask: '*' });
    if (again !== first) throw new CliError('the two passwords differ');
  }
  return first;
}

const write = (line: string) => process.stdout.write(`${line}\n`);

/**
 * Registers `conclave admin …`: recovery and administration straight on a
 * data directory, with the server stopped or running (SQLite WAL; the server
 * reads roles and settings from the database on every use). Each change is
 * recorded in the audit log as done by `shell`.
 */
export function registerAdminCommands(program: Command): void {
  const admin = program
    .command('admin')
    .description('administer a data directory from the shell (works while the server runs; audited as "shell")');

  admin
    .command('add-user <name>')
    .description('create an account; the password comes from stdin or a hidden prompt')
    .option('--admin', 'make the user an admin')
    .addOption(dataDirOption())
    .addOption(databaseUrlOption())
    .action(async (name: string, opts: StorageOpts & { admin?: boolean }) => {
      const password = await readPassword(true);
      const user = await shell(async () => (await server()).addUser({ ...targetOf(opts), username: name, password, admin: opts.admin === true }));
      write(`Created ${user.role} "${user.username}".`);
    });

  admin
    .command('reset-password <name>')
    .description("set a new password (stdin or hidden prompt) and end all the user's sessions")
    .addOption(dataDirOption())
    .addOption(databaseUrlOption())
    .action(async (name: string, opts: StorageOpts) => {
      const password = await readPassword(true, `New password for ${name}:`);
      const { user, sessions } = await shell(async () => (await server()).resetPassword(targetOf(opts), name, password));
      write(`Password of "${user.username}" changed; ${sessions} session${sessions === 1 ? '' : 's'} ended (connected devices are disconnected within seconds and must log in again).`);
    });

  admin
    .command('list-users')
    .description('every user: role, last seen, devices, sessions')
    .option('--json', 'one JSON object per user')
    .addOption(dataDirOption())
    .addOption(databaseUrlOption())
    .action(async (opts: StorageOpts & { json?: boolean }) => {
      const { users } = await run(opts, { action: 'list_users' });
      if (opts.json === true) {
        for (const u of users) write(JSON.stringify({ username: u.username, role: u.role, devices: u.devices, sessions: u.sessions, lastSeenAt: u.lastSeenAt, createdAt: u.createdAt }));
        return;
      }
      const { userRow } = await rows();
      const width = Math.max(8, ...users.map((u) => u.username.length));
      write(`Users (${users.length}):`);
      // The shell does not see who is connected: the server's /listusers does.
      for (const u of users) write(`  ${userRow({ ...u, online: false }, Date.now(), width)}`);
    });

  for (const role of ['promote', 'demote'] as const) {
    admin
      .command(`${role} <name>`)
      .description(role === 'promote' ? 'make a user an admin' : 'make an admin a member again (never the last admin)')
      .addOption(dataDirOption())
      .addOption(databaseUrlOption())
      .action(async (name: string, opts: StorageOpts) => {
        const { user } = await run(opts, { action: role, username: name });
        write(`"${user.username}" is now ${user.role === 'admin' ? 'an admin' : 'a member'}.`);
      });
  }

  admin
    .command('set <key> <value>')
    .description(`change a stored setting (${SETTING_KEYS.join(', ')}); see \`conclave admin settings\``)
    .addOption(dataDirOption())
    .addOption(databaseUrlOption())
    .action(async (key: string, value: string, opts: StorageOpts) => {
      const { setting } = await run(opts, { action: 'set', key, value });
      write(`${setting.key} = ${setting.value}`);
    });

  admin
    .command('settings')
    .description('every setting with its value, default and meaning')
    .addOption(dataDirOption())
    .addOption(databaseUrlOption())
    .action(async (opts: StorageOpts) => {
      const { settings } = await run(opts, { action: 'settings' });
      const width = Math.max(...settings.map((s) => s.key.length));
      for (const s of settings) write(`${s.key.padEnd(width)} = ${s.value}${s.value === s.default ? '' : `  (default ${s.default})`}  — ${s.description}`);
    });

  admin
    .command('audit')
    .description('the last admin actions, newest first')
    .option('-n, --limit <n>', 'how many (1–500)', '20')
    .addOption(dataDirOption())
    .addOption(databaseUrlOption())
    .action(async (opts: StorageOpts & { limit: string }) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new CliError('--limit must be a whole number from 1 to 500');
      const { entries } = await run(opts, { action: 'audit', limit });
      const { auditRow } = await rows();
      if (entries.length === 0) write('The audit log is empty.');
      for (const e of entries) write(auditRow(e));
    });
}
