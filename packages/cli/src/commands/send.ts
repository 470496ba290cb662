import { MAX_REACTION_CHARS, type ConversationInfo, type UserId } from '@conclave/protocol';
import { conversationLabel, expandShortcodes, mentionsIn, normalizeRoom, type ConclaveClient, type FileProgress, type SentReceipt } from '@conclave/client';
import { closeClient, connectNonInteractive, passwordSource, pickUser } from '../connect.js';
import { CliError, EXIT } from '../errors.js';
import { openLocalFile, type LocalFile } from '../files/local-file.js';
import { progressText } from '../files/progress.js';
import { expandHome } from '../profile.js';
import { establishTrust } from '../tls/trust.js';
import { parseServerAddress } from '../url.js';
import { profileDirOf, type ScriptOptions } from './options.js';

export interface SendOptions extends ScriptOptions {
  to: string;
  /** Print `{"conversation": …, "seq": …}` for what was sent. */
  json?: boolean;
  /** The message number the text answers. */
  replyTo?: number;
  /** The message number to react to; the text is the emoji (`:shortcode:` allowed). */
  react?: number;
  /** The number of your message whose text becomes the text given. */
  edit?: number;
  /** The number of your message to delete (no text needed). */
  delete?: number;
  /** A file to send (the text, if any, is its caption). */
  file?: string;
}

/** What one `send` does: a message (maybe a reply), or an act on message `target`. */
type Action =
  | { kind: 'text'; text: string; replyTo?: number }
  | { kind: 'file'; path: string; caption?: string; replyTo?: number }
  | { kind: 'react'; target: number; emoji: string }
  | { kind: 'edit'; target: number; text: string }
  | { kind: 'delete'; target: number };

/**
 * What the options and words ask for. Commander already refuses two of
 * `--reply-to`, `--react`, `--edit`, `--delete` together; this checks it again
 * for callers that bypass it.
 * @throws CliError (usage) when the text is missing, or the emoji is not one emoji
 */
export function sendAction(words: readonly string[], opts: Pick<SendOptions, 'replyTo' | 'react' | 'edit' | 'delete' | 'file'>): Action {
  const text = words.join(' ');
  const chosen = (['replyTo', 'react', 'edit', 'delete'] as const).filter((k) => opts[k] !== undefined);
  if (chosen.length > 1) throw new CliError(`give one of --reply-to, --react, --edit and --delete at a time (got ${chosen.map(flagOf).join(' and ')})`, EXIT.usage);
  if (opts.file !== undefined) {
    const act = chosen.find((k) => k !== 'replyTo');
    if (act !== undefined) throw new CliError(`--file sends a new message: it does not go with ${flagOf(act)}`, EXIT.usage);
    if (opts.file.trim() === '') throw new CliError('--file needs the path of a file', EXIT.usage);
    return {
      kind: 'file',
      path: opts.file,
      ...(text.trim() !== '' && { caption: text }),
      ...(opts.replyTo !== undefined && { replyTo: opts.replyTo }),
    };
  }
  if (opts.delete !== undefined) return { kind: 'delete', target: opts.delete };
  if (opts.react !== undefined) {
    const emoji = expandShortcodes(text.trim());
    if (emoji === '') throw new CliError('which emoji? give it after the options, e.g. --react 12 👍 or --react 12 :tada:', EXIT.usage);
    if (/\s/.test(emoji) || emoji.length > MAX_REACTION_CHARS) throw new CliError(`"${emoji}" is not one emoji: --react takes a single emoji or :shortcode:`, EXIT.usage);
    return { kind: 'react', target: opts.react, emoji };
  }
  if (text.trim() === '') {
    throw new CliError(opts.edit !== undefined ? 'what should it say now? give the new text after the options' : 'nothing to send: give the message text after the options', EXIT.usage);
  }
  if (opts.edit !== undefined) return { kind: 'edit', target: opts.edit, text };
  return opts.replyTo !== undefined ? { kind: 'text', text, replyTo: opts.replyTo } : { kind: 'text', text };
}

function flagOf(key: 'replyTo' | 'react' | 'edit' | 'delete'): string {
  return key === 'replyTo' ? '--reply-to' : `--${key}`;
}

/**
 * `conclave send URL --user NAME --to '#room'|USER TEXT…`: sends one message
 * (a reply with `--reply-to N`), a file (`--file PATH`, TEXT its caption:
 * encrypted here, uploaded, then announced; an image's size in pixels is
 * read from its header, no thumbnail is made), or acts on message N of that
 * conversation (`--react N EMOJI`, `--edit N TEXT`, `--delete N`), and
 * resolves after the server's `sent` ack; with `--json` prints
 * `{"conversation","seq"}` of what was sent. A file's progress goes to
 * stderr when that is a terminal. `@name`s of the conversation's members in a text are sent as
 * mentions. Never consumes the profile's read cursors. Joins an existing
 * room if needed (never creates one).
 * @throws CliError / ConclaveError with a one-line reason (`CONCLAVE_ERR_NOT_YOURS`
 *   for an edit or delete of a message that is not the user's, or not on this device)
 */
