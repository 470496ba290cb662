import { input, password, select } from '@inquirer/prompts';
import { ACCOUNT_RULES, passwordCharacterProblem } from '@conclave/protocol';
import { ChatModel, isConclaveError, type ConclaveClient, type Credentials, type Cue } from '@conclave/client';
import {
  connectWithCredentials,
  lockAndOpen,
  releaseProfile,
  makeClient,
  pickUser,
  profileOf,
  resumeStoredSession,
  unlockProfile,
  wrongProfilePassword,
} from '../connect.js';
import { CliError, EXIT } from '../errors.js';
import { FileStore, loadLastUsed, savedUsers, saveLastUsed, WRONG_PROFILE_PASSWORD } from '../profile.js';
import { fingerprintToHex } from '../tls/fingerprint.js';
import { establishTrust, type Trust, type TrustPrompt } from '../tls/trust.js';
import { parseServerAddress, type ServerAddress } from '../url.js';
import { ChatFiles } from '../files/chat-files.js';
import { runChatUi } from '../tui/run.js';
import { profileDirOf, type CommonOptions } from './options.js';

const BOLD = (s: string): string => `\x1b[1m${s}\x1b[22m`;
const RED = (s: string): string => `\x1b[31m${s}\x1b[39m`;

/** ssh-style trust questions on the terminal. */
const terminalTrustPrompt: TrustPrompt = {
  async confirmNew(addr, fingerprint) {
    process.stderr.write(
      `\nThe authenticity of ${BOLD(addr.key)} can't be established (self-signed certificate).\n` +
        `Its fingerprint is:\n\n    ${BOLD(fingerprint)}\n    ${fingerprintToHex(fingerprint)}\n\n` +
        `Compare it with the one the server printed when it started.\n`,
    );
    for (;;) {
      const answer = (await input({ message: 'Trust this server? (yes/no)' })).trim().toLowerCase();
      if (answer === 'yes') return true;
      if (answer === 'no' || answer === 'n') return false;
      process.stderr.write('Please type "yes" or "no".\n');
    }
  },
  warnChanged(addr, pinned, presented, knownHostsPath) {
    const bar = RED('@'.repeat(64));
    process.stderr.write(
      `\n${bar}\n${RED('@    WARNING: THE SERVER CERTIFICATE HAS CHANGED!              @')}\n${bar}\n` +
        `IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!\n` +
        `Someone could be intercepting your connection to ${addr.key} (man-in-the-middle),\n` +
        `or the server's certificate was replaced.\n\n` +
        `  pinned:    ${pinned}\n  presented: ${presented}\n\n` +
        `Nothing was sent. If you know the change is genuine, remove ${addr.key} from\n` +
        `${knownHostsPath} or pass --fingerprint with the server's new fingerprint.\n\n`,
    );
  },
};

export type ChatOptions = CommonOptions;

/** `conclave chat [URL]`: asks for what it lacks, connects, runs the full-screen UI. */
export async function runChat(url: string | undefined, opts: ChatOptions): Promise<void> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new CliError(`chat needs a terminal${noTerminalHint(process.platform, process.env)}; for scripts use \`conclave send\` and \`conclave read\``, EXIT.usage);
  }
  const profileDir = profileDirOf(opts);
  const last = await loadLastUsed(profileDir);
  const typed = url ?? (await input({ message: 'Server address', default: last?.url ?? 'localhost:8443', validate: validAddress }));
  const addr = parseServerAddress(typed);
  const trust = await establishTrust({
    addr,
    profileDir,
    prompt: terminalTrustPrompt,
    ...(opts.fingerprint !== undefined && { expected: opts.fingerprint }),
  });
  const user = await chooseUser(profileDir, addr, opts.user, last?.url === typed ? last.user : undefined);
  // The model subscribes before connecting, so the catch-up and the security warnings land in the panes.
  const models = new Map<ConclaveClient, ChatModel>();
  const files = new ChatFiles();
  const client = await logIn(profileDir, addr, trust, user, (c) => {
    models.set(c, new ChatModel(c, { cue: ringBell, keysHelp: TERMINAL_KEYS, files }));
  });
  const model = models.get(client)!;
  files.attach(model);
  await saveLastUsed(profileDir, { url: typed, user: client.snapshot().me?.username ?? user });
  // What this device decrypted in earlier runs, above what arrived while connecting.
  await model.loadHistory();
  const result = await runChatUi(client, model, { server: addr.key, files });
  if (result.error !== undefined) throw result.error;
  process.stdout.write(result.reason === 'logout' ? 'Logged out.\n' : 'Bye — you stay logged in; `conclave chat` resumes.\n');
}

/**
 * Why there is no terminal, when the cause is known: Git Bash and MSYS2 on
 * Windows run in mintty, whose pipes Node cannot tell from a console unless
 * started through winpty. '' otherwise.
 */
export function noTerminalHint(platform: NodeJS.Platform, env: Readonly<Record<string, string | undefined>>): string {
  const mintty = platform === 'win32' && ((env.MSYSTEM ?? '') !== '' || env.TERM_PROGRAM === 'mintty');
  return mintty ? ' (Git Bash/mintty is not a console to Node: run `winpty conclave chat`, or use Windows Terminal)' : '';
}

function validAddress(text: string): true | string {
  try {
    parseServerAddress(text);
    return true;
  } catch (err) {
    return err instanceof Error ? err.message : 'invalid address';
  }
}

