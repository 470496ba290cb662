import type { ConversationId, UserId } from '@conclave/protocol';
import type { ConclaveClient } from '../client.js';
import type { Command } from '../commands/parse.js';
import { conversationLabel, sanitize } from './format.js';
import { expandShortcodes } from './markdown.js';
import { messageKey, type Panes } from './pane-items.js';

/** The commands that act on messages or the room on screen (not texts). */
export type MessageCommand = Extract<Command, { kind: 'react' | 'edit' | 'delete' | 'topic' | 'search' | 'receipts' | 'mute' | 'goto' }>;

/** The parts of the chat model a message command uses (`ChatModel` is one). */
export interface MessageCommandHost {
  readonly client: ConclaveClient;
  readonly panes: Panes;
  react(key: string, emoji: string): Promise<void>;
  editMessage(conversationId: ConversationId, seq: number, text: string): Promise<void>;
  deleteMessage(conversationId: ConversationId, seq: number): Promise<void>;
  search(query: string, limit?: number): Promise<Array<{ where: string; seq: number; sender: string; snippet: string }>>;
  reveal(conversationId: ConversationId, key: string): Promise<boolean>;
}

/** What a message command needs: the model, the conversation on screen when it was typed, and where to answer. */
export interface MessageCommandContext {
  model: MessageCommandHost;
  here: ConversationId | null;
  say: (text: string, tone?: 'info' | 'error' | 'ok') => void;
}

/** Search results listed by `/search`. */
const SEARCH_RESULTS = 10;

/**
 * Runs `/react`, `/edit`, `/delete`, `/topic`, `/search`, `/receipts` or `/mute`/`/unmute`.
 * @throws ConclaveError the client's or the server's refusal (the model shows it as an error line)
 */
export async function runMessageCommand(command: MessageCommand, ctx: MessageCommandContext): Promise<void> {
  const { model, here, say } = ctx;
  if (command.kind === 'receipts') {
    if (command.on === null) {
      say(`Read markers are ${model.client.readReceipts ? 'on: others see when you have read their messages' : 'off: others do not see when you have read their messages'}. /receipts on|off changes it.`);
      return;
    }
    await model.client.setReadReceipts(command.on);
    say(command.on ? 'Read markers on: others see when you have read their messages.' : 'Read markers off: nobody sees when you have read their messages (you still see theirs).', 'ok');
    return;
  }
  if (command.kind === 'search') {
    const hits = await model.search(command.query, SEARCH_RESULTS);
    if (hits.length === 0) {
      say(`No message kept on this device matches "${sanitize(command.query)}".`);
      return;
    }
    say(`Messages matching "${sanitize(command.query)}" (best first; /goto ${hits[0]?.where} ${hits[0]?.seq} shows one):`);
    for (const h of hits) say(`  ${h.where}  ${h.seq}  ${h.sender}: ${h.snippet}`);
    return;
  }
  if (command.kind === 'goto') {
    const where = command.where === null ? (here === null ? undefined : model.client.findConversation(here)) : model.client.findConversation(command.where.replace(/^@/, ''));
    if (where === undefined) {
      say(command.where === null ? 'Open a conversation first, or name one: /goto #general 12' : `You are in no conversation ${command.where}.`, 'error');
      return;
    }
    const shown = await model.reveal(where.conversationId, messageKey({ conversationId: where.conversationId, seq: command.seq }));
    if (!shown) say(`Message ${command.seq} of ${conversationLabel(where)} is not on this device.`, 'error');
    return;
  }
  if (here === null) {
    say('Open a conversation first.', 'error');
    return;
  }
  switch (command.kind) {
    case 'mute': {
      await model.client.setMuted(here, command.on);
      const label = conversationLabel(model.client.findConversation(here));
      say(command.on ? `${label} is muted on this device: no sound for its messages (mentions of you still ring). /unmute to hear it again.` : `${label} is no longer muted.`, 'ok');
      return;
    }
    case 'react':
      await model.react(messageKey({ conversationId: here, seq: command.seq }), expandShortcodes(command.emoji));
      return;
    case 'edit':
      await model.editMessage(here, command.seq, command.text);
      return;
    case 'delete': {
      if (command.confirm) {
        await model.deleteMessage(here, command.seq);
        say(`Message ${command.seq} deleted for everyone.`, 'ok');
        return;
      }
      const found = model.panes.locate(messageKey({ conversationId: here, seq: command.seq }));
      const text = found?.item.kind === 'message' ? found.item.text.split('\n')[0]?.slice(0, 60) : undefined;
      say(`Delete your message ${command.seq}${text === undefined ? '' : ` "${text}"`} for everyone? Type /delete ${command.seq} yes`);
      return;
    }
    case 'topic': {
      if (command.topic === null) {
        const topic = model.client.snapshot().conversations.find((c) => c.conversationId === here)?.topic;
        say(topic === undefined ? 'No topic set. /topic TEXT sets one.' : `Topic: ${sanitize(topic)}`);
        return;
      }
      await model.client.setTopic(here, command.topic);
      return;
    }
  }
}

/**
 * The users a text mentions: each `@name` that is a known user's name
 * (case-insensitive), once each, in order. `people` maps lower-case names to users.
 */
export function mentionsIn(text: string, people: ReadonlyMap<string, { userId: UserId }>): UserId[] {
  const found: UserId[] = [];
  for (const match of text.matchAll(/(^|[^\w@])@([A-Za-z0-9_.-]{1,64})/g)) {
    const name = (match[2] ?? '').replace(/[.-]+$/, '').toLowerCase();
    const user = people.get(name);
    if (user !== undefined && !found.includes(user.userId)) found.push(user.userId);
  }
  return found;
}
