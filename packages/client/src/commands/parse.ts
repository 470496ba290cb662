import { ACCOUNT_RULES, MAX_AUDIT_ENTRIES, MAX_NOTICE_CHARS, MAX_SHUTDOWN_SECONDS, ROOM_NAME_PATTERN, type AdminCommand } from '@conclave/protocol';
import { COMMANDS, SPELLINGS, type CommandName } from './catalog.js';
import { closest } from './distance.js';

/** What the user typed, understood. Dispatch with an exhaustive `switch` on `kind`. */
export type Command =
  /** Nothing to do (blank line). */
  | { kind: 'empty' }
  /** A message for the current conversation. */
  | { kind: 'text'; text: string }
  | { kind: 'help'; topic: CommandName | null }
  | { kind: 'who' }
  /** `text: null` switches to the DM without sending. */
  | { kind: 'msg'; user: string; text: string | null }
  /** `room` is normalised to `#name`. */
  | { kind: 'join'; room: string }
  /** `room: null` means the current conversation. */
  | { kind: 'leave'; room: string | null }
  | { kind: 'rooms' }
  /** `/reply N TEXT`: a message answering message `seq` of the current conversation. */
  | { kind: 'reply'; seq: number; text: string }
  /** `/react N EMOJI` (`emoji` as typed: an emoji or a `:shortcode:`). */
  | { kind: 'react'; seq: number; emoji: string }
  | { kind: 'edit'; seq: number; text: string }
  /** `confirm: false` asks first (`/delete N yes` deletes). */
  | { kind: 'delete'; seq: number; confirm: boolean }
  /** `/me waves`: an action. */
  | { kind: 'me'; text: string }
  /** `topic: null` shows the topic; '' clears it. */
  | { kind: 'topic'; topic: string | null }
  | { kind: 'search'; query: string }
  /** `/goto [#ROOM|@USER] N`: `where: null` is the conversation on screen. */
  | { kind: 'goto'; where: string | null; seq: number }
  /** `on: null` shows the setting. */
  | { kind: 'receipts'; on: boolean | null }
  /** `/upload PATH [CAPTION]`: the path as typed (the terminal expands `~`). */
  | { kind: 'upload'; path: string; caption: string | null }
  /** `/download N [DIR]`: the file of message N, to DIR (default: the UI's downloads folder). */
  | { kind: 'download'; seq: number; dir: string | null }
  /** `/mute` (`on: true`) or `/unmute` the conversation on screen. */
  | { kind: 'mute'; on: boolean }
  /**
   * `confirm: false` shows the safety number with USER; `confirm: true`
   * (`/verify USER yes`, typed after comparing) marks the devices it covers verified.
   */
  | { kind: 'verify'; user: string; confirm: boolean }
  /** `user: null` means your own devices. */
  | { kind: 'devices'; user: string | null }
  /** `hours: null` lets the server pick its default (24). */
  | { kind: 'invite'; hours: number | null }
  | { kind: 'logout' }
  | { kind: 'quit' }
  /** An admin command, ready for `client.admin` (the server checks the role). */
  | { kind: 'admin'; command: AdminCommand }
  /** `/kick NAME [#ROOM]`: `room: null` means the current conversation. */
  | { kind: 'kick'; user: string; room: string | null }
  /** Not understood: show `message` (and `usage`, when known) to the user. */
  | { kind: 'invalid'; message: string; usage: string | null };

/** A command's kind tag. */
export type CommandKind = Command['kind'];

const MAX_INVITE_HOURS = 720;

function invalid(message: string, name?: CommandName): Command {
  return { kind: 'invalid', message, usage: name === undefined ? null : `Usage: ${COMMANDS[name].usage}` };
}

/** `general` or `#general` → `#general`; null when not a valid room name. */
export function normalizeRoom(word: string): string | null {
  const room = word.startsWith('#') ? word : `#${word}`;
  return ROOM_NAME_PATTERN.test(room) ? room : null;
}

/** An `invalid` command when `word` (optionally `@`-prefixed) is not a username, else null. */
function badUsername(word: string, name: CommandName): Command | null {
  if (word.startsWith('#')) return invalid(`${word} is a room, not a user.`, name);
  if (!ACCOUNT_RULES.usernamePattern.test(word.replace(/^@/, ''))) return invalid(`"${word}" is not a valid username.`, name);
  return null;
}

/** Splits off the first whitespace-delimited word. */
function firstWord(text: string): [string, string] {
  const match = /^(\S+)\s*([\s\S]*)$/.exec(text.trim());
  return match === null ? ['', ''] : [match[1] ?? '', match[2] ?? ''];
}

