import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { ChatOptions } from './commands/chat.js';
import type { ReadOptions } from './commands/read.js';
import type { SendOptions } from './commands/send.js';
import { CliError, EXIT, exitCodeOf, oneLine } from './errors.js';
import { registerServerCommands } from './server-commands.js';

// Each subcommand's code is imported when it runs, so `conclave --help` or
// `conclave send` never loads the server, the TUI or the MLS engine it does
// not use (the build splits them into chunks).
const runChat = async (url: string | undefined, opts: ChatOptions) => (await import('./commands/chat.js')).runChat(url, opts);
const runSend = async (url: string, text: string[], opts: SendOptions) => (await import('./commands/send.js')).runSend(url, text, opts);
const runRead = async (url: string, opts: ReadOptions) => (await import('./commands/read.js')).runRead(url, opts);

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number of seconds');
  return n;
}

const profileOption = () => new Option('--profile-dir <dir>', 'profile directory (default $XDG_CONFIG_HOME/conclave or ~/.config/conclave; on Windows %LOCALAPPDATA%\\conclave)');
const fingerprintOption = () => new Option('--fingerprint <SHA256:…>', "trust the server's self-signed certificate with this fingerprint");

/**
 * Ends a finished client command at once: a closing WebSocket may otherwise
 * keep the process alive for its close handshake. (stdout/stderr writes are
 * synchronous for files, pipes and terminals on Linux/macOS.)
 */
function exitNow(_done: void): never {
  process.exit(EXIT.ok);
}

/** Levenshtein distance of two short words (for "did you mean"). */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/** Builds the `conclave` program (exported for tests). */
export function buildProgram(): Command {
  const program = new Command('conclave')
    .description('Self-hosted, end-to-end-encrypted chat for a small group')
    .version('0.1.0')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      // Commander's own errors ("error: unknown option …") as one `conclave: …` line.
      outputError: (text, write) => write(`conclave: ${text.replace(/^error: /, '').trim()} (see conclave --help)\n`),
    });

  program
    .command('chat')
    .description('chat in the full-screen terminal client (asks for what it lacks)')
    .argument('[url]', 'server: host, host:port, https://host:port or wss://host:port/ws (port 8443 by default)')
    .addOption(profileOption())
    .option('--user <name>', 'your username')
    .addOption(fingerprintOption())
    .action(async (url: string | undefined, opts: ChatOptions) => exitNow(await runChat(url, opts)));

  const messageNumber = (flag: string) => (value: string): number => {
    const n = Number(value.replace(/^#/, ''));
    if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError(`${flag} takes a message number (from \`conclave read\`), e.g. ${flag} 12`);
    return n;
  };
  const acts = ['replyTo', 'react', 'edit', 'delete'];
  // A file is a new message: it may answer one (--reply-to) but not react to, edit or delete one.
  const actOption = (flags: string, description: string, key: string) =>
    new Option(flags, description)
      .argParser(messageNumber(flags.split(' ')[0]!))
      .conflicts([...acts.filter((k) => k !== key), ...(key === 'replyTo' ? [] : ['file'])]);
  program
    .command('send')
    .description('send one message (or react to, edit or delete one) and exit after the server acknowledges it')
    .argument('<url>', 'server address')
    .argument('[text...]', 'the message; with --file its caption (may be empty); with --react the emoji; with --edit the new text; none with --delete')
    .requiredOption('--to <target>', "'#room' or a username")
    .option('--file <path>', 'send this file or image, end-to-end encrypted (the text, if any, is its caption)')
    .addOption(actOption('--reply-to <n>', 'send the text as a reply to message N of that conversation', 'replyTo'))
    .addOption(actOption('--react <n>', 'react to message N with the emoji given as TEXT (👍 or :+1:)', 'react'))
    .addOption(actOption('--edit <n>', 'make TEXT the new text of your message N', 'edit'))
    .addOption(actOption('--delete <n>', 'delete your message N for everyone', 'delete'))
    .option('--json', 'print {"conversation": "#room"|"@user", "seq": N} for what was sent')
    .option('--user <name>', 'your username (default: the only saved profile for this server)')
    .option('--password-stdin', 'read the password from standard input (else $CONCLAVE_PASSWORD)')
    .addOption(profileOption())
    .addOption(fingerprintOption())
    .addHelpText('after', '\nMessage numbers (N) are the seq that `conclave read` prints (and the chat shows before each message).')
    .action(async (url: string, text: string[], opts: SendOptions) => exitNow(await runSend(url, text, opts)));

  program
    .command('read')
    .description('print new messages (and reactions, edits, deletions) since the last read, then exit (or --follow)')
    .argument('<url>', 'server address')
    .option('--user <name>', 'your username (default: the only saved profile for this server)')
    .option('--follow', 'keep printing new messages')
    .option(
      '--json',
      'one JSON object per line: kind (message|file|reaction|edit|delete|notice), conversation, seq, sender, sentAt (ms), then text, replyTo, mentions (usernames), emote for messages; name, mime, size (bytes), image {width,height}, caption, and with --download-dir sha256 and path for files; target and emoji/op or text for the others',
    )
    .option('--download-dir <dir>', 'save each file received into DIR (created if missing; a taken name becomes "name (1).ext"); a file that fails its integrity check is not saved')
    .option('--timeout <seconds>', 'with --follow: stop after this long; without: fail if not caught up by then', seconds)
    .option('--password-stdin', 'read the password from standard input (else $CONCLAVE_PASSWORD)')
    .addOption(profileOption())
    .addOption(fingerprintOption())
    .action(async (url: string, opts: ReadOptions) => exitNow(await runRead(url, opts)));

  registerServerCommands(program);

  // A word that is no subcommand lands here as an argument: say so, with the nearest command.
  program.usage('[options] [command]').argument('[command]').action(async (word: string | undefined) => {
    if (word !== undefined) {
      const names = program.commands.map((c) => c.name());
      const near = names.find((n) => editDistance(n, word.toLowerCase()) <= 2);
      throw new CliError(`unknown command '${word}'${near === undefined ? '' : ` (did you mean ${near}?)`}; the commands are ${names.join(', ')} (see conclave --help)`, EXIT.usage);
    }
    if (!process.stdin.isTTY) throw new CliError('say what to do: conclave server | chat | send | read (see conclave --help)', EXIT.usage);
    const { select } = await import('@inquirer/prompts');
    const choice = await select({
      message: 'What would you like to do?',
      choices: [
        { name: 'Connect to a Conclave server (chat)', value: 'chat' as const },
        { name: 'Start a Conclave server here', value: 'server' as const },
      ],
    });
    if (choice === 'chat') exitNow(await runChat(undefined, {}));
    else await program.parseAsync(['node', 'conclave', 'server']);
  });
  return program;
}

/** Runs the CLI with `argv` and exits with its status; failures are one stderr line. */
export async function main(argv: string[] = process.argv): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; usage errors were already printed as one line.
      process.exit(err.exitCode === 0 ? 0 : EXIT.usage);
    }
    const silent = (err instanceof Error && err.name === 'ExitPromptError') || (err instanceof CliError && err.reported);
    if (!silent) process.stderr.write(`conclave: ${oneLine(err)}\n`);
    process.exit(exitCodeOf(err));
  }
}

