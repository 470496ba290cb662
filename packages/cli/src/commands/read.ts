import type { ConversationId, UserId } from '@conclave/protocol';
import { conversationLabel, sanitize, type ChatMessage, type ConclaveClient, type FileAttachment } from '@conclave/client';
import { closeClient, connectNonInteractive, passwordSource, pickUser } from '../connect.js';
import { CliError, EXIT, oneLine } from '../errors.js';
import { saveDownload } from '../files/save.js';
import { formatReadJson, formatReadLine, type SavedFile } from '../format.js';
import { expandHome } from '../profile.js';
import { establishTrust } from '../tls/trust.js';
import { parseServerAddress } from '../url.js';
import { profileDirOf, type ScriptOptions } from './options.js';

export interface ReadOptions extends ScriptOptions {
  follow?: boolean;
  json?: boolean;
  /** Seconds: with --follow, how long to keep reading; without, the limit for catching up. */
  timeout?: number;
  /** Save each file received into this folder (created if missing). */
  downloadDir?: string;
}

/**
 * `conclave read URL --user NAME`: prints the messages after the profile's
 * cursors (and advances them), then exits when caught up; `--follow` keeps
 * printing until `--timeout` seconds (or forever). With `--download-dir DIR`
 * each file received is downloaded, checked and saved there before its line
 * is printed (`saveDownload`: never overwriting, nothing kept of a file that
 * fails its check); a file that cannot be saved is one stderr line instead,
 * the others go on, and the exit status is 1.
 * @throws CliError / ConclaveError with a one-line reason.
 */
export async function runRead(url: string, opts: ReadOptions): Promise<void> {
  const addr = parseServerAddress(url);
  const profileDir = profileDirOf(opts);
  const user = await pickUser(profileDir, addr, opts.user);
  const timeoutMs = opts.timeout === undefined ? undefined : opts.timeout * 1000;
  const downloadDir = opts.downloadDir === undefined ? undefined : expandHome(opts.downloadDir);
  // Lines are printed in arrival order; a JSON line with mentions may first ask the server for names, a file be saved first.
  let printed: Promise<void> = Promise.resolve();
  let names: MentionNames | null = null;
  let unsaved = 0;
  const print = (m: ChatMessage, client: ConclaveClient): void => {
    const resolver = names;
    printed = printed.then(async () => {
      let saved: SavedFile | undefined;
      if (downloadDir !== undefined && m.kind === 'file' && m.file !== undefined && m.deleted !== true) {
        try {
          saved = await saveReceived(client, m.file, downloadDir);
        } catch (err) {
          unsaved++;
          process.stderr.write(`conclave: ${whereOf(m)} ${sanitize(m.file.name).replace(/\n/g, ' ')}: ${oneLine(err)}\n`);
          return;
        }
      }
      if (opts.json !== true) return void process.stdout.write(`${formatReadLine(m, saved)}\n`);
      const mentions = m.mentions === undefined || resolver === null ? undefined : await resolver.names(m.conversationId, m.mentions);
      process.stdout.write(`${formatReadJson(m, mentions, saved)}\n`);
    });
  };
  /** Exit status 1 once the lines are out, when a file could not be saved (each already said why). */
  const settle = (): void => {
    if (unsaved > 0) throw new CliError(`${unsaved} file(s) not saved`, EXIT.failure, true);
  };
  const onClient = (client: ConclaveClient): void => {
    names = new MentionNames(client);
    client.on('message', (m) => {
      names?.learn(m.sender.userId, m.sender.username);
      print(m, client);
    });
  };
  const work = (async () => {
    const trust = await establishTrust({ addr, profileDir, ...(opts.fingerprint !== undefined && { expected: opts.fingerprint }) });
    return connectNonInteractive({
      addr,
      trust,
      profileDir,
      user,
      password: passwordSource(opts.passwordStdin === true),
      onClient,
    });
  })();
  if (opts.follow !== true) {
    const client = await withTimeout(work, timeoutMs);
    await withTimeout(printed, timeoutMs);
    await closeClient(client);
    return settle();
  }
  const client = await work;
  await new Promise<void>((resolve, reject) => {
    client.on('connection', (change) => {
      if (change.state === 'closed') reject(change.error ?? new CliError('connection closed'));
    });
    if (timeoutMs !== undefined) setTimeout(resolve, timeoutMs);
    for (const signal of stopSignals(process.platform)) process.once(signal, () => resolve());
  })
    .then(() => printed)
    .finally(() => closeClient(client))
    .then(settle);
}

/** `[#general] 12`: where a message is, as a `read` line starts. */
function whereOf(m: ChatMessage): string {
  return `[${conversationLabel(m.conversation, m.conversationId)}] ${m.seq}`;
}

/**
 * Downloads `file` into `dir` (see `saveDownload`).
 * @throws ConclaveError (`CONCLAVE_ERR_FILE_CORRUPT`, `NOT_MEMBER`, `BLOB_NOT_FOUND`, `FILE_TRANSFER`…), CliError for the folder
 */
async function saveReceived(client: ConclaveClient, file: FileAttachment, dir: string): Promise<SavedFile> {
  const { path, result } = await saveDownload(dir, file.name, (write) => client.downloadFile(file, write));
  return { path, sha256: result.sha256 };
}

/**
 * Usernames for the user ids a message mentions: those of senders seen and of
 * the user, else the conversation's members as the server lists them (asked
 * once per conversation). An id no one answers for stays an id.
 */
class MentionNames {
  private readonly known = new Map<UserId, string>();
  private readonly asked = new Map<ConversationId, Promise<void>>();

  constructor(private readonly client: ConclaveClient) {}

  learn(userId: UserId, username: string): void {
    this.known.set(userId, username);
  }

  async names(conversationId: ConversationId, ids: readonly UserId[]): Promise<string[]> {
    const me = this.client.snapshot().me;
    if (me !== null) this.learn(me.userId, me.username);
    if (ids.some((id) => !this.known.has(id))) {
      let asking = this.asked.get(conversationId);
      if (asking === undefined) {
        asking = this.client
          .who(conversationId)
          .then((r) => {
            for (const u of [...(r.members ?? []), ...r.online]) this.learn(u.userId, u.username);
          })
          .catch(() => undefined);
        this.asked.set(conversationId, asking);
      }
      await asking;
    }
    return ids.map((id) => this.known.get(id) ?? id);
  }
}

/**
 * The signals that end `read --follow` cleanly (client closed, cursors
 * saved). Windows never delivers SIGTERM (listening is harmless) but has
 * Ctrl-Break (SIGBREAK), which would otherwise end the process on the spot.
 */
export function stopSignals(platform: NodeJS.Platform): NodeJS.Signals[] {
  return platform === 'win32' ? ['SIGINT', 'SIGTERM', 'SIGBREAK'] : ['SIGINT', 'SIGTERM'];
}

function withTimeout<T>(promise: Promise<T>, ms: number | undefined): Promise<T> {
  if (ms === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new CliError(`timed out after ${ms / 1000} s`, EXIT.failure)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