/**
 * Parses one line of user input. Never throws: anything not understood
 * comes back as `{ kind: 'invalid' }` with a short hint (did-you-mean for a
 * mistyped command, the usage line for missing or bad arguments).
 * A line starting with `//` is text with one `/` removed.
 */
export function parseCommand(line: string): Command {
  const input = line.replace(/[\r\n]+$/, '');
  if (input.trim() === '') return { kind: 'empty' };
  if (input.startsWith('//')) return { kind: 'text', text: input.slice(1) };
  if (!input.startsWith('/')) return { kind: 'text', text: input };

  const [word, rest] = firstWord(input.slice(1));
  const typed = word.toLowerCase();
  const name = SPELLINGS.get(typed);
  if (name === undefined) {
    if (typed === '') return invalid('Type a command after /, e.g. /help (or // to send a leading /).');
    const guess = closest(typed, [...SPELLINGS.keys()]);
    const suggestion = guess === null ? '' : ` Did you mean /${guess}?`;
    return invalid(`Unknown command /${word}.${suggestion} Type /help for the list.`);
  }
  return parseArguments(name, rest);
}

/** A whole number from `min` to `max`, or null. */
function wholeNumber(word: string, min: number, max: number): number | null {
  const n = Number(word);
  return Number.isInteger(n) && n >= min && n <= max ? n : null;
}

/** `NAME` alone (an optional `@`): the admin command for it, or an invalid hint. */
function oneUser(name: CommandName, rest: string, make: (username: string) => AdminCommand): Command {
  const [user, extra] = firstWord(rest);
  if (user === '') return invalid('Which user? Give a username.', name);
  if (extra !== '') return invalid('One username only.', name);
  return badUsername(user, name) ?? { kind: 'admin', command: make(user.replace(/^@/, '')) };
}

/** Notice text: trimmed, 1 to `MAX_NOTICE_CHARS` characters, or an invalid hint. */
function noticeText(name: CommandName, text: string): string | Command {
  const trimmed = text.trim();
  if (trimmed === '') return invalid('What should it say? Give the text.', name);
  if (trimmed.length > MAX_NOTICE_CHARS) return invalid(`Notices are at most ${MAX_NOTICE_CHARS} characters.`, name);
  return trimmed;
}

function parseAdmin(name: CommandName, rest: string): Command | null {
  switch (name) {
    case 'adduser': {
      const [user, password] = firstWord(rest);
      if (user === '') return invalid('Which username? e.g. /adduser bob', name);
      const bad = badUsername(user, name);
      if (bad !== null) return bad;
      const username = user.replace(/^@/, '');
      return { kind: 'admin', command: password === '' ? { action: 'add_user', username } : { action: 'add_user', username, password } };
    }
    case 'listusers':
      return { kind: 'admin', command: { action: 'list_users' } };
    case 'settings':
      return { kind: 'admin', command: { action: 'settings' } };
    case 'status':
      return { kind: 'admin', command: { action: 'status' } };
    case 'logoutuser':
      return oneUser(name, rest, (username) => ({ action: 'logout_user', username }));
    case 'deluser':
      return oneUser(name, rest, (username) => ({ action: 'delete_user', username }));
    case 'promote':
      return oneUser(name, rest, (username) => ({ action: 'promote', username }));
    case 'demote':
      return oneUser(name, rest, (username) => ({ action: 'demote', username }));
    case 'kick': {
      const [user, roomWord] = firstWord(rest);
      if (user === '') return invalid('Remove whom? Give a username.', name);
      const bad = badUsername(user, name);
      if (bad !== null) return bad;
      if (roomWord === '') return { kind: 'kick', user: user.replace(/^@/, ''), room: null };
      const room = normalizeRoom(roomWord.trim());
      if (room === null) return invalid(`"${roomWord.trim()}" is not a valid room name.`, name);
      return { kind: 'kick', user: user.replace(/^@/, ''), room };
    }
    case 'broadcast': {
      const text = noticeText(name, rest);
      return typeof text === 'string' ? { kind: 'admin', command: { action: 'broadcast', text } } : text;
    }
    case 'notice': {
      const [user, body] = firstWord(rest);
      if (user === '') return invalid('To whom? Give a username, then the text.', name);
      const bad = badUsername(user, name);
      if (bad !== null) return bad;
      const text = noticeText(name, body);
      return typeof text === 'string' ? { kind: 'admin', command: { action: 'notice', username: user.replace(/^@/, ''), text } } : text;
    }
    case 'set': {
      const [key, value] = firstWord(rest);
      if (key === '' || value.trim() === '') return invalid('Give a setting and a value, e.g. /set registration open (see /settings).', name);
      return { kind: 'admin', command: { action: 'set', key, value: value.trim() } };
    }
    case 'audit': {
      const [word, extra] = firstWord(rest);
      if (word === '') return { kind: 'admin', command: { action: 'audit' } };
      const limit = wholeNumber(word, 1, MAX_AUDIT_ENTRIES);
      if (limit === null || extra !== '') return invalid(`N is a whole number from 1 to ${MAX_AUDIT_ENTRIES}.`, name);
      return { kind: 'admin', command: { action: 'audit', limit } };
    }
    case 'shutdown': {
      const [word, extra] = firstWord(rest);
      if (word === '') return { kind: 'admin', command: { action: 'shutdown' } };
      const seconds = wholeNumber(word, 0, MAX_SHUTDOWN_SECONDS);
      if (seconds === null || extra !== '') return invalid(`SECONDS is a whole number from 0 to ${MAX_SHUTDOWN_SECONDS}.`, name);
      return { kind: 'admin', command: { action: 'shutdown', seconds } };
    }
    default:
      return null;
  }
}