export async function runSend(url: string, words: string[], opts: SendOptions): Promise<void> {
  const action = sendAction(words, opts);
  if (action.kind !== 'file') return sendWith(url, opts, action);
  // A file that cannot be read is refused before anything connects.
  return sendWith(url, opts, { ...action, file: await openLocalFile(expandHome(action.path)) });
}

/** An `Action` ready to perform: a file's is checked and described. */
type Ready = Exclude<Action, { kind: 'file' }> | (Extract<Action, { kind: 'file' }> & { file: LocalFile });

async function sendWith(url: string, opts: SendOptions, action: Ready): Promise<void> {
  const addr = parseServerAddress(url);
  const profileDir = profileDirOf(opts);
  const user = await pickUser(profileDir, addr, opts.user);
  const trust = await establishTrust({ addr, profileDir, ...(opts.fingerprint !== undefined && { expected: opts.fingerprint }) });
  const client = await connectNonInteractive({
    addr,
    trust,
    profileDir,
    user,
    password: passwordSource(opts.passwordStdin === true),
    history: 'skip',
  });
  try {
    const conversation = await resolveTarget(client, opts.to);
    const receipt = await perform(client, conversation, action);
    await ownHistoryWritten(client, receipt);
    if (opts.json === true) process.stdout.write(`${JSON.stringify({ conversation: conversationLabel(conversation), seq: receipt.seq })}\n`);
  } finally {
    await closeClient(client);
  }
}

/** Sends the file of `action` with its caption, showing progress on a terminal's stderr. */
async function sendFile(client: ConclaveClient, conversation: ConversationInfo, action: Extract<Ready, { kind: 'file' }>): Promise<SentReceipt> {
  const { caption, replyTo, file } = action;
  const progress = process.stderr.isTTY ? (p: FileProgress) => process.stderr.write(`\r\x1b[K${progressText(p.stage, file.meta.name, p.doneBytes, p.totalBytes, file.source.size)}`) : undefined;
  try {
    return await client.sendFile(
      conversation.conversationId,
      file.source,
      { ...file.meta, ...(caption !== undefined && { caption }), ...(replyTo !== undefined && { replyTo }) },
      progress === undefined ? {} : { onProgress: progress },
    );
  } finally {
    if (progress !== undefined) process.stderr.write('\r\x1b[K');
  }
}

async function perform(client: ConclaveClient, conversation: ConversationInfo, action: Ready): Promise<SentReceipt> {
  const id = conversation.conversationId;
  switch (action.kind) {
    case 'file':
      return sendFile(client, conversation, action);
    case 'text': {
      const mentions = await mentionsOf(client, conversation, action.text);
      return client.sendText(id, action.text, { ...(action.replyTo !== undefined && { replyTo: action.replyTo }), mentions });
    }
    case 'react':
      return client.react(id, action.target, action.emoji, 'add');
    case 'edit':
      return client.edit(id, action.target, action.text, await mentionsOf(client, conversation, action.text));
    case 'delete':
      return client.deleteMessage(id, action.target);
  }
}

/** The members of `conversation` a text names with `@name` (asks the server for the members only when the text has an `@`). */
async function mentionsOf(client: ConclaveClient, conversation: ConversationInfo, text: string): Promise<UserId[]> {
  if (!text.includes('@')) return [];
  const who = await client.who(conversation.conversationId).catch(() => null);
  const people = new Map((who?.members ?? []).map((m) => [m.username.toLowerCase(), { userId: m.userId }]));
  return mentionsIn(text, people);
}

/** How long `send` waits for its own message to reach the local history, ms. */
const OWN_HISTORY_WAIT_MS = 2_000;

/**
 * Waits (bounded) until the message just acknowledged is in the local
 * history. The client core acks `sendText` on the server's `sent` frame
 * before its own history append finishes; exiting at once would lose the
 * text, and a later `read` would show "(sent from this device)". Returns at
 * once when the core has already written it.
 */
async function ownHistoryWritten(client: ConclaveClient, receipt: SentReceipt): Promise<void> {
  const deadline = Date.now() + OWN_HISTORY_WAIT_MS;
  while (Date.now() < deadline) {
    const recent = await client.history(receipt.conversationId, 20).catch(() => []);
    if (recent.some((e) => e.clientMsgId === receipt.clientMsgId)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function resolveTarget(client: ConclaveClient, to: string): Promise<ConversationInfo> {
  if (!to.startsWith('#')) return client.openDm(to.replace(/^@/, ''));
  const room = normalizeRoom(to);
  if (room === null) throw new CliError(`"${to}" is not a valid room name`, EXIT.usage);
  const joined = client.findConversation(room);
  if (joined !== undefined) return joined;
  const exists = (await client.rooms()).some((r) => r.name.toLowerCase() === room.toLowerCase());
  if (!exists) throw new CliError(`there is no room ${room} on this server`);
  return client.join(room);
}