async function chooseUser(profileDir: string, addr: ServerAddress, flag: string | undefined, lastUser: string | undefined): Promise<string> {
  if (flag !== undefined) return flag;
  const saved = await savedUsers(profileDir, addr.key);
  if (saved.length === 1) return pickUser(profileDir, addr, undefined);
  if (saved.length > 1) {
    const other = '\0other';
    const choice = await select({
      message: 'Log in as',
      choices: [...saved.map((u) => ({ name: u, value: u })), { name: 'someone else…', value: other }],
      ...(lastUser !== undefined && saved.includes(lastUser) && { default: lastUser }),
    });
    if (choice !== other) return choice;
  }
  return input({
    message: 'Username',
    validate: (u) => ACCOUNT_RULES.usernamePattern.test(u.trim()) || 'Usernames are 3–32 characters: letters, digits, _ . -',
  }).then((u) => u.trim());
}

/**
 * With a profile on this machine: asks for the password (hidden, retrying on
 * a wrong one) to unlock it, resumes the saved session — the password is not
 * sent then — else logs in with that password. On first use: asks whether to
 * log in or register and for the password, and creates the profile under the
 * password the server accepts.
 */
async function logIn(
  profileDir: string,
  addr: ServerAddress,
  trust: Trust,
  user: string,
  onClient: (client: ConclaveClient) => void,
): Promise<ConclaveClient> {
  const dir = profileOf(profileDir, addr, user);
  const creator = (store: FileStore) => (): ConclaveClient => {
    const client = makeClient(addr, trust, store);
    onClient(client);
    return client;
  };
  if (await FileStore.exists(dir)) {
    const { store, password: secret } = await unlockInteractively(dir, user);
    try {
      const hadSession = (await store.loadSession()) !== null;
      const resumed = await resumeStoredSession(store, creator(store));
      if (resumed !== null) return resumed;
      if (hadSession) process.stderr.write('Your session has ended; logging in again.\n');
      return await connectWithCredentials(store, creator(store), { kind: 'login', username: user, password: secret });
    } catch (err) {
      await releaseProfile(store);
      throw err;
    }
  }
  const mode = await select({
    message: `${user} @ ${addr.key}`,
    choices: [
      { name: 'Log in', value: 'login' as const },
      { name: 'Register a new account (needs an invite or setup code)', value: 'register' as const },
    ],
  });
  for (let attempt = 1; ; attempt++) {
    const credentials: Credentials = mode === 'login' ? await askLogin(user) : await askRegister(user);
    // Creates the profile; connectWithCredentials deletes it again if the server refuses.
    const store = await unlockProfile(dir, user, credentials.password);
    try {
      return await connectWithCredentials(store, creator(store), credentials);
    } catch (err) {
      await releaseProfile(store);
      const retry = isConclaveError(err, 'CONCLAVE_ERR_BAD_CREDENTIALS', 'CONCLAVE_ERR_PASSWORD_WEAK', 'CONCLAVE_ERR_INVITE_INVALID');
      if (!retry || attempt >= 3) throw err;
      process.stderr.write(`${RED('✖')} ${err.message}\n`);
    }
  }
}

/** Asks for the password until it unlocks the profile in `dir` (3 tries). @throws CliError after the third wrong one */
async function unlockInteractively(dir: string, user: string): Promise<{ store: FileStore; password: string }> {
  for (let attempt = 1; ; attempt++) {
    const secret = await password({ message: `Password for ${user}` });
    try {
      return { store: await lockAndOpen(dir, () => FileStore.open(dir, secret, { username: user })), password: secret };
    } catch (err) {
      if (!(err instanceof CliError && err.message === WRONG_PROFILE_PASSWORD)) throw err;
      if (attempt >= 3) throw wrongProfilePassword(dir);
      process.stderr.write(`${RED('✖')} Wrong password for this profile; try again.\n`);
    }
  }
}

async function askLogin(username: string): Promise<Credentials> {
  return { kind: 'login', username, password: await password({ message: 'Password' }) };
}

async function askRegister(username: string): Promise<Credentials> {
  const code = (await input({ message: 'Invite or setup code', validate: (c) => c.trim() !== '' || 'Ask an admin for an invite code' })).trim();
  for (;;) {
    const first = await password({
      message: 'Choose a password',
      validate: (p) => passwordCharacterProblem(p) ?? ([...p].length >= ACCOUNT_RULES.passwordMinChars || `At least ${ACCOUNT_RULES.passwordMinChars} characters`),
    });
    const second = await password({ message: 'Repeat the password' });
    if (first === second) return { kind: 'register', username, password: first, code };
    process.stderr.write(`${RED('✖')} The passwords differ; try again.\n`);
  }
}

/** The terminal's help line about keys (after `/help`). */
const TERMINAL_KEYS =
  'Keys: Tab or Ctrl-N/Ctrl-P switch conversation · PgUp/PgDn scroll · Ctrl-G to the new messages · ↑/↓ history · Ctrl-C quit\n' +
  'Tab after @ or / completes · ↑ in an empty line edits your last message (Esc cancels; ↑ again: history) · Alt-Enter: new line\n' +
  'The dim number before a message is the N of /reply, /react, /edit and /delete. Text may use **bold**, *italic*, `code`.\n' +
  'A message marked ✖ was not sent: /retry sends it again, /discard drops it (the newest one on screen).\n' +
  'Files: /upload PATH [caption] (~ is your home folder) · /download N [DIR] saves file N (default ~/Downloads) · /cancel stops the newest upload or download.';

/**
 * The terminal bell: for private messages, messages that mention you (in any
 * room) and loud security warnings. Room chatter and presence stay quiet.
 */
export function ringBell(cue: Cue): void {
  if (cue.sound === 'private' || cue.sound === 'mention' || cue.sound === 'alert') process.stdout.write('\x07');
}
