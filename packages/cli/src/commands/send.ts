import type { ConversationInfo } from '@conclave/protocol';
import { normalizeRoom, type ConclaveClient, type SentReceipt } from '@conclave/client';
import { closeClient, connectNonInteractive, passwordSource, pickUser } from '../connect.js';
import { CliError, EXIT } from '../errors.js';
import { establishTrust } from '../tls/trust.js';
import { parseServerAddress } from '../url.js';
import { profileDirOf, type ScriptOptions } from './options.js';

export interface SendOptions extends ScriptOptions {
  to: string;
}

/**
 * `conclave send URL --user NAME --to '#room'|USER TEXT…`: sends one message
 * and resolves after the server's `sent` ack. Never consumes the profile's
 * read cursors. Joins an existing room if needed (never creates one).
 * @throws CliError / ConclaveError with a one-line reason.
 */
export async function runSend(url: string, words: string[], opts: SendOptions): Promise<void> {
  const text = words.join(' ');
  if (text.trim() === '') throw new CliError('nothing to send: give the message text after the options', EXIT.usage);
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
    const receipt = await client.sendText(conversation.conversationId, text);
    await ownHistoryWritten(client, receipt);
  } finally {
    await closeClient(client);
  }
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
