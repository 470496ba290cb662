import { ACCOUNT_RULES, ROOM_NAME_PATTERN } from '@conclave/protocol';
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

function parseArguments(name: CommandName, rest: string): Command {
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
  }
}
