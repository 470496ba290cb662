import { assertNever, type ConversationInfo } from '@conclave/protocol';
import type { ConclaveClient } from '../client.js';
import { helpLines } from '../commands/catalog.js';
import type { Command } from '../commands/parse.js';
import { adminResultLines } from './admin-text.js';
import { conversationLabel, sanitize } from './format.js';
import { inviteLink } from './invite-link.js';
import type { VerifyCommands } from './verify-commands.js';

/** The commands that address no conversation of their own (`text`, `/msg` and `/join` are planned by the model). */
export type PlainCommand = Exclude<
  Command,
  { kind: 'text' | 'msg' | 'join' | 'empty' | 'reply' | 'me' | 'react' | 'edit' | 'delete' | 'topic' | 'search' | 'receipts' | 'mute' | 'goto' | 'upload' | 'download' }
>;

/** What a command needs from the model: the conversation on screen when it was typed, and where to say things. */
export interface CommandContext {
  client: ConclaveClient;
  verify: VerifyCommands;
  /** The conversation on screen when Enter was pressed (undefined: none, or one still being set up). */
  here: ConversationInfo | undefined;
  /** A line of output in the pane where the command was typed. */
  say: (text: string, tone?: 'info' | 'error' | 'ok', strong?: boolean) => void;
  keysHelp: string | undefined;
  exit: (reason: 'quit' | 'logout') => void;
}

/**
 * Runs one command (everything but text, `/msg` and `/join`).
 * @throws ConclaveError the server's refusal or a connection error (the model shows it as an error line).
 */
export async function runCommand(command: PlainCommand, ctx: CommandContext): Promise<void> {
  const { client, say, here } = ctx;
  switch (command.kind) {
    case 'help':
      for (const l of helpLines(command.topic ?? undefined, client.snapshot().me?.role === 'admin')) say(l);
      if (command.topic === null && ctx.keysHelp !== undefined) say(ctx.keysHelp);
      return;
    case 'who': {
      const result = await client.who(here?.conversationId);
      const names = result.online.map((u) => (u.devices > 1 ? `${u.username} (${u.devices} devices)` : u.username));
      say(`Online (${names.length}): ${names.join(', ') || 'nobody'}`);
      if (result.members !== undefined && here !== undefined) {
        const members = result.members.map((m) => `${m.online ? '●' : '○'} ${m.username}`);
        say(`In ${conversationLabel(here)} (${members.length}): ${members.join('  ')}`);
      }
      return;
    }
    case 'leave': {
      const target = command.room === null ? here : client.findConversation(command.room);
      if (target === undefined) {
        say(command.room === null ? 'You are in no conversation.' : `You are not in ${command.room}.`, 'error');
        return;
      }
      await client.leave(target.conversationId);
      say(`You left ${conversationLabel(target)}.`, 'ok');
      return;
    }
    case 'verify':
      await ctx.verify.verify(command.user, command.confirm);
      return;
    case 'devices':
      await ctx.verify.devices(command.user);
      return;
    case 'rooms': {
      const rooms = await client.rooms();
      const topics = new Map(client.snapshot().conversations.map((c) => [c.conversationId, c.topic]));
      say(`Rooms on this server (${rooms.length}):`);
      for (const r of rooms) {
        const topic = topics.get(r.conversationId);
        say(`  ${r.name.padEnd(20)} ${String(r.members).padStart(3)} member${r.members === 1 ? ' ' : 's'}${r.joined ? '  · joined' : ''}${topic === undefined ? '' : `  — ${sanitize(topic)}`}`);
      }
      return;
    }
    case 'invite': {
      const invite = await client.createInvite(command.hours ?? undefined);
      say(`Invite code: ${invite.code}  (single use, valid until ${new Date(invite.expiresAt).toLocaleString()})`, 'ok');
      say(`Invite link: ${inviteLink(client.serverUrl, invite.code)}  (opens the register page with the code filled in)`, 'ok');
      return;
    }
    case 'admin': {
      const result = await client.admin(command.command);
      for (const line of adminResultLines(result, Date.now())) say(line.text, line.tone, line.strong === true);
      return;
    }
    case 'kick': {
      const room = command.room ?? here;
      if (room === undefined || (typeof room !== 'string' && room.kind !== 'room')) {
        say('From which room? e.g. /kick bob #random', 'error');
        return;
      }
      const result = await client.admin({ action: 'kick', username: command.user, room: typeof room === 'string' ? room : room.name });
      for (const line of adminResultLines(result, Date.now())) say(line.text, line.tone);
      return;
    }
    case 'logout':
      await client.logout();
      ctx.exit('logout');
      return;
    case 'quit':
      ctx.exit('quit');
      return;
    case 'invalid':
      say(command.usage === null ? command.message : `${command.message} ${command.usage}`, 'error');
      return;
    default:
      assertNever(command);
  }
}
