/** The slash commands a user can type, with their help text. */
export const COMMANDS = {
  help: { usage: '/help [COMMAND]', summary: 'list commands, or explain one', aliases: [] },
  who: { usage: '/who', summary: 'who is online, and who is in this conversation', aliases: ['names'] },
  msg: { usage: '/msg USER [TEXT]', summary: 'private message; without TEXT, switch to the conversation with USER', aliases: ['whisper', 'query'] },
  join: { usage: '/join #ROOM', summary: 'join a room (created if it does not exist) and switch to it', aliases: ['j'] },
  leave: { usage: '/leave [#ROOM]', summary: 'leave a room (default: the current one)', aliases: ['part'] },
  rooms: { usage: '/rooms', summary: 'list the rooms on this server', aliases: [] },
  reply: { usage: '/reply N TEXT', summary: 'answer message N of this conversation (its number is shown before it)', aliases: ['re'] },
  react: { usage: '/react N EMOJI', summary: 'react to message N with an emoji or :shortcode: (again to take it back)', aliases: [] },
  edit: { usage: '/edit N TEXT', summary: 'change the text of your message N (or press ↑ in an empty line)', aliases: [] },
  delete: { usage: '/delete N [yes]', summary: 'delete your message N for everyone', aliases: ['del'] },
  me: { usage: '/me ACTION', summary: 'say what you are doing, e.g. /me waves', aliases: [] },
  topic: { usage: '/topic [TEXT]', summary: "show or set this room's topic (/topic - clears it)", aliases: [] },
  search: { usage: '/search WORDS', summary: 'search the messages kept on this device', aliases: ['find'] },
  goto: { usage: '/goto [#ROOM|@USER] N', summary: 'show message N (of this conversation, or the one named), e.g. a /search result', aliases: [] },
  upload: { usage: '/upload PATH [CAPTION]', summary: 'send a file or image, end-to-end encrypted (a PATH with spaces in "quotes")', aliases: ['file'] },
  download: { usage: '/download N [DIR]', summary: 'save the file of message N (default: ~/Downloads)', aliases: ['dl'] },
  mute: { usage: '/mute', summary: 'silence this conversation on this device (mentions of you still ring)', aliases: [] },
  unmute: { usage: '/unmute', summary: 'hear this conversation again', aliases: [] },
  receipts: { usage: '/receipts [on|off]', summary: 'whether others see when you have read their messages', aliases: [] },
  verify: { usage: '/verify USER [yes]', summary: 'compare your safety number with USER and mark their devices verified', aliases: [] },
  devices: { usage: '/devices [USER]', summary: "list USER's devices (default: yours) with key fingerprints and trust", aliases: [] },
  logout: { usage: '/logout', summary: 'end this session on the server and quit', aliases: [] },
  quit: { usage: '/quit', summary: 'quit (you stay logged in for next time)', aliases: ['exit'] },
  invite: { usage: '/invite [HOURS]', summary: 'create a one-time registration code (default 24 h)', aliases: [], admin: true },
  adduser: { usage: '/adduser NAME [PASSWORD]', summary: 'create an account (a strong password is made up when none is given)', aliases: [], admin: true },
  listusers: { usage: '/listusers', summary: 'every user: role, online, last seen, devices', aliases: ['users'], admin: true },
  logoutuser: { usage: '/logoutuser NAME', summary: "end all of NAME's sessions and disconnect their devices", aliases: [], admin: true },
  deluser: { usage: '/deluser NAME', summary: 'delete an account (the name stays reserved)', aliases: [], admin: true },
  promote: { usage: '/promote NAME', summary: 'make NAME an admin', aliases: [], admin: true },
  demote: { usage: '/demote NAME', summary: 'make NAME a member again (not the last admin)', aliases: [], admin: true },
  kick: { usage: '/kick NAME [#ROOM]', summary: 'remove NAME from a room (default: the current one)', aliases: [], admin: true },
  broadcast: { usage: '/broadcast TEXT', summary: 'a server notice to everyone online', aliases: [], admin: true },
  notice: { usage: '/notice USER TEXT', summary: 'a server notice to one user', aliases: [], admin: true },
  status: { usage: '/status', summary: 'users and devices online, rooms, messages per minute, uptime', aliases: [], admin: true },
  settings: { usage: '/settings', summary: 'the server settings with their defaults', aliases: [], admin: true },
  set: { usage: '/set KEY VALUE', summary: 'change a server setting (see /settings)', aliases: [], admin: true },
  audit: { usage: '/audit [N]', summary: 'the last N admin actions (default 20)', aliases: [], admin: true },
  shutdown: { usage: '/shutdown [SECONDS]', summary: 'tell everyone, then stop the server (default: now)', aliases: [], admin: true },
} as const satisfies Record<string, { usage: string; summary: string; aliases: readonly string[]; admin?: true }>;

/** A command's canonical name, e.g. `msg` (also typed as `/whisper`). */
export type CommandName = keyof typeof COMMANDS;

/** Canonical names in help order. */
export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

/** True for the commands only admins may run (the server enforces it; help lists them apart). */
export function isAdminCommand(name: CommandName): boolean {
  return 'admin' in COMMANDS[name];
}

/** Every spelling a user may type (names and aliases) → canonical name. */
export const SPELLINGS: ReadonlyMap<string, CommandName> = new Map(
  COMMAND_NAMES.flatMap((name) => [name, ...COMMANDS[name].aliases].map((s) => [s, name] as const)),
);

/**
 * Help lines: one per command (`usage — summary`, usages padded to align),
 * the admin commands under their own heading when `includeAdmin`; or the
 * usage, summary and aliases of one command.
 */
export function helpLines(topic?: CommandName, includeAdmin = true): string[] {
  if (topic !== undefined) {
    const c = COMMANDS[topic];
    const aliases: readonly string[] = c.aliases;
    return [
      `${c.usage} — ${c.summary}${isAdminCommand(topic) ? ' (admins only)' : ''}`,
      ...(aliases.length > 0 ? [`also: ${aliases.map((a) => `/${a}`).join(', ')}`] : []),
    ];
  }
  const width = Math.max(...COMMAND_NAMES.map((n) => COMMANDS[n].usage.length));
  const line = (n: CommandName) => `${COMMANDS[n].usage.padEnd(width)}  ${COMMANDS[n].summary}`;
  const admin = COMMAND_NAMES.filter(isAdminCommand);
  return [
    ...COMMAND_NAMES.filter((n) => !isAdminCommand(n)).map(line),
    `${'TEXT'.padEnd(width)}  send to the current conversation (start with // to send a leading /)`,
    ...(includeAdmin ? ['Admin commands:', ...admin.map(line)] : []),
  ];
}
