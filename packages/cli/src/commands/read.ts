import type { ConversationId, UserId } from '@conclave/protocol';
import type { ChatMessage, ConclaveClient } from '@conclave/client';
import { closeClient, connectNonInteractive, passwordSource, pickUser } from '../connect.js';
import { CliError, EXIT } from '../errors.js';
import { formatReadJson, formatReadLine } from '../format.js';
import { establishTrust } from '../tls/trust.js';
import { parseServerAddress } from '../url.js';
import { profileDirOf, type ScriptOptions } from './options.js';

export interface ReadOptions extends ScriptOptions {
  follow?: boolean;
  json?: boolean;
  /** Seconds: with --follow, how long to keep reading; without, the limit for catching up. */
  timeout?: number;
}

/**
 * `conclave read URL --user NAME`: prints the messages after the profile's
 * cursors (and advances them), then exits when caught up; `--follow` keeps
 * printing until `--timeout` seconds (or forever).
 * @throws CliError / ConclaveError with a one-line reason.
 */
export async function runRead(url: string, opts: ReadOptions): Promise<void> {
  const addr = parseServerAddress(url);
  const profileDir = profileDirOf(opts);
  const user = await pickUser(profileDir, addr, opts.user);
  const timeoutMs = opts.timeout === undefined ? undefined : opts.timeout * 1000;
  // Lines are printed in arrival order; a JSON line with mentions may first ask the server for names.
  let printed: Promise<void> = Promise.resolve();
  let names: MentionNames | null = null;
  const print = (m: ChatMessage): void => {
    if (opts.json !== true) {
      process.stdout.write(`${formatReadLine(m)}\n`);
      return;
    }
    const resolver = names;
    printed = printed.then(async () => {
      const mentions = m.mentions === undefined || resolver === null ? undefined : await resolver.names(m.conversationId, m.mentions);
      process.stdout.write(`${formatReadJson(m, mentions)}\n`);
    });
  };
  const onClient = (client: ConclaveClient): void => {
    names = new MentionNames(client);
    client.on('message', (m) => {
      names?.learn(m.sender.userId, m.sender.username);
      print(m);
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
    return;
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
    .finally(() => closeClient(client));
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