/** A `"quoted"` or bare first word and the rest; null when there is none; invalid when a quote is not closed. */
function quotedOrWord(text: string): { word: string; rest: string } | Command | null {
  if (text === '') return null;
  if (text.startsWith('"')) {
    const end = text.indexOf('"', 1);
    if (end < 0) return { kind: 'invalid', message: 'A quote is not closed: put the path between two ".', usage: null };
    return { word: text.slice(1, end), rest: text.slice(end + 1) };
  }
  const [word, rest] = firstWord(text);
  return { word, rest };
}

/** `N` (a message number: its seq, shown before it) then the rest; an invalid hint when N is not one. */
function messageNumber(name: CommandName, rest: string, needRest: string | null): { seq: number; rest: string } | Command {
  const [word, after] = firstWord(rest);
  if (word === '') return invalid('Which message? Give its number (shown before it).', name);
  const seq = wholeNumber(word.replace(/^#/, ''), 1, Number.MAX_SAFE_INTEGER);
  if (seq === null) return invalid(`"${word}" is not a message number.`, name);
  if (needRest !== null && after.trim() === '') return invalid(needRest, name);
  return { seq, rest: after };
}

/** The message commands (`/reply`, `/react`, `/edit`, `/delete`, `/me`, `/topic`, `/search`, `/receipts`), else null. */
function parseMessageCommand(name: CommandName, rest: string): Command | null {
  switch (name) {
    case 'reply': {
      const n = messageNumber(name, rest, 'What is your answer? Give the text after the number.');
      return 'kind' in n ? n : { kind: 'reply', seq: n.seq, text: n.rest };
    }
    case 'react': {
      const n = messageNumber(name, rest, 'Which emoji? e.g. /react 12 👍 or /react 12 :tada:');
      if ('kind' in n) return n;
      const emoji = n.rest.trim();
      if (/\s/.test(emoji)) return invalid('One emoji only.', name);
      return { kind: 'react', seq: n.seq, emoji };
    }
    case 'edit': {
      const n = messageNumber(name, rest, 'What should it say now? Give the new text after the number.');
      return 'kind' in n ? n : { kind: 'edit', seq: n.seq, text: n.rest };
    }
    case 'delete': {
      const n = messageNumber(name, rest, null);
      if ('kind' in n) return n;
      const extra = n.rest.trim().toLowerCase();
      if (extra === '') return { kind: 'delete', seq: n.seq, confirm: false };
      if (extra === 'yes') return { kind: 'delete', seq: n.seq, confirm: true };
      return invalid(`Type "/delete ${n.seq} yes" to delete it.`, name);
    }
    case 'me':
      return rest.trim() === '' ? invalid('What are you doing? e.g. /me waves', name) : { kind: 'me', text: rest.trim() };
    case 'topic':
      if (rest.trim() === '') return { kind: 'topic', topic: null };
      return { kind: 'topic', topic: rest.trim() === '-' ? '' : rest.trim() };
    case 'search':
      return rest.trim() === '' ? invalid('Search for what? Give a word or two.', name) : { kind: 'search', query: rest.trim() };
    case 'goto': {
      const [first, after] = firstWord(rest);
      const named = first.startsWith('#') || first.startsWith('@');
      const n = messageNumber(name, named ? after : rest, null);
      if ('kind' in n) return n;
      if (n.rest.trim() !== '') return invalid('Give one conversation and one number, e.g. /goto #general 12', name);
      return { kind: 'goto', where: named ? first : null, seq: n.seq };
    }
    case 'upload': {
      const path = quotedOrWord(rest.trim());
      if (path === null) return invalid('Which file? e.g. /upload ~/photos/cat.jpg Our cat', name);
      if ('kind' in path) return path;
      return { kind: 'upload', path: path.word, caption: path.rest.trim() === '' ? null : path.rest.trim() };
    }
    case 'download': {
      const n = messageNumber(name, rest, null);
      if ('kind' in n) return n;
      const dir = quotedOrWord(n.rest.trim());
      if (dir !== null && 'kind' in dir) return dir;
      if (dir !== null && dir.rest.trim() !== '') return invalid('Give one folder (in "quotes" if it has spaces).', name);
      return { kind: 'download', seq: n.seq, dir: dir?.word ?? null };
    }
    case 'mute':
    case 'unmute':
      return rest.trim() === '' ? { kind: 'mute', on: name === 'mute' } : invalid(`/${name} acts on the conversation on screen: type it there, with nothing after it.`, name);
    case 'receipts': {
      const word = rest.trim().toLowerCase();
      if (word === '') return { kind: 'receipts', on: null };
      if (word === 'on' || word === 'off') return { kind: 'receipts', on: word === 'on' };
      return invalid('Say on or off.', name);
    }
    default:
      return null;
  }
}

function parseArguments(name: CommandName, rest: string): Command {
  const message = parseMessageCommand(name, rest);
  if (message !== null) return message;
  const admin = parseAdmin(name, rest);
  if (admin !== null) return admin;
  switch (name) {
    case 'help': {
      if (rest === '') return { kind: 'help', topic: null };
      const [word] = firstWord(rest);
      const topic = word.replace(/^\//, '').toLowerCase();
      const known = SPELLINGS.get(topic);
      if (known !== undefined) return { kind: 'help', topic: known };
      const guess = closest(topic, [...SPELLINGS.keys()]);
      return invalid(`No command /${topic}.${guess === null ? '' : ` Did you mean /${guess}?`}`, 'help');
    }
    case 'who':
    case 'rooms':
    case 'logout':
    case 'quit':
      return { kind: name };
    case 'msg': {
      const [user, text] = firstWord(rest);
      if (user === '') return invalid('Whom to? Give a username.', 'msg');
      if (user.startsWith('#')) return invalid(`${user} is a room: use /join ${user} to talk there.`, 'msg');
      if (!ACCOUNT_RULES.usernamePattern.test(user)) return invalid(`"${user}" is not a valid username.`, 'msg');
      return { kind: 'msg', user, text: text.trim() === '' ? null : text };
    }
    case 'verify': {
      const [user, extra] = firstWord(rest);
      if (user === '') return invalid('Verify whom? Give a username.', 'verify');
      const bad = badUsername(user, 'verify');
      if (bad !== null) return bad;
      const name = user.replace(/^@/, '');
      if (extra === '') return { kind: 'verify', user: name, confirm: false };
      if (extra.trim().toLowerCase() === 'yes') return { kind: 'verify', user: name, confirm: true };
      return invalid(`Type "/verify ${name} yes" only once the safety numbers match.`, 'verify');
    }
    case 'devices': {
      const [user, extra] = firstWord(rest);
      if (user === '') return { kind: 'devices', user: null };
      if (extra !== '') return invalid('One username only.', 'devices');
      return badUsername(user, 'devices') ?? { kind: 'devices', user: user.replace(/^@/, '') };
    }
    case 'join': {
      const [word, extra] = firstWord(rest);
      if (word === '') return invalid('Which room? e.g. /join #random', 'join');
      if (extra !== '') return invalid('Room names have no spaces.', 'join');
      const room = normalizeRoom(word);
      if (room === null) return invalid(`"${word}" is not a valid room name (# then 1–32 letters, digits, _ -).`, 'join');
      return { kind: 'join', room };
    }
    case 'leave': {
      const [word, extra] = firstWord(rest);
      if (word === '') return { kind: 'leave', room: null };
      const room = normalizeRoom(word);
      if (room === null || extra !== '') return invalid(`"${rest.trim()}" is not a valid room name.`, 'leave');
      return { kind: 'leave', room };
    }
    case 'invite': {
      const [word, extra] = firstWord(rest);
      if (word === '') return { kind: 'invite', hours: null };
      const hours = Number(word);
      if (extra !== '' || !Number.isFinite(hours) || hours <= 0 || hours > MAX_INVITE_HOURS) {
        return invalid(`HOURS is a number from 1 to ${MAX_INVITE_HOURS}.`, 'invite');
      }
      return { kind: 'invite', hours };
    }
    default:
      // Every admin command was handled by parseAdmin.
      return invalid(`/${name} is not available here.`);
  }
}
